"""Which labels are probably wrong: out-of-fold disagreements, duplicates and thin tags.

``check_labels`` first validates the folder exactly as training does
(:func:`~tagger.labels.files.read_labels`, raising the same
:class:`~tagger.errors.LabelError`), then:

* **Suspect labels**: grouped cross-validation (the training recipe) gives each
  paragraph probabilities from a model that never saw it. A paragraph is
  listed when a tag it carries gets an out-of-fold probability below ``low``
  (0.1), or a tag it does not carry gets one above ``high`` (0.9). These are
  the labels most worth a second look; the model may still be the one wrong.
* **Exact duplicates**: the same (whitespace-folded) text in several rows.
  Conflicting ones already fail validation; consistent ones still weigh double
  and leak across folds when they sit in different articles.
* **Near duplicates**: groups of different texts linked by TF-IDF cosine
  similarity above ``near`` (0.9) -- page furniture such as "Updated 3 March"
  and "Updated 14 March" -- flagged when their tags differ.
* **Thin tags**: tags with fewer than ``min_examples`` (20) labelled
  paragraphs: trainable, but their scores are unreliable.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..labels.files import LabelSet, read_labels
from ..model.training import TrainingSettings, cross_validate

__all__ = ["CheckReport", "DuplicateGroup", "Issue", "NearDuplicates", "Suspect", "ThinTag", "check_labels"]


@dataclass
class Issue:
    """One disagreement: the model's out-of-fold probability for a tag the row has (or lacks)."""

    task: str
    tag: str
    labelled: bool
    probability: float

    def __str__(self) -> str:
        if self.labelled:
            return f"{self.task}: labelled {self.tag!r}, model gives it {self.probability:.2f}"
        return f"{self.task}: not labelled {self.tag!r}, model gives it {self.probability:.2f}"


@dataclass
class Suspect:
    """A labelled paragraph the cross-validated model confidently disagrees with."""

    file: str
    line: int | None
    article: str
    index: int
    text: str
    labels: dict[str, Any]
    issues: list[Issue]
    strength: float  # the strongest disagreement, 0..1


@dataclass
class Place:
    """Where a labelled paragraph sits, and its tags."""

    file: str
    line: int | None
    article: str
    index: int
    labels: dict[str, Any]


@dataclass
class DuplicateGroup:
    """Rows with the same text."""

    text: str
    places: list[Place]


@dataclass
class NearDuplicates:
    """Different texts linked by similarity above the threshold, with their tags."""

    similarity: float  # the highest similarity of a linked pair
    places: list[Place]
    texts: list[str]
    conflicts: list[str]  # tasks whose tags differ within the group


@dataclass
class ThinTag:
    task: str
    tag: str
    count: int


@dataclass
class CheckReport:
    """Everything ``tagger check`` found in a labels folder that passed validation."""

    paragraphs: int
    articles: int
    suspects: list[Suspect] = field(default_factory=list)
    exact_duplicates: list[DuplicateGroup] = field(default_factory=list)
    near_duplicates: list[NearDuplicates] = field(default_factory=list)
    thin_tags: list[ThinTag] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _labels_of(row: Any, task_names: tuple[str, ...]) -> dict[str, Any]:
    return {t: list(row[t]) if isinstance(row[t], tuple) else row[t] for t in task_names}


def _place(frame: Any, i: int, task_names: tuple[str, ...]) -> Place:
    row = frame.iloc[i]
    line = row["line"] if "line" in frame.columns else None
    return Place(
        str(row.get("file", "")),
        None if line is None or line != line else int(line),
        str(row["article"]),
        int(row["index"]),
        _labels_of(row, task_names),
    )


def _suspects(labels: LabelSet, settings: TrainingSettings, low: float, high: float) -> list[Suspect]:
    from ..model.training import task_targets

    cv = cross_validate(labels, settings)
    frame = labels.paragraphs
    found: dict[int, list[Issue]] = {}
    for task in labels.schema.tasks:
        probs = cv.probabilities[task.name]
        truth = task_targets(task, frame[task.name].tolist())
        has = truth.astype(bool) if task.multi_label else np.eye(len(task.tags), dtype=bool)[truth]
        missed = np.argwhere(has & (probs < low))
        invented = np.argwhere(~has & (probs > high))
        for (i, j), labelled in [(m, True) for m in missed] + [(m, False) for m in invented]:
            found.setdefault(int(i), []).append(
                Issue(task.name, task.tag_names[j], labelled, round(float(probs[i, j]), 4))
            )
    suspects = []
    for i, issues in found.items():
        place = _place(frame, i, labels.schema.task_names)
        strength = max(1 - x.probability if x.labelled else x.probability for x in issues)
        suspects.append(
            Suspect(
                place.file,
                place.line,
                place.article,
                place.index,
                str(frame.iloc[i]["text"]),
                place.labels,
                issues,
                round(strength, 4),
            )
        )
    return sorted(suspects, key=lambda s: (-s.strength, s.file, s.line or 0))


