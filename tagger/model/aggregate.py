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
    labels over to other text;
  - *learned*: a small multinomial logistic model over a few summaries of the
    paragraphs (see :func:`article_features`): the mean probability of each tag,
    the share and the log count of paragraphs each tag wins, each tag's highest
    probability, and the headline's probabilities (the guide: an article's
    stance is "the one its headline and overall argument carry"). Weighted means
    cannot tell an article with a few strong paragraphs one way from one that
    leans that way throughout; this can.

  Every rule is judged on articles it was not fitted on, and the best kept
  (macro-F1, then accuracy; on a tie the simpler rule).

Everything here is plain numbers and tag names saved in ``meta.json``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from ..labels.schema import Schema
from .context import CONTEXT_MIN_WORDS
from .heads import tag_weights

__all__ = ["ArticleRules", "LearnedRule", "article_features", "fit_article_rules", "headline_row"]

_MIN_PARAGRAPH_CHOICES = (1, 2, 3)
_RULE_FOLDS = 5
_WEIGHT_GRID = tuple(float(x) for x in np.exp(np.linspace(-1.5, 1.5, 13)))
#: Inverse regularisation strengths tried for the learned rule (few articles: strong priors).
_LEARNED_C = (0.3, 1.0)
#: The headline is the first paragraph that is not furniture like "Share" (the context stage's bound).
HEADLINE_MIN_WORDS = CONTEXT_MIN_WORDS
#: Summaries per tag in :func:`article_features`.
N_SUMMARIES = 5


@dataclass
class LearnedRule:
    """A multinomial logistic model over :func:`article_features`: ``coef`` (n_tags, N_SUMMARIES * n_tags)."""

    coef: np.ndarray
    intercept: np.ndarray

    def scores(self, features: np.ndarray) -> np.ndarray:
        logits = self.coef @ features + self.intercept
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()

    def to_dict(self) -> dict:
        return {"coef": self.coef.tolist(), "intercept": self.intercept.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> LearnedRule:
        coef = np.asarray(data["coef"], dtype=np.float64)
        intercept = np.asarray(data["intercept"], dtype=np.float64)
        if coef.ndim != 2 or coef.shape != (len(intercept), N_SUMMARIES * len(intercept)):
            raise ValueError("a learned article rule has weights of the wrong shape")
        return cls(coef, intercept)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, LearnedRule)
            and np.array_equal(self.coef, other.coef)
            and np.array_equal(self.intercept, other.intercept)
        )


