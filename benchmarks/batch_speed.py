"""Throughput and memory of ``tagger tag`` on a generated corpus, next to the naive loop.

    python benchmarks/batch_speed.py [--files 20000] [--second 5000] [--model DIR]
                                     [--work /tmp/tagger-batch-bench] [--naive-files 1000]

1. Writes a corpus of ``--files`` article files (about 5 KB each, so 20,000 files
   make about 100 MB) and a second, smaller one of ``--second`` files, under
   ``--work`` (kept between runs; regenerated when the sizes change). Every
   sentence comes from this file's own templates (slots filled with places,
   forces, numbers, days; 2 to 5 sentences a paragraph, 13 to 21 paragraphs an
   article, a headline, a byline and sometimes a caption).
2. Runs ``tagger tag CORPUS -o OUT.jsonl --jobs 1`` and ``--jobs 2`` as a user
   would (a subprocess), timing the wall clock and sampling the memory (RSS) of
   the whole process tree, workers included, every 50 ms; then ``--jobs 2`` on
   the second corpus, to show that peak memory does not grow with the corpus.
3. Times the naive loop a user would write, in this process: read a file, split
   it on blank lines, and call a scikit-learn ``Pipeline`` (the model's own
   TF-IDF step and a ``MultiOutputClassifier`` of logistic regressions fitted to
   the model's tags, so the features are the same) ``predict`` paragraph by
   paragraph. It runs on ``--naive-files`` files spread evenly over the corpus
   (``0``: all of them; at about 15 paragraphs a file and a few ms a paragraph the
   whole corpus takes long) and its rate is compared with the batch runs.

Prints files/s, paragraphs/s and MB/s for each, the ratios (targets: ``--jobs 2``
at least 5x the naive loop, and at least 1.7x ``--jobs 1``), and the peak memory
for both corpus sizes. The load average is printed too: figures taken on a busy
machine are not comparable. No threshold is asserted here; this only measures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# -- the corpus ---------------------------------------------------------------------------------

PLACES = [
    "Mosul", "Raqqa", "Tal Afar", "Kirkuk", "Ramadi", "Fallujah", "Hawija", "Deir ez-Zor", "Hajin", "Manbij",
    "Baiji", "Tikrit", "Sinjar", "Qaim", "Abu Kamal", "Palmyra", "al-Bab", "Tabqa", "Shirqat", "Rutba",
]  # fmt: skip
REGIONS = [
    "Nineveh province",
    "Anbar province",
    "the Euphrates valley",
    "the Syrian desert",
    "Salahuddin province",
    "the Hamrin mountains",
    "the border area",
    "Diyala province",
    "the western desert",
    "the Tigris valley",
]
FORCES = [
    "Iraqi army units", "Kurdish Peshmerga fighters", "the US-led coalition", "Syrian Democratic Forces",
    "counter-terrorism troops", "federal police brigades", "tribal fighters", "Iraqi special forces",
    "coalition aircraft", "army engineers",
]  # fmt: skip
OFFICIALS = [
    "a spokesman for the Joint Operations Command", "the provincial governor", "a coalition spokesman",
    "the defence ministry", "a senior army commander", "the interior ministry", "a Kurdish security official",
    "the communications minister", "a military statement", "the prime minister's office",
]  # fmt: skip
EXPERTS = [
    "an analyst at a Washington research institute", "a researcher who tracks the group's media",
    "a security consultant based in Erbil", "a professor of Middle East politics", "a monitoring group",
    "an independent conflict researcher", "a former intelligence officer", "a think-tank fellow",
]  # fmt: skip
LOCALS = [
    "a shopkeeper who asked not to be named", "a teacher who fled last month", "a taxi driver", "a farmer",
    "a mother of four", "a local council member", "a student at the university", "a pharmacist",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
OUTLETS = ["Wire", "News Desk", "Staff", "Field Report"]
SURNAMES = ["Salih", "Haddad", "Karim", "Nouri", "Rahman", "Aziz", "Hussein", "Mustafa", "Jaber", "Farouk"]
GIVEN = ["Karwan", "Layla", "Omar", "Sara", "Ahmed", "Nadia", "Yusuf", "Hana", "Bilal", "Dalia"]

SENTENCES = {
    "military": [
        "{force} pushed into {n} villages east of {place} on {day}, meeting sniper fire and roadside bombs.",
        "{force} said they had retaken the {place} airport after a {n}-day offensive.",
        "Air strikes by {force2} hit {n} positions around {place}, destroying tunnels and weapons stores.",
        "The advance on {place} slowed as {force} cleared houses rigged with explosives.",
        "Commanders said the operation to secure {region} would resume once reinforcements arrived.",
        "Artillery pounded the outskirts of {place} through the night before {force} moved in at dawn.",
        "{force} reached the river bank in {place}, cutting the last supply route into the old city.",
        "The offensive, backed by {force2}, aims to close the corridor between {place} and {place2}.",
    ],
    "telecom": [
        "Mobile networks in {place} went dark on {day}, and residents said they had no internet for {n} days.",
        "The militants banned satellite dishes and smashed phones found with banned applications.",
        "Engineers restored a fibre link between {place} and {place2}, bringing back service to thousands.",
        "The operator said {n} towers in {region} had been destroyed or stripped of equipment.",
        "People climbed onto roofs near {place} to catch a signal from networks across the front line.",
        "Internet cafes in {place} reopened under rules that required owners to log every customer.",
        "The communications ministry said it would cut service in {region} during the exams.",
    ],
    "propaganda": [
        "A video released by the group's media office showed fighters parading through {place}.",
        "The group's online magazine urged supporters abroad to carry out attacks in its name.",
        "Accounts spreading the group's messages were taken down within hours, only to reappear under new names.",
        "The clip, filmed with drones over {place}, was designed to show the group was still in control.",
        "Recruiters used messaging channels to reach young men in {region}, promising money and status.",
        "The group's news agency claimed the attack within an hour, though details did not match.",
    ],
    "insurgency": [
        "A car bomb exploded at a checkpoint near {place} on {day}, killing {n} people and wounding {n2}.",
        "Gunmen ambushed a patrol on the road between {place} and {place2} after dark.",
        "Sleeper cells in {region} have stepped up kidnappings and extortion of truck drivers.",
        "Two village leaders who cooperated with the army were shot dead at their homes near {place}.",
        "Roadside bombs planted overnight struck a convoy carrying food to {place}.",
        "Police said a suicide bomber blew himself up at a market in {place}, the third attack this month.",
    ],
    "official": [
        '"The enemy is collapsing and our forces are advancing on every axis," said {official}.',
        "{official_cap} said {n} militants had been killed and dozens of weapons caches seized.",
        "In a statement, {official} said the situation in {place} was under full control.",
        "{official_cap} announced a curfew in {place} from {day} evening until further notice.",
    ],
    "expert": [
        '"Losing territory does not mean the group is finished; it is returning to its roots as an insurgency," '
        "said {expert}.",
        "{expert_cap} said the number of attacks in {region} had risen for {n} months in a row.",
        "According to {expert}, the group's income from oil and taxes has fallen by more than half.",
        '"They still have the networks and the patience to wait," said {expert}.',
    ],
    "local": [
        '"We stayed inside for {n} days and heard the fighting at night," said {local} in {place}.',
        "{local_cap} said prices of bread and fuel had tripled since the siege began.",
        '"Nobody comes to help us; we rebuild with our own hands," said {local}.',
        "Residents returning to {place} found their homes looted and the streets full of rubble.",
    ],
    "background": [
        "The group seized {place} in {month} {year}, declaring it part of its self-proclaimed state.",
        "Hundreds of thousands of people fled {region} during the fighting, and many still live in camps.",
        "{place} lies about {n} kilometres from {place2}, on the main road to the border.",
        "The city was once home to more than {n} thousand people and a busy market.",
    ],
}

HEADLINES = [
    "{force_cap} advance on {place} as militants answer with car bombs",
    "Internet blackout leaves {place} cut off for {n} days",
    "Militant group steps up attacks in {region}",
    "Residents of {place} count the cost of the battle",
    "Analysts warn of insurgent comeback around {place}",
    "Coalition says strikes near {place} hit militant leaders",
]


def _fill(template: str, rng: random.Random) -> str:
    official, expert, local = rng.choice(OFFICIALS), rng.choice(EXPERTS), rng.choice(LOCALS)
    force = rng.choice(FORCES)
    values = {
        "place": rng.choice(PLACES),
        "place2": rng.choice(PLACES),
        "region": rng.choice(REGIONS),
        "force": force,
        "force_cap": force[0].upper() + force[1:],
        "force2": rng.choice(FORCES),
        "official": official,
        "official_cap": official[0].upper() + official[1:],
        "expert": expert,
        "expert_cap": expert[0].upper() + expert[1:],
        "local": local,
        "local_cap": local[0].upper() + local[1:],
        "day": rng.choice(DAYS),
        "month": rng.choice(MONTHS),
        "year": rng.choice(["2014", "2015", "2016", "2017"]),
        "n": rng.randint(2, 40),
        "n2": rng.randint(5, 90),
    }
    text = template.format(**values)
    return text[0].upper() + text[1:]


def paragraph(rng: random.Random, kinds: list[str]) -> str:
    """A paragraph of 2 to 5 sentences, mostly from the article's main kinds."""
    count = rng.choices([2, 3, 4, 5], weights=[2, 4, 3, 1])[0]
    return " ".join(_fill(rng.choice(SENTENCES[rng.choice(kinds)]), rng) for _ in range(count))


