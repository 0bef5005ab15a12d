"""Retraining: compare with the current model, promote only when not worse, keep and restore the previous one."""

from __future__ import annotations

import json
import os
import random
import shutil

import pytest

import tagger
from tagger.cli.main import main
from tagger.errors import ModelError
from tagger.labels import read_labels
from tagger.model.training import TrainingSettings
from tagger.retrain import promote as promotion
from tagger.retrain.compare import compare_with_current
from tests.conftest import WEATHER_SCHEMA, weather_rows, write_jsonl

# Three folds keep each training short; the comparison with stored scores ignores the fold count.
FAST = ["--folds", "3"]


def _model_id(path) -> str:
    return json.loads((path / "meta.json").read_text())["model_id"]


def _scramble_mood(labels_dir, seed: int = 1) -> None:
    """Make the mood labels noise: any model trained on them is worse at mood."""
    rows, _ = weather_rows()
    rng = random.Random(seed)
    for row in rows:
        row["mood"] = rng.choice(["calm", "alarm"])
    write_jsonl(labels_dir / "paragraphs.jsonl", rows)


@pytest.fixture
def current(weather_model, tmp_path):
    """A copy of the session's weather model, as the current model of a models folder."""
    _, path = weather_model
    model_dir = tmp_path / "models" / "weather"
    shutil.copytree(path, model_dir)
    return model_dir


