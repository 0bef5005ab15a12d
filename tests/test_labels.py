"""Bad label files: one clear error naming file, line and fix; and no model written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tagger
from tagger.errors import LabelError
from tagger.labels import read_labels
from tests.conftest import weather_rows, write_jsonl


def _rows_with(change) -> list[dict]:
    rows, _ = weather_rows()
    change(rows)
    return rows


def _expect_error(folder: Path, tmp_path: Path, *patterns: str) -> LabelError:
    out = tmp_path / "model-out"
    with pytest.raises(LabelError) as caught:
        tagger.train(folder, out)
    message = str(caught.value)
    for pattern in patterns:
        assert pattern in message, message
    assert not out.exists(), "a model was written from bad labels"
    return caught.value


def test_reads_jsonl_and_csv_the_same(weather_labels):
    import csv

    base = read_labels(weather_labels)
    rows, _ = weather_rows()
    (weather_labels / "paragraphs.jsonl").unlink()
    with open(weather_labels / "paragraphs.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, ["article", "index", "text", "sky", "mood"])
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "sky": ";".join(r["sky"])})
    from_csv = read_labels(weather_labels)
    cols = ["article", "index", "text", "sky", "mood"]
    assert from_csv.paragraphs[cols].equals(base.paragraphs[cols])


def test_unknown_tag_suggests_the_nearest(weather_labels, tmp_path):
    def typo(rows):
        rows[4]["sky"] = ["rian"]

    write_jsonl(weather_labels / "paragraphs.jsonl", _rows_with(typo))
    error = _expect_error(weather_labels, tmp_path, "paragraphs.jsonl:5", "unknown tag 'rian'", "did you mean 'rain'")
    assert error.problems[0].line == 5


def test_two_tags_for_a_single_label_task(weather_labels, tmp_path):
    def two(rows):
        rows[2]["mood"] = "calm;alarm"

    write_jsonl(weather_labels / "paragraphs.jsonl", _rows_with(two))
    _expect_error(weather_labels, tmp_path, "paragraphs.jsonl:3", "mood is single-label", "exactly one of calm, alarm")


def test_missing_text_and_missing_column(weather_labels, tmp_path):
    def damage(rows):
        rows[0]["text"] = "  "
        del rows[1]["mood"]

    write_jsonl(weather_labels / "paragraphs.jsonl", _rows_with(damage))
    _expect_error(
        weather_labels, tmp_path, "paragraphs.jsonl:1: missing text", "paragraphs.jsonl:2: missing column 'mood'"
    )


def test_unknown_column(weather_labels, tmp_path):
    def extra(rows):
        rows[3]["moood"] = "calm"

    write_jsonl(weather_labels / "paragraphs.jsonl", _rows_with(extra))
    _expect_error(weather_labels, tmp_path, "paragraphs.jsonl:4: unknown column 'moood'", "did you mean 'mood'")


def test_schema_task_absent_from_a_csv(weather_labels, tmp_path):
    (weather_labels / "more.csv").write_text("article,text,sky\nx1,Some words here,rain\n", encoding="utf-8")
    _expect_error(weather_labels, tmp_path, "more.csv:2: missing column 'mood'", "task 'mood' of the schema")


def test_same_paragraph_labelled_two_ways(weather_labels, tmp_path):
    def conflict(rows):
        rows[10]["text"] = rows[0]["text"]
        rows[10]["mood"] = "alarm" if rows[0]["mood"] == "calm" else "calm"

    write_jsonl(weather_labels / "paragraphs.jsonl", _rows_with(conflict))
    _expect_error(
        weather_labels,
        tmp_path,
        "paragraphs.jsonl:11: the same paragraph is labelled differently at",
        "paragraphs.jsonl:1",
    )


def test_same_paragraph_twice_with_same_labels_is_fine(weather_labels):
    rows, _ = weather_rows()
    write_jsonl(weather_labels / "paragraphs.jsonl", [*rows, {**rows[0], "article": "w05", "index": 6}])
    assert len(read_labels(weather_labels).paragraphs) == len(rows) + 1


def test_empty_file(weather_labels, tmp_path):
    (weather_labels / "empty.jsonl").write_text("\n", encoding="utf-8")
    _expect_error(weather_labels, tmp_path, "empty.jsonl: the file is empty", "remove the file")


def test_bytes_that_are_not_utf8(weather_labels, tmp_path):
    good = (weather_labels / "paragraphs.jsonl").read_bytes().split(b"\n")
    good[6] = good[6].replace(b"Paragraph", b"Paragr\xe9ph")
    (weather_labels / "paragraphs.jsonl").write_bytes(b"\n".join(good))
    _expect_error(weather_labels, tmp_path, "paragraphs.jsonl:7: bytes that are not UTF-8", "save the file as UTF-8")


def test_broken_json_line(weather_labels, tmp_path):
    with open(weather_labels / "paragraphs.jsonl", "a", encoding="utf-8") as stream:
        stream.write('{"article": "w99", "text": "unterminated\n')
    _expect_error(weather_labels, tmp_path, "paragraphs.jsonl:73: not valid JSON")


def test_tag_with_too_few_examples(weather_labels, tmp_path):
    schema = json.loads((weather_labels / "schema.json").read_text())
    schema["tasks"][0]["tags"]["snow"] = "frozen precipitation"
    (weather_labels / "schema.json").write_text(json.dumps(schema))
    _expect_error(
        weather_labels,
        tmp_path,
        "sky: too few labelled paragraphs to train: snow (0)",
        "or remove the tag from schema.json",
    )


def test_article_label_for_unknown_article(weather_labels, tmp_path):
    _, articles = weather_rows()
    write_jsonl(weather_labels / "articles.jsonl", [*articles, {"article": "zz", "sky": [], "mood": "calm"}])
    _expect_error(weather_labels, tmp_path, "articles.jsonl:13: article 'zz' has no labelled paragraphs")


def test_all_problems_reported_at_once(weather_labels, tmp_path):
    def many(rows):
        rows[0]["sky"] = ["hail"]
        rows[5]["mood"] = "panic"

    write_jsonl(weather_labels / "paragraphs.jsonl", _rows_with(many))
    error = _expect_error(weather_labels, tmp_path, "paragraphs.jsonl:1", "paragraphs.jsonl:6")
    assert len(error.problems) == 2


def test_a_failed_retrain_leaves_the_previous_model_whole(weather_labels, tmp_path):
    out = tmp_path / "model"
    tagger.train(weather_labels, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    write_jsonl(weather_labels / "paragraphs.jsonl", _rows_with(lambda rows: rows[0].update(sky=["fog"])))
    with pytest.raises(LabelError):
        tagger.train(weather_labels, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
