"""The installed ``tagger`` command, run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import weather_rows, write_jsonl

# The console script installed beside this Python (a venv need not be activated).
TAGGER = shutil.which("tagger", path=os.path.dirname(sys.executable)) or shutil.which("tagger") or "tagger"


def run(*args: str, stdin: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    if args[0] == "tagger":
        args = (TAGGER, *args[1:])
    return subprocess.run(args, input=stdin, capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize("command", [["tagger"], [sys.executable, "-m", "tagger"]])
def test_help_and_version(command):
    assert os.path.exists(TAGGER), "the console script is not installed"
    out = run(*command, "--help")
    assert out.returncode == 0 and "predict" in out.stdout and "train" in out.stdout
    version = run(*command, "--version")
    assert version.returncode == 0 and version.stdout.startswith("tagger ")


def test_train_then_predict_json(weather_labels, tmp_path):
    model = tmp_path / "model"
    trained = run("tagger", "train", str(weather_labels), "-o", str(model))
    assert trained.returncode == 0, trained.stderr
    assert "micro-F1" in trained.stdout and "precision" in trained.stdout and (model / "meta.json").exists()
    # The article rule kept for the single-label task, and what it was judged against.
    kept = json.loads((model / "meta.json").read_text())["training"]["article_rules_judged"]["mood"]["kept"]
    assert f"mood: kept {kept} (held-out articles" in trained.stdout and "weighted mean" in trained.stdout
    text = "Paragraph 1.1: a gale battered the pier; a red alert is in force."
    out = run("tagger", "predict", "--model", str(model), "--json", "-", stdin=text)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)["article"]
    assert result["paragraphs"][0]["tags"]["sky"] == ["wind"]
    table = run("tagger", "predict", "--model", str(model), "-", stdin=text)
    assert "wind" in table.stdout and "mood" in table.stdout


def test_bad_labels_exit_1_with_file_and_line(weather_labels, tmp_path):
    rows, _ = weather_rows()
    rows[2]["sky"] = ["sunn"]
    write_jsonl(weather_labels / "paragraphs.jsonl", rows)
    out = run("tagger", "train", str(weather_labels), "-o", str(tmp_path / "m"))
    assert out.returncode == 1
    assert "paragraphs.jsonl:3" in out.stderr and "did you mean 'sun'" in out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "m").exists()


def test_missing_input_file_and_bad_model_are_clear(tmp_path):
    out = run("tagger", "predict", "--model", str(tmp_path), str(tmp_path / "nope.txt"))
    assert out.returncode == 1 and "Traceback" not in out.stderr and "tagger: error:" in out.stderr


def test_usage_error_exits_2():
    assert run("tagger", "predict", "--level", "sentence").returncode == 2
