"""Which paragraphs to label next: uncertain ones, spread over tags, no near-duplicates.

Input: article text files (``.txt``, a folder of them, searched recursively) or
the JSONL of ``tagger tag --level paragraph`` (or ``both``; paragraph rows with
``path``, ``id``, ``paragraph`` and ``text``) or of ``tagger predict --json``.
Paragraphs are re-scored with the model, so the suggestions follow the model
you pass, not the one that wrote the JSONL.

How paragraphs are picked (also in ``docs/retraining.md``):

1. **Uncertainty** per task: for a single-label task ``1 - (p1 - p2)``, one
   minus the margin between the two most likely tags; for a multi-label task,
   the largest closeness of a tag's probability to its decision threshold,
   ``1 - |p - t| / t`` below the threshold and ``1 - |p - t| / (1 - t)`` above.
   A paragraph's uncertainty is the mean over tasks.
2. **Spread**: each paragraph is filed under the ``task:tag`` it is least sure
   of (the task with the highest uncertainty, the tag nearest its threshold or
   the top tag). Picks are greedy, most uncertain first, but a group's k-th
   pick counts only ``1 / (k + 1)`` of its uncertainty, so every unsure tag
   gets examples, not only the commonest one, while a group of confident
   paragraphs gets none.
3. **No near-duplicates**: a paragraph whose TF-IDF cosine similarity (the
   model's own features) to an already picked or already labelled paragraph is
   above 0.9 is passed over; exact repeats are dropped first.

Paragraphs without any word the model knows are left out: they teach it nothing.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from ..errors import TaggerError
from ..text.segment import fold_whitespace, split_paragraphs

if TYPE_CHECKING:
    from ..labels.files import LabelSet
    from ..model.tagger import Tagger

__all__ = ["NEAR_DUPLICATE", "Paragraph", "Suggestion", "read_paragraphs", "suggest", "uncertainty", "unit_rows"]

#: Cosine similarity of TF-IDF vectors above which two paragraphs count as near-duplicates.
NEAR_DUPLICATE = 0.9
#: How many of the most uncertain paragraphs are considered per requested one.
POOL_FACTOR = 20


@dataclass(frozen=True)
class Paragraph:
    """A paragraph to consider: its article id (from the file name), position and text."""

    article: str
    index: int
    text: str
    source: str


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TaggerError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); convert the file to UTF-8") from None


def _article_id(name: str) -> str:
    return Path(name).stem if name else ""


def _row_article(row: dict[str, Any]) -> str:
    """The article id of a tagged row: the record id of a table input, else the file name without suffix."""
    if isinstance(row.get("article"), str) and row["article"].strip():
        return row["article"].strip()
    if row.get("record") is not None and row.get("id") not in (None, ""):
        return str(row["id"])
    return _article_id(str(row.get("id") or row.get("path") or row.get("file") or ""))


def _jsonl_paragraphs(path: Path) -> list[Paragraph]:
    """Paragraphs of ``tagger tag`` rows (``level``, ``path``, ``id``, ``paragraph``, ``text``) or
    ``tagger predict --json`` rows (``file`` and ``article.paragraphs``). Article and error rows are skipped."""
    found: list[Paragraph] = []
    for number, line in enumerate(_decode(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TaggerError(
                f"{path}:{number}: not valid JSON ({exc.msg}); expected the JSONL of `tagger tag`"
            ) from None
        if not isinstance(row, dict):
            raise TaggerError(f"{path}:{number}: expected a JSON object per line")
        if row.get("level") in ("article", "error"):
            continue
        nested = row.get("paragraphs")
        if nested is None and isinstance(row.get("article"), dict):  # tagger predict --json
            nested = row["article"].get("paragraphs")
        if isinstance(row.get("text"), str):
            index = row.get("paragraph", row.get("index", 0))
            article = _row_article(row)
            if not article or not isinstance(index, int):
                raise TaggerError(
                    f"{path}:{number}: a paragraph row needs 'path' (or 'article') and a whole-number 'paragraph' index"
                )
            found.append(Paragraph(article, index, row["text"], f"{path}:{number}"))
        elif isinstance(nested, list) and all(isinstance(p, dict) and isinstance(p.get("text"), str) for p in nested):
            article = _article_id(str(row.get("file") or row.get("path") or "")) or f"{path.stem}-{number}"
            for i, p in enumerate(nested):
                index = p.get("index", i)
                found.append(Paragraph(article, index if isinstance(index, int) else i, p["text"], f"{path}:{number}"))
        else:
            raise TaggerError(
                f"{path}:{number}: not a tagged paragraph row: expected 'path', 'paragraph' and 'text' "
                "(`tagger tag --level paragraph` or `--level both`), or 'paragraphs'"
            )
    return found


def read_paragraphs(paths: list[str | os.PathLike[str]]) -> list[Paragraph]:
    """Every paragraph of the given ``.txt`` / ``.jsonl`` files and folders (searched recursively)."""
    files: list[tuple[Path, Path]] = []
    for given in map(Path, paths):
        if given.is_dir():
            inside = sorted(p for p in given.rglob("*") if p.is_file() and p.suffix.lower() in (".txt", ".jsonl"))
            files += [(p, given) for p in inside]
        elif given.is_file():
            files.append((given, given.parent))
        else:
            raise TaggerError(f"{given}: no such file or folder")
    stems: dict[str, set[Path]] = defaultdict(set)
    for path, _ in files:
        if path.suffix.lower() != ".jsonl":
            stems[path.stem].add(path)
    found: list[Paragraph] = []
    for path, root in files:
        if path.suffix.lower() == ".jsonl":
            found += _jsonl_paragraphs(path)
            continue
        # The article id is the file name; a name used twice keeps its folder to stay unique.
        article = path.stem if len(stems[path.stem]) == 1 else path.relative_to(root).with_suffix("").as_posix()
        for i, segment in enumerate(split_paragraphs(_decode(path))):
            found.append(Paragraph(article, i, segment.text, str(path)))
    return found


def uncertainty(model: Tagger, probs: dict[str, np.ndarray]) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Per paragraph: the mean uncertainty over tasks, and the ``(task, tag)`` it is least sure of."""
    per_task, focus = [], []
    for task in model.schema.tasks:
        p = probs[task.name]
        if task.multi_label:
            t = np.asarray(model.heads[task.name].thresholds, dtype=np.float64)
            scale = np.where(p < t, t, 1.0 - t)
            closeness = 1.0 - np.abs(p - t) / np.maximum(scale, 1e-6)
            per_task.append(closeness.max(axis=1))
            focus.append(closeness.argmax(axis=1))
        else:
            top2 = np.sort(p, axis=1)[:, -2:]
            per_task.append(1.0 - (top2[:, 1] - top2[:, 0]))
            focus.append(p.argmax(axis=1))
    matrix = np.clip(np.vstack(per_task), 0.0, 1.0)  # (tasks, n)
    worst = matrix.argmax(axis=0)
    names = model.schema.task_names
    groups = [(names[k], model.schema[names[k]].tag_names[int(focus[k][i])]) for i, k in enumerate(worst.tolist())]
    return matrix.mean(axis=0), groups


