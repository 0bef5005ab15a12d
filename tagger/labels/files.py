"""Read and validate label files: JSONL or CSV, paragraphs or articles.

A labels folder holds ``schema.json`` and any number of label files:

* ``*.jsonl`` / ``*.csv`` whose name starts with ``articles`` hold article-level
  labels (columns ``article`` and one per task);
* every other ``*.jsonl`` / ``*.csv`` holds paragraph labels (columns
  ``article``, ``index`` (optional), ``text``, ``note`` (optional) and one per task).

Multi-label values are a JSON list or a ``;``-joined string; ``""`` or ``[]``
means no tag. Every problem found is reported with file, line and fix, all at
once, so a user fixes a file in one pass.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import LabelError, Problem
from ..text.segment import fold_whitespace
from .schema import Schema, Task, did_you_mean

__all__ = ["MIN_EXAMPLES_PER_TAG", "LabelSet", "label_files", "read_labels"]

SCHEMA_FILE = "schema.json"
#: A tag with fewer labelled paragraphs than this cannot be trained or scored.
MIN_EXAMPLES_PER_TAG = 5
_OPTIONAL_PARAGRAPH_COLUMNS = ("index", "note")


@dataclass
class LabelSet:
    """Validated labels: one row per paragraph, one per article, and where they came from.

    ``paragraphs`` has columns ``article``, ``index``, ``text`` and one per task
    (a tuple of tags for multi-label tasks, a string for single-label ones).
    """

    schema: Schema
    paragraphs: pd.DataFrame
    articles: pd.DataFrame
    files: dict[str, str]  # path relative to the labels folder -> SHA-256

    def article_texts(self) -> dict[str, list[str]]:
        """Each article's paragraph texts, in order."""
        return {a: list(g["text"]) for a, g in self.paragraphs.groupby("article", sort=False)}


def label_files(folder: Path) -> list[Path]:
    """The label files of a folder, recursively, in a fixed order."""
    files = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".jsonl", ".csv")]
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())


def _is_article_file(path: Path) -> bool:
    return path.name.lower().startswith("articles")


def _decode(path: Path, data: bytes, problems: list[Problem]) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                str(path),
                line,
                f"bytes that are not UTF-8 at byte {exc.start}",
                "save the file as UTF-8 in your editor or spreadsheet",
            )
        )
        return None


