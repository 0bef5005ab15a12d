"""``tagger eval`` and :func:`tagger.model.evaluate.evaluate`: scores, matrices, curves, report, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tagger.errors import SchemaError, TaggerError
from tagger.labels import read_labels
from tagger.model.evaluate import evaluate, pr_curve, read_eval_labels
from tagger.model.training import task_targets
from tagger.report import render_report, write_report
from tests.conftest import WEATHER_SCHEMA, weather_rows, write_jsonl
from tests.test_cli import run


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``tagger ARGS`` in this process (faster than a subprocess): exit code, stdout, stderr."""
    from tagger.cli.main import main

    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _test_labels(folder: Path, *, schema: dict | None = WEATHER_SCHEMA, seed: int = 3, texts: bool = False) -> Path:
    """A held-out weather labels folder (other articles than the training set)."""
    folder.mkdir(parents=True)
    if schema is not None:
        (folder / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    paragraphs, articles = weather_rows(n_articles=6, seed=seed)
    for row in paragraphs:
        row["article"] = "t" + row["article"]
    for row in articles:
        row["article"] = "t" + row["article"]
    write_jsonl(folder / "paragraphs.jsonl", paragraphs)
    write_jsonl(folder / "articles.jsonl", articles)
    if texts:
        (folder / "texts").mkdir()
        for article in articles:
            body = "\n\n".join(p["text"] for p in paragraphs if p["article"] == article["article"])
            (folder / "texts" / f"{article['article']}.txt").write_text(body, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def scored(weather_model, tmp_path_factory):
    model, _ = weather_model
    folder = _test_labels(tmp_path_factory.mktemp("eval") / "labels", texts=True)
    labels = read_eval_labels(model, folder)
    return model, labels, evaluate(model, labels, [folder / "articles", folder / "texts"])


def test_scores_match_a_direct_count(scored):
    model, labels, result = scored
    frame = labels.paragraphs
    probs = model.paragraph_probabilities(frame["text"].tolist(), frame["article"].to_numpy())
    # single-label: accuracy and the confusion matrix agree with the predictions counted by hand
    mood = model.schema["mood"]
    truth = task_targets(mood, frame["mood"].tolist())
    guess = probs["mood"].argmax(axis=1)
    block = result["paragraph"]["mood"]
    matrix = np.array(block["confusion"]["matrix"])
    assert block["confusion"]["tags"] == list(mood.tag_names)
    assert matrix.sum() == len(frame) and np.trace(matrix) == int((truth == guess).sum())
    assert matrix[mood.tag_names.index("alarm")].sum() == int((frame["mood"] == "alarm").sum())
    assert block["accuracy"] == pytest.approx((truth == guess).mean(), abs=1e-4)
    # multi-label: per-tag support, and accuracy is the share of exactly right tag sets
    sky = model.schema["sky"]
    truth = task_targets(sky, frame["sky"].tolist())
    decided = probs["sky"] >= model.heads["sky"].thresholds
    block = result["paragraph"]["sky"]
    for j, tag in enumerate(sky.tag_names):
        hits = int((truth[:, j] & decided[:, j]).sum())
        assert block["per_tag"][tag]["support"] == int(truth[:, j].sum())
        assert block["per_tag"][tag]["precision"] == pytest.approx(hits / max(decided[:, j].sum(), 1), abs=1e-4)
    assert block["accuracy"] == pytest.approx(np.all(truth == decided, axis=1).mean(), abs=1e-4)
    assert {"micro_f1", "macro_f1"} <= set(block) and "confusion" not in block
    assert result["counts"] == {"paragraphs": 36, "articles": 6, "article_labels": 6, "article_raw_texts": 6}
    assert set(result["article"]) == {"sky", "mood"} and "confusion" in result["article"]["mood"]


def test_curves_mark_the_operating_point(scored):
    model, labels, result = scored
    probs = model.paragraph_probabilities(labels.paragraphs["text"].tolist(), labels.paragraphs["article"].to_numpy())
    truth = task_targets(model.schema["sky"], labels.paragraphs["sky"].tolist())
    for j, tag in enumerate(model.schema["sky"].tag_names):
        curve = result["paragraph"]["sky"]["curves"][tag]
        point = curve["operating_point"]
        threshold = float(model.heads["sky"].thresholds[j])
        assert point["rule"] == "threshold" and point["threshold"] == pytest.approx(threshold, abs=1e-4)
        # The marked point is what thresholding the scores at the model's threshold gives.
        on = probs["sky"][:, j] >= threshold
        assert point["recall"] == pytest.approx((on & (truth[:, j] == 1)).sum() / truth[:, j].sum(), abs=1e-4)
        assert len(curve["precision"]) == len(curve["recall"]) == len(curve["thresholds"]) > 1
        assert 0 <= curve["average_precision"] <= 1
    assert result["paragraph"]["mood"]["curves"]["calm"]["operating_point"]["rule"] == "argmax"
    assert result["article"]["sky"]["curves"]["rain"]["operating_point"]["rule"] == "article rule"


def test_pr_curve_edge_cases():
    assert pr_curve(np.array([0, 0, 0]), np.array([0.1, 0.5, 0.9])) is None  # no positive: no curve
    curve = pr_curve(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1]))
    assert curve["thresholds"] == [0.1, 0.7, 0.8, 0.9]
    assert curve["recall"][0] == 1.0 and curve["precision"][-1] == 1.0
    many = pr_curve(np.arange(5000) % 2, np.linspace(0, 1, 5000))
    assert len(many["recall"]) <= 200  # thinned for JSON and drawing


