"""Training: label files in, a model directory out, with cross-validated scores.

Cross-validation folds group paragraphs by article, so no article sits on both
sides of a fold; seeds are fixed, so the same labels give the same model.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold

from ..labels.files import LabelSet, read_labels
from ..labels.schema import Schema, Task
from ..text.attribution import attribution_flags
from .aggregate import ArticleRules, fit_article_rules
from .context import ContextHead, fit_context_head, paragraph_word_counts
from .features import FeatureSettings, TextFeatures, build_vectorizer
from .heads import LinearHead, fit_head
from .tagger import Tagger
from .voice import THRESHOLD_GRID, VoiceRule, apply_voice

__all__ = [
    "TrainingSettings",
    "clearly_better",
    "cross_validate",
    "fit_model",
    "headline_f1",
    "later_stages",
    "score_task",
    "task_targets",
    "train",
]

_THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


@dataclass(frozen=True)
class TrainingSettings:
    """Training options; saved in the model's ``meta.json``."""

    features: FeatureSettings = field(default_factory=FeatureSettings)
    #: Inverse regularisation strengths tried per task; the best on grouped CV is kept.
    c_grid: tuple[float, ...] = (1.0, 4.0, 16.0)
    folds: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        if self.folds < 2:
            raise ValueError(f"folds must be at least 2, got {self.folds}")
        if not self.c_grid or min(self.c_grid) <= 0:
            raise ValueError(f"c_grid must hold positive numbers, got {self.c_grid}")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["c_grid"] = list(self.c_grid)
        return data


def task_targets(task: Task, values: list[Any]) -> np.ndarray:
    """Labels as arrays: an (n, n_tags) 0/1 matrix for multi-label, tag indexes otherwise."""
    tags = task.tag_names
    if task.multi_label:
        matrix = np.zeros((len(values), len(tags)), dtype=np.int8)
        for i, row in enumerate(values):
            for tag in row:
                matrix[i, tags.index(tag)] = 1
        return matrix
    return np.array([tags.index(v) for v in values], dtype=np.int64)


