"""Batch tagging in-process: rows, formats, order, bounded streaming, resume, predict_frame."""

from __future__ import annotations

import codecs
import json
import os
import random
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

import tagger
from tagger.batch import rows as batch_rows
from tagger.batch.inputs import BatchUsageError, InputOptions, iter_units, walk
from tagger.batch.run import (
    FileRun,
    InlineExecutor,
    TagOptions,
    chunk_units,
    ordered_results,
    register_model,
    stop_signals_between_chunks,
)

SENTENCES = [
    "Showers soaked the valley before dawn",
    "a downpour flooded the lanes near the market",
    "bright sunshine warmed the coast all week",
    "gusts tore at the rooftops of the old town",
    "an amber warning was issued for the hills",
    "officials urged people to stay indoors tonight",
    "forecasters expect a quiet week ahead",
    "the council met on Tuesday to discuss the fair",
    "a gale battered the pier and closed the ferry",
    "clear skies lasted all afternoon",
]


def article_text(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(2, 5)):
        sentences = rng.sample(SENTENCES, rng.randint(1, 3))
        paragraphs.append(". ".join(s[0].upper() + s[1:] for s in sentences) + ".")
    return "\n\n".join(paragraphs) + "\n"


def write_corpus(root: Path, n: int = 40, seed: int = 0, bad: bool = True) -> Path:
    """``n`` weather articles in nested folders, plus (``bad``) one file of each kind that must fail."""
    rng = random.Random(seed)
    for i in range(n):
        folder = root / f"part{i % 3}" / ("deep" if i % 5 == 0 else "")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"a{i:03d}.{'md' if i % 4 == 0 else 'txt'}").write_text(article_text(rng), encoding="utf-8")
    if bad:
        (root / "binary.txt").write_bytes(b"\x00\x01rain\x00")
        (root / "empty.txt").write_bytes(b"")
        (root / "legacy.txt").write_bytes("Caf\u00e9 owners said \u201cthe gale\u201d was fierce.".encode("cp1252"))
        (root / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + "Clear skies lasted.".encode("utf-16-le"))
        (root / "table.jsonl").write_text(
            json.dumps({"id": "j1", "text": article_text(rng)}) + "\n" + json.dumps({"id": "j2"}) + "\n",
            encoding="utf-8",
        )
        (root / "table.csv").write_text("id,text\nc1,A gale battered the pier.\n", encoding="utf-8")
        (root / "nocolumn.csv").write_text("id,body\nc1,A gale battered the pier.\n", encoding="utf-8")
    return root


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus")


def test_tag_paths_rows_match_predict(weather_model, corpus):
    model, path = weather_model
    got = list(tagger.tag_paths(corpus, model=path))
    articles = [r for r in got if r["level"] == "article"]
    errors = {r["id"]: r["error"] for r in got if r["level"] == "error"}
    assert set(errors) == {"binary.txt", "empty.txt", "j2", "nocolumn.csv"}
    assert "no column 'text'" in errors["nocolumn.csv"]
    by_id = {r["id"]: r for r in articles}
    assert by_id["legacy.txt"]["encoding"] == "cp1252" and by_id["utf16.txt"]["encoding"] == "utf-16-le"
    # Rows come in the walk's order, and each article's tags and scores are the model's.
    walked = [f.id for f in walk([corpus])]
    file_rows = [r["id"] for r in got if r["path"].endswith((".txt", ".md"))]
    assert file_rows == [i for i in walked if i.endswith((".txt", ".md"))]
    some = by_id["part1/a001.txt"]
    text = (corpus / "part1" / "a001.txt").read_text(encoding="utf-8")
    expected = model.predict(text)
    for task in model.schema.task_names:
        assert some[task] == expected.tags[task]
        for tag, score in expected.scores[task].items():
            assert some[f"score.{task}.{tag}"] == score
    assert some["n_paragraphs"] == len(expected.paragraphs)
    assert some["model_id"] == model.meta["model_id"] and some["tagger_version"] == tagger.__version__
    import hashlib

    assert some["sha256"] == hashlib.sha256((corpus / "part1" / "a001.txt").read_bytes()).hexdigest()
    assert by_id["c1"]["record"] == 1 and by_id["j1"]["path"].endswith("table.jsonl")


def test_level_both_puts_each_articles_paragraphs_after_it(weather_model, corpus):
    _, path = weather_model
    got = [r for r in tagger.tag_paths(corpus / "part0", model=path, level="both")]
    current = None
    for row in got:
        if row["level"] == "article":
            current, seen = row, 0
        else:
            assert row["level"] == "paragraph" and row["id"] == current["id"] and row["paragraph"] == seen
            text = Path(row["path"]).read_text(encoding="utf-8")
            assert " ".join(text[row["start"] : row["end"]].split()) == row["text"]
            seen += 1
    paragraph_only = list(tagger.tag_paths(corpus / "part0", model=path, level="paragraph"))
    assert paragraph_only == [r for r in got if r["level"] == "paragraph"]


