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

It is fitted on out-of-fold first-stage probabilities, so it learns how much to
trust context on paragraphs the first stage has not seen. On real articles it
is the largest single gain we measured (see ``benchmarks/quality.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from ..labels.schema import Task
from .heads import scores_to_probabilities, tag_weights

__all__ = ["MISSING_CONTEXT", "N_VIEWS", "ContextHead", "context_views", "fit_context_head"]

N_VIEWS = 4
_EPS = 1e-4
#: How views with nothing to read are filled: "article" (see above), or "zero",
#: the rule of models trained before it, kept so that they predict as trained.
MISSING_CONTEXT = ("article", "zero")


def context_views(probs: np.ndarray, groups: np.ndarray, missing: str = "article") -> np.ndarray:
    """(n, n_tags, 4) views: own log-odds, mean of the article's other paragraphs, previous, next.

    ``groups`` gives each row's article; rows of one article are consecutive.
    A view with nothing to read (no other paragraph, no neighbour) is filled by
    the ``missing`` rule: ``"article"`` as the module docstring says, ``"zero"``
    with zeros.
    """
    if missing not in MISSING_CONTEXT:
        raise ValueError(f"missing must be one of {MISSING_CONTEXT}, got {missing!r}")
    n, k = probs.shape
    clipped = np.clip(probs.astype(np.float64), _EPS, 1 - _EPS)
    log_odds = np.log(clipped / (1 - clipped))
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    sums = np.zeros((len(counts), k))
    np.add.at(sums, inverse, probs)
    others = (sums[inverse] - probs) / np.maximum(counts[inverse] - 1, 1)[:, None]
    if missing == "article":
        alone = counts[inverse] == 1
        others[alone] = probs[alone]
    same_as_previous = np.r_[False, groups[1:] == groups[:-1]] if n else np.zeros(0, bool)
    previous = others.copy() if missing == "article" else np.zeros((n, k))
    following = previous.copy()
    rows = np.flatnonzero(same_as_previous)
    previous[rows] = probs[rows - 1]
    following[rows - 1] = probs[rows]
    return np.stack([log_odds, others, previous, following], axis=2)


@dataclass
class ContextHead:
    """Weights over the context views. Multi-label: (n_tags, 4), one model per tag;
    single-label: (n_tags, 4 * n_tags), one multinomial model."""

    task: Task
    coef: np.ndarray
    intercept: np.ndarray
    missing: str = "article"

    def probabilities(self, probs: np.ndarray, groups: np.ndarray) -> np.ndarray:
        views = context_views(probs, groups, self.missing)
        if self.task.multi_label:
            scores = np.einsum("nkv,kv->nk", views, self.coef) + self.intercept
        else:
            scores = views.reshape(len(probs), self.coef.shape[1]) @ self.coef.T + self.intercept
        return scores_to_probabilities(scores, self.task.multi_label).astype(np.float32)


def fit_context_head(task: Task, probs: np.ndarray, groups: np.ndarray, targets: np.ndarray) -> ContextHead:
    """Fit on out-of-fold first-stage ``probs``; ``targets`` as in :func:`tagger.model.heads.fit_head`."""
    views = context_views(probs, groups)
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
