"""``tagger tag`` as a user runs it: exit codes, summary, parallel runs, kill -9 and --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tagger
from tests.test_batch_run import write_corpus
from tests.test_cli import TAGGER


def tag(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``tagger tag ARGS`` in a subprocess, as a user runs it."""
    return subprocess.run([TAGGER, "tag", *args], capture_output=True, text=True, timeout=timeout)


def tag_here(capsys, *args: str) -> subprocess.CompletedProcess:
    """``tagger tag ARGS`` through the same entry point, in this process (no interpreter start-up)."""
    from tagger.cli.main import main

    capsys.readouterr()
    try:
        code = main(["tag", *args])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(["tagger", "tag", *args], code, captured.out, captured.err)


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [TAGGER, "tag", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def test_exit_1_lists_failed_files_and_prints_a_summary(weather_model, tmp_path, capsys):
    _, model = weather_model
    corpus = write_corpus(tmp_path / "c", n=12)
    out = tmp_path / "out.jsonl"
    result = tag(str(corpus), "-o", str(out), "--model", str(model))  # the installed command, once
    assert result.returncode == 1, result.stderr
    assert "4 files or records failed" in result.stderr
    assert "binary.txt: binary file" in result.stderr and "nocolumn.csv: no column 'text'" in result.stderr
    assert "tagged 19 files: 16 articles" in result.stderr and "files/s" in result.stderr
    assert "  sky: " in result.stderr and "  mood: " in result.stderr and f"wrote {out}" in result.stderr
    assert "\r" not in result.stderr and "it/s" not in result.stderr  # no progress bar off a terminal
    assert result.stdout == ""
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 20 and sum(r["level"] == "error" for r in rows) == 4
    good = tag_here(capsys, str(corpus / "part1"), "-o", str(tmp_path / "good.csv"), "--model", str(model), "-q")
    assert good.returncode == 0 and good.stderr == ""


def test_usage_errors_exit_2_and_leave_outputs_alone(weather_model, tmp_path, capsys):
    _, model = weather_model
    corpus = write_corpus(tmp_path / "c", n=3, bad=False)
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n", encoding="utf-8")
    cases = [
        ([str(corpus), "-o", str(out), "--model", str(model)], "exists; pass --force"),
        ([str(tmp_path / "nope"), "-o", str(tmp_path / "x.jsonl")], "no such file or folder"),
        ([str(corpus), "-o", str(out), "--resume", "--force"], "contradict"),
        ([str(corpus), "-o", str(tmp_path / "x.jsonl"), "--max-bytes", "huge"], "not a size"),
        ([str(corpus), "-o", str(tmp_path / "x.jsonl"), "--fallback-encoding", "klingon"], "unknown encoding"),
        ([str(corpus), "-o", str(tmp_path / "x.jsonl"), "--level", "sentence"], "invalid choice"),
        ([str(corpus), "-o", str(out), "--resume", "--model", str(model)], "nothing to resume"),
    ]
    for args, message in cases:
        result = tag_here(capsys, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
    assert out.read_text(encoding="utf-8") == "keep me\n"
    assert not (tmp_path / "x.jsonl").exists()


def test_two_jobs_write_the_same_bytes_as_one(weather_model, tmp_path, capsys):
    _, model = weather_model
    corpus = write_corpus(tmp_path / "c", n=150)
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        result = tag_here(capsys, str(corpus), "-o", str(out), "--model", str(model), "--jobs", jobs,
                          "--level", "both", "--chunk-files", "7")  # fmt: skip
        assert result.returncode == 1, result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") > 300


def _wait_for_progress(process: subprocess.Popen, state: Path, units: int) -> None:
    """Block until the run has checkpointed ``units`` units (it must still be running)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted: {process.communicate()[1]}")
        try:
            if json.loads(state.read_text(encoding="utf-8"))["units_done"] >= units:
                return
        except (FileNotFoundError, ValueError, KeyError):
            pass
        time.sleep(0.002)
    pytest.fail("no progress within 120 s")


@pytest.mark.parametrize(("fmt", "jobs"), [("jsonl", "1"), ("parquet", "2")])
def test_kill_9_then_resume_equals_an_uninterrupted_run(weather_model, tmp_path, capsys, fmt, jobs):
    _, model = weather_model
    corpus = write_corpus(tmp_path / "c", n=1500, bad=False)
    common = ["--model", str(model), "--level", "both", "--chunk-files", "3", "--quiet"]
    clean = tmp_path / f"clean.{fmt}"
    assert tag_here(capsys, str(corpus), "-o", str(clean), *common).returncode == 0
    out = tmp_path / f"out.{fmt}"
    state = tmp_path / f"out.{fmt}.resume.json"
    process = start(str(corpus), "-o", str(out), *common, "--jobs", jobs, "--checkpoint-seconds", "0")
    _wait_for_progress(process, state, 60)
    os.killpg(process.pid, signal.SIGKILL)  # the run and its workers, with no chance to clean up
    process.communicate()
    assert not out.exists() and state.exists()
    done = json.loads(state.read_text(encoding="utf-8"))["units_done"]
    assert 60 <= done < 1500
    resumed = tag_here(capsys, str(corpus), "-o", str(out), *common, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert not state.exists() and not (tmp_path / f"out.{fmt}.partial").exists()
    if fmt == "jsonl":
        assert out.read_bytes() == clean.read_bytes()
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    else:
        import pandas as pd

        left, right = pd.read_parquet(out), pd.read_parquet(clean)
        pd.testing.assert_frame_equal(left, right)
        rows = left.to_dict("records")
    articles = [r["id"] for r in rows if r["level"] == "article"]
    assert len(articles) == len(set(articles)) == 1500


def test_ctrl_c_saves_the_state_and_resume_finishes(weather_model, tmp_path, capsys):
    _, model = weather_model
    corpus = write_corpus(tmp_path / "c", n=1500, bad=False)
    common = ["--model", str(model), "--chunk-files", "3", "--quiet"]
    clean = tmp_path / "clean.csv"
    assert tag_here(capsys, str(corpus), "-o", str(clean), *common).returncode == 0
    out = tmp_path / "out.csv"
    # A checkpoint after every chunk makes the run slow enough that the interrupt always lands
    # mid-run: with the default interval a small model could finish 1,500 files before it.
    process = start(str(corpus), "-o", str(out), *common, "--jobs", "2", "--checkpoint-seconds", "0")
    _wait_for_progress(process, tmp_path / "out.csv.resume.json", 6)  # both workers have delivered
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C on a terminal does: the main process and its workers
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and "--resume" in stderr and not out.exists()
    assert "Traceback" not in stderr
    resumed = tag_here(capsys, str(corpus), "-o", str(out), *common, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == clean.read_bytes()


def test_progress_bar_on_a_terminal(weather_model, tmp_path):
    pty = pytest.importorskip("pty")
    _, model = weather_model
    corpus = write_corpus(tmp_path / "c", n=20, bad=False)
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [TAGGER, "tag", str(corpus), "-o", str(tmp_path / "o.jsonl"), "--model", str(model)],
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=120)
    os.close(master)
    assert process.returncode == 0
    assert b"20 files" in seen and b"tagged 20 files" in seen


def test_html_pages_are_reduced_to_their_main_text(weather_model, tmp_path, monkeypatch):
    _, model = weather_model
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Weather desk</title></head><body><nav>Home | Sport | Weather</nav>"
        "<article><h1>Storm warning</h1><p>A gale battered the pier on Monday and the ferry stayed in port "
        "while waves broke over the harbour wall.</p><p>Officials urged people to stay indoors tonight as an "
        "amber warning was issued for the hills and the coast.</p></article>"
        "<footer>Copyright the weather desk</footer></body></html>",
        encoding="utf-8",
    )
    pytest.importorskip("trafilatura")
    (row,) = tagger.tag_paths(page, model=model, level="article")
    assert row["level"] == "article" and row["n_paragraphs"] >= 2
    paragraphs = [r["text"] for r in tagger.tag_paths(page, model=model, level="paragraph")]
    assert any("gale battered the pier" in p for p in paragraphs)
    assert not any("Home | Sport" in p or "Copyright" in p for p in paragraphs)


def test_html_without_trafilatura_is_a_clear_error_row(weather_model, tmp_path, monkeypatch):
    model, _ = weather_model
    page = tmp_path / "page.htm"
    page.write_text("<html><body><p>Clear skies lasted all afternoon.</p></body></html>", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # as if the extra were not installed
    (row,) = tagger.tag_paths(page, model=model)
    assert row["level"] == "error" and "pip install 'tagger[html]'" in row["error"]


def test_a_file_that_vanishes_after_the_walk_is_an_error_row(weather_model, tmp_path):
    from tagger.batch.inputs import InputOptions, iter_units, walk
    from tagger.batch.run import TagOptions, process_chunk, register_model

    model, _ = weather_model
    corpus = write_corpus(tmp_path / "c", n=10, bad=False)
    units = list(iter_units(walk([corpus]), InputOptions()))  # listed, not yet read
    Path(units[3].path).unlink()
    result = process_chunk(register_model(model), TagOptions(), units)
    assert [r["level"] for r in result.payload].count("article") == 9
    assert result.payload[3]["level"] == "error" and "no such file" in result.payload[3]["error"]
    assert result.errors == [(units[3].path, result.payload[3]["error"])]


def test_a_tampered_model_fails_before_anything_is_written(weather_model, tmp_path, capsys):
    import shutil

    _, model = weather_model
    broken = tmp_path / "model"
    shutil.copytree(model, broken)
    weights = next(broken.glob("weights-*.npz"))
    weights.write_bytes(weights.read_bytes() + b"x")
    corpus = write_corpus(tmp_path / "c", n=3, bad=False)
    out = tmp_path / "out.jsonl"
    for jobs in ("1", "2"):  # loaded here, or only checked here for the workers
        result = tag_here(capsys, str(corpus), "-o", str(out), "--model", str(broken), "--jobs", jobs)
        assert result.returncode == 1 and "SHA-256 does not match" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "model"]