def test_tag_paths_is_lazy_and_checks_its_arguments(weather_model, corpus, tmp_path):
    _, path = weather_model
    rows = tagger.tag_paths([corpus], model=path)
    assert iter(rows) is rows and next(rows)["level"] in ("article", "error")
    with pytest.raises(BatchUsageError, match="no such file or folder"):
        tagger.tag_paths(tmp_path / "missing", model=path)
    (tmp_path / "doc.pdf").write_bytes(b"%PDF")
    with pytest.raises(BatchUsageError, match="unsupported file type"):
        tagger.tag_paths(tmp_path / "doc.pdf", model=path)
    with pytest.raises(BatchUsageError, match="level"):
        tagger.tag_paths(corpus, model=path, level="sentence")


def test_streaming_keeps_few_chunks_in_flight_and_reads_lazily(weather_model, tmp_path):
    model, _ = weather_model
    root = write_corpus(tmp_path / "c", n=60, bad=False)
    ref = register_model(model)
    walked = []

    def units():
        for unit in iter_units(walk([root]), InputOptions()):
            walked.append(unit.id)
            yield unit

    class Counting(InlineExecutor):
        workers = 2

        def __init__(self):
            super().__init__(ref)
            self.submitted = 0

    executor = Counting()
    original = executor.submit

    def submit(options, chunk):
        executor.submitted += 1
        return original(options, chunk)

    executor.submit = submit
    results = ordered_results(executor, TagOptions(), chunk_units(units(), files=5))
    first = next(results)
    # Only the window (2 * workers + 2 chunks) was read before the first result came out.
    assert executor.submitted <= 6 and len(walked) <= 30 and first.files == 5
    rest = list(results)
    assert sum(r.files for r in rest) + 5 == 60 and len(walked) == 60
    keys = [first.last_key] + [r.last_key for r in rest]
    assert keys == sorted(keys)


# -- files and resume --------------------------------------------------------------------------


def _run(model, root, out, fmt="jsonl", level="article", executor=None, **kwargs):
    ref = register_model(model)
    job = FileRun([str(root)], out, model, ref, TagOptions(level, fmt, InputOptions()), **kwargs)
    job.prepare()
    return job, job.run(executor or InlineExecutor(ref))


def _read(out: Path, fmt: str) -> pd.DataFrame:
    if fmt == "jsonl":
        return pd.DataFrame([json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()])
    if fmt == "csv":
        return pd.read_csv(out, keep_default_na=False, dtype=str)
    return pd.read_parquet(out)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_formats_hold_the_same_rows(weather_model, corpus, tmp_path, fmt):
    model, _ = weather_model
    out = tmp_path / f"out.{fmt}"
    job, stats = _run(model, corpus, out, fmt, level="both")
    assert out.exists() and not job.partial.exists() and not job.state_path.exists()
    table = _read(out, fmt)
    reference = pd.DataFrame(tagger.tag_paths(corpus, model=model, level="both"))
    assert len(table) == len(reference) and list(table["id"]) == list(reference["id"])
    assert stats.errors == (reference["level"] == "error").sum() == 4
    assert stats.articles == (reference["level"] == "article").sum()
    multi = next(t for t in model.schema.tasks if t.multi_label)
    if fmt == "csv":
        assert list(table.columns) == batch_rows.columns(model.schema, "both")
        joined = [";".join(v) if isinstance(v, list) else "" for v in reference[multi.name]]
        assert list(table[multi.name]) == joined
        score = f"score.{multi.name}.{multi.tag_names[0]}"
        assert [float(v) for v in table[score] if v] == [v for v in reference[score] if v == v]
        assert out.read_bytes().startswith(codecs.BOM_UTF8)
    if fmt == "parquet":
        lists = [list(v) if v is not None else None for v in table[multi.name]]
        assert lists == [v if isinstance(v, list) else None for v in reference[multi.name]]


def test_existing_output_is_never_overwritten_without_force(weather_model, corpus, tmp_path):
    model, _ = weather_model
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n", encoding="utf-8")
    ref = register_model(model)
    job = FileRun([str(corpus)], out, model, ref, TagOptions("article", "jsonl"))
    with pytest.raises(BatchUsageError, match="exists; pass --force"):
        job.prepare()
    assert out.read_text(encoding="utf-8") == "precious\n"
    _run(model, corpus, out, force=True)
    assert out.read_text(encoding="utf-8").count("\n") > 40


class _Crash(Exception):
    pass


