"""Is the new model better than the current one? Per task, on the same grouped folds.

The rule (also in ``docs/retraining.md``):

* Each task has one headline score: micro-F1 for a multi-label task, macro-F1
  for a single-label one (the numbers training maximises).
* **Settings differ** (features, C grid or seed): grouped cross-validation is
  run on today's labels twice, with the current model's saved settings
  (``meta["training"]``) and with the new ones, on the *same* folds. The
  difference is the pooled new score minus the pooled current score; the noise
  band is ``2 x`` the standard error of the per-fold differences.
* **Settings identical**: re-running them would give the new model's own
  numbers, so the new cross-validation is compared with the scores stored in
  the current model (``meta["cv_scores"]``, measured on the labels it was
  trained on). The two scores are independent, so the band is
  ``2 x sqrt(2) x`` the standard error of the new per-fold scores.
* The band is never narrower than ``MIN_BAND`` (0.01). A task is *worse* when
  its difference is below ``-band``, *better* above ``+band``, else *same*.
  A task the current model does not have (or with other tags) is *new* and
  never blocks a promotion.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from ..labels.files import LabelSet
from ..labels.schema import Task
from ..model.features import FeatureSettings
from ..model.training import TrainingSettings, cross_validate, task_targets

__all__ = [
    "MIN_BAND",
    "Comparison",
    "TaskComparison",
    "compare_with_current",
    "fold_scores",
    "headline_metric",
    "settings_from_meta",
]

#: The narrowest noise band: differences smaller than one F1 point never count.
MIN_BAND = 0.01
#: Standard errors in a band (about a 95% interval).
Z = 2.0


def headline_metric(task: Task) -> str:
    """The key of a task's headline score in a ``cv_scores`` block."""
    return "micro_f1" if task.multi_label else "macro_f1"


@dataclass
class FoldScores:
    """One cross-validation run: pooled headline score per task, and the same per fold."""

    pooled: dict[str, float]
    per_fold: dict[str, np.ndarray]
    n_folds: int


def _folds(labels: LabelSet, folds: int) -> list[np.ndarray]:
    """The test rows of each grouped fold, exactly as :func:`cross_validate` splits them."""
    from sklearn.model_selection import GroupKFold

    frame = labels.paragraphs
    groups = frame["article"].to_numpy()
    n_folds = min(folds, len(set(groups)))
    texts = frame["text"].tolist()
    return [test for _, test in GroupKFold(n_splits=n_folds).split(texts, groups=groups)]