def _records(path: Path, text: str, problems: list[Problem]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, row) from a JSONL or CSV file."""
    if path.suffix.lower() == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(
                    Problem(str(path), number, f"not valid JSON: {exc.msg}", "each line must be one JSON object")
                )
                continue
            if not isinstance(row, dict):
                problems.append(Problem(str(path), number, "a JSON line must be an object {...}"))
                continue
            yield number, row
    else:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        for row in reader:
            if None in row:  # more cells than header columns
                problems.append(
                    Problem(
                        str(path), reader.line_num, "more cells than header columns", "quote cells that contain commas"
                    )
                )
                continue
            yield reader.line_num, dict(row)


def _parse_tags(value: Any) -> list[str] | None:
    """Tags from a JSON list or a ';'-joined string; None when the value is neither."""
    if value is None:
        return []
    if isinstance(value, str):
        return [t.strip() for t in value.split(";") if t.strip()]
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return [t.strip() for t in value if t.strip()]
    return None


def _check_tags(task: Task, value: Any, where: tuple[str, int], problems: list[Problem]) -> Any:
    path, line = where
    tags = _parse_tags(value)
    if tags is None:
        problems.append(Problem(path, line, f"{task.name}: expected a tag name or a list of tags, got {value!r}"))
        return None
    unknown = [t for t in tags if t not in task.tags]
    for tag in unknown:
        problems.append(Problem(path, line, f"{task.name}: unknown tag {tag!r}", did_you_mean(tag, task.tag_names)))
    if unknown:
        return None
    if task.multi_label:
        return tuple(sorted(set(tags), key=task.tag_names.index))
    if len(tags) != 1:
        got = "no tag" if not tags else f"{len(tags)} tags {tags}"
        problems.append(
            Problem(
                path,
                line,
                f"{task.name} is single-label but the row has {got}",
                f"give exactly one of {', '.join(task.tag_names)}",
            )
        )
        return None
    return tags[0]


def _read_file(path: Path, shown: str, schema: Schema, articles: bool, problems: list[Problem]) -> list[dict]:
    data = path.read_bytes()
    if not data.strip():
        problems.append(Problem(shown, None, "the file is empty", "add labelled rows or remove the file"))
        return []
    text = _decode(Path(shown), data, problems)
    if text is None:
        return []
    required = ["article", *schema.task_names] if articles else ["article", "text", *schema.task_names]
    allowed = set(required) | (set() if articles else set(_OPTIONAL_PARAGRAPH_COLUMNS))
    rows: list[dict] = []
    reported_columns: set[str] = set()
    for line, raw in _records(Path(shown), text, problems):
        for column in raw:
            if column not in allowed and column not in reported_columns:
                reported_columns.add(column)
                problems.append(
                    Problem(
                        shown,
                        line,
                        f"unknown column {column!r}",
                        f"{did_you_mean(str(column), sorted(allowed))} (columns: {', '.join(sorted(allowed))})",
                    )
                )
        missing = [c for c in required if c not in raw]
        for column in missing:
            if column not in reported_columns:
                reported_columns.add(column)
                hint = (
                    f"every row needs the task {column!r} of the schema"
                    if column in schema.task_names
                    else f"every row needs {column!r}"
                )
                problems.append(Problem(shown, line, f"missing column {column!r}", hint))
        if missing:
            continue
        row: dict[str, Any] = {"file": shown, "line": line}
        article = str(raw["article"]).strip() if raw["article"] is not None else ""
        if not article:
            problems.append(Problem(shown, line, "missing article id", "give each row its article's id"))
            continue
        row["article"] = article
        if not articles:
            text_value = raw["text"]
            folded = fold_whitespace(text_value) if isinstance(text_value, str) else ""
            if not folded:
                problems.append(Problem(shown, line, "missing text", "give the paragraph's text or remove the row"))
                continue
            row["text"] = folded
            index = raw.get("index")
            if index not in (None, ""):
                try:
                    row["index"] = int(index)
                except (TypeError, ValueError):
                    problems.append(Problem(shown, line, f"index must be a whole number, got {index!r}"))
                    continue
        ok = True
        for task in schema.tasks:
            value = _check_tags(task, raw[task.name], (shown, line), problems)
            ok = ok and value is not None
            row[task.name] = value
        if ok:
            rows.append(row)
    if not rows and not any(p.path == shown for p in problems):
        problems.append(Problem(shown, None, "the file has no rows", "add labelled rows or remove the file"))
    return rows


def _check_conflicts(rows: list[dict], schema: Schema, problems: list[Problem]) -> None:
    """The same paragraph text labelled twice with different tags is an error."""
    first: dict[str, dict] = {}
    for row in rows:
        seen = first.setdefault(row["text"], row)
        if seen is row:
            continue
        differ = [t for t in schema.task_names if seen[t] != row[t]]
        if differ:
            problems.append(
                Problem(
                    row["file"],
                    row["line"],
                    f"the same paragraph is labelled differently at {seen['file']}:{seen['line']} "
                    f"({', '.join(differ)})",
                    "give both rows the same tags, or remove one",
                )
            )


def _check_counts(rows: list[dict], schema: Schema, source: str, problems: list[Problem]) -> None:
    for task in schema.tasks:
        counts = dict.fromkeys(task.tag_names, 0)
        for row in rows:
            for tag in row[task.name] if task.multi_label else (row[task.name],):
                counts[tag] += 1
        rare = {t: n for t, n in counts.items() if n < MIN_EXAMPLES_PER_TAG}
        if rare:
            listed = ", ".join(f"{t} ({n})" for t, n in rare.items())
            problems.append(
                Problem(
                    source,
                    None,
                    f"{task.name}: too few labelled paragraphs to train: {listed}",
                    f"label at least {MIN_EXAMPLES_PER_TAG} paragraphs per tag, or remove the tag from schema.json",
                )
            )


def read_labels(folder: str | Path, schema: Schema | None = None, *, check_counts: bool = True) -> LabelSet:
    """Read every label file under ``folder`` and validate it against the schema.

    Raises :class:`~tagger.errors.LabelError` listing every problem (file, line, fix).

    >>> labels = read_labels("labels")  # doctest: +SKIP
    >>> labels.paragraphs[["article", "text", "topic"]].head()  # doctest: +SKIP
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise LabelError([Problem(str(folder), None, "no such labels folder", "pass the folder holding schema.json")])
    schema = schema or Schema.load(folder / SCHEMA_FILE)
    problems: list[Problem] = []
    paragraph_rows: list[dict] = []
    article_rows: list[dict] = []
    digests: dict[str, str] = {}
    files = label_files(folder)
    if not files:
        raise LabelError(
            [
                Problem(
                    str(folder),
                    None,
                    "no label files (*.jsonl or *.csv)",
                    "add paragraph label files; see labels/README.md",
                )
            ]
        )
    for path in files:
        shown = str(path)
        digests[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        is_articles = _is_article_file(path)
        rows = _read_file(path, shown, schema, is_articles, problems)
        (article_rows if is_articles else paragraph_rows).extend(rows)
    _check_conflicts(paragraph_rows, schema, problems)
    known_articles = {r["article"] for r in paragraph_rows}
    seen_articles: dict[str, dict] = {}
    for row in article_rows:
        if row["article"] not in known_articles:
            problems.append(
                Problem(
                    row["file"],
                    row["line"],
                    f"article {row['article']!r} has no labelled paragraphs",
                    "check the id against the paragraph files",
                )
            )
        if row["article"] in seen_articles:
            other = seen_articles[row["article"]]
            problems.append(
                Problem(
                    row["file"],
                    row["line"],
                    f"article {row['article']!r} is labelled twice (also at {other['file']}:{other['line']})",
                    "keep one row per article",
                )
            )
        seen_articles.setdefault(row["article"], row)
    if paragraph_rows and check_counts:
        _check_counts(paragraph_rows, schema, str(folder), problems)
    if not paragraph_rows and not problems:
        problems.append(Problem(str(folder), None, "no paragraph label files", "see labels/README.md"))
    if problems:
        raise LabelError(problems)
    paragraphs = pd.DataFrame(paragraph_rows)
    if "index" not in paragraphs:
        paragraphs["index"] = pd.NA
    # Rows without an index keep the order of their file.
    order = paragraphs.groupby("article", sort=False).cumcount()
    paragraphs["index"] = paragraphs["index"].fillna(order).astype(int)
    paragraphs = paragraphs.sort_values(["article", "index"], kind="stable").reset_index(drop=True)
    articles = pd.DataFrame(article_rows, columns=["article", *schema.task_names, "file", "line"])
    return LabelSet(schema, paragraphs, articles, digests)
