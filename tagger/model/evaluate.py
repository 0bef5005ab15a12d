"""Score a model against labelled paragraphs and articles.

:func:`evaluate` gives, per level (paragraph, article) and task: per-tag
precision, recall, F1 and support, micro and macro F1, accuracy, a confusion
matrix for single-label tasks, and per-tag precision-recall curves with the
point the model actually operates at (its tuned threshold for a multi-label
tag, the argmax for a single-label task, the article rules at article level).
Everything is plain JSON-ready data, so ``tagger eval --json`` prints it and
:mod:`tagger.report` draws it.

:func:`read_eval_labels` reads a labels folder for a given model and turns
"the labels use tags the model does not know" into one clear error.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LabelError, SchemaError, TaggerError
from ..labels.files import SCHEMA_FILE, LabelSet, read_labels
from ..labels.schema import Schema, Task
from .tagger import Tagger
from .training import score_task, task_targets

__all__ = ["MAX_CURVE_POINTS", "TEXT_FOLDERS", "check_known_tags", "evaluate", "read_eval_labels"]

#: Points kept per precision-recall curve: enough to draw it, small enough for JSON.
MAX_CURVE_POINTS = 200
#: Sub-folders of a labels folder searched for raw article texts ``<article>.txt``.
TEXT_FOLDERS = ("articles", "texts")
_DIGITS = 4
_UNKNOWN_TAG = re.compile(r"^(?P<task>\w+): unknown tag (?P<tag>'.*'|\".*\")$")


def _round(values: np.ndarray) -> list[float]:
    return [round(float(v), _DIGITS) for v in values]


# -- which labels can be scored ----------------------------------------------------------


def _used_tags(labels: LabelSet, task: Task) -> dict[str, int]:
    """Rows (paragraphs and articles) using each tag of ``task``."""
    counts: dict[str, int] = {}
    for frame in (labels.paragraphs, labels.articles):
        if task.name not in frame:
            continue
        for value in frame[task.name]:
            for tag in value if task.multi_label else (value,):
                counts[tag] = counts.get(tag, 0) + 1
    return counts


def _unknown_message(unknown: dict[str, dict[str, int]], model: Tagger) -> str:
    parts = []
    for task, tags in unknown.items():
        listed = ", ".join(f"{t!r} ({n} row{'s' if n != 1 else ''})" for t, n in tags.items())
        parts.append(f"{task}: {listed}")
    model_id = model.meta.get("model_id", "the model")
    return (
        f"the labels use tags that model {model_id} does not know: {'; '.join(parts)}. "
        "Evaluate a model trained with these tags (tagger train), or relabel those rows."
    )


def check_known_tags(model: Tagger, labels: LabelSet) -> None:
    """Raise :class:`~tagger.errors.SchemaError` naming every task or tag of ``labels`` the model cannot score.

    Tags the labels' schema declares but no row uses are fine; tags the model
    knows but the labels never use simply get support 0.
    """
    ours, theirs = model.schema, labels.schema
    missing = [t for t in ours.task_names if t not in theirs.task_names]
    extra = [t for t in theirs.task_names if t not in ours.task_names]
    if missing or extra:
        said = []
        if extra:
            said.append(f"the labels have tasks the model does not predict: {extra}")
        if missing:
            said.append(f"the labels lack tasks the model predicts: {missing}")
        raise SchemaError(
            "; ".join(said) + f" (model tasks: {list(ours.task_names)}); evaluate with a model of the same schema"
        )
    kinds = [t.name for t in theirs.tasks if t.kind != ours[t.name].kind]
    if kinds:
        raise SchemaError(
            "tasks of another kind in the labels than in the model: "
            + ", ".join(f"{n} ({theirs[n].kind} vs {ours[n].kind})" for n in kinds)
        )
    unknown: dict[str, dict[str, int]] = {}
    for task in theirs.tasks:
        known = set(ours[task.name].tag_names)
        bad = {t: n for t, n in _used_tags(labels, task).items() if t not in known}
        if bad:
            unknown[task.name] = bad
    if unknown:
        raise SchemaError(_unknown_message(unknown, model))


def read_eval_labels(model: Tagger, folder: str | Path) -> LabelSet:
    """Read a labels folder to evaluate ``model`` on.

    The folder's ``schema.json`` is used when it has one, else the model's
    schema. Rows whose tags the model does not know raise one
    :class:`~tagger.errors.SchemaError` naming those tags (with row counts), not
    a problem per row. Per-tag minimum counts are not enforced: a test set may
    be small.
    """
    folder = Path(folder)
    if (folder / SCHEMA_FILE).is_file():
        labels = read_labels(folder, check_counts=False)
        check_known_tags(model, labels)
        return labels
    try:
        return read_labels(folder, schema=model.schema, check_counts=False)
    except LabelError as exc:
        unknown: dict[str, dict[str, int]] = {}
        for problem in exc.problems:
            match = _UNKNOWN_TAG.match(problem.message)
            if match:
                tag = ast.literal_eval(match["tag"])
                counts = unknown.setdefault(match["task"], {})
                counts[tag] = counts.get(tag, 0) + 1
        if not unknown:
            raise
        others = sum(1 for p in exc.problems if not _UNKNOWN_TAG.match(p.message))
        message = _unknown_message(unknown, model)
        if others:
            message += f" The files have {others} other problem{'s' if others != 1 else ''}: run tagger train on them."
        raise SchemaError(message) from None


# -- curves and matrices ---------------------------------------------------------------------


def _thin(indexes: np.ndarray) -> np.ndarray:
    if len(indexes) <= MAX_CURVE_POINTS:
        return indexes
    keep = np.unique(np.round(np.linspace(0, len(indexes) - 1, MAX_CURVE_POINTS)).astype(int))
    return indexes[keep]


def pr_curve(truth: np.ndarray, scores: np.ndarray) -> dict[str, Any] | None:
    """Precision and recall of ``scores >= t`` for every distinct ``t``, highest recall first.

    ``None`` when ``truth`` has no positive: recall is undefined. Curves longer
    than :data:`MAX_CURVE_POINTS` are thinned evenly, keeping both ends.
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    truth = np.asarray(truth).astype(int)
    if truth.sum() == 0:
        return None
    precision, recall, thresholds = precision_recall_curve(truth, np.asarray(scores, dtype=np.float64))
    # sklearn appends the point (recall 0, precision 1) that has no threshold; keep the measured ones.
    rows = _thin(np.arange(len(thresholds)))
    return {
        "precision": _round(precision[rows]),
        "recall": _round(recall[rows]),
        "thresholds": _round(thresholds[rows]),
        "average_precision": round(float(average_precision_score(truth, scores)), _DIGITS),
    }