@dataclass
class Suggestion:
    """A picked paragraph with its predicted tags, as a label-file row."""

    paragraph: Paragraph
    uncertainty: float
    group: tuple[str, str]
    tags: dict[str, Any]
    scores: dict[str, dict[str, float]] = field(default_factory=dict)

    def row(self, rank: int) -> dict[str, Any]:
        task, tag = self.group
        p = self.scores[task][tag]
        note = (
            f"suggested #{rank}: uncertainty {self.uncertainty:.2f}, least sure of {task}:{tag} ({p:.2f}); "
            "check every tag"
        )
        return {
            "article": self.paragraph.article,
            "index": self.paragraph.index,
            "text": self.paragraph.text,
            **self.tags,
            "note": note,
        }


def unit_rows(matrix: Any) -> sparse.csr_matrix:
    """Rows scaled to length 1, so that a dot product is a cosine similarity.

    The model's features are blocks (word and character n-grams), each
    normalised on its own, so their rows are longer than 1.
    """
    from sklearn.preprocessing import normalize

    return normalize(sparse.csr_matrix(matrix), norm="l2", axis=1, copy=True)


def _first_seen(paragraphs: list[Paragraph]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for p in paragraphs:
        seen.setdefault(p.article, len(seen))
    return seen


def _probabilities(model: Tagger, paragraphs: list[Paragraph]) -> dict[str, np.ndarray]:
    """Paragraph probabilities with each article's paragraphs as context (consecutive, in order)."""
    order = _first_seen(paragraphs)
    groups = np.array([order[p.article] for p in paragraphs], dtype=np.int64)
    return model.paragraph_probabilities([p.text for p in paragraphs], groups)


def _max_similarity(vectors: Any, others: Any, chunk: int = 2048) -> np.ndarray:
    """For each row of ``vectors``, its highest cosine similarity to a row of ``others``."""
    if others is None or others.shape[0] == 0:
        return np.zeros(vectors.shape[0])
    best = np.zeros(vectors.shape[0])
    for start in range(0, vectors.shape[0], chunk):
        block = (vectors[start : start + chunk] @ others.T).max(axis=1)
        best[start : start + chunk] = np.asarray(block.todense()).ravel()
    return best


def suggest(
    model: Tagger,
    paragraphs: list[Paragraph],
    n: int = 50,
    *,
    labelled: LabelSet | None = None,
    near: float = NEAR_DUPLICATE,
) -> list[Suggestion]:
    """Pick up to ``n`` paragraphs worth labelling next (see the module docstring).

    ``labelled``: paragraphs already labelled are never suggested, nor their
    near-duplicates. Raises :class:`~tagger.errors.TaggerError` when there is
    nothing to choose from.
    """
    if n < 1:
        raise TaggerError(f"-n must be at least 1, got {n}")
    if not paragraphs:
        raise TaggerError("no paragraphs to choose from: the input holds no text (give .txt articles or tagged JSONL)")
    known = set()
    if labelled is not None:
        known = {fold_whitespace(t) for t in labelled.paragraphs["text"]}
    seen: set[str] = set()
    chosen: list[int] = []  # indexes into paragraphs
    for i, p in enumerate(paragraphs):
        key = fold_whitespace(p.text)
        if key and key not in seen and key not in known:
            seen.add(key)
            chosen.append(i)
    if not chosen:
        raise TaggerError(
            f"nothing left to suggest: all {len(paragraphs)} paragraphs of the input are already labelled "
            "(or repeat one another); give new articles"
        )
    # Scored in context: whole articles, paragraphs in order, as `tagger predict` sees them.
    first = _first_seen(paragraphs)
    everything = sorted(range(len(paragraphs)), key=lambda i: (first[paragraphs[i].article], paragraphs[i].index, i))
    position = np.empty(len(paragraphs), dtype=np.int64)
    position[everything] = np.arange(len(everything))
    all_probs = _probabilities(model, [paragraphs[i] for i in everything])
    probs = {task: values[position[chosen]] for task, values in all_probs.items()}
    pool = [paragraphs[i] for i in chosen]
    vectors = unit_rows(model.vectorizer.transform([p.text for p in pool]))
    has_words = np.asarray(vectors.getnnz(axis=1)) > 0
    if not has_words.any():
        raise TaggerError(f"none of the {len(pool)} paragraphs has a word the model knows; nothing to suggest")
    keep = np.flatnonzero(has_words)
    pool = [pool[i] for i in keep]
    vectors = vectors[keep]
    probs = {task: values[keep] for task, values in probs.items()}
    score, groups = uncertainty(model, probs)

    order = np.argsort(-score, kind="stable")[: max(POOL_FACTOR * n, 1000)]
    labelled_vectors = None
    if labelled is not None and len(labelled.paragraphs):
        labelled_vectors = unit_rows(model.vectorizer.transform(labelled.paragraphs["text"].tolist()))
    near_labelled = _max_similarity(vectors[order], labelled_vectors) > near

    queues: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, i in enumerate(order.tolist()):
        if not near_labelled[position]:
            queues[groups[i]].append(i)
    picked: list[int] = []
    taken: dict[tuple[str, str], int] = defaultdict(int)
    picked_vectors = None
    while len(picked) < n and any(queues.values()):
        # The best head of any group, a group's k-th pick counting 1 / (k + 1) of its uncertainty.
        group = max((g for g in queues if queues[g]), key=lambda g: score[queues[g][0]] / (1 + taken[g]))
        i = queues[group].pop(0)
        if picked_vectors is not None and (vectors[i] @ picked_vectors.T).max() > near:
            continue
        picked.append(i)
        taken[group] += 1
        picked_vectors = vectors[i] if picked_vectors is None else sparse.vstack([picked_vectors, vectors[i]]).tocsr()
    results = []
    for i in picked:
        tags: dict[str, Any] = {}
        scores: dict[str, dict[str, float]] = {}
        for task in model.schema.tasks:
            p = probs[task.name][i]
            decided = model.heads[task.name].decide(p[None, :])[0]
            if task.multi_label:
                tags[task.name] = [t for t, on in zip(task.tag_names, decided) if on]
            else:
                tags[task.name] = task.tag_names[int(decided)]
            scores[task.name] = {t: round(float(v), 4) for t, v in zip(task.tag_names, p)}
        results.append(Suggestion(pool[i], round(float(score[i]), 4), groups[i], tags, scores))
    return results
