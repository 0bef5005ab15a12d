"""Bootstrap over paragraphs: how far a score on a small test set can be trusted.

Six articles hold about 150 paragraphs; one paragraph more or less right moves
topic micro-F1 by about 0.005. Resampling the paragraphs with replacement (fixed
seed) and scoring every model on the same draw gives an interval for one model's
score (``benchmarks/quality.py``) and for the difference of two
(``benchmarks/compare_models.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tagger.labels.schema import Task
from tagger.model.tagger import Tagger
from tagger.model.training import headline_f1


def paragraph_decisions(model: Tagger, paragraphs: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each task's decided tags for the labelled paragraphs, each article's paragraphs read in order."""
    probs = model.paragraph_probabilities(paragraphs["text"].tolist(), paragraphs["article"].to_numpy())
    return {name: model.heads[name].decide(p) for name, p in probs.items()}


def resampled_scores(
    task: Task, truth: np.ndarray, predictions: list[np.ndarray], rounds: int = 1000, seed: int = 0
) -> np.ndarray:
    """(rounds, len(predictions)) headline F1 on paragraph draws, every prediction scored on the same draw."""
    rng = np.random.default_rng(seed)
    out = np.empty((rounds, len(predictions)))
    for r in range(rounds):
        rows = rng.integers(0, len(truth), len(truth))
        out[r] = [headline_f1(task, truth[rows], predicted[rows]) for predicted in predictions]
    return out