def _operating_point(truth: np.ndarray, decided: np.ndarray) -> dict[str, float]:
    truth, decided = truth.astype(bool), decided.astype(bool)
    hits = int((truth & decided).sum())
    return {
        "precision": round(hits / int(decided.sum()), _DIGITS) if decided.any() else 0.0,
        "recall": round(hits / int(truth.sum()), _DIGITS) if truth.any() else 0.0,
    }


def _curves(
    task: Task, truth: np.ndarray, decided: np.ndarray, scores: np.ndarray, rule: str, thresholds: np.ndarray | None
) -> dict[str, Any]:
    """Per tag: its precision-recall curve and the model's operating point on it.

    ``truth`` and ``decided`` are (n, n_tags) 0/1 matrices, ``scores`` (n, n_tags).
    """
    out: dict[str, Any] = {}
    for j, tag in enumerate(task.tag_names):
        curve = pr_curve(truth[:, j], scores[:, j]) or {
            "precision": [],
            "recall": [],
            "thresholds": [],
            "average_precision": None,
        }
        point: dict[str, Any] = {**_operating_point(truth[:, j], decided[:, j]), "rule": rule}
        point["threshold"] = round(float(thresholds[j]), _DIGITS) if thresholds is not None else None
        curve["operating_point"] = point
        out[tag] = curve
    return out


