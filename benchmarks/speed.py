"""Speed of the shipped model on one core, next to the baselines in the same run.

    python benchmarks/speed.py [--labels labels] [--model models/default] [--paragraphs 20000]

Pins the process to one core and one BLAS thread, then prints:
import time of ``tagger``; time to load the model; latency of ``predict`` on
one article of about 25 paragraphs; batch throughput (paragraphs/s) of the
model's scoring path and of the full ``predict`` path (splitting and result
objects included), next to the tuned baseline (word 1-2-gram + char_wb
2-5-gram TF-IDF, three logistic heads on one shared feature matrix) and a
word-only TF-IDF baseline, as ratios; and training time on LABELS.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity)"


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import tagger; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout)
        for _ in range(5)
    ]
    return min(runs)


def rate(fn, n_items: int, repeat: int = 3) -> float:
    best = min(_timed(fn) for _ in range(repeat))
    return n_items / best


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=Path, default=ROOT / "labels")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--paragraphs", type=int, default=20000)
    args = parser.parse_args()
    print(_pin_one_core())

    print(f"import tagger: {import_time() * 1000:.0f} ms (best of 5, fresh interpreters)")
    start = time.perf_counter()
    import tagger
    from tagger.labels import read_labels

    model = tagger.load(args.model)
    print(
        f"load model {model.meta['model_id']}: {(time.perf_counter() - start) * 1000:.0f} ms "
        "(includes importing scikit-learn)"
    )

    labels = read_labels(args.labels)
    texts = labels.paragraphs["text"].tolist()
    corpus = (texts * (args.paragraphs // len(texts) + 1))[: args.paragraphs]
    words = sum(len(t.split()) for t in corpus) / len(corpus)
    article = "\n\n".join(texts[100:125])
    model.predict(article)  # warm the stemmer cache as a long-running process would have it
    latencies = [_timed(lambda: model.predict(article)) for _ in range(50)]
    print(
        f"predict one article of 25 paragraphs: median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p90 {sorted(latencies)[44] * 1000:.1f} ms"
    )

    print(f"\nthroughput on {len(corpus)} paragraphs ({words:.0f} words on average), one core, all tasks:")
    ours_scoring = rate(lambda: model.paragraph_probabilities(corpus), len(corpus))
    docs = ["\n\n".join(corpus[i : i + 25]) for i in range(0, len(corpus), 25)]
    ours_full = rate(lambda: model.predict(docs), len(corpus))

    from sklearn.feature_extraction.text import TfidfVectorizer

    from benchmarks.quality import Baseline, tuned_vectorizer

    frame = labels.paragraphs
    targets = {t: frame[t].tolist() for t in labels.schema.task_names}
    tuned = Baseline(labels.schema, tuned_vectorizer, True).fit(texts, targets)
    words_only = Baseline(labels.schema, lambda: TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), True)
    words_only.fit(texts, targets)
    tuned_rate = rate(lambda: tuned.predict(corpus), len(corpus), repeat=1)
    words_rate = rate(lambda: words_only.predict(corpus), len(corpus))
    rows = [
        ("tagger, scoring (paragraph_probabilities)", ours_scoring),
        ("tagger, full predict() of 25-paragraph articles", ours_full),
        ("tuned baseline: word 1-2 + char_wb 2-5 TF-IDF", tuned_rate),
        ("word 1-2 TF-IDF baseline (no stemming)", words_rate),
    ]
    for name, value in rows:
        print(f"  {name:50} {value:9,.0f} paragraphs/s  ({value / tuned_rate:5.1f}x tuned baseline)")

    start = time.perf_counter()
    tagger.train(args.labels, None)
    print(
        f"\ntraining on {len(texts)} paragraphs (grouped 5-fold CV x 3 C values, then the final fit): "
        f"{time.perf_counter() - start:.1f} s"
    )


if __name__ == "__main__":
    main()
