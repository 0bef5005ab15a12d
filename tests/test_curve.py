"""Learning curve: nested shares of the articles, same folds as training, text and SVG output."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from tagger.labels import read_labels
from tagger.model.curve import format_curve, learning_curve, plot_curve
from tagger.model.training import TrainingSettings, cross_validate
from tests.conftest import WEATHER_SCHEMA, weather_rows, write_jsonl, write_weather_labels
from tests.test_eval import cli

SETTINGS = TrainingSettings(folds=3, c_grid=(1.0, 8.0))
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def curve_and_labels(tmp_path_factory):
    folder = write_weather_labels(tmp_path_factory.mktemp("curve") / "labels")
    labels = read_labels(folder)
    return learning_curve(labels, SETTINGS, fractions=(0.25, 0.5, 1.0)), labels, folder


def test_full_share_is_the_training_cross_validation(curve_and_labels):
    curve, labels, _ = curve_and_labels
    cv = cross_validate(labels, SETTINGS)
    for task, block in curve.tasks.items():
        assert block["scores"][-1] == cv.scores[task][block["metric"]]
        for tag, values in block["per_tag"].items():
            assert values[-1] == cv.scores[task]["per_tag"][tag]["f1"]
            assert block["support"][tag] == cv.scores[task]["per_tag"][tag]["support"]
    assert curve.tasks["sky"]["metric"] == "micro_f1" and curve.tasks["mood"]["metric"] == "macro_f1"


def test_shares_grow_and_are_reproducible(curve_and_labels):
    curve, labels, _ = curve_and_labels
    assert curve.fractions == [0.25, 0.5, 1.0] and curve.folds == 3
    assert curve.articles == sorted(curve.articles) and curve.articles[0] < curve.articles[-1] == 8.0
    assert curve.paragraphs[-1] == 48.0  # 8 training articles of 6 paragraphs per fold
    # Fixed seeds, and each share is drawn the same way whatever other shares are asked for.
    alone = learning_curve(labels, SETTINGS, fractions=(0.25,))
    assert alone.articles == curve.articles[:1] and alone.paragraphs == curve.paragraphs[:1]
    for task, block in alone.tasks.items():
        assert block["scores"] == curve.tasks[task]["scores"][:1]
        assert {t: v[:1] for t, v in curve.tasks[task]["per_tag"].items()} == block["per_tag"]
    json.dumps(curve.to_dict())
    with pytest.raises(ValueError, match="fractions"):
        learning_curve(labels, SETTINGS, fractions=(0.0, 1.0))


def test_text_and_plot(curve_and_labels):
    curve, _, _ = curve_and_labels
    text = format_curve(curve)
    assert "sky (micro-F1)" in text and "mood (macro-F1)" in text
    for tag in ("rain", "sun", "wind", "calm", "alarm"):
        assert f"\n{tag} " in text
    assert "25%" in text and "100%" in text and "last step" in text
    svg = plot_curve(curve)
    root = ET.fromstring(svg)  # well-formed XML
    panels = [e for e in root.iter(f"{SVG}svg") if "learning-curve" in (e.get("class") or "")]
    assert len(panels) == 2
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == (1 + 3) + (1 + 2)  # each task's score and each tag's F1
    assert all(len(line.get("points").split()) == 3 for line in lines)


def test_still_gaining_lists_rising_tags(curve_and_labels):
    curve, _, _ = curve_and_labels
    gaining = curve.still_gaining(threshold=-1.0)  # every tag qualifies
    assert {(task, tag) for task, tag, _ in gaining} == {
        ("sky", "rain"),
        ("sky", "sun"),
        ("sky", "wind"),
        ("mood", "calm"),
        ("mood", "alarm"),
    }
    gains = [gain for _, _, gain in gaining]
    assert gains == sorted(gains, reverse=True)


def test_curve_command(tmp_path, capsys):
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "schema.json").write_text(json.dumps(WEATHER_SCHEMA), encoding="utf-8")
    write_jsonl(folder / "paragraphs.jsonl", weather_rows(n_articles=6)[0])
    plot = tmp_path / "plots" / "curve.svg"
    code, out, err = cli(capsys, "curve", str(folder), "--folds", "2", "--fractions", "50,100", "-o", str(plot))
    assert code == 0, err
    assert "50%" in out and "100%" in out and "sky (micro-F1)" in out
    assert f"plot written to {plot}" in err and "fold 2/2, 100% of the training articles" in err
    ET.fromstring(plot.read_text(encoding="utf-8"))
    code, out, err = cli(capsys, "curve", str(folder), "--folds", "2", "--fractions", "100", "--json", "-q")
    assert code == 0 and json.loads(out)["fractions"] == [1.0] and "fold" not in err
    for bad, said in (
        (["-o", str(tmp_path / "curve.png")], "ending in .svg"),
        (["--fractions", "0,50"], "(0, 100]"),
        (["--folds", "1"], "at least 2 folds"),
    ):
        with pytest.raises(SystemExit) as usage:
            cli(capsys, "curve", str(folder), *bad)
        assert usage.value.code == 2 and said in capsys.readouterr().err


def test_vectorised_thresholds_match_a_metric_per_threshold():
    from sklearn.metrics import f1_score

    from tagger.model.training import _THRESHOLD_GRID, best_thresholds

    def reference(truth, probs):  # the plain loop the vectorised version replaced
        chosen = []
        for j in range(truth.shape[1]):
            scores = [f1_score(truth[:, j], probs[:, j] >= t, zero_division=0.0) for t in _THRESHOLD_GRID]
            best = max(scores)
            candidates = [t for t, f in zip(_THRESHOLD_GRID, scores) if f >= best - 1e-9]
            chosen.append(min(candidates, key=lambda t: abs(t - 0.5)))
        return np.array(chosen, dtype=np.float32)

    rng = np.random.default_rng(0)
    for trial in range(8):
        n, k = int(rng.integers(5, 120)), int(rng.integers(1, 4))
        truth = (rng.random((n, k)) < rng.random()).astype(np.int8)
        probs = np.clip(truth * 0.4 + rng.random((n, k)) * 0.7, 0, 1).astype(np.float32)
        if trial % 2 == 0:  # many ties
            probs = np.round(probs, 1).astype(np.float32)
        np.testing.assert_array_equal(best_thresholds(truth, probs), reference(truth, probs))