def best_thresholds(truth: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Per tag, the grid threshold with the best F1 on out-of-fold predictions.

    Among equally good thresholds, the one nearest 0.5 (it generalises best).
    One vectorised pass over the whole grid: a metric call per threshold would
    dominate training time.
    """
    positive = truth.astype(bool)
    on = probs[None, :, :] >= _THRESHOLD_GRID[:, None, None]  # (grid, n, tags)
    hits = (on & positive[None]).sum(axis=1)
    both = on.sum(axis=1) + positive.sum(axis=0)  # 2 TP + FP + FN
    f1 = np.where(both > 0, 2 * hits / np.maximum(both, 1), 0.0)
    distance = np.where(f1 >= f1.max(axis=0) - 1e-9, np.abs(_THRESHOLD_GRID - 0.5)[:, None], np.inf)
    return _THRESHOLD_GRID[distance.argmin(axis=0)].astype(np.float32)


def score_task(task: Task, truth: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    """Per-tag precision, recall, F1 and support, micro and macro F1, and accuracy for single-label."""
    labels = list(range(len(task.tags)))
    if task.multi_label:
        p, r, f, s = precision_recall_fscore_support(truth, predicted, zero_division=0.0)
        micro = f1_score(truth, predicted, average="micro", zero_division=0.0)
        macro = f1_score(truth, predicted, average="macro", zero_division=0.0)
        extra: dict[str, float] = {}
    else:
        p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0.0)
        micro = f1_score(truth, predicted, labels=labels, average="micro", zero_division=0.0)
        macro = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0.0)
        extra = {"accuracy": round(float(np.mean(truth == predicted)), 4)}
    per_tag = {
        tag: {
            "precision": round(float(p[j]), 4),
            "recall": round(float(r[j]), 4),
            "f1": round(float(f[j]), 4),
            "support": int(s[j]),
        }
        for j, tag in enumerate(task.tag_names)
    }
    return {"per_tag": per_tag, "micro_f1": round(float(micro), 4), "macro_f1": round(float(macro), 4), **extra}


def _decide(task: Task, probs: np.ndarray, thresholds: np.ndarray | None) -> np.ndarray:
    return (probs >= thresholds).astype(np.int8) if task.multi_label else probs.argmax(axis=1)


def headline_f1(task: Task, truth: np.ndarray, decided: np.ndarray) -> float:
    """A task's headline score of decided tags: micro-F1 (multi-label) or macro-F1 over every tag.

    The number training maximises and the benchmarks' targets read, unrounded; a tag
    absent from both ``truth`` and ``decided`` counts as 0, as in :func:`score_task`.
    """
    if task.multi_label:
        return float(f1_score(truth, decided, average="micro", zero_division=0.0))
    every_tag = list(range(len(task.tags)))
    return float(f1_score(truth, decided, labels=every_tag, average="macro", zero_division=0.0))


def _headline_score(task: Task, truth: np.ndarray, probs: np.ndarray) -> float:
    """The number CV maximises when choosing C: :func:`headline_f1` at the best thresholds."""
    thresholds = best_thresholds(truth, probs) if task.multi_label else None
    return headline_f1(task, truth, _decide(task, probs, thresholds))


@dataclass
class CrossValidation:
    """Out-of-fold probabilities and what was chosen from them."""

    probabilities: dict[str, np.ndarray]  # final (with context where it helps), out of fold
    chosen_c: dict[str, float]
    thresholds: dict[str, np.ndarray | None]
    scores: dict[str, Any]
    first_stage: dict[str, np.ndarray] = field(default_factory=dict)  # out of fold, for the context heads
    first_stage_scores: dict[str, Any] = field(default_factory=dict)
    with_context: dict[str, bool] = field(default_factory=dict)  # task -> context stage kept
    voice: dict[str, float] = field(default_factory=dict)  # task -> voice-stage threshold, where kept


@dataclass
class GroupedFolds:
    """The labelled paragraphs as arrays, and the article-grouped folds every CV here uses."""

    texts: list[str]
    groups: np.ndarray
    targets: dict[str, np.ndarray]
    folds: list[tuple[np.ndarray, np.ndarray]]
    word_counts: np.ndarray  # per paragraph: the context stage skips furniture by it


def grouped_folds(labels: LabelSet, settings: TrainingSettings) -> GroupedFolds:
    """Texts, article ids, targets per task, and GroupKFold folds (no article on both sides)."""
    frame = labels.paragraphs
    texts = frame["text"].tolist()
    groups = frame["article"].to_numpy()
    targets = {t.name: task_targets(t, frame[t.name].tolist()) for t in labels.schema.tasks}
    n_folds = min(settings.folds, len(set(groups)))
    if n_folds < 2:
        raise ValueError("cross-validation needs paragraphs from at least two articles")
    folds = list(GroupKFold(n_splits=n_folds).split(texts, groups=groups))
    return GroupedFolds(texts, groups, targets, folds, paragraph_word_counts(texts))


def fold_probabilities(
    schema: Schema, settings: TrainingSettings, split: GroupedFolds, train_rows: np.ndarray, test_rows: np.ndarray
) -> dict[tuple[str, float], np.ndarray]:
    """First-stage probabilities of ``test_rows`` for every (task, C), features and heads fitted on ``train_rows``."""
    vectorizer = build_vectorizer(settings.features)
    train_texts = [split.texts[i] for i in train_rows]
    x_train = vectorizer.fit_transform(train_texts)
    x_test = vectorizer.transform([split.texts[i] for i in test_rows])
    names = name_columns(schema, vectorizer, train_texts)
    return {
        (task.name, c): fit_head(
            task, x_train, split.targets[task.name][train_rows], c, settings.seed, names.get(task.name)
        ).probabilities(x_test)
        for task in schema.tasks
        for c in settings.c_grid
    }


def name_columns(schema: Schema, vectorizer: TextFeatures, texts: list[str]) -> dict[str, np.ndarray]:
    """The proper-name columns, for each task that declares ``"proper_names": false``."""
    blind = [task.name for task in schema.tasks if not task.proper_names]
    if not blind:
        return {}
    columns = vectorizer.proper_name_columns(texts)
    return dict.fromkeys(blind, columns)


def cross_validate(labels: LabelSet, settings: TrainingSettings, split: GroupedFolds | None = None) -> CrossValidation:
    """Grouped K-fold over articles: out-of-fold probabilities for every task and every C.

    ``split`` is ``grouped_folds(labels, settings)``, made here when not given.
    """
    schema = labels.schema
    split = split or grouped_folds(labels, settings)
    texts, groups, targets, folds = split.texts, split.groups, split.targets, split.folds
    oof = {
        (t.name, c): np.zeros((len(texts), len(t.tags)), dtype=np.float32)
        for t in schema.tasks
        for c in settings.c_grid
    }
    for train_rows, test_rows in folds:
        for key, probs in fold_probabilities(labels.schema, settings, split, train_rows, test_rows).items():
            oof[key][test_rows] = probs
    chosen_c, first_stage, first_scores = {}, {}, {}
    probabilities, thresholds, scores, with_context, voice = {}, {}, {}, {}, {}
    attributed = attribution_flags(texts)
    for task in schema.tasks:
        truth = targets[task.name]
        ranked = [(_headline_score(task, truth, oof[task.name, c]), -c, c) for c in settings.c_grid]
        c = max(ranked)[2]
        chosen_c[task.name] = c
        first_stage[task.name] = oof[task.name, c]
        first_thresholds = best_thresholds(truth, oof[task.name, c]) if task.multi_label else None
        first_scores[task.name] = score_task(task, truth, _decide(task, oof[task.name, c], first_thresholds))
        second, with_context[task.name], voice_threshold = later_stages(
            task, truth, first_stage[task.name], groups, attributed, folds, split.word_counts
        )
        if voice_threshold is not None:
            voice[task.name] = voice_threshold
        probabilities[task.name] = second
        thresholds[task.name] = best_thresholds(truth, second) if task.multi_label else None
        scores[task.name] = score_task(task, truth, _decide(task, second, thresholds[task.name]))
    return CrossValidation(probabilities, chosen_c, thresholds, scores, first_stage, first_scores, with_context, voice)


def later_stages(
    task: Task,
    truth: np.ndarray,
    first: np.ndarray,
    groups: np.ndarray,
    attributed: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    word_counts: np.ndarray,
) -> tuple[np.ndarray, bool, float | None]:
    """Out-of-fold scores after the context and voice stages, and whether each is kept.

    ``first`` holds out-of-fold first-stage probabilities; each (train_rows, test_rows)
    of ``folds`` fits the context head on its training rows and scores its test rows;
    ``word_counts`` tells it furniture from content.
    A stage is kept only when it is clearly better than going without it (see
    :func:`clearly_better`): the voice stage (single-label tasks) at its best threshold.
    Training and the learning curve both choose the stages here.
    """
    second = np.zeros_like(first)
    for train_rows, test_rows in folds:
        head = fit_context_head(task, first[train_rows], groups[train_rows], truth[train_rows], word_counts[train_rows])
        second[test_rows] = head.probabilities(first[test_rows], groups[test_rows], word_counts[test_rows])
    with_context = clearly_better(task, truth, second, first, folds)
    if not with_context:
        second = first
    voice_threshold = None
    if not task.multi_label:
        second, voice_threshold = _choose_voice(task, truth, second, groups, attributed, folds)
    return second, with_context, voice_threshold


def clearly_better(
    task: Task,
    truth: np.ndarray,
    candidate: np.ndarray,
    baseline: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
) -> bool:
    """Does ``candidate`` beat ``baseline`` by more than two standard errors of the per-fold gain?

    Both are out-of-fold probabilities; the gain is compared fold by fold (paired), so
    the test is sharp. A stage that only ties on our own labels is left out: every stage
    fits something to our labels, and real articles reward the simpler model (a context
    stage for ``stance`` that gained 0.0002 +- 0.0044 cost 0.017 on the development set).
    """
    gains = np.array(
        [
            _headline_score(task, truth[rows], candidate[rows]) - _headline_score(task, truth[rows], baseline[rows])
            for _, rows in folds
        ]
    )
    if len(gains) < 2:
        return bool(gains.sum() > 0)
    return bool(gains.mean() > max(2 * gains.std(ddof=1) / np.sqrt(len(gains)), 1e-9))


def _choose_voice(
    task: Task,
    truth: np.ndarray,
    probs: np.ndarray,
    groups: np.ndarray,
    attributed: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, float | None]:
    """The voice stage at its best threshold on out-of-fold ``probs`` when that is clearly
    better than no voice stage, else ``probs`` and None."""
    best_probs, best_score, best_threshold = probs, _headline_score(task, truth, probs), None
    for threshold in THRESHOLD_GRID:
        candidate = apply_voice(probs, groups, attributed, threshold)
        score = _headline_score(task, truth, candidate)
        if score > best_score + 1e-9:
            best_probs, best_score, best_threshold = candidate, score, threshold
    if best_threshold is None or not clearly_better(task, truth, best_probs, probs, folds):
        return probs, None
    return best_probs, best_threshold


def _article_truth(labels: LabelSet, schema: Schema) -> tuple[list[np.ndarray], dict[str, np.ndarray], list[str]]:
    rows_of = labels.paragraphs.groupby("article", sort=False).indices
    articles = [a for a in labels.articles["article"] if a in rows_of]
    groups = [rows_of[a] for a in articles]
    indexed = labels.articles.set_index("article")
    truth = {}
    for task in schema.tasks:
        values = indexed.loc[articles, task.name].tolist()
        matrix = task_targets(task, values)
        truth[task.name] = matrix if task.multi_label else np.eye(len(task.tags), dtype=np.int8)[matrix]
    return groups, truth, articles


def fit_model(labels: LabelSet, settings: TrainingSettings | None = None) -> Tagger:
    """Cross-validate, choose C, thresholds and article rules, then fit on every label."""
    settings = settings or TrainingSettings()
    schema = labels.schema
    split = grouped_folds(labels, settings)
    cv = cross_validate(labels, settings, split)
    word_counts = split.word_counts
    meta: dict[str, Any] = {"cv_scores": {"paragraph": cv.scores, "paragraph_first_stage": cv.first_stage_scores}}

    rules = ArticleRules()
    if len(labels.articles):
        groups, truth, _ = _article_truth(labels, schema)
        decided = {t.name: _decide(t, cv.probabilities[t.name], cv.thresholds[t.name]) for t in schema.tasks}
        rules = fit_article_rules(schema, groups, decided, cv.probabilities, truth, word_counts)
        article_scores = {}
        for task in schema.tasks:
            predicted = np.array(
                [
                    rules.article_tags(
                        task.name,
                        task.multi_label,
                        decided[task.name][g],
                        cv.probabilities[task.name][g],
                        word_counts[g],
                    )
                    for g in groups
                ]
            )
            guess = predicted.astype(np.int8) if task.multi_label else predicted.argmax(axis=1)
            want = truth[task.name] if task.multi_label else truth[task.name].argmax(axis=1)
            article_scores[task.name] = score_task(task, want, guess)
        meta["cv_scores"]["article"] = article_scores

    vectorizer = build_vectorizer(settings.features)
    features = vectorizer.fit_transform(split.texts)
    names = name_columns(schema, vectorizer, split.texts)
    heads: dict[str, LinearHead] = {}
    context: dict[str, ContextHead] = {}
    for task in schema.tasks:
        targets = split.targets[task.name]
        if cv.with_context.get(task.name, True):
            context[task.name] = fit_context_head(task, cv.first_stage[task.name], split.groups, targets, word_counts)
        head = fit_head(task, features, targets, cv.chosen_c[task.name], settings.seed, names.get(task.name))
        if task.multi_label:
            head.thresholds = cv.thresholds[task.name]
        heads[task.name] = head
    meta.update(
        {
            "training": {
                **settings.to_dict(),
                "chosen_c": cv.chosen_c,
                "context_stage": cv.with_context,
                "voice_stage": cv.voice,
                # each candidate article rule's (macro-F1, accuracy) on held-out articles
                "article_rules_judged": rules.judged,
                # word terms holding proper names, which these tasks' weights stay off
                "proper_name_terms": {name: len(columns) for name, columns in names.items()},
            },
            "label_counts": _label_counts(labels),
            "label_files": labels.files,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
    )
    return Tagger(schema, settings.features, vectorizer, heads, rules, meta, context, VoiceRule(cv.voice))


def _label_counts(labels: LabelSet) -> dict[str, Any]:
    counts: dict[str, Any] = {
        "paragraphs": len(labels.paragraphs),
        "articles": int(labels.paragraphs["article"].nunique()),
        "article_labels": len(labels.articles),
    }
    for task in labels.schema.tasks:
        column = labels.paragraphs[task.name]
        if task.multi_label:
            counts[task.name] = {tag: int(sum(tag in v for v in column)) for tag in task.tag_names}
            counts[task.name]["(none)"] = int(sum(len(v) == 0 for v in column))
        else:
            counts[task.name] = {tag: int((column == tag).sum()) for tag in task.tag_names}
    return counts


def train(
    labels_dir: str | Path = "labels",
    output: str | Path | None = None,
    settings: TrainingSettings | None = None,
) -> Tagger:
    """Train a model from a labels folder; write it to ``output`` when given.

    The label files are validated first: any problem raises
    :class:`~tagger.errors.LabelError` and nothing is written.

    >>> model = tagger.train("labels", "models/mine")  # doctest: +SKIP
    >>> model.meta["cv_scores"]["paragraph"]["topic"]["micro_f1"]  # doctest: +SKIP
    """
    labels = read_labels(labels_dir)
    model = fit_model(labels, settings)
    if output is not None:
        model.save(output)
    return model