def _duplicates(labels: LabelSet) -> list[DuplicateGroup]:
    frame = labels.paragraphs
    names = labels.schema.task_names
    groups = []
    for text, rows in frame.groupby("text", sort=False).indices.items():
        if len(rows) > 1:
            groups.append(DuplicateGroup(str(text), [_place(frame, int(i), names) for i in rows]))
    return sorted(groups, key=lambda g: -len(g.places))


def _near_duplicates(labels: LabelSet, settings: TrainingSettings, near: float) -> list[NearDuplicates]:
    """Groups of different texts linked by TF-IDF cosine similarity above ``near`` (single linkage)."""
    from ..model.features import build_vectorizer
    from .suggest import unit_rows

    frame = labels.paragraphs
    names = labels.schema.task_names
    texts = frame["text"].tolist()
    vectors = unit_rows(build_vectorizer(settings.features).fit_transform(texts))
    parent = list(range(len(texts)))
    best: dict[int, float] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    chunk = 1024
    for start in range(0, len(texts), chunk):
        block = (vectors[start : start + chunk] @ vectors.T).tocoo()
        for a, b, similarity in zip(block.row, block.col, block.data):
            i, j = start + int(a), int(b)
            if j <= i or similarity <= near or texts[i] == texts[j]:
                continue
            ri, rj = root(i), root(j)
            top = max(best.pop(ri, 0.0), best.pop(rj, 0.0), float(similarity))
            parent[max(ri, rj)] = min(ri, rj)
            best[min(ri, rj)] = top
    members: dict[int, list[int]] = {}
    for i in range(len(texts)):
        if root(i) in best:
            members.setdefault(root(i), []).append(i)
    groups = []
    for r, rows in members.items():
        places = [_place(frame, i, names) for i in rows]
        conflicts = [t for t in names if len({json.dumps(p.labels[t]) for p in places}) > 1]
        groups.append(NearDuplicates(round(min(best[r], 1.0), 4), places, [texts[i] for i in rows], conflicts))
    return sorted(groups, key=lambda g: (not g.conflicts, -len(g.places), -g.similarity))


def _thin_tags(labels: LabelSet, min_examples: int) -> list[ThinTag]:
    thin = []
    for task in labels.schema.tasks:
        column = labels.paragraphs[task.name]
        for tag in task.tag_names:
            count = int(sum(tag in v for v in column)) if task.multi_label else int((column == tag).sum())
            if count < min_examples:
                thin.append(ThinTag(task.name, tag, count))
    return sorted(thin, key=lambda t: t.count)


def check_labels(
    folder: str | os.PathLike[str],
    settings: TrainingSettings | None = None,
    *,
    low: float = 0.1,
    high: float = 0.9,
    near: float = 0.9,
    min_examples: int = 20,
) -> CheckReport:
    """Validate a labels folder like training does, then look for probably wrong labels.

    Raises :class:`~tagger.errors.LabelError` when validation fails.

    >>> report = check_labels("labels")  # doctest: +SKIP
    >>> [(s.file, s.line, str(s.issues[0])) for s in report.suspects[:3]]  # doctest: +SKIP
    """
    settings = settings or TrainingSettings()
    labels = read_labels(folder)
    frame = labels.paragraphs
    return CheckReport(
        paragraphs=len(frame),
        articles=int(frame["article"].nunique()),
        suspects=_suspects(labels, settings, low, high),
        exact_duplicates=_duplicates(labels),
        near_duplicates=_near_duplicates(labels, settings, near),
        thin_tags=_thin_tags(labels, min_examples),
        settings={"low": low, "high": high, "near": near, "min_examples": min_examples, "folds": settings.folds},
    )
