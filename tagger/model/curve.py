"""Learning curve: how each task's score grows with the number of labelled articles.

The folds are the ones training uses (grouped by article, so an article is
never on both sides). In each fold the model is trained on a growing share of
the fold's training articles (20, 40, 60, 80, 100 % by default) and scored on
the whole held-out fold, so every point is measured on the same paragraphs.
The shares are nested (the 40 % articles include the 20 % ones) and drawn with
fixed seeds, so the same labels give the same curve. C, the context and voice
stages and the multi-label thresholds are chosen and fitted at each share exactly as
``tagger train`` does in its cross-validation; the 100 % point is therefore the
cross-validated score ``tagger train`` prints.

A tag whose F1 still climbs at the right end of the curve is the one where
more labels pay off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from html import escape
from typing import Any

import numpy as np

from ..labels.files import LabelSet
from ..text.attribution import attribution_flags
from .training import (
    TrainingSettings,
    _decide,
    _headline_score,
    best_thresholds,
    fold_probabilities,
    grouped_folds,
    later_stages,
    score_task,
)

__all__ = ["DEFAULT_FRACTIONS", "LearningCurve", "format_curve", "learning_curve", "plot_curve"]

DEFAULT_FRACTIONS = (0.2, 0.4, 0.6, 0.8, 1.0)
#: A tag whose F1 rose at least this much over the last step is reported as still gaining.
GAIN_HINT = 0.02
_DIGITS = 4
_SIZE = re.compile(r'^<svg [^>]*?width="([\d.]+)" height="([\d.]+)"')


@dataclass
class LearningCurve:
    """Scores per share of the training articles.

    ``tasks[task]``: ``metric`` (micro_f1 for multi-label, macro_f1 for
    single-label: the score training maximises), ``scores`` (one per fraction),
    ``per_tag`` ({tag: [F1 per fraction]}) and ``support`` ({tag: labelled paragraphs}).
    """

    fractions: list[float]
    articles: list[float]  # mean training articles per fold at each fraction
    paragraphs: list[float]  # mean training paragraphs per fold at each fraction
    tasks: dict[str, dict[str, Any]]
    folds: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def still_gaining(self, threshold: float = GAIN_HINT) -> list[tuple[str, str, float]]:
        """(task, tag, gain) of the tags whose F1 rose by ``threshold`` or more over the last step, biggest first."""
        if len(self.fractions) < 2:
            return []
        out = []
        for task, block in self.tasks.items():
            for tag, values in block["per_tag"].items():
                gain = values[-1] - values[-2]
                if gain >= threshold and block["support"][tag]:
                    out.append((task, tag, round(gain, _DIGITS)))
        return sorted(out, key=lambda item: -item[2])


def _check_fractions(fractions: Sequence[float]) -> list[float]:
    values = sorted({float(f) for f in fractions})
    if not values or values[0] <= 0 or values[-1] > 1:
        raise ValueError(f"fractions must lie in (0, 1], got {list(fractions)}")
    return values


def learning_curve(
    labels: LabelSet,
    settings: TrainingSettings | None = None,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    progress: Callable[[str], None] | None = None,
) -> LearningCurve:
    """Grouped cross-validated scores of models trained on growing shares of the labelled articles.

    >>> curve = learning_curve(read_labels("labels"))  # doctest: +SKIP
    >>> curve.tasks["topic"]["scores"]  # doctest: +SKIP
    [0.61, 0.70, 0.74, 0.77, 0.78]
    """
    settings = settings or TrainingSettings()
    shares = _check_fractions(fractions)
    schema = labels.schema
    # The same folds as training's cross-validation.
    split = grouped_folds(labels, settings)
    texts, groups, targets, folds = split.texts, split.groups, split.targets, split.folds
    n_folds = len(folds)
    attributed = attribution_flags(texts)
    oof = {
        (f, t.name, c): np.zeros((len(texts), len(t.tags)), dtype=np.float32)
        for f in shares
        for t in schema.tasks
        for c in settings.c_grid
    }
    kept_rows: dict[float, list[np.ndarray]] = {f: [] for f in shares}
    for fold, (train_rows, test_rows) in enumerate(folds):
        articles = np.unique(groups[train_rows])
        order = np.random.default_rng([settings.seed, fold]).permutation(articles)
        for f in shares:
            if progress:
                progress(f"fold {fold + 1}/{n_folds}, {f:.0%} of the training articles")
            kept = order[: max(1, round(f * len(order)))]
            rows = train_rows[np.isin(groups[train_rows], kept)]  # order kept: an article's rows stay together
            kept_rows[f].append(rows)
            for (name, c), probs in fold_probabilities(schema, settings, split, rows, test_rows).items():
                oof[f, name, c][test_rows] = probs
    tasks: dict[str, dict[str, Any]] = {}
    for task in schema.tasks:
        truth = targets[task.name]
        block: dict[str, Any] = {
            "metric": "micro_f1" if task.multi_label else "macro_f1",
            "scores": [],
            "per_tag": {tag: [] for tag in task.tag_names},
        }
        for f in shares:
            ranked = [(_headline_score(task, truth, oof[f, task.name, c]), -c, c) for c in settings.c_grid]
            first = oof[f, task.name, max(ranked)[2]]
            # The context and voice stages as training chooses them, fitted on the same share of the articles.
            share_folds = [(rows, test_rows) for rows, (_, test_rows) in zip(kept_rows[f], folds)]
            probs, _, _ = later_stages(task, truth, first, groups, attributed, share_folds, split.word_counts)
            thresholds = best_thresholds(truth, probs) if task.multi_label else None
            scored = score_task(task, truth, _decide(task, probs, thresholds))
            block["scores"].append(scored[block["metric"]])
            for tag in task.tag_names:
                block["per_tag"][tag].append(scored["per_tag"][tag]["f1"])
        block["support"] = {tag: scored["per_tag"][tag]["support"] for tag in task.tag_names}
        tasks[task.name] = block
    return LearningCurve(
        fractions=shares,
        articles=[round(float(np.mean([len(np.unique(groups[r])) for r in kept_rows[f]])), 1) for f in shares],
        paragraphs=[round(float(np.mean([len(r) for r in kept_rows[f]])), 1) for f in shares],
        tasks=tasks,
        folds=n_folds,
        seed=settings.seed,
    )


def _metric_name(metric: str) -> str:
    """``micro_f1`` -> ``micro-F1``."""
    return metric.replace("_f1", "-F1")


def format_curve(curve: LearningCurve) -> str:
    """The curve as text tables: the tasks' scores per share, then each task's per-tag F1."""
    from ..cli.format import table

    shares = [f"{f:.0%}" for f in curve.fractions]
    header = [
        "share",
        "articles",
        "paragraphs",
        *(f"{t} ({_metric_name(b['metric'])})" for t, b in curve.tasks.items()),
    ]
    rows = [
        [
            share,
            f"{curve.articles[i]:.1f}",
            f"{curve.paragraphs[i]:.0f}",
            *(f"{b['scores'][i]:.3f}" for b in curve.tasks.values()),
        ]
        for i, share in enumerate(shares)
    ]
    out = [
        f"Learning curve: grouped {curve.folds}-fold cross-validation (by article), each model trained on a share "
        f"of its fold's training articles (seed {curve.seed}). Articles and paragraphs: mean training size.",
        "",
        table(rows, header),
    ]
    for task, block in curve.tasks.items():
        tag_rows = []
        for tag, values in block["per_tag"].items():
            gain = values[-1] - values[-2] if len(values) > 1 else 0.0
            tag_rows.append([tag, *(f"{v:.3f}" for v in values), f"{gain:+.3f}", str(block["support"][tag])])
        out += ["", f"{task}: F1 per tag", table(tag_rows, ["tag", *shares, "last step", "labelled"])]
    gaining = curve.still_gaining()
    out.append("")
    if gaining:
        listed = ", ".join(f"{task}/{tag} ({gain:+.2f})" for task, tag, gain in gaining)
        out.append(f"Still gaining at the last step (more labels should help most): {listed}")
    else:
        out.append(f"No tag gained {GAIN_HINT:.2f} F1 or more at the last step: the curve has flattened.")
    return "\n".join(out)


def plot_curve(curve: LearningCurve, title: str = "Learning curve") -> str:
    """An SVG image: one panel per task, its headline score (black) and each tag's F1 against the share."""
    from ..report.svg import PALETTE, Series, line_chart

    ticks = [(f, f"{f:.0%}") for f in curve.fractions]
    low = min(0.0, curve.fractions[0])
    panels = []
    for task, block in curve.tasks.items():
        series = [Series(_metric_name(block["metric"]), curve.fractions, block["scores"], "#000000", points=True)]
        for i, (tag, values) in enumerate(block["per_tag"].items()):
            series.append(Series(f"{tag} F1", curve.fractions, values, PALETTE[i % 6], dashed=True, points=True))
        panels.append(
            line_chart(
                series,
                title=task,
                x_label="share of the training articles",
                y_label="score",
                x_ticks=ticks,
                x_range=(low, 1.0),
                width=320,
                height=250,
                kind="learning-curve",
            )
        )
    # Panels side by side, three to a row, in one SVG document.
    sizes = [tuple(float(v) for v in _SIZE.search(svg).groups()) for svg in panels]  # type: ignore[union-attr]
    per_row = 3
    x = y = row_height = 0.0
    placed, total_width = [], 0.0
    for i, (svg, (width, height)) in enumerate(zip(panels, sizes)):
        if i and i % per_row == 0:
            x, y, row_height = 0.0, y + row_height, 0.0
        placed.append(svg.replace("<svg ", f'<svg x="{x:g}" y="{y + 30:g}" ', 1))
        x += width
        total_width = max(total_width, x)
        row_height = max(row_height, height)
    total_height = y + row_height + 30
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_width:g}" height="{total_height:g}" '
        f'viewBox="0 0 {total_width:g} {total_height:g}" font-family="sans-serif">'
        f'<rect width="100%" height="100%" fill="#fff"/>'
        f'<text x="{total_width / 2:g}" y="20" text-anchor="middle" font-size="15" font-weight="bold">'
        f"{escape(title)}</text>" + "".join(placed) + "</svg>\n"
    )
