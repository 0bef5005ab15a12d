"""``tagger suggest``: uncertain, varied, new paragraphs, written as a label file that training reads."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import tagger
from tagger.cli.main import main
from tagger.labels import read_labels
from tagger.retrain.suggest import Paragraph, read_paragraphs, suggest
from tests.conftest import weather_rows

# Our own new articles for the weather schema: some clear, some torn between tags.
NEW_ARTICLES = {
    "storm-night": [
        "Paragraph 90.0: a gale battered the pier; a red alert is in force.",
        "Paragraph 90.1: no warnings are in place; an amber warning was issued.",
        "Paragraph 90.2: the ferry timetable changed after the holiday.",
    ],
    "harbour-day": [
        "Paragraph 91.0: drizzle lingered over the harbour; clear skies lasted all afternoon.",
        "Paragraph 91.1: conditions should stay settled; officials urged people to stay indoors.",
        "Paragraph 91.2: conditions should stay settled, though officials urged people to stay indoors.",
    ],
    "market-report": [
        "Paragraph 92.0: bright sunshine warmed the coast; forecasters expect a quiet week.",
        "Paragraph 92.1: stallholders sold apples and pears at the Saturday market.",
    ],
}


def _write_articles(folder, articles=NEW_ARTICLES):
    folder.mkdir(parents=True, exist_ok=True)
    for name, paragraphs in articles.items():
        (folder / f"{name}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return folder


def _read_csv(path):
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_the_loop_suggest_correct_save_train(weather_model, weather_labels, tmp_path, capsys):
    model, model_dir = weather_model
    articles = _write_articles(tmp_path / "incoming")
    out = tmp_path / "to_label.csv"
    code = main(
        [
            "suggest",
            str(articles),
            "-n",
            "4",
            "-o",
            str(out),
            "--model",
            str(model_dir),
            "--labels",
            str(weather_labels),
        ]
    )
    assert code == 0, capsys.readouterr().err
    rows = _read_csv(out)
    assert len(rows) == 4
    assert list(rows[0]) == ["article", "index", "text", "sky", "mood", "note"]
    assert {r["article"] for r in rows} <= set(NEW_ARTICLES)  # article ids from the file names
    for r in rows:  # pre-filled with the model's tags, and the right paragraph index
        assert NEW_ARTICLES[r["article"]][int(r["index"])] == r["text"]
        assert r["mood"] in ("calm", "alarm") and r["note"].startswith("suggested #")
    # The torn mood paragraph comes before the plain one.
    texts = [r["text"] for r in rows]
    assert NEW_ARTICLES["storm-night"][1] in texts and NEW_ARTICLES["storm-night"][0] not in texts
    # The two near-identical paragraphs are never both suggested.
    assert not {NEW_ARTICLES["harbour-day"][1], NEW_ARTICLES["harbour-day"][2]} <= set(texts)

    # The user corrects one row and saves the file into the labels folder.
    corrected = dict(rows[0])
    corrected["mood"] = "alarm" if rows[0]["mood"] == "calm" else "calm"
    saved = weather_labels / "batch2.csv"
    with open(saved, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([corrected, *rows[1:]])

    labels = read_labels(weather_labels)
    row = labels.paragraphs[labels.paragraphs["text"] == corrected["text"]].iloc[0]
    assert row["mood"] == corrected["mood"] and row["article"] == corrected["article"]
    retrained = tagger.train(weather_labels)
    assert "batch2.csv" in retrained.meta["label_files"]
    assert retrained.meta["label_files"] != model.meta["label_files"]
    assert retrained.meta["label_counts"]["paragraphs"] == model.meta["label_counts"]["paragraphs"] + 4


def test_already_labelled_paragraphs_and_their_near_copies_are_not_suggested(weather_model, weather_labels, tmp_path):
    model, _ = weather_model
    labelled = read_labels(weather_labels)
    old = weather_rows()[0]
    paragraphs = [Paragraph("a", i, p["text"], "x") for i, p in enumerate(old[:10])]
    paragraphs.append(Paragraph("a", 10, old[11]["text"].replace("Paragraph", "Para"), "x"))  # a near copy
    with pytest.raises(tagger.TaggerError, match="already labelled"):
        suggest(model, paragraphs[:10], 5, labelled=labelled)
    assert suggest(model, paragraphs, 5, labelled=labelled) == []


class _Scripted:
    """The weather model with probabilities chosen by the test (features and thresholds are real)."""

    def __init__(self, model, probabilities):
        self.schema, self.heads, self.vectorizer = model.schema, model.heads, model.vectorizer
        self._probabilities = probabilities

    def paragraph_probabilities(self, texts, groups=None):
        rows = [self._probabilities[t] for t in texts]
        return {task: np.array([r[task] for r in rows], dtype=np.float32) for task in self.schema.task_names}


def test_picks_spread_over_the_tags_the_model_is_unsure_of(weather_model):
    model, _ = weather_model
    sure_sky = {"sky": [0.02, 0.97, 0.01], "mood": [0.98, 0.02]}
    torn_mood = [
        f"Paragraph {i}: {t}; forecasters expect a quiet week."
        for i, t in enumerate(
            [
                "showers soaked the valley",
                "a downpour flooded the lanes",
                "heavy rainfall swelled the river",
                "drizzle lingered over the harbour",
                "the sun baked the plains",
            ]
        )
    ]
    torn_sky = "Paragraph 7: blustery squalls swept the ridge; a red alert is in force."
    confident = "Paragraph 8: clear skies lasted all afternoon; no warnings are in place."
    thresholds = model.heads["sky"].thresholds
    probabilities = {t: {"sky": sure_sky["sky"], "mood": [0.52, 0.48]} for t in torn_mood}
    probabilities[torn_sky] = {"sky": [0.01, 0.01, float(thresholds[2])], "mood": [0.03, 0.97]}
    probabilities[confident] = sure_sky
    paragraphs = [Paragraph("p", i, t, "x") for i, t in enumerate([confident, *torn_mood, torn_sky])]
    picked = suggest(_Scripted(model, probabilities), paragraphs, 3)
    texts = [s.paragraph.text for s in picked]
    assert torn_sky in texts and torn_mood[0] in texts and confident not in texts
    assert [s.group[0] for s in picked].count("mood") == 2
    first_mood = next(x for x in picked if x.paragraph.text == torn_mood[0])
    assert first_mood.tags == {"sky": ["sun"], "mood": "calm"}  # pre-filled with the model's decisions


def test_tagged_jsonl_rows_are_read(tmp_path):
    """Rows as `tagger tag --level both` writes them: article, paragraph and error rows."""
    tagged = tmp_path / "tagged.jsonl"
    base = {"path": "/data/in/storm-night.txt", "id": "storm-night.txt", "record": None}
    rows = [
        {"level": "article", **base, "n_paragraphs": 2, "sky": ["wind"]},
        {"level": "paragraph", **base, "paragraph": 0, "start": 0, "end": 16, "text": "First paragraph.", "sky": []},
        {"level": "paragraph", **base, "paragraph": 1, "start": 18, "end": 35, "text": "Second paragraph."},
        {"level": "paragraph", "path": "/data/feed.jsonl", "id": "A-17", "record": 4, "paragraph": 0, "text": "Row."},
        {"level": "error", "path": "/data/in/bad.txt", "id": "bad.txt", "error": "not UTF-8"},
    ]
    tagged.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    found = read_paragraphs([tagged])
    assert [(p.article, p.index, p.text) for p in found] == [
        ("storm-night", 0, "First paragraph."),
        ("storm-night", 1, "Second paragraph."),
        ("A-17", 0, "Row."),  # a record of a table input keeps its id
    ]
    tagged.write_text('{"level": "paragraph", "path": "a.txt", "paragraph": 0, "text": "ok"}\n{"path": "a.txt"}\n')
    with pytest.raises(tagger.TaggerError, match=r"tagged\.jsonl:2: not a tagged paragraph row"):
        read_paragraphs([tagged])


def test_empty_or_exhausted_input_is_a_clear_message(weather_model, weather_labels, tmp_path, capsys):
    _, model_dir = weather_model
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.txt").write_text("\n\n  \n", encoding="utf-8")
    args = ["-n", "5", "--model", str(model_dir), "--labels", str(weather_labels)]
    assert main(["suggest", str(empty), "-o", str(tmp_path / "a.csv"), *args]) == 1
    assert "no paragraphs to choose from" in capsys.readouterr().err
    done = tmp_path / "done"
    _write_articles(done, {"w00": [p["text"] for p in weather_rows()[0][:6]]})
    assert main(["suggest", str(done), "-o", str(tmp_path / "b.csv"), *args]) == 1
    assert "already labelled" in capsys.readouterr().err
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "b.csv").exists()


def test_an_existing_output_is_never_overwritten_without_force(weather_model, weather_labels, tmp_path, capsys):
    _, model_dir = weather_model
    articles = _write_articles(tmp_path / "incoming")
    out = tmp_path / "to_label.jsonl"
    out.write_text("my corrections\n", encoding="utf-8")
    base = ["suggest", str(articles), "-n", "2", "-o", str(out), "--model", str(model_dir)]
    assert main([*base, "--labels", str(weather_labels)]) == 1
    assert out.read_text() == "my corrections\n" and "--force" in capsys.readouterr().err
    assert main([*base, "--labels", str(weather_labels), "--force"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 and isinstance(rows[0]["sky"], list)


def test_suggest_reads_what_tagger_tag_writes(weather_model, weather_labels, tmp_path, capsys):
    _, model_dir = weather_model
    articles = _write_articles(tmp_path / "incoming")
    tagged = tmp_path / "tagged.jsonl"
    assert main(["tag", str(articles), "-o", str(tagged), "--level", "both", "--model", str(model_dir), "-q"]) == 0
    common = ["-n", "4", "--model", str(model_dir), "--labels", str(weather_labels)]
    assert main(["suggest", str(tagged), "-o", str(tmp_path / "from_tagged.csv"), *common]) == 0
    assert main(["suggest", str(articles), "-o", str(tmp_path / "from_text.csv"), *common]) == 0
    capsys.readouterr()
    assert _read_csv(tmp_path / "from_tagged.csv") == _read_csv(tmp_path / "from_text.csv")
