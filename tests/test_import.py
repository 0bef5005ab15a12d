"""``tagger import``: Label Studio and doccano exports (written here in the tools' formats) become label files."""

from __future__ import annotations

import json

import pytest

from tagger.cli.main import main
from tagger.errors import LabelError
from tagger.labels import Schema, read_labels
from tagger.labels.importers import from_doccano, from_label_studio
from tests.conftest import WEATHER_SCHEMA

SCHEMA = Schema.from_dict(WEATHER_SCHEMA)


def _choices(control: str, *choices: str) -> dict:
    """One result item of a Choices control, as Label Studio exports it."""
    return {
        "id": f"r-{control}",
        "from_name": control,
        "to_name": "text",
        "type": "choices",
        "origin": "manual",
        "value": {"choices": list(choices)},
    }


def _task(task_id: int, text: str, *annotations: dict, article: str | None = "ls-a", index: int | None = None) -> dict:
    data: dict = {"text": text}
    if article is not None:
        data["article"] = article
    if index is not None:
        data["index"] = index
    return {
        "id": task_id,
        "data": data,
        "annotations": list(annotations),
        "predictions": [],
        "project": 3,
        "created_at": "2024-05-01T10:00:00.000000Z",
        "updated_at": "2024-05-01T10:00:00.000000Z",
    }


def _annotation(result: list, updated: str = "2024-05-02T09:00:00.000000Z", cancelled: bool = False) -> dict:
    return {
        "id": 1000,
        "completed_by": 1,
        "result": result,
        "was_cancelled": cancelled,
        "ground_truth": False,
        "created_at": updated,
        "updated_at": updated,
        "lead_time": 4.5,
        "task": 1,
    }


def _label_studio_export(path, tasks) -> None:
    path.write_text(json.dumps(tasks, indent=2), encoding="utf-8")


def test_label_studio_export_becomes_a_label_file_training_accepts(weather_labels, tmp_path, capsys):
    export = tmp_path / "project-3-at-2024-05-02.json"
    _label_studio_export(
        export,
        [
            _task(
                1,
                "Hail and gusts hit the fairground.",
                _annotation([_choices("sky", "rain", "wind"), _choices("mood", "alarm")]),
                index=0,
            ),
            _task(
                2,
                "Then the sky cleared.",
                _annotation([_choices("sky", "rain"), _choices("mood", "alarm")], "2024-05-02T09:00:00Z"),
                _annotation([_choices("sky", "sun"), _choices("mood", "calm")], "2024-05-03T09:00:00Z"),  # newer
                _annotation([_choices("sky"), _choices("mood", "alarm")], "2024-05-04T09:00:00Z", cancelled=True),
                index=1,
            ),
            _task(3, "Not looked at yet."),
            _task(4, "A quiet evening.", _annotation([_choices("sky"), _choices("mood", "calm")]), article=None),
        ],
    )
    out = weather_labels / "from-ls.csv"
    assert main(["import", "label-studio", str(export), "-o", str(out), "--labels", str(weather_labels)]) == 0
    printed = capsys.readouterr().out
    assert "wrote 3 paragraphs of 2 articles" in printed and "skipped 1 records" in printed
    assert "no article id" in printed and "most recent" in printed
    labels = read_labels(weather_labels)
    rows = labels.paragraphs[labels.paragraphs["file"].str.endswith("from-ls.csv")].set_index("text")
    assert rows.loc["Hail and gusts hit the fairground.", "sky"] == ("rain", "wind")  # multi-label kept
    assert rows.loc["Then the sky cleared.", "sky"] == ("sun",) and rows.loc["Then the sky cleared.", "mood"] == "calm"
    assert rows.loc["A quiet evening.", "article"] == "ls-4" and rows.loc["A quiet evening.", "sky"] == ()
    assert rows.loc["Then the sky cleared.", "index"] == 1


