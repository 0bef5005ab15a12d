"""Linear heads: one per task, on the shared features.

A head is plain data (weights, biases, tags, thresholds), so it saves as
arrays and loads without running code from the file. Training uses
scikit-learn's ``LogisticRegression``; prediction is one matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from ..labels.schema import Task

__all__ = ["LinearHead", "fit_head", "scores_to_probabilities", "tag_weights"]


@dataclass
class LinearHead:
    """Weights of one task. ``coef`` is (n_tags, n_features); thresholds only for multi-label tasks."""

    task: Task
    coef: np.ndarray
    intercept: np.ndarray
    thresholds: np.ndarray | None = None

    def decision(self, features: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(features @ self.coef.T) + self.intercept

    def probabilities(self, features: sparse.csr_matrix) -> np.ndarray:
        return scores_to_probabilities(self.decision(features), self.task.multi_label)

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """Tag indicator matrix (multi-label) or tag index per row (single-label)."""
        if self.task.multi_label:
            return probabilities >= self.thresholds
        return probabilities.argmax(axis=1)


def scores_to_probabilities(scores: np.ndarray, multi_label: bool) -> np.ndarray:
    if multi_label:
        return 1.0 / (1.0 + np.exp(-scores))
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)


def _logistic(c: float, seed: int) -> LogisticRegression:
    # newton-cg: on these sparse TF-IDF problems it converges in a few iterations, 10-30 times
    # faster than lbfgs and to a tighter optimum (measured on labels/, scikit-learn 1.9).
    return LogisticRegression(C=c, class_weight="balanced", solver="newton-cg", max_iter=2000, random_state=seed)


def fit_head(
    task: Task,
    features: sparse.csr_matrix,
    targets: np.ndarray,
    c: float,
    seed: int = 0,
    blocked: np.ndarray | None = None,
) -> LinearHead:
    """Fit a task's weights.

    ``targets``: an (n, n_tags) 0/1 matrix for a multi-label task, else tag indexes.
    Multi-label thresholds start at 0.5; training replaces them with tuned ones.
    ``blocked`` columns get no weight: the head is fitted as if they were empty.
    """
    n_features = features.shape[1]
    if blocked is not None and len(blocked):
        keep = np.ones(n_features, dtype=features.dtype)
        keep[blocked] = 0
        features = features @ sparse.diags(keep)
        head = fit_head(task, features, targets, c, seed)
        head.coef[:, blocked] = 0.0  # exactly, not just numerically
        return head
    n_tags = len(task.tags)
    coef = np.zeros((n_tags, n_features), dtype=np.float32)
    intercept = np.zeros(n_tags, dtype=np.float32)
    if task.multi_label:
        for j in range(n_tags):
            column = targets[:, j]
            if column.min() == column.max():  # a tag always or never present in this fold
                intercept[j] = 10.0 if column[0] else -10.0
                continue
            model = _logistic(c, seed).fit(features, column)
            coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
        return LinearHead(task, coef, intercept, np.full(n_tags, 0.5, dtype=np.float32))
    present = np.unique(targets)
    if len(present) == 1:
        intercept[:] = -10.0
        intercept[present[0]] = 10.0
        return LinearHead(task, coef, intercept)
    coef, intercept = tag_weights(_logistic(c, seed).fit(features, targets), n_tags, np.float32)
    return LinearHead(task, coef, intercept)


def tag_weights(model: LogisticRegression, n_tags: int, dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """A fitted single-label ``LogisticRegression`` as one weight row and intercept per tag of the task.

    scikit-learn keeps one row for two classes (p(1) = sigmoid(w.x + b)): it becomes the
    second class's row against a zero row. Tags absent from the training data get an
    intercept of -30, so they never win.
    """
    classes = model.classes_
    coef = np.zeros((n_tags, model.coef_.shape[1]), dtype=dtype)
    intercept = np.full(n_tags, -30.0, dtype=dtype)
    if len(classes) == 2:
        coef[classes[1]], intercept[classes[1]] = model.coef_[0], model.intercept_[0]
        intercept[classes[0]] = 0.0
    else:
        coef[classes], intercept[classes] = model.coef_, model.intercept_
    return coef, intercept