def test_evaluate_keeps_its_old_signature(weather_model, weather_labels):
    model, _ = weather_model
    labels = read_labels(weather_labels)
    result = evaluate(model, labels, str(weather_labels / "nowhere"))  # a folder without texts is fine
    assert result["counts"]["article_raw_texts"] == 0
    assert result["paragraph"]["sky"]["micro_f1"] > 0.9  # the training set itself
    (weather_labels / "texts").mkdir()
    (weather_labels / "texts" / "w03.txt").write_bytes(b"line one\nbad \xff byte")
    with pytest.raises(TaggerError, match=r"w03\.txt:2: not UTF-8"):
        evaluate(model, labels, weather_labels / "texts")


def test_cli_table_json_and_report(weather_model, tmp_path, capsys):
    _, model_dir = weather_model
    folder = _test_labels(tmp_path / "held_out", schema=None, texts=True)  # no schema.json: the model's
    out = run("tagger", "eval", str(folder), "--model", str(model_dir), "-o", str(tmp_path / "r" / "report.html"))
    assert out.returncode == 0, out.stderr
    assert "paragraph level (36 paragraphs)" in out.stdout and "article level (6 articles)" in out.stdout
    assert re.search(r"labelled \\ predicted\s+calm\s+alarm", out.stdout)
    assert "report written to" in out.stderr
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert html.count('class="figure pr-curve"') == 2 * 5  # 5 tags, 2 levels
    assert html.count('class="figure confusion"') == 2  # mood, 2 levels
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing to fetch
    assert "<script src" not in html and "<link" not in html
    embedded = re.search(r'<script type="application/json" id="evaluation-data">(.*?)</script>', html, re.S)
    assert json.loads(embedded.group(1))["counts"]["paragraphs"] == 36
    code, stdout, stderr = cli(capsys, "eval", str(folder), "--model", str(model_dir), "--json")
    assert code == 0, stderr
    data = json.loads(stdout)
    assert data["paragraph"]["mood"]["per_tag"]["alarm"]["support"] > 0
    assert data["article"]["sky"]["curves"]["wind"]["operating_point"]["rule"] == "article rule"