@dataclass
class ArticleRules:
    """Per task: ``min_paragraphs`` per tag (multi-label), or for a single-label task
    ``weights`` per tag, a ``fallback`` tag index (the most-frequent-except rule),
    or a ``learned`` model."""

    min_paragraphs: dict[str, list[int]] = field(default_factory=dict)
    weights: dict[str, list[float]] = field(default_factory=dict)
    fallback: dict[str, int] = field(default_factory=dict)
    learned: dict[str, LearnedRule] = field(default_factory=dict)
    #: Training record, not part of the rules: per single-label task, the rule kept and each
    #: candidate's (macro-F1, accuracy) on held-out articles,
    #: e.g. ``{"stance": {"kept": "learned C=0.3", "held_out": {"weighted mean": [0.76, 0.77], ...}}}``.
    judged: dict[str, dict] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        data: dict = {"min_paragraphs": self.min_paragraphs, "weights": self.weights, "fallback": self.fallback}
        if self.learned:  # absent otherwise, as in models from before the learned rule
            data["learned"] = {name: rule.to_dict() for name, rule in self.learned.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ArticleRules:
        return cls(
            {k: list(map(int, v)) for k, v in data.get("min_paragraphs", {}).items()},
            {k: list(map(float, v)) for k, v in data.get("weights", {}).items()},
            {k: int(v) for k, v in data.get("fallback", {}).items()},
            {k: LearnedRule.from_dict(v) for k, v in data.get("learned", {}).items()},
        )

    def article_tags(
        self,
        task: str,
        multi_label: bool,
        decided: np.ndarray,
        probs: np.ndarray,
        word_counts: np.ndarray | None = None,
    ) -> np.ndarray:
        """Indicator vector (multi-label) or one-hot of the winning tag, from one article's paragraphs.

        ``decided``: paragraph tag indicators (multi-label); ``probs``: (n_paragraphs, n_tags);
        ``word_counts``: each paragraph's number of words, to find the headline (the learned rule).
        """
        n_tags = probs.shape[1]
        if len(probs) == 0:
            return np.zeros(n_tags, dtype=bool)
        if multi_label:
            minimum = np.asarray(self.min_paragraphs.get(task, [1] * n_tags))
            return decided.sum(axis=0) >= minimum
        return np.eye(n_tags, dtype=bool)[int(np.argmax(self.article_scores(task, probs, word_counts)))]

    def article_scores(self, task: str, probs: np.ndarray, word_counts: np.ndarray | None = None) -> np.ndarray:
        """Article-level scores of a single-label task, summing to 1; the highest is the article's tag."""
        if task in self.fallback:
            return most_frequent_except(probs, self.fallback[task])
        if task in self.learned and len(probs):
            return self.learned[task].scores(article_features(probs, word_counts))
        weights = np.asarray(self.weights.get(task, [1.0] * probs.shape[1]))
        scores = probs.mean(axis=0) * weights
        return scores / scores.sum()


def headline_row(word_counts: np.ndarray | None) -> int:
    """The first paragraph of at least ``HEADLINE_MIN_WORDS`` words, else the first (0)."""
    if word_counts is None or not len(word_counts):
        return 0
    long_enough = np.flatnonzero(np.asarray(word_counts) >= HEADLINE_MIN_WORDS)
    return int(long_enough[0]) if len(long_enough) else 0


def article_features(probs: np.ndarray, word_counts: np.ndarray | None = None) -> np.ndarray:
    """One article's summaries of a single-label task, ``N_SUMMARIES`` blocks of n_tags:
    mean probability, share of paragraphs each tag wins, highest probability,
    the headline's probabilities, and the log of (paragraphs each tag wins + 0.5)."""
    probs = np.asarray(probs, dtype=np.float64)
    wins = np.bincount(probs.argmax(axis=1), minlength=probs.shape[1]).astype(np.float64)
    return np.concatenate(
        [probs.mean(axis=0), wins / len(probs), probs.max(axis=0), probs[headline_row(word_counts)], np.log(wins + 0.5)]
    )


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
    word_counts: np.ndarray | None = None,
) -> ArticleRules:
    """Choose the rules that best reproduce the article labels from out-of-fold paragraph predictions.

    ``groups``: row indexes of each labelled article's paragraphs;
    ``article_truth[task]``: (n_articles, n_tags) indicators, one row per group;
    ``word_counts``: every row's number of words (to find headlines), or None.
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
            task_probs = probs[task.name]
            # (quality, preference, rule, parameter): on equal quality the higher preference,
            # the simpler rule, wins: weighted mean, then a fallback, then a learned model.
            candidates = [(_judge_weights(task_probs, groups, target, n_tags), 0, "weights", None)]
            for j in range(n_tags):
                guess = np.array([most_frequent_except(task_probs[g], j).argmax() for g in groups])
                candidates.append((_quality(target, guess, n_tags), -1 - j, "fallback", j))
            features = np.array(
                [article_features(task_probs[g], None if word_counts is None else word_counts[g]) for g in groups]
            )
            for rank, c in enumerate(_LEARNED_C):
                judged = _judge_learned(features, target, n_tags, c)
                if judged is not None:
                    candidates.append((judged, -100 - rank, "learned", c))
            _, _, rule, parameter = max(candidates, key=lambda c: (c[0], c[1]))
            rules.judged[task.name] = {
                "kept": _rule_name(task.tag_names, rule, parameter),
                "held_out": {
                    _rule_name(task.tag_names, r, p): [round(q, 4) for q in quality] for quality, _, r, p in candidates
                },
            }
            if rule == "fallback":
                rules.fallback[task.name] = int(parameter)
            elif rule == "learned":
                rules.learned[task.name] = _fit_learned(features, target, n_tags, parameter)
            else:
                weights = _fit_weights(_means(task_probs, groups), target, n_tags)
                rules.weights[task.name] = [round(float(w), 6) for w in weights]
    return rules


def _rule_name(tags: tuple[str, ...], rule: str, parameter: float | int | None) -> str:
    """How a candidate rule is named in the training record."""
    if rule == "fallback":
        return f"fallback {tags[int(parameter)]}"
    if rule == "learned":
        return f"learned C={parameter:g}"
    return "weighted mean"


def _fit_learned(features: np.ndarray, target: np.ndarray, n_tags: int, c: float) -> LearnedRule:
    """A class-balanced multinomial logistic model; tags no article has get a score of about 0."""
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(features, target)
    coef, intercept = tag_weights(model, n_tags)
    return LearnedRule(np.round(coef, 6), np.round(intercept, 6))  # as saved, so a loaded model predicts the same


def _judge_learned(features: np.ndarray, target: np.ndarray, n_tags: int, c: float) -> tuple[float, float] | None:
    """Quality of the learned rule on articles it was not fitted on (the folds of :func:`_judge_weights`),
    or None when some training fold has articles of one tag only."""
    guess = np.zeros(len(target), dtype=np.int64)
    fold_of = np.arange(len(target)) % _RULE_FOLDS
    for fold in range(_RULE_FOLDS):
        test = fold_of == fold
        if not test.any():
            continue
        if test.all() or len(np.unique(target[~test])) < 2:
            return None
        rule = _fit_learned(features[~test], target[~test], n_tags, c)
        guess[test] = [rule.scores(row).argmax() for row in features[test]]
    return _quality(target, guess, n_tags)


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
