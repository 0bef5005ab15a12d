"""Article tags from paragraph predictions.

Measured on grouped cross-validation (see ``benchmarks/quality.py``), tags built
from the paragraphs beat a classifier trained on whole articles, which has only
one example per article to learn from. The rules follow the labelling guide:

* multi-label task: the article has a tag when at least ``min_paragraphs`` of its
  paragraphs have it ("the article gives it real attention");
* single-label task: each tag's article score is the mean of its paragraph
  probabilities times a per-tag weight, and the highest wins. The weights are
  fitted on out-of-fold predictions, which is how the model learns rules such as
  "the article's source is its most frequent source other than the reporter".

Everything here is plain numbers saved in ``meta.json``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import f1_score

from ..labels.schema import Schema

__all__ = ["ArticleRules", "fit_article_rules"]

_MIN_PARAGRAPH_CHOICES = (1, 2, 3)
_WEIGHT_GRID = tuple(float(x) for x in np.exp(np.linspace(-1.5, 1.5, 13)))


@dataclass
class ArticleRules:
    """Per task: ``min_paragraphs`` per tag (multi-label) or ``weights`` per tag (single-label)."""

    min_paragraphs: dict[str, list[int]] = field(default_factory=dict)
    weights: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"min_paragraphs": self.min_paragraphs, "weights": self.weights}

    @classmethod
    def from_dict(cls, data: dict) -> ArticleRules:
        return cls(
            {k: list(map(int, v)) for k, v in data.get("min_paragraphs", {}).items()},
            {k: list(map(float, v)) for k, v in data.get("weights", {}).items()},
        )

    def article_tags(self, task: str, multi_label: bool, decided: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """Indicator vector (multi-label) or one-hot of the winning tag, from one article's paragraphs.

        ``decided``: paragraph tag indicators (multi-label); ``probs``: (n_paragraphs, n_tags).
        """
        n_tags = probs.shape[1]
        if len(probs) == 0:
            return np.zeros(n_tags, dtype=bool)
        if multi_label:
            minimum = np.asarray(self.min_paragraphs.get(task, [1] * n_tags))
            return decided.sum(axis=0) >= minimum
        return np.eye(n_tags, dtype=bool)[int(np.argmax(self.article_scores(task, probs)))]

    def article_scores(self, task: str, probs: np.ndarray) -> np.ndarray:
        """Article-level scores of a single-label task: weighted mean paragraph probabilities, summing to 1."""
        weights = np.asarray(self.weights.get(task, [1.0] * probs.shape[1]))
        scores = probs.mean(axis=0) * weights
        return scores / scores.sum()


def fit_article_rules(
    schema: Schema,
    groups: list[np.ndarray],
    decided: dict[str, np.ndarray],
    probs: dict[str, np.ndarray],
    article_truth: dict[str, np.ndarray],
) -> ArticleRules:
    """Choose the rules that best reproduce the article labels from out-of-fold paragraph predictions.

    ``groups``: row indexes of each labelled article's paragraphs;
    ``article_truth[task]``: (n_articles, n_tags) indicators, one row per group.
    """
    rules = ArticleRules()
    for task in schema.tasks:
        truth = article_truth[task.name]
        n_tags = len(task.tags)
        if task.multi_label:
            counts = np.array([decided[task.name][g].sum(axis=0) for g in groups])
            best = []
            for j in range(n_tags):
                scored = [
                    (f1_score(truth[:, j], counts[:, j] >= k, zero_division=0.0), -k) for k in _MIN_PARAGRAPH_CHOICES
                ]
                best.append(-max(scored)[1])
            rules.min_paragraphs[task.name] = best
        else:
            means = np.array([probs[task.name][g].mean(axis=0) for g in groups])
            target = truth.argmax(axis=1)
            weights = np.ones(n_tags)

            def quality(w: np.ndarray, means=means, target=target, n_tags=n_tags) -> tuple[float, float]:
                guess = (means * w).argmax(axis=1)
                return (
                    f1_score(target, guess, average="macro", labels=range(n_tags), zero_division=0.0),
                    float((guess == target).mean()),
                )

            # Coordinate ascent over a coarse grid: few articles, so few degrees of freedom.
            for _, j in itertools.product(range(3), range(n_tags)):
                candidates = []
                for value in _WEIGHT_GRID:
                    trial = weights.copy()
                    trial[j] = value
                    candidates.append((quality(trial), -abs(np.log(value)), value))
                weights[j] = max(candidates)[2]
            rules.weights[task.name] = [round(float(w), 6) for w in weights]
    return rules
