"""Training on a schema the code has never heard of: learn, save, load, agree."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tagger
from tagger.labels import read_labels
from tagger.storage.modeldir import FORMAT_VERSION
from tests.conftest import weather_rows


def test_custom_schema_learns_its_training_set(weather_model):
    model, _ = weather_model
    paragraphs, _ = weather_rows()
    results = model.predict([p["text"] for p in paragraphs], level="paragraph")
    got_sky = [r[0].tags["sky"] for r in results]
    got_mood = [r[0].tags["mood"] for r in results]
    sky_hits = np.mean([g == p["sky"] for g, p in zip(got_sky, paragraphs)])
    mood_hits = np.mean([g == p["mood"] for g, p in zip(got_mood, paragraphs)])
    assert sky_hits > 0.95, sky_hits
    assert mood_hits > 0.95, mood_hits


def test_results_carry_the_schema_tasks_and_scores(weather_model):
    model, _ = weather_model
    result = model.predict(
        "Paragraph 3.1: gusts tore at the rooftops; a gale battered the pier.\n\n"
        "Paragraph 3.2: an amber warning was issued; a red alert is in force."
    )
    assert set(result.tags) == {"sky", "mood"}
    assert isinstance(result.tags["sky"], list) and isinstance(result.tags["mood"], str)
    assert set(result.scores["sky"]) == {"rain", "sun", "wind"}
    assert abs(sum(result.scores["mood"].values()) - 1) < 1e-3
    assert [p.index for p in result.paragraphs] == [0, 1]
    assert "wind" in result.paragraphs[0].tags["sky"]
    assert result.paragraphs[1].tags["mood"] == "alarm"
    json.loads(result.to_json())  # plain JSON


def test_save_load_round_trip_gives_identical_predictions(weather_model):
    model, path = weather_model
    loaded = tagger.load(path)
    texts = [p["text"] for p in weather_rows(n_articles=3, seed=7)[0]] + ["", "a gale and a red alert"]
    assert [r.to_dict() for r in loaded.predict(texts)] == [r.to_dict() for r in model.predict(texts)]


def test_batch_and_one_by_one_agree(weather_model):
    model, _ = weather_model
    texts = ["Showers soaked the valley.\nA red alert is in force.", "The museum reopens in May.", "sunny spells"]
    batch = [r.to_dict() for r in model.predict(texts)]
    single = [model.predict(t).to_dict() for t in texts]
    assert batch == single


def test_training_is_deterministic(weather_labels, tmp_path):
    first = tagger.train(weather_labels, tmp_path / "a")
    second = tagger.train(weather_labels, tmp_path / "b")
    a = json.loads((tmp_path / "a" / "meta.json").read_text())
    b = json.loads((tmp_path / "b" / "meta.json").read_text())
    assert a["weights_sha256"] == b["weights_sha256"]
    assert first.meta["cv_scores"] == second.meta["cv_scores"]


def test_meta_records_what_a_model_is(weather_model, weather_labels):
    _, path = weather_model
    meta = json.loads((path / "meta.json").read_text())
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["schema"]["tasks"][0]["name"] == "sky"
    assert set(meta["library_versions"]) >= {"scikit-learn", "numpy", "python", "tagger"}
    assert meta["label_counts"]["paragraphs"] == 72
    assert set(meta["label_files"]) == {"paragraphs.jsonl", "articles.jsonl"}
    assert all(len(d) == 64 for d in meta["label_files"].values())
    assert "micro_f1" in meta["cv_scores"]["paragraph"]["sky"]
    assert "accuracy" in meta["cv_scores"]["article"]["mood"]
    assert meta["training"]["seed"] == 0 and meta["created"]


def test_folds_never_split_an_article(weather_labels):
    from sklearn.model_selection import GroupKFold

    frame = read_labels(weather_labels).paragraphs
    for train_rows, test_rows in GroupKFold(n_splits=5).split(frame, groups=frame["article"]):
        assert not set(frame["article"].iloc[train_rows]) & set(frame["article"].iloc[test_rows])


def test_multi_label_thresholds_are_tuned_per_tag(weather_model):
    model, _ = weather_model
    thresholds = model.heads["sky"].thresholds
    assert thresholds.shape == (3,)
    assert np.all((thresholds > 0) & (thresholds < 1))


@pytest.mark.parametrize("bad", [None, 3, b"bytes", ["ok", 5]])
def test_predict_rejects_non_strings(weather_model, bad):
    model, _ = weather_model
    with pytest.raises(TypeError, match="str"):
        model.predict(bad)


@pytest.mark.parametrize("text", ["", "   \n\t\u00a0 \n"])
def test_predict_on_empty_text_has_no_paragraphs(weather_model, text):
    model, _ = weather_model
    result = model.predict(text)
    assert result.paragraphs == [] and result.tags["sky"] == []
    assert result.tags["mood"] in ("calm", "alarm")


def test_predict_survives_huge_and_junk_text(weather_model):
    model, _ = weather_model
    junk = bytes(range(256)).decode("latin-1") * 50
    huge = ("Gusts tore at the rooftops and a gale battered the pier. " * 30 + "\n\n") * 6000
    assert len(huge) > 10_000_000
    results = model.predict([junk, huge], level="paragraph")
    assert len(results[1]) == 6000
    assert all("wind" in p.tags["sky"] for p in results[1][:5])


def test_predict_rejects_unknown_level(weather_model):
    model, _ = weather_model
    with pytest.raises(ValueError, match="level"):
        model.predict("text", level="sentence")


def test_context_stage_is_dropped_for_tasks_it_does_not_help(weather_model):
    model, _ = weather_model
    kept = model.meta["training"]["context_stage"]
    assert set(kept) == {"sky", "mood"}
    scores = model.meta["cv_scores"]
    metric = {"sky": "micro_f1", "mood": "macro_f1"}
    for task, with_context in kept.items():
        assert (task in model.context) == with_context
        final, first = scores["paragraph"][task][metric[task]], scores["paragraph_first_stage"][task][metric[task]]
        if with_context:
            assert final >= first
        else:  # the first stage's out-of-fold predictions are the model's own
            assert scores["paragraph"][task] == scores["paragraph_first_stage"][task]


def test_a_stage_is_kept_only_when_it_is_clearly_better_fold_by_fold():
    from tagger.labels.schema import Schema
    from tagger.model.training import clearly_better

    task = Schema.from_dict({"tasks": [{"name": "mood", "kind": "single-label", "tags": {"a": "a", "b": "b"}}]}).tasks[
        0
    ]
    truth = np.tile([0, 1], 50)
    folds = [(np.array([], dtype=int), np.arange(start, start + 20)) for start in range(0, 100, 20)]
    right = np.eye(2)[truth]
    wrong_every_tenth = right.copy()
    wrong_every_tenth[::10] = right[::10, ::-1]
    # Better in every fold: kept.
    assert clearly_better(task, truth, right, wrong_every_tenth, folds)
    # The same predictions: not better.
    assert not clearly_better(task, truth, right, right, folds)
    # Better on average, but only because of one fold, and worse in another: not clearly better.
    lucky = wrong_every_tenth.copy()
    lucky[0:20] = right[0:20]
    lucky[25] = right[25, ::-1]
    assert lucky.argmax(1).tolist() != wrong_every_tenth.argmax(1).tolist()
    assert not clearly_better(task, truth, lucky, wrong_every_tenth, folds)
