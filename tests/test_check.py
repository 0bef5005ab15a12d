"""``tagger check``: the same validation as training, then suspect labels, duplicates and thin tags."""

from __future__ import annotations

import json

import pytest

from tagger.cli.main import main
from tagger.errors import LabelError
from tagger.retrain.check import check_labels
from tests.conftest import weather_rows, write_jsonl


@pytest.fixture
def flawed(weather_labels):
    """Weather labels with two wrong labels, a repeated paragraph and a near copy tagged differently."""
    rows, _ = weather_rows()
    wrong_mood = next(i for i, r in enumerate(rows) if "red alert" in r["text"] and r["mood"] == "alarm")
    rows[wrong_mood]["mood"] = "calm"
    wrong_sky = next(i for i, r in enumerate(rows) if r["sky"] == ["wind"] and "gale" in r["text"])
    rows[wrong_sky]["sky"] = []
    write_jsonl(weather_labels / "paragraphs.jsonl", rows)
    source = next(r for r in rows if r["sky"] == ["rain"] and "forecasters expect" in r["text"])
    extra = [
        {**source, "article": "x01", "index": 0},  # the same text, the same tags, another article
        {
            **source,
            "article": "x01",
            "index": 1,
            "text": source["text"].replace("Paragraph ", "Paragraph 9"),
            "mood": "alarm",
        },
    ]
    write_jsonl(weather_labels / "more.jsonl", extra)
    return weather_labels, wrong_mood + 1, wrong_sky + 1, source


def test_check_flags_wrong_labels_duplicates_and_thin_tags(flawed):
    folder, mood_line, sky_line, source = flawed
    report = check_labels(folder, min_examples=30, low=0.25)
    where = {(s.file.rsplit("/", 1)[-1], s.line): s for s in report.suspects}
    assert ("paragraphs.jsonl", mood_line) in where and ("paragraphs.jsonl", sky_line) in where
    mood_issue = where["paragraphs.jsonl", mood_line].issues
    assert any(i.task == "mood" and i.tag == "calm" and i.labelled and i.probability < 0.25 for i in mood_issue)
    sky_issue = where["paragraphs.jsonl", sky_line].issues
    assert any(i.task == "sky" and i.tag == "wind" and not i.labelled and i.probability > 0.9 for i in sky_issue)
    assert len(report.suspects) <= 6  # the clean rows stay quiet

    [group] = report.exact_duplicates
    assert group.text == source["text"] and {p.article for p in group.places} == {source["article"], "x01"}

    conflicting = [g for g in report.near_duplicates if g.conflicts]
    near_copy = source["text"].replace("Paragraph ", "Paragraph 9")
    assert any(near_copy in g.texts and source["text"] in g.texts and g.conflicts == ["mood"] for g in conflicting)
    assert report.near_duplicates[0].conflicts  # conflicting groups first
    counts = {(t.task, t.tag): t.count for t in report.thin_tags}
    assert counts and all(c < 30 for c in counts.values())
    assert ("mood", "calm") not in counts  # 36+ examples


def test_cli_prints_the_report_and_json(flawed, capsys):
    folder, mood_line, _, _ = flawed
    assert main(["check", str(folder), "--limit", "50", "--low", "0.25"]) == 0
    out = capsys.readouterr().out
    assert f"paragraphs.jsonl:{mood_line}" in out and "labelled 'calm', model gives it" in out
    assert "Exact duplicates (1 texts" in out and "CONFLICT on mood" in out
    assert main(["check", str(folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"suspects", "exact_duplicates", "near_duplicates", "thin_tags"} <= set(data)


def test_invalid_files_fail_like_training(weather_labels, capsys):
    rows, _ = weather_rows()
    rows[4]["mood"] = "stormy"
    write_jsonl(weather_labels / "paragraphs.jsonl", rows)
    with pytest.raises(LabelError, match=r"paragraphs\.jsonl:5"):
        check_labels(weather_labels)
    assert main(["check", str(weather_labels)]) == 1
    err = capsys.readouterr().err
    assert "paragraphs.jsonl:5: mood: unknown tag 'stormy'" in err and "Traceback" not in err