def test_unknown_tags_and_controls_are_reported_with_the_record(tmp_path, weather_labels, capsys):
    export = tmp_path / "export.json"
    _label_studio_export(
        export,
        [
            _task(1, "Fine.", _annotation([_choices("sky", "sun"), _choices("mood", "calm")])),
            _task(7, "Gusty.", _annotation([_choices("sky", "wnd"), _choices("mood", "calm")])),
            _task(8, "Odd.", _annotation([_choices("weather", "sun", "fog"), _choices("mood", "calm")])),
        ],
    )
    with pytest.raises(LabelError) as caught:
        from_label_studio(export, SCHEMA)
    text = str(caught.value)
    assert "record 2 (task id 7): sky: unknown tag 'wnd' (did you mean 'wind'?)" in text
    assert "record 3 (task id 8): choices from control 'weather'" in text
    out = tmp_path / "out.jsonl"
    assert main(["import", "label-studio", str(export), "-o", str(out), "--labels", str(weather_labels)]) == 1
    assert not out.exists() and "record 2" in capsys.readouterr().err

    assert (
        main(["import", "label-studio", str(export), "-o", str(out), "--labels", str(weather_labels), "--drop-unknown"])
        == 0
    )
    assert "unknown tag 'wnd'" in capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["sky"] for r in rows] == [["sun"], [], []]  # 'wnd' and the unknown control are left out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"id": 1, "data": {"text": "a"}, "annotations": []},\n {"id": 2, "data": ', "export.json:2: not valid JSON"),
        ('{"tasks": []}', "expected a list of tasks"),
        ('[{"id": 1, "data": {"text": "a"}}, {"id": 2}]', "record 2 (task id 2): no 'data' object"),
        (
            '[{"id": 1, "data": {"text": "a"}, "annotations": {"x": 1}}]',
            "record 1 (task id 1): 'annotations' must be a list",
        ),
        ('[{"id": 5, "data": {"body": "a"}}]', "record 1 (task id 5): no text in data.text"),
    ],
)
def test_malformed_label_studio_exports_name_the_record(tmp_path, content, message):
    export = tmp_path / "export.json"
    export.write_text(content, encoding="utf-8")
    with pytest.raises(LabelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_label_studio(export, SCHEMA)


def _doccano_export(path, rows) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_doccano_export_becomes_a_label_file(weather_labels, tmp_path, capsys):
    export = tmp_path / "doccano.jsonl"
    _doccano_export(
        export,
        [
            {
                "id": 11,
                "text": "Showers and a gale at dusk.",
                "label": ["sky:rain", "wind", "mood:alarm"],
                "article": "d1",
                "index": 0,
            },
            {"id": 12, "text": "The forecast is mild.", "label": ["calm"], "article": "d1", "index": 1},
            {"id": 13, "text": "Not labelled yet.", "label": []},
        ],
    )
    assert main(["import", "doccano", str(export), "--labels", str(weather_labels)]) == 0
    assert "wrote 2 paragraphs of 1 articles" in capsys.readouterr().out
    written = weather_labels / "import-doccano.jsonl"  # the default output
    rows = [json.loads(line) for line in written.read_text().splitlines()]
    assert rows[0] == {
        "article": "d1",
        "index": 0,
        "text": "Showers and a gale at dusk.",
        "sky": ["rain", "wind"],
        "mood": "alarm",
    }
    assert rows[1]["sky"] == [] and rows[1]["mood"] == "calm"
    labels = read_labels(weather_labels)
    assert "import-doccano.jsonl" in labels.files


def test_doccano_problems_name_the_record(tmp_path):
    export = tmp_path / "doccano.jsonl"
    export.write_text(
        json.dumps({"id": 1, "text": "Fine.", "label": ["sun", "calm"]})
        + "\n\n"
        + '{"id": 2, "text": "broken", \n'
        + json.dumps({"id": 3, "text": "Typo.", "label": ["sky:snow", "mood:calm"]})
        + "\n"
        + json.dumps({"id": 4, "text": "Spans.", "label": [[0, 5, "rain"]]})
        + "\n"
        + json.dumps({"id": 5, "text": "Two moods.", "label": ["calm", "alarm"]})
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(LabelError) as caught:
        from_doccano(export, SCHEMA)
    text = str(caught.value)
    assert "doccano.jsonl:3: record 2: not valid JSON" in text
    assert "doccano.jsonl:4: record 3: sky: unknown tag 'snow'" in text
    assert "doccano.jsonl:5: record 4: label [0, 5, 'rain'] is a span" in text
    assert "doccano.jsonl:6: record 5: mood is single-label but the annotation has 2 tags" in text
    assert "record 1" not in text