def article(rng: random.Random) -> str:
    """One article: headline, byline, dateline paragraph, 10 to 18 body paragraphs, maybe a caption."""
    kinds = rng.sample(list(SENTENCES), 3)
    parts = [_fill(rng.choice(HEADLINES), rng), f"By {rng.choice(GIVEN)} {rng.choice(SURNAMES)}"]
    dateline = f"{rng.choice(PLACES).upper()}, Iraq ({rng.choice(OUTLETS)}) -- "
    parts.append(dateline + paragraph(rng, kinds))
    parts.extend(paragraph(rng, kinds) for _ in range(rng.randint(10, 18)))
    if rng.random() < 0.3:
        parts.append(f"Photo: {_fill(rng.choice(SENTENCES['background']), rng)}")
    return "\n\n".join(parts) + "\n"


def make_corpus(folder: str | Path, files: int, seed: int = 0, per_folder: int = 1000) -> tuple[int, int]:
    """Write ``files`` articles under ``folder`` (``.txt``, some ``.md``); returns (files, bytes)."""
    folder = Path(folder)
    rng = random.Random(seed)
    total = 0
    for i in range(files):
        sub = folder / f"batch-{i // per_folder:04d}"
        if i % per_folder == 0:
            sub.mkdir(parents=True, exist_ok=True)
        suffix = ".md" if i % 10 == 9 else ".txt"
        data = article(rng).encode("utf-8")
        (sub / f"article-{i:07d}{suffix}").write_bytes(data)
        total += len(data)
    return files, total