class CrashingExecutor(InlineExecutor):
    """Fails on the ``n``-th chunk, like a run that dies half-way."""

    def __init__(self, ref, n):
        super().__init__(ref)
        self.n = n

    def submit(self, options, units):
        self.n -= 1
        if self.n == 0:
            raise _Crash("boom")
        return super().submit(options, units)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_resume_after_a_crash_gives_the_same_rows(weather_model, tmp_path, fmt):
    model, _ = weather_model
    root = write_corpus(tmp_path / "c", n=50)
    clean = tmp_path / f"clean.{fmt}"
    _run(model, root, clean, fmt, level="both", files_per_chunk=3)
    out = tmp_path / f"out.{fmt}"
    ref = register_model(model)
    with pytest.raises(_Crash):
        _run(model, root, out, fmt, "both", CrashingExecutor(ref, 9), files_per_chunk=3, checkpoint_seconds=0)
    state = json.loads((tmp_path / f"out.{fmt}.resume.json").read_text())
    assert state["units_done"] == 24 and not out.exists()
    # Without --resume the interrupted run is protected; with it, the run completes.
    job = FileRun([str(root)], out, model, ref, TagOptions("both", fmt, InputOptions()))
    with pytest.raises(BatchUsageError, match="--resume"):
        job.prepare()
    job, stats = _run(model, root, out, fmt, "both", resume=True, files_per_chunk=3)
    assert job.resumed and not job.state_path.exists()
    assert _read(out, fmt).equals(_read(clean, fmt))
    assert stats.files == 57 and stats.errors == 4


def test_resume_refuses_other_settings(weather_model, tmp_path):
    model, _ = weather_model
    root = write_corpus(tmp_path / "c", n=30)
    out = tmp_path / "out.jsonl"
    ref = register_model(model)
    with pytest.raises(_Crash):
        _run(model, root, out, "jsonl", "article", CrashingExecutor(ref, 3), files_per_chunk=3, checkpoint_seconds=0)
    job = FileRun([str(root)], out, model, ref, TagOptions("paragraph", "jsonl", InputOptions()), resume=True)
    with pytest.raises(BatchUsageError, match=r"other settings.*level"):
        job.prepare()


# -- predict_frame ---------------------------------------------------------------------------------


def test_predict_frame_adds_tag_and_score_columns(weather_model):
    model, path = weather_model
    texts = ["Showers soaked the valley. An amber warning was issued.", None, "Clear skies lasted all afternoon."]
    df = pd.DataFrame({"body": texts, "source": ["a", "b", "c"]}, index=[10, 20, 30])
    out = tagger.predict_frame(df, text_column="body", model=path)
    assert list(out.index) == [10, 20, 30] and list(out["source"]) == ["a", "b", "c"]
    assert "body" in out and "sky" in out and "mood" in out and "score.sky.rain" in out
    expected = model.predict(texts[0])
    assert out.loc[10, "sky"] == expected.tags["sky"] and out.loc[10, "mood"] == expected.tags["mood"]
    assert out.loc[10, "score.mood.alarm"] == expected.scores["mood"]["alarm"]
    assert out.loc[20, "sky"] is None and pd.isna(out.loc[20, "score.sky.rain"])
    assert out["n_paragraphs"].tolist()[0] == 1 and pd.isna(out["n_paragraphs"].tolist()[1])
    assert "sky" not in df  # the input is not changed


def test_predict_frame_errors(weather_model):
    model, _ = weather_model
    df = pd.DataFrame({"text": ["Gusts tore at the rooftops.", 5], "sky": [1, 2]})
    with pytest.raises(BatchUsageError, match="no column 'body'"):
        tagger.predict_frame(df, "body", model=model)
    with pytest.raises(BatchUsageError, match=r"already has a column 'sky'.*prefix"):
        tagger.predict_frame(df, model=model)
    with pytest.raises(TypeError, match="row 1: column 'text' holds a int"):
        tagger.predict_frame(df, model=model, prefix="tag_")
    ok = tagger.predict_frame(df.iloc[:1], model=model, prefix="tag_")
    assert "tag_sky" in ok and "tag_score.sky.rain" in ok and ok["sky"].tolist() == [1]


def test_stop_signals_are_raised_between_chunks_and_a_second_one_at_once():
    before = signal.getsignal(signal.SIGINT)
    reached = False
    with stop_signals_between_chunks() as check_stop:
        os.kill(os.getpid(), signal.SIGINT)
        reached = True  # the signal alone raised nothing: the chunk in hand still gets written
        with pytest.raises(KeyboardInterrupt):
            check_stop()
        with pytest.raises(KeyboardInterrupt):  # a second signal does not wait for the check
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
    assert reached and signal.getsignal(signal.SIGINT) is before