def _headline(task: Task, truth: np.ndarray, decided: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    if task.multi_label:
        return float(f1_score(truth, decided, average="micro", zero_division=0.0))
    return float(f1_score(truth, decided, average="macro", zero_division=0.0))


def fold_scores(labels: LabelSet, settings: TrainingSettings) -> FoldScores:
    """Grouped cross-validation with ``settings``: headline scores pooled and per fold.

    The pooled score equals the one training stores in ``meta["cv_scores"]``.
    """
    cv = cross_validate(labels, settings)
    folds = _folds(labels, settings.folds)
    pooled, per_fold = {}, {}
    for task in labels.schema.tasks:
        truth = task_targets(task, labels.paragraphs[task.name].tolist())
        probs = cv.probabilities[task.name]
        thresholds = cv.thresholds[task.name]
        decided = (probs >= thresholds).astype(np.int8) if task.multi_label else probs.argmax(axis=1)
        pooled[task.name] = _headline(task, truth, decided)
        per_fold[task.name] = np.array([_headline(task, truth[rows], decided[rows]) for rows in folds])
    return FoldScores(pooled, per_fold, len(folds))


def settings_from_meta(meta: dict[str, Any]) -> TrainingSettings | None:
    """The training settings a model was trained with, or None if it did not record them."""
    saved = meta.get("training")
    if not isinstance(saved, dict):
        return None
    try:
        return TrainingSettings(
            features=FeatureSettings(**saved["features"]),
            c_grid=tuple(float(c) for c in saved["c_grid"]),
            folds=int(saved["folds"]),
            seed=int(saved["seed"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _same_recipe(a: TrainingSettings, b: TrainingSettings) -> bool:
    """Equal apart from the number of folds (the comparison fixes the folds itself)."""
    return replace(a, folds=b.folds) == b


def _standard_error(values: np.ndarray) -> float:
    if len(values) < 2:
        return 0.0
    return float(np.std(values, ddof=1) / math.sqrt(len(values)))


@dataclass
class TaskComparison:
    """One task: headline score of the current and the new model, and the verdict."""

    task: str
    metric: str
    current: float | None
    new: float
    delta: float | None
    band: float | None
    verdict: str  # "better", "worse", "same" or "new"


@dataclass
class Comparison:
    """The per-task comparison of a new model with the current one, and how it was made."""

    method: str  # "same-folds" or "stored-scores"
    basis: str
    current_id: str
    tasks: list[TaskComparison] = field(default_factory=list)

    @property
    def worse(self) -> list[str]:
        """Tasks that got worse beyond noise."""
        return [t.task for t in self.tasks if t.verdict == "worse"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "basis": self.basis,
            "current_id": self.current_id,
            "tasks": [asdict(t) for t in self.tasks],
            "worse": self.worse,
        }

    def format(self) -> str:
        """A table for the terminal."""
        from ..cli.format import table

        def number(value: float | None, signed: bool = False) -> str:
            if value is None:
                return "-"
            return f"{value:+.3f}" if signed else f"{value:.3f}"

        rows = [
            [
                t.task,
                t.metric.replace("_f1", "-F1"),
                number(t.current),
                number(t.new),
                number(t.delta, signed=True),
                "-" if t.band is None else f"±{t.band:.3f}",
                t.verdict,
            ]
            for t in self.tasks
        ]
        header = ["task", "score", "current", "new", "change", "noise", "verdict"]
        return f"{self.basis}\n\n" + table(rows, header)


def _verdict(delta: float, band: float) -> str:
    if delta < -band:
        return "worse"
    if delta > band:
        return "better"
    return "same"


def _stored_comparable(task: Task, meta: dict[str, Any]) -> bool:
    """Whether the current model has this task with the same kind and tags."""
    for saved in (meta.get("schema") or {}).get("tasks", []):
        if saved.get("name") == task.name:
            return saved.get("kind") == task.kind and list(saved.get("tags", {})) == list(task.tag_names)
    return False


def compare_with_current(
    labels: LabelSet,
    settings: TrainingSettings,
    current_meta: dict[str, Any],
    new_scores: FoldScores | None = None,
) -> Comparison:
    """Compare ``settings`` trained on ``labels`` with the model described by ``current_meta``.

    See the module docstring for the rule. ``new_scores`` may pass an
    already computed :func:`fold_scores` of the new settings.
    """
    new = new_scores or fold_scores(labels, settings)
    current_id = str(current_meta.get("model_id", "current model"))
    current_settings = settings_from_meta(current_meta)
    tasks: list[TaskComparison] = []
    if current_settings is not None and not _same_recipe(current_settings, settings):
        old = fold_scores(labels, replace(current_settings, folds=settings.folds))
        basis = (
            f"Training settings differ from {current_id}'s: both were cross-validated on the same "
            f"{new.n_folds} folds of today's labels ({len(labels.paragraphs)} paragraphs, grouped by article). "
            "Noise = 2 x standard error of the per-fold differences."
        )
        for task in labels.schema.tasks:
            diffs = new.per_fold[task.name] - old.per_fold[task.name]
            band = max(MIN_BAND, Z * _standard_error(diffs))
            delta = new.pooled[task.name] - old.pooled[task.name]
            tasks.append(
                TaskComparison(
                    task.name,
                    headline_metric(task),
                    round(old.pooled[task.name], 4),
                    round(new.pooled[task.name], 4),
                    round(delta, 4),
                    round(band, 4),
                    _verdict(delta, band),
                )
            )
        return Comparison("same-folds", basis, current_id, tasks)

    stored = (current_meta.get("cv_scores") or {}).get("paragraph") or {}
    then = (current_meta.get("label_counts") or {}).get("paragraphs", "?")
    reason = (
        "Training settings are unchanged"
        if current_settings is not None
        else f"{current_id} does not record its training settings"
    )
    basis = (
        f"{reason}: the new cross-validation ({len(labels.paragraphs)} paragraphs today) is compared with "
        f"the scores stored in {current_id} (cross-validated on its {then} paragraphs). "
        "Noise = 2 x sqrt(2) x standard error of the new per-fold scores."
    )
    for task in labels.schema.tasks:
        metric = headline_metric(task)
        score = new.pooled[task.name]
        before = stored.get(task.name, {}).get(metric) if _stored_comparable(task, current_meta) else None
        if not isinstance(before, (int, float)):
            tasks.append(TaskComparison(task.name, metric, None, round(score, 4), None, None, "new"))
            continue
        band = max(MIN_BAND, Z * math.sqrt(2) * _standard_error(new.per_fold[task.name]))
        delta = score - float(before)
        tasks.append(
            TaskComparison(
                task.name,
                metric,
                float(before),
                round(score, 4),
                round(delta, 4),
                round(band, 4),
                _verdict(delta, band),
            )
        )
    return Comparison("stored-scores", basis, current_id, tasks)