def ensure_corpus(folder: Path, files: int, seed: int) -> tuple[int, int]:
    """The corpus in ``folder``, written unless a matching one is already there; (files, bytes)."""
    marker = folder / ".corpus.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("files") == files and info.get("seed") == seed:
            return info["files"], info["bytes"]
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    n, size = make_corpus(folder, files, seed)
    marker.write_text(json.dumps({"files": n, "bytes": size, "seed": seed}))
    return n, size


# -- measuring ------------------------------------------------------------------------------------


def _tree_sample(process, cpu: dict[int, float]) -> tuple[int, int]:
    """(RSS of the process, RSS of it and all its descendants) in bytes; records each one's CPU seconds."""
    import psutil

    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    own = total = 0
    for member in members:
        try:
            rss = member.memory_info().rss
            times = member.cpu_times()
        except psutil.Error:
            continue
        cpu[member.pid] = times.user + times.system
        total += rss
        if member.pid == process.pid:
            own = rss
    return own, total


def run_tagger(corpus: Path, out: Path, model: str, jobs: int) -> dict:
    """Run ``tagger tag`` in a subprocess; wall time, peak RSS (main, tree) and paragraphs tagged."""
    import psutil

    command = [sys.executable, "-m", "tagger", "tag", str(corpus), "-o", str(out), "--model", model]
    command += ["--jobs", str(jobs), "--force", "--quiet"]
    peak = {"main": 0, "tree": 0}
    cpu: dict[int, float] = {}
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(child.pid)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            own, total = _tree_sample(watched, cpu)
            peak["main"] = max(peak["main"], own)
            peak["tree"] = max(peak["tree"], total)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = child.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"tagger tag failed ({child.returncode}):\n{stderr}")
    paragraphs = files = 0
    with open(out, encoding="utf-8") as stream:
        for line in stream:
            row = json.loads(line)
            files += 1
            paragraphs += row.get("n_paragraphs", 0)
    main_cpu = cpu.pop(child.pid, 0.0)
    return {"seconds": seconds, "files": files, "paragraphs": paragraphs, "cpu_main": main_cpu,
            "cpu_workers": sum(cpu.values()), **peak}  # fmt: skip