def test_train_without_promote_writes_a_candidate_and_keeps_the_current_model(weather_labels, current, capsys):
    before = (current / "meta.json").read_bytes()
    assert main(["train", str(weather_labels), "-o", str(current), *FAST]) == 0
    out = capsys.readouterr().out
    assert "Compared with the current model" in out and "settings are unchanged" in out
    table = out.split("Compared with")[1]
    for task in ("sky", "mood"):
        assert any(line.startswith(f"{task} ") and line.rstrip().endswith("same") for line in table.splitlines())
    assert (current / "meta.json").read_bytes() == before
    candidate = promotion.candidate_dir(current)
    assert tagger.load(candidate).schema.task_names == ("sky", "mood")
    assert not promotion.previous_dir(current).exists()
    leftovers = [p.name for p in current.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_promote_keeps_the_previous_model_and_rollback_restores_it(weather_labels, current, capsys):
    old_id = _model_id(current)
    rows, _ = weather_rows(n_articles=14, seed=0)
    write_jsonl(weather_labels / "paragraphs.jsonl", rows[:72] + rows[-12:])  # two more articles
    assert main(["train", str(weather_labels), "-o", str(current), "--promote", *FAST]) == 0
    out = capsys.readouterr().out
    assert "promoted" in out and "tagger rollback" in out
    new_id = _model_id(current)
    previous = promotion.previous_dir(current)
    assert new_id != old_id and _model_id(previous) == old_id
    assert tagger.load(current).meta["label_counts"]["paragraphs"] == 84
    assert len(list(current.glob("weights-*.npz"))) == 1  # the old weights went with the switch

    assert main(["rollback", str(current)]) == 0
    assert _model_id(current) == old_id and _model_id(previous) == new_id
    assert tagger.load(current).meta["label_counts"]["paragraphs"] == 72
    assert main(["rollback", str(current)]) == 0  # twice: back to the promoted model
    assert _model_id(current) == new_id and _model_id(previous) == old_id


def test_promote_refuses_a_model_that_got_worse_unless_forced(weather_labels, current, capsys):
    old_id = _model_id(current)
    _scramble_mood(weather_labels)
    assert main(["train", str(weather_labels), "-o", str(current), "--promote", *FAST]) == 1
    out = capsys.readouterr().out
    assert "NOT promoted" in out and "mood" in out.split("NOT promoted")[1]
    table = out.split("Compared with")[1]
    mood = next(line for line in table.splitlines() if line.startswith("mood "))
    assert mood.rstrip().endswith("worse"), mood
    assert _model_id(current) == old_id
    assert promotion.candidate_dir(current).joinpath("meta.json").is_file()

    assert main(["train", str(weather_labels), "-o", str(current), "--promote", "--force", *FAST]) == 0
    assert "promoted anyway" in capsys.readouterr().out
    assert _model_id(current) != old_id and _model_id(promotion.previous_dir(current)) == old_id


def test_compare_reruns_both_settings_on_the_same_folds_when_they_differ(weather_labels, current):
    labels = read_labels(weather_labels)
    meta = json.loads((current / "meta.json").read_text())
    meta["training"]["c_grid"] = [0.0001]  # an almost untrained "current" recipe
    result = compare_with_current(labels, TrainingSettings(c_grid=(4.0,), folds=3), meta)
    assert result.method == "same-folds" and "same 3 folds" in result.basis
    sky = next(t for t in result.tasks if t.task == "sky")
    assert sky.verdict == "better" and sky.delta > sky.band >= 0.01
    assert result.worse == []
    # The same comparison the other way round: the new recipe is the weak one.
    weak = TrainingSettings(c_grid=(0.0001,), folds=3)
    meta["training"]["c_grid"] = [4.0]
    assert "sky" in compare_with_current(labels, weak, meta).worse


def _fail_on(monkeypatch, target):
    """Make the os.replace onto ``target`` fail, as a full disk or a crash would."""
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if os.path.abspath(dst) == os.path.abspath(target):
            raise OSError(28, "No space left on device (injected)")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


@pytest.fixture(scope="module")
def other_model(tmp_path_factory):
    """A model unlike the session's weather model (mood labels scrambled), saved once."""
    folder = tmp_path_factory.mktemp("other")
    (folder / "schema.json").write_text(json.dumps(WEATHER_SCHEMA), encoding="utf-8")
    _scramble_mood(folder)
    out = folder / "model"
    tagger.train(folder, out, TrainingSettings(c_grid=(4.0,), folds=3))
    return out


@pytest.mark.parametrize("failing", ["meta.json", "weights", "previous"])
def test_a_promotion_failing_half_way_leaves_the_current_model_whole(
    current, other_model, tmp_path, monkeypatch, failing
):
    old_id = _model_id(current)
    new = tmp_path / "new"
    shutil.copytree(other_model, new)
    if failing == "meta.json":  # the switch itself
        target = current / "meta.json"
    elif failing == "weights":  # copying the new weights in
        target = current / json.loads((new / "meta.json").read_text())["weights_file"]
    else:  # keeping the old model as .previous
        target = promotion.previous_dir(current)
    _fail_on(monkeypatch, target)
    with pytest.raises(OSError, match="injected"):
        promotion.promote(new, current)
    monkeypatch.undo()
    model = tagger.load(current)  # loads: meta.json and its weights still match
    assert model.meta["model_id"] == old_id
    assert model.predict("Paragraph 1.1: a gale battered the pier; a red alert is in force.").tags["mood"] == "alarm"
    assert not list(current.glob("*.tmp"))


def test_rollback_without_a_previous_model_is_a_clear_error(current, capsys):
    assert main(["rollback", str(current)]) == 1
    err = capsys.readouterr().err
    assert "no previous model" in err and "weather.previous" in err


def test_a_damaged_current_model_needs_force(weather_labels, current, capsys):
    (current / "meta.json").write_text("{not json")
    assert main(["train", str(weather_labels), "-o", str(current), "--promote", *FAST]) == 1
    captured = capsys.readouterr()
    assert "--force" in captured.err and "Cross-validated" not in captured.out  # refused before training
    assert main(["train", str(weather_labels), "-o", str(current), "--promote", "--force", *FAST]) == 0
    assert tagger.load(current).schema.name == "weather"


def test_install_refuses_a_tampered_source(current, tmp_path):
    source = tmp_path / "bad"
    shutil.copytree(current, source)
    weights = next(source.glob("weights-*.npz"))
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")
    before = (current / "meta.json").read_bytes()
    with pytest.raises(ModelError, match="SHA-256"):
        promotion.promote(source, current)
    assert (current / "meta.json").read_bytes() == before


@pytest.mark.parametrize("failing", ["meta.json", "previous"])
def test_a_rollback_failing_half_way_loses_no_model(current, other_model, monkeypatch, failing):
    previous = promotion.previous_dir(current)
    shutil.copytree(other_model, previous)
    current_id, previous_id = _model_id(current), _model_id(previous)
    _fail_on(monkeypatch, current / "meta.json" if failing == "meta.json" else previous)
    with pytest.raises((OSError, ModelError)) as caught:
        promotion.rollback(current)
    monkeypatch.undo()
    if failing == "meta.json":  # nothing switched: both models where they were
        assert _model_id(current) == current_id and _model_id(previous) == previous_id
    else:  # switched, and the replaced model is kept where the message says
        assert _model_id(current) == previous_id
        kept = str(caught.value).rsplit("that model is in ", 1)[1]
        assert tagger.load(kept).meta["model_id"] == current_id
    assert tagger.load(current).schema.name == "weather"
