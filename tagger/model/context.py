"""Second stage: each paragraph's scores read in the light of its article.

A paragraph alone is often ambiguous ("The ministry said it is diversifying its
suppliers" is about telecoms only in a telecoms story; "he said" takes the
source named a paragraph earlier). The context head is a small logistic model
per task over four views of the first-stage probabilities:

* the paragraph's own log-odds,
* the mean probability of the other paragraphs of its article,
* the previous paragraph's and the next paragraph's probabilities.

Missing context is not evidence against a tag: a headline has no previous
paragraph, so that view takes the mean of the article's other paragraphs
instead; a paragraph tagged alone is its own article, so every view is its own
probability. (Filling them with zeros read "no neighbour" as "a neighbour
without the tag" and pulled lone paragraphs and headlines down.)

Page furniture is not context either. Under the ``"skip_short"`` rule the
neighbours and the article mean are read over paragraphs of at least
``CONTEXT_MIN_WORDS`` words, so a headline under a section label ("Middle
East") or a paragraph above "Share this article" is read beside the nearest
paragraph with content, and ten furniture lines do not dilute the article mean.

It is fitted on out-of-fold first-stage probabilities, so it learns how much to
trust context on paragraphs the first stage has not seen. On real articles it
is the largest single gain we measured (see ``benchmarks/quality.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from ..labels.schema import Task
from .heads import scores_to_probabilities, tag_weights

__all__ = [
    "CONTEXT_MIN_WORDS",
    "MISSING_CONTEXT",
    "N_VIEWS",
    "ContextHead",
    "context_views",
    "fit_context_head",
    "paragraph_word_counts",
]

N_VIEWS = 4
_EPS = 1e-4
#: How the views are read (see above): "skip_short"; "article", the rule before
#: furniture was skipped; "zero", filling missing views with zeros. Older rules are
#: kept so that models trained with them predict as trained.
MISSING_CONTEXT = ("skip_short", "article", "zero")
#: Paragraphs shorter than this are furniture to the "skip_short" rule, and to the
#: article rules when they look for the headline.
CONTEXT_MIN_WORDS = 4


def paragraph_word_counts(texts: Sequence[str]) -> np.ndarray:
    """White-space words per paragraph: what tells furniture from content here and in the article rules."""
    return np.fromiter((len(text.split()) for text in texts), dtype=np.int64, count=len(texts))


def context_views(
    probs: np.ndarray, groups: np.ndarray, missing: str = "skip_short", word_counts: np.ndarray | None = None
) -> np.ndarray:
    """(n, n_tags, 4) views: own log-odds, mean of the article's other paragraphs, previous, next.

    ``groups`` gives each row's article; rows of one article are consecutive.
    A view with nothing to read (no other paragraph, no neighbour) is filled by
    the ``missing`` rule: ``"article"`` and ``"skip_short"`` with the mean of the
    article's other paragraphs (or the paragraph's own probability), ``"zero"``
    with zeros. Under ``"skip_short"`` only paragraphs of ``word_counts`` at least
    ``CONTEXT_MIN_WORDS`` count as others and neighbours (all of them without
    ``word_counts``).
    """
    if missing not in MISSING_CONTEXT:
        raise ValueError(f"missing must be one of {MISSING_CONTEXT}, got {missing!r}")
    n, k = probs.shape
    groups = np.asarray(groups)
    clipped = np.clip(probs.astype(np.float64), _EPS, 1 - _EPS)
    log_odds = np.log(clipped / (1 - clipped))
    counted = np.ones(n, dtype=bool)
    if missing == "skip_short" and word_counts is not None:
        counted = np.asarray(word_counts) >= CONTEXT_MIN_WORDS
    weights = counted.astype(np.float64)
    _, inverse = np.unique(groups, return_inverse=True)
    sums = np.zeros((inverse.max() + 1 if n else 0, k))
    np.add.at(sums, inverse, probs * weights[:, None])
    totals = np.bincount(inverse, weights, minlength=len(sums))
    other_count = totals[inverse] - weights
    others = (sums[inverse] - probs * weights[:, None]) / np.maximum(other_count, 1)[:, None]
    if missing != "zero":
        alone = other_count == 0
        others[alone] = probs[alone]
    previous = others.copy() if missing != "zero" else np.zeros((n, k))
    following = previous.copy()
    before, after = _nearest_counted(groups, counted)
    has_before, has_after = before >= 0, after >= 0
    previous[has_before] = probs[before[has_before]]
    following[has_after] = probs[after[has_after]]
    return np.stack([log_odds, others, previous, following], axis=2)


def _nearest_counted(groups: np.ndarray, counted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the nearest counted row before it and after it in its article, or -1."""
    n = len(groups)
    rows = np.arange(n)
    if not n:
        return rows, rows
    last_counted = np.maximum.accumulate(np.where(counted, rows, -1))
    before = np.r_[-1, last_counted[:-1]]
    next_counted = np.minimum.accumulate(np.where(counted, rows, n)[::-1])[::-1]
    after = np.r_[next_counted[1:], n]
    before[(before >= 0) & (groups[np.maximum(before, 0)] != groups)] = -1
    after[(after < n) & (groups[np.minimum(after, n - 1)] != groups)] = n
    after[after == n] = -1
    return before, after


@dataclass
class ContextHead:
    """Weights over the context views. Multi-label: (n_tags, 4), one model per tag;
    single-label: (n_tags, 4 * n_tags), one multinomial model."""

    task: Task
    coef: np.ndarray
    intercept: np.ndarray
    missing: str = "skip_short"

    def probabilities(self, probs: np.ndarray, groups: np.ndarray, word_counts: np.ndarray | None = None) -> np.ndarray:
        views = context_views(probs, groups, self.missing, word_counts)
        if self.task.multi_label:
            scores = np.einsum("nkv,kv->nk", views, self.coef) + self.intercept
        else:
            scores = views.reshape(len(probs), self.coef.shape[1]) @ self.coef.T + self.intercept
        return scores_to_probabilities(scores, self.task.multi_label).astype(np.float32)


def fit_context_head(
    task: Task, probs: np.ndarray, groups: np.ndarray, targets: np.ndarray, word_counts: np.ndarray | None = None
) -> ContextHead:
    """Fit on out-of-fold first-stage ``probs``; ``targets`` as in :func:`tagger.model.heads.fit_head`."""
    views = context_views(probs, groups, "skip_short", word_counts)
    k = len(task.tags)
    if task.multi_label:
        coef = np.zeros((k, N_VIEWS))
        intercept = np.zeros(k)
        for j in range(k):
            column = targets[:, j]
            if column.min() == column.max():
                coef[j, 0], intercept[j] = 1.0, 0.0  # pass the first stage through
                continue
            model = LogisticRegression(C=1.0, max_iter=2000).fit(views[:, j, :], column)
            coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
        return ContextHead(task, coef, intercept)
    flat = views.reshape(len(probs), len(task.tags) * N_VIEWS)
    coef = np.zeros((k, k * N_VIEWS))
    intercept = np.full(k, -30.0)
    present = np.unique(targets)
    if len(present) < 2:
        intercept[present] = 30.0
        return ContextHead(task, coef, intercept)
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(flat, targets)
    return ContextHead(task, *tag_weights(model, k))