def confusion(task: Task, truth: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    """Single-label confusion matrix: ``matrix[i][j]`` = items labelled tag i and predicted tag j."""
    n = len(task.tags)
    matrix = np.zeros((n, n), dtype=int)
    np.add.at(matrix, (truth, predicted), 1)
    return {"tags": list(task.tag_names), "matrix": matrix.tolist()}


def _score_block(
    task: Task,
    truth: np.ndarray,
    predicted: np.ndarray,
    scores: np.ndarray,
    rule: str,
    thresholds: np.ndarray | None = None,
) -> dict[str, Any]:
    """Everything measured for one task at one level.

    ``truth``/``predicted``: a 0/1 matrix (multi-label) or tag indexes (single-label).
    """
    block = score_task(task, truth, predicted)
    n_tags = len(task.tags)
    if task.multi_label:
        block["accuracy"] = round(float(np.mean(np.all(truth == predicted, axis=1))), _DIGITS) if len(truth) else 0.0
        truth_matrix, decided_matrix = truth, predicted
    else:
        block["confusion"] = confusion(task, truth, predicted)
        truth_matrix = np.eye(n_tags, dtype=np.int8)[truth]
        decided_matrix = np.eye(n_tags, dtype=np.int8)[predicted]
    block["curves"] = _curves(task, truth_matrix, decided_matrix, scores, rule, thresholds)
    return block


# -- the evaluation ------------------------------------------------------------------------------


def _text_dirs(texts_dir: str | Path | Sequence[str | Path] | None) -> list[Path]:
    if texts_dir is None:
        return []
    if isinstance(texts_dir, (str, Path)):
        return [Path(texts_dir)]
    return [Path(d) for d in texts_dir]


def _article_text(article: str, folders: list[Path]) -> str | None:
    for folder in folders:
        raw = folder / f"{article}.txt"
        if raw.is_file():
            data = raw.read_bytes()
            try:
                return data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count(b"\n") + 1
                raise TaggerError(
                    f"{raw}:{line}: not UTF-8 text (byte {exc.start}); convert the file to UTF-8"
                ) from None
    return None


def evaluate(
    model: Tagger, labels: LabelSet, texts_dir: str | Path | Sequence[str | Path] | None = None
) -> dict[str, Any]:
    """Paragraph- and article-level scores of ``model`` on ``labels``.

    Paragraphs are scored on the labelled paragraph texts. Articles are tagged
    from their raw text when one of ``texts_dir`` (a folder or a list of
    folders, searched in order) holds ``<article>.txt`` (splitting included, as
    in real use), else from their labelled paragraphs.

    Returns ``{"paragraph": {task: block}, "article": {task: block}, "counts": {...}}``
    where a block holds ``per_tag`` (precision, recall, f1, support),
    ``micro_f1``, ``macro_f1``, ``accuracy`` (exact match of the tag set for a
    multi-label task), ``confusion`` (single-label tasks) and ``curves`` (per
    tag: precision, recall, thresholds, average_precision, operating_point).

    >>> scores = evaluate(tagger.load("models/mine"), read_labels("testset"))  # doctest: +SKIP
    >>> scores["paragraph"]["topic"]["per_tag"]["insurgency"]["f1"]  # doctest: +SKIP
    """
    check_known_tags(model, labels)
    schema: Schema = model.schema
    frame = labels.paragraphs
    probs = model.paragraph_probabilities(frame["text"].tolist(), frame["article"].to_numpy())
    result: dict[str, Any] = {"paragraph": {}, "article": {}}
    for task in schema.tasks:
        head = model.heads[task.name]
        decided = head.decide(probs[task.name])
        truth = task_targets(task, frame[task.name].tolist())
        predicted = decided.astype(np.int8) if task.multi_label else decided
        rule = "threshold" if task.multi_label else "argmax"
        result["paragraph"][task.name] = _score_block(
            task, truth, predicted, probs[task.name], rule, head.thresholds if task.multi_label else None
        )
    raw_texts = 0
    if len(labels.articles):
        ids = labels.articles["article"].tolist()
        by_article = labels.article_texts()
        folders = _text_dirs(texts_dir)
        texts = []
        for article in ids:
            raw = _article_text(article, folders)
            raw_texts += raw is not None
            texts.append(raw if raw is not None else "\n\n".join(by_article[article]))
        predicted_articles = model.predict(texts)
        for task in schema.tasks:
            truth = task_targets(task, labels.articles[task.name].tolist())
            guess = task_targets(task, [r.tags[task.name] for r in predicted_articles])
            scores = np.array(
                [[r.scores[task.name][t] for t in task.tag_names] for r in predicted_articles], dtype=np.float64
            ).reshape(len(ids), len(task.tags))
            result["article"][task.name] = _score_block(task, truth, guess, scores, "article rule")
    result["counts"] = {
        "paragraphs": len(frame),
        "articles": int(frame["article"].nunique()),
        "article_labels": len(labels.articles),
        "article_raw_texts": raw_texts,
    }
    return result
