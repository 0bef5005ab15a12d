"""Article tags from paragraph predictions.

Measured on grouped cross-validation (see ``benchmarks/quality.py``), tags built
from the paragraphs beat a classifier trained on whole articles, which has only
one example per article to learn from. The rules follow the labelling guide:

* multi-label task: the article has a tag when at least ``min_paragraphs`` of its
  paragraphs have it ("the article gives it real attention");
* single-label task, one of two rules, whichever reproduces the article labels
  better (macro-F1, then accuracy) from out-of-fold paragraph predictions:

  - *weighted mean*: each tag's article score is the mean of its paragraph
    probabilities times a per-tag weight fitted on those predictions (the
    weights are judged on articles they were not fitted on);
  - *most frequent except a fallback tag*: the guide's rule for ``source_type``
    ("the most frequent non-``reporter`` paragraph source, or ``reporter`` when
    no paragraph has another source"), tried with every tag as the fallback.
    The fallback's score is the probability that every paragraph has it; the
    rest is shared among the other tags by their expected paragraph counts.
    It has nothing fitted, so it carries no article-label prior of our own
    labels over to other text.

Everything here is plain numbers and tag names saved in ``meta.json``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import f1_score

from ..labels.schema import Schema

__all__ = ["ArticleRules", "fit_article_rules"]

_MIN_PARAGRAPH_CHOICES = (1, 2, 3)
_RULE_FOLDS = 5
_WEIGHT_GRID = tuple(float(x) for x in np.exp(np.linspace(-1.5, 1.5, 13)))


@dataclass
class ArticleRules:
    """Per task: ``min_paragraphs`` per tag (multi-label), or for a single-label task
    ``weights`` per tag, or a ``fallback`` tag index (the most-frequent-except rule)."""

    min_paragraphs: dict[str, list[int]] = field(default_factory=dict)
    weights: dict[str, list[float]] = field(default_factory=dict)
    fallback: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"min_paragraphs": self.min_paragraphs, "weights": self.weights, "fallback": self.fallback}

    @classmethod
    def from_dict(cls, data: dict) -> ArticleRules:
        return cls(
            {k: list(map(int, v)) for k, v in data.get("min_paragraphs", {}).items()},
            {k: list(map(float, v)) for k, v in data.get("weights", {}).items()},
            {k: int(v) for k, v in data.get("fallback", {}).items()},
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
        """Article-level scores of a single-label task, summing to 1; the highest is the article's tag."""
        if task in self.fallback:
            return most_frequent_except(probs, self.fallback[task])
        weights = np.asarray(self.weights.get(task, [1.0] * probs.shape[1]))
        scores = probs.mean(axis=0) * weights
        return scores / scores.sum()


def most_frequent_except(probs: np.ndarray, fallback: int) -> np.ndarray:
    """Scores of "the most frequent tag other than ``fallback``, or ``fallback`` when no paragraph has another".

    The fallback's score is the probability that every paragraph has it (paragraphs
    taken as independent); the rest goes to the other tags in proportion to their
    expected paragraph counts.
    """
    all_fallback = float(np.exp(np.log(np.clip(probs[:, fallback].astype(np.float64), 1e-12, 1.0)).sum()))
    others = probs.sum(axis=0).astype(np.float64)
    others[fallback] = 0.0
    total = others.sum()
    scores = (1.0 - all_fallback) * others / total if total > 0 else np.zeros_like(others)
    scores[fallback] = all_fallback if total > 0 else 1.0
    return scores


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
            target = truth.argmax(axis=1)
            candidates = [(_judge_weights(probs[task.name], groups, target, n_tags), -1)]  # -1: weighted mean
            for j in range(n_tags):
                guess = np.array([most_frequent_except(probs[task.name][g], j).argmax() for g in groups])
                candidates.append((_quality(target, guess, n_tags), j))
            _, chosen = max(candidates, key=lambda c: (c[0], -c[1]))  # on a tie, the weighted mean
            if chosen >= 0:
                rules.fallback[task.name] = int(chosen)
            else:
                weights = _fit_weights(_means(probs[task.name], groups), target, n_tags)
                rules.weights[task.name] = [round(float(w), 6) for w in weights]
    return rules


def _means(probs: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """Each article's mean paragraph probabilities."""
    return np.array([probs[g].mean(axis=0) for g in groups])


def _quality(target: np.ndarray, guess: np.ndarray, n_tags: int) -> tuple[float, float]:
    """Macro-F1, then accuracy: the order in which article rules are compared."""
    macro = f1_score(target, guess, average="macro", labels=range(n_tags), zero_division=0.0)
    return float(macro), float((guess == target).mean())


def _fit_weights(means: np.ndarray, target: np.ndarray, n_tags: int) -> np.ndarray:
    """Per-tag weights on mean probabilities, by coordinate ascent over a coarse grid
    (few articles, so few degrees of freedom)."""
    weights = np.ones(n_tags)
    for _, j in itertools.product(range(3), range(n_tags)):
        candidates = []
        for value in _WEIGHT_GRID:
            trial = weights.copy()
            trial[j] = value
            candidates.append((_quality(target, (means * trial).argmax(axis=1), n_tags), -abs(np.log(value)), value))
        weights[j] = max(candidates)[2]
    return weights


def _judge_weights(probs: np.ndarray, groups: list[np.ndarray], target: np.ndarray, n_tags: int) -> tuple[float, float]:
    """Quality of the weighted-mean rule on articles its weights were not fitted on (5 folds in article order),
    so that it competes fairly with the rules that fit nothing."""
    means = _means(probs, groups)
    guess = np.zeros(len(groups), dtype=np.int64)
    fold_of = np.arange(len(groups)) % _RULE_FOLDS
    for fold in range(_RULE_FOLDS):
        test = fold_of == fold
        if test.all() or not test.any():
            continue
        weights = _fit_weights(means[~test], target[~test], n_tags)
        guess[test] = (means[test] * weights).argmax(axis=1)
    return _quality(target, guess, n_tags)
