"""The headline metric training and the benchmarks share, and the benchmarks' paired paragraph bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.resample import resampled_scores
from tagger.labels.schema import MULTI_LABEL, SINGLE_LABEL, Task
from tagger.model.training import headline_f1

TOPIC = Task("topic", MULTI_LABEL, {"a": "first", "b": "second"})
STANCE = Task("stance", SINGLE_LABEL, {"up": "rising", "down": "falling", "flat": "neither"})


def test_headline_metric_is_micro_for_multi_label_and_macro_for_single_label() -> None:
    truth = np.array([[1, 0], [1, 0], [1, 0], [0, 1]])
    guess = np.array([[1, 0], [1, 0], [1, 0], [0, 0]])
    assert headline_f1(TOPIC, truth, guess) == pytest.approx(2 * 3 / (2 * 3 + 1))  # micro: 3 right, 1 missed
    single_truth, single_guess = np.array([0, 0, 0, 1]), np.array([0, 0, 0, 0])
    # macro over every tag of the task: "up" (F1 6/7), "down" (0) and "flat" (0, in neither)
    assert headline_f1(STANCE, single_truth, single_guess) == pytest.approx(6 / 7 / 3)


def test_every_prediction_is_scored_on_the_same_draw() -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, 200)
    guess = np.where(rng.random(200) < 0.7, truth, rng.integers(0, 3, 200))
    draws = resampled_scores(STANCE, truth, [guess, guess.copy(), truth], rounds=50)
    assert draws.shape == (50, 3)
    assert np.array_equal(draws[:, 0], draws[:, 1])  # same rows for both: their difference is exactly 0
    assert np.all(draws[:, 2] == 1.0)
    assert draws[:, 0].std() > 0  # the draws do differ from one another


def test_interval_holds_the_full_score_and_narrows_with_more_paragraphs() -> None:
    rng = np.random.default_rng(2)

    def width(n: int) -> tuple[float, float, float]:
        truth = rng.integers(0, 2, (n, 2))
        guess = np.where(rng.random((n, 2)) < 0.8, truth, 1 - truth)
        low, high = np.percentile(resampled_scores(TOPIC, truth, [guess], rounds=300)[:, 0], [2.5, 97.5])
        return low, headline_f1(TOPIC, truth, guess), high

    small, large = width(150), width(3000)
    assert small[0] < small[1] < small[2]
    assert large[0] < large[1] < large[2]
    assert large[2] - large[0] < (small[2] - small[0]) / 2