def test_unknown_tags_are_named_without_schema(weather_model, tmp_path, capsys):
    _, model_dir = weather_model
    folder = _test_labels(tmp_path / "held_out", schema=None)
    rows = [json.loads(line) for line in (folder / "paragraphs.jsonl").read_text().splitlines()]
    rows[0]["sky"] = ["hail"]
    rows[4]["sky"] = ["hail", "rain"]
    rows[5]["mood"] = "panic"
    write_jsonl(folder / "paragraphs.jsonl", rows)
    code, _, stderr = cli(capsys, "eval", str(folder), "--model", str(model_dir))
    assert code == 1 and stderr.startswith("tagger: error: ") and "does not know" in stderr
    assert "sky: 'hail' (2 rows)" in stderr and "mood: 'panic' (1 row)" in stderr


def test_unknown_tags_are_named_with_a_schema(weather_model, tmp_path):
    model, _ = weather_model
    schema = json.loads(json.dumps(WEATHER_SCHEMA))
    schema["tasks"][0]["tags"]["hail"] = "ice falling"
    folder = _test_labels(tmp_path / "declared", schema=schema)
    # Declared but unused: evaluation works.
    assert evaluate(model, read_eval_labels(model, folder))["paragraph"]["sky"]["per_tag"]["rain"]["support"] > 0
    rows = [json.loads(line) for line in (folder / "paragraphs.jsonl").read_text().splitlines()]
    rows[1]["sky"] = ["hail"]
    write_jsonl(folder / "paragraphs.jsonl", rows)
    with pytest.raises(SchemaError, match=r"sky: 'hail' \(1 row\)"):
        read_eval_labels(model, folder)
    with pytest.raises(SchemaError, match="hail"):
        evaluate(model, read_labels(folder, check_counts=False))


def test_other_tasks_are_refused(weather_model, tmp_path):
    model, _ = weather_model
    schema = json.loads(json.dumps(WEATHER_SCHEMA))
    schema["tasks"][1]["name"] = "feeling"
    folder = _test_labels(tmp_path / "other", schema=schema)
    for name in ("paragraphs.jsonl", "articles.jsonl"):
        rows = [json.loads(line) for line in (folder / name).read_text().splitlines()]
        for row in rows:
            row["feeling"] = row.pop("mood")
        write_jsonl(folder / name, rows)
    with pytest.raises(
        SchemaError, match=r"does not predict: \['feeling'\].*lack tasks the model predicts: \['mood'\]"
    ):
        read_eval_labels(model, folder)


def test_report_escapes_user_text_and_writes_atomically(tmp_path):
    tag = "<b>bold</b>"
    block = {
        "per_tag": {
            tag: {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2},
            "x": dict.fromkeys(("precision", "recall", "f1"), 0.0) | {"support": 0},
        },
        "micro_f1": 0.5,
        "macro_f1": 0.3,
        "accuracy": 0.5,
        "confusion": {"tags": [tag, "x"], "matrix": [[1, 1], [0, 0]]},
        "curves": {
            tag: {
                "precision": [0.5, 1.0],
                "recall": [1.0, 0.5],
                "thresholds": [0.2, 0.8],
                "average_precision": 0.8,
                "operating_point": {"precision": 1.0, "recall": 0.5, "rule": "argmax", "threshold": None},
            },
            "x": {
                "precision": [],
                "recall": [],
                "thresholds": [],
                "average_precision": None,
                "operating_point": {"precision": 0.0, "recall": 0.0, "rule": "argmax", "threshold": None},
            },
        },
    }
    evaluation = {"paragraph": {"<task>": block}, "article": {}, "counts": {"paragraphs": 2}}
    html = render_report(evaluation, model_meta={"model_id": "m</script>"})
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "m</script>" not in html  # not even inside the embedded JSON
    assert "no labelled example" in html and "no article labels" in html
    path = write_report(evaluation, tmp_path / "out" / "report.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]  # no temporary file left