def naive_pipeline(model, sample_texts: list[str]):
    """A scikit-learn Pipeline with the model's TF-IDF and logistic heads fitted to the model's own tags."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.pipeline import Pipeline

    paragraphs = [p for text in sample_texts for p in text.split("\n\n") if p.strip()]
    results = model.predict_many(paragraphs, "paragraph")
    targets = []
    for result in results:
        tags = result[0].tags if result else {}
        row = []
        for task in model.schema.tasks:
            value = tags.get(task.name)
            if task.multi_label:
                row += [int(tag in (value or [])) for tag in task.tag_names]
            else:
                row.append(task.tag_names.index(value) if value in task.tag_names else 0)
        targets.append(row)
    y = np.array(targets)
    varied = [j for j in range(y.shape[1]) if len(set(y[:, j])) > 1]
    classifier = MultiOutputClassifier(LogisticRegression(max_iter=1000))
    classifier.fit(model.vectorizer.transform(paragraphs), y[:, varied])
    return Pipeline([("tfidf", model.vectorizer), ("clf", classifier)])


def run_naive(pipeline, paths: list[Path]) -> dict:
    """The loop a user would write: per file, per paragraph, ``pipeline.predict([paragraph])``."""
    started = time.perf_counter()
    paragraphs = size = 0
    tagged = []
    for path in paths:
        data = path.read_bytes()
        size += len(data)
        for paragraph in data.decode("utf-8").split("\n\n"):
            if paragraph.strip():
                tagged.append(pipeline.predict([paragraph])[0])
                paragraphs += 1
    return {"seconds": time.perf_counter() - started, "files": len(paths), "paragraphs": paragraphs, "bytes": size}


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=20000, help="files in the main corpus (default 20000)")
    parser.add_argument("--second", type=int, default=5000, help="files in the second corpus (peak memory)")
    parser.add_argument("--work", default="/tmp/tagger-batch-bench", help="folder for the corpora and outputs")
    parser.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    parser.add_argument("--naive-files", type=int, default=1000, help="files for the naive loop (0: all)")
    args = parser.parse_args()

    import psutil  # noqa: F401  (fail early: it comes with the dask extra, or pip install psutil)

    import tagger

    model_dir = args.model or str(tagger.default_model_path())
    if not (Path(model_dir) / "meta.json").exists():
        raise SystemExit(f"no model at {model_dir}: train one (tagger train labels -o /tmp/m) and pass --model")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    t = time.perf_counter()
    big_files, big_bytes = ensure_corpus(work / f"corpus-{args.files}", args.files, seed=1)
    small_files, small_bytes = ensure_corpus(work / f"corpus-{args.second}", args.second, seed=2)
    print(
        f"corpora: {big_files} files, {big_bytes / 1e6:.1f} MB; {small_files} files, {small_bytes / 1e6:.1f} MB "
        f"(ready in {time.perf_counter() - t:.1f} s)"
    )

    runs = {}
    for jobs in (1, 2):
        runs[jobs] = run_tagger(work / f"corpus-{args.files}", work / f"out-j{jobs}.jsonl", model_dir, jobs)
        r = runs[jobs]
        print(f"--jobs {jobs}: {r['seconds']:.1f} s")
    small = run_tagger(work / f"corpus-{args.second}", work / "out-small-j2.jsonl", model_dir, 2)

    model = tagger.load(model_dir)
    all_paths = sorted((work / f"corpus-{args.files}").rglob("article-*"))
    step = max(1, len(all_paths) // args.naive_files) if args.naive_files else 1
    sample = all_paths[::step][: args.naive_files or None]
    fit_texts = [p.read_text(encoding="utf-8") for p in all_paths[1::97][:200]]
    pipeline = naive_pipeline(model, fit_texts)
    naive = run_naive(pipeline, sample)
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    def rates(r: dict, size: int) -> tuple[float, float, float]:
        return r["files"] / r["seconds"], r["paragraphs"] / r["seconds"], size / 1e6 / r["seconds"]

    print()
    print(f"{'run':<28}{'files':>8}{'seconds':>9}{'files/s':>9}{'paras/s':>10}{'MB/s':>7}{'peak RSS (tree)':>17}")
    table = [
        (f"tagger tag --jobs 1 ({args.files})", runs[1], big_bytes),
        (f"tagger tag --jobs 2 ({args.files})", runs[2], big_bytes),
        (f"tagger tag --jobs 2 ({args.second})", small, small_bytes),
        (f"naive loop ({len(sample)} files)", naive, naive["bytes"]),
    ]
    for name, r, size in table:
        fps, pps, mbs = rates(r, size)
        peak = _mb(r["tree"]) if "tree" in r else "-"
        print(f"{name:<28}{r['files']:>8}{r['seconds']:>9.1f}{fps:>9.0f}{pps:>10.0f}{mbs:>7.2f}{peak:>17}")
    j1, j2, nv = rates(runs[1], big_bytes)[0], rates(runs[2], big_bytes)[0], rates(naive, naive["bytes"])[0]
    print()
    for name, r in (("--jobs 1", runs[1]), ("--jobs 2", runs[2])):
        print(
            f"CPU seconds, {name}: main process {r['cpu_main']:.1f}, workers {r['cpu_workers']:.1f} "
            f"(sampled every 50 ms; {1000 * (r['cpu_main'] + r['cpu_workers']) / r['files']:.2f} ms a file)"
        )
    print(f"--jobs 2 / naive loop:  {j2 / nv:.1f}x  (target >= 5)")
    print(f"--jobs 2 / --jobs 1:    {j2 / j1:.2f}x  (target >= 1.7)")
    print(
        f"peak memory, --jobs 2:  {_mb(runs[2]['tree'])} for {args.files} files, {_mb(small['tree'])} for "
        f"{args.second} files (main process {_mb(runs[2]['main'])} and {_mb(small['main'])})"
    )


if __name__ == "__main__":
    main()
