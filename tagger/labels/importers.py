"""Label files from annotation tools: Label Studio JSON exports and doccano JSONL exports.

Both importers turn each annotated text into one paragraph row of our label
format (``article``, ``index``, ``text`` and one column per schema task) and
check every tag against the schema. Problems are collected over the whole
export and raised together (:class:`~tagger.errors.LabelError`), each naming
the record number; nothing is written then.

**Label Studio** (Export -> JSON): a list of tasks
``{"id", "data": {"text": ..., "article": ..., "index": ...}, "annotations": [{"result": [...]}]}``.
Each result item of ``"type": "choices"`` gives ``value.choices`` for the
control named ``from_name``; that name must be a task of the schema (or its
choices must all be tags of exactly one task). The most recent annotation that
was not cancelled is used.

**doccano** (text classification, Export -> JSONL): one object per line
``{"id", "text": ..., "label": [...], <metadata such as "article">}``. A label
is ``"task:tag"`` (e.g. ``"stance:neutral"``) or a bare tag name that belongs
to exactly one task of the schema.

Article ids come from ``article`` in the task data / metadata; without one,
each record becomes its own article (``ls-<id>`` / ``doccano-<id>``) and the
summary says so. Records with no labels at all are skipped when the schema has
a single-label task (they cannot be valid), else kept as "no tag".
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import LabelError, Problem, TaggerError
from ..storage.atomic import atomic_file
from ..text.segment import fold_whitespace
from .schema import Schema, Task, did_you_mean

__all__ = ["ImportResult", "from_doccano", "from_label_studio", "write_label_file"]


@dataclass
class ImportResult:
    """Paragraph label rows read from an export, and what the reader noticed on the way."""

    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    dropped: list[Problem] = field(default_factory=list)  # unknown tags left out (drop_unknown=True)
    skipped: int = 0  # records without any annotation

    @property
    def articles(self) -> int:
        return len({r["article"] for r in self.rows})


class _Collector:
    """Problems of one export, plus the unknown-tag ones that ``drop_unknown`` turns into warnings."""

    def __init__(self, path: Path, drop_unknown: bool) -> None:
        self.path = str(path)
        self.drop_unknown = drop_unknown
        self.problems: list[Problem] = []
        self.dropped: list[Problem] = []

    def add(self, record: int | str, message: str, fix: str = "", line: int | None = None) -> None:
        self.problems.append(Problem(self.path, line, f"record {record}: {message}", fix))

    def unknown(self, record: int | str, message: str, fix: str = "", line: int | None = None) -> None:
        problem = Problem(self.path, line, f"record {record}: {message}", fix)
        (self.dropped if self.drop_unknown else self.problems).append(problem)


def _load_json(path: Path) -> Any:
    data = path.read_bytes()
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LabelError([Problem(str(path), line, "not UTF-8 text", "export the file again as UTF-8")]) from None
    except json.JSONDecodeError as exc:
        raise LabelError(
            [
                Problem(
                    str(path),
                    exc.lineno,
                    f"not valid JSON ({exc.msg}, column {exc.colno})",
                    "give the file from Label Studio's Export -> JSON unchanged",
                )
            ]
        ) from None


def _jsonl_records(path: Path, problems: _Collector) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """Yield (record number, line number, object) of a JSONL file."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LabelError([Problem(str(path), line, "not UTF-8 text", "export the file again as UTF-8")]) from None
    record = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record += 1
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.add(record, f"not valid JSON ({exc.msg})", "each line must be one JSON object", line=number)
            continue
        if not isinstance(row, dict):
            problems.add(record, "a line must be a JSON object {...}", line=number)
            continue
        yield record, number, row


def _article_and_index(source: dict[str, Any], fallback: str) -> tuple[str, int | None, bool]:
    """Article id and paragraph index from a record's fields; (id, index, had an article id)."""
    article = source.get("article")
    index = source.get("index")
    if isinstance(index, str) and index.strip().isdigit():
        index = int(index)
    if not isinstance(index, int) or isinstance(index, bool):
        index = None
    if isinstance(article, (str, int)) and str(article).strip():
        return str(article).strip(), index, True
    return fallback, index, False


def _tag_row(
    schema: Schema, chosen: dict[str, list[str]], record: int | str, collector: _Collector, line: int | None
) -> dict[str, Any] | None:
    """Task columns from the chosen tags, or None when a task cannot be filled."""
    row: dict[str, Any] = {}
    ok = True
    for task in schema.tasks:
        tags = list(dict.fromkeys(chosen.get(task.name, [])))
        if task.multi_label:
            row[task.name] = [t for t in task.tag_names if t in tags]
        elif len(tags) == 1:
            row[task.name] = tags[0]
        else:
            got = "no tag" if not tags else f"{len(tags)} tags {tags}"
            collector.add(
                record,
                f"{task.name} is single-label but the annotation has {got}",
                f"choose exactly one of {', '.join(task.tag_names)}",
                line=line,
            )
            ok = False
    return row if ok else None


def _check_tags(task: Task, tags: list[str], record: int | str, collector: _Collector, line: int | None) -> list[str]:
    known = []
    for tag in tags:
        if tag in task.tags:
            known.append(tag)
        else:
            collector.unknown(record, f"{task.name}: unknown tag {tag!r}", did_you_mean(tag, task.tag_names), line=line)
    return known


def _needs_every_record_labelled(schema: Schema) -> bool:
    return any(not t.multi_label for t in schema.tasks)


def _finish(
    rows: list[dict[str, Any]], collector: _Collector, notes: list[str], skipped: int, unnamed: int, prefix: str
) -> ImportResult:
    # The same text with different tags would stop training: report it here, with both records.
    first: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen = first.setdefault(fold_whitespace(row["text"]), row)
        if seen is not row and any(seen[k] != row[k] for k in row if k not in ("article", "index", "text", "_record")):
            collector.add(
                row["_record"],
                f"the same text is labelled differently in record {seen['_record']}",
                "give both the same tags, or remove one",
            )
    if collector.problems:
        raise LabelError(collector.problems)
    if unnamed:
        notes.append(
            f"{unnamed} records have no article id (data field 'article'): each became its own article "
            f"'{prefix}-<id>'. Add an 'article' field when you load texts into the tool, so that "
            "cross-validation keeps an article's paragraphs together."
        )
    for row in rows:
        del row["_record"]
    return ImportResult(rows, notes, collector.dropped, skipped)


def _latest_annotation(task: dict[str, Any]) -> tuple[dict[str, Any] | None, int]:
    """The most recent annotation that was not cancelled, and how many such there are."""
    annotations = task.get("annotations", task.get("completions"))  # "completions": exports before 1.0
    if annotations is None:
        return None, 0
    if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
        raise ValueError("'annotations' must be a list of objects")
    usable = [a for a in annotations if not a.get("was_cancelled")]
    if not usable:
        return None, 0
    # ISO timestamps sort as strings; without them the last in the list wins.
    ordered = sorted(
        enumerate(usable), key=lambda p: (str(p[1].get("updated_at") or p[1].get("created_at") or ""), p[0])
    )
    return ordered[-1][1], len(usable)


def from_label_studio(
    path: str | os.PathLike[str], schema: Schema, *, text_field: str = "text", drop_unknown: bool = False
) -> ImportResult:
    """Paragraph label rows from a Label Studio JSON export (see the module docstring)."""
    path = Path(path)
    collector = _Collector(path, drop_unknown)
    data = _load_json(path)
    if not isinstance(data, list):
        raise LabelError(
            [
                Problem(
                    str(path),
                    None,
                    "not a Label Studio JSON export: expected a list of tasks [...]",
                    "use Export -> JSON (not JSON-MIN or CSV) in Label Studio",
                )
            ]
        )
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    mapped: dict[str, str] = {}
    skipped = unnamed = several = 0
    for record, task in enumerate(data, start=1):
        if not isinstance(task, dict):
            collector.add(record, "a task must be a JSON object {...}")
            continue
        task_id = task.get("id", record)
        label = f"{record} (task id {task_id})" if "id" in task else str(record)
        fields = task.get("data")
        if not isinstance(fields, dict):
            collector.add(label, "no 'data' object")
            continue
        text = fields.get(text_field)
        if not isinstance(text, str) or not text.strip():
            collector.add(
                label,
                f"no text in data.{text_field}",
                "pass --text-field with the name your labeling config uses ($name)",
            )
            continue
        try:
            annotation, count = _latest_annotation(task)
            if annotation is None:
                skipped += 1
                continue
            several += count > 1
            result = annotation.get("result", [])
            if not isinstance(result, list):
                raise ValueError("an annotation's 'result' must be a list")
        except ValueError as exc:
            collector.add(label, str(exc))
            continue
        chosen: dict[str, list[str]] = {}
        bad = False
        for item in result:
            if not isinstance(item, dict) or item.get("type") != "choices":
                continue  # other controls (text areas, ratings...) carry no tags of ours
            value = item.get("value")
            choices = value.get("choices") if isinstance(value, dict) else None
            if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
                collector.add(label, "a 'choices' result needs value.choices, a list of strings")
                bad = True
                continue
            control = str(item.get("from_name", ""))
            name = control if control in schema.task_names else mapped.get(control)
            if name is None:
                owners = [t.name for t in schema.tasks if choices and all(c in t.tags for c in choices)]
                if len(owners) == 1:
                    name = mapped[control] = owners[0]
                    notes.append(
                        f"Label Studio control {control!r} was read as task {name!r} (its choices are tags of it)"
                    )
                else:
                    collector.unknown(
                        label,
                        f"choices from control {control!r}, which is not a task of the schema",
                        f"name the Choices control after a task: {did_you_mean(control, schema.task_names)}",
                    )
                    continue
            known = _check_tags(schema[name], choices, label, collector, None)
            chosen.setdefault(name, []).extend(known)
        if bad:
            continue
        if not chosen and _needs_every_record_labelled(schema):
            skipped += 1
            continue
        tags = _tag_row(schema, chosen, label, collector, None)
        if tags is None:
            continue
        article, index, named = _article_and_index(fields, f"ls-{task_id}")
        unnamed += not named
        row = {"article": article, **({"index": index} if index is not None else {}), "text": text, **tags}
        row["_record"] = label
        rows.append(row)
    if several:
        notes.append(f"{several} tasks have several annotations: the most recent one was used")
    return _finish(rows, collector, notes, skipped, unnamed, "ls")


def _doccano_tags(
    labels: list[Any], schema: Schema, record: int, collector: _Collector, line: int
) -> dict[str, list[str]] | None:
    owners: dict[str, list[str]] = {}
    for task in schema.tasks:
        for tag in task.tag_names:
            owners.setdefault(tag, []).append(task.name)
    chosen: dict[str, list[str]] = {}
    for label in labels:
        if isinstance(label, list):
            collector.add(
                record,
                f"label {label!r} is a span, not a category",
                "export a text classification project (sequence labelling is not supported)",
                line=line,
            )
            return None
        if not isinstance(label, str):
            collector.add(record, f"a label must be a string, got {label!r}", line=line)
            return None
        task_name, sep, tag = label.partition(":")
        if sep and task_name in schema.task_names:
            chosen.setdefault(task_name, []).extend(_check_tags(schema[task_name], [tag], record, collector, line))
            continue
        found = owners.get(label, [])
        if len(found) == 1:
            chosen.setdefault(found[0], []).append(label)
        elif len(found) > 1:
            collector.add(
                record,
                f"label {label!r} is a tag of several tasks ({', '.join(found)})",
                f"name the doccano label 'task:tag', e.g. '{found[0]}:{label}'",
                line=line,
            )
        else:
            every = [f"{t.name}:{g}" for t in schema.tasks for g in t.tag_names]
            collector.unknown(
                record,
                f"unknown label {label!r}",
                f"{did_you_mean(label, every)} (name doccano labels 'task:tag' or after a tag of the schema)",
                line=line,
            )
    return chosen


def from_doccano(
    path: str | os.PathLike[str], schema: Schema, *, text_field: str = "text", drop_unknown: bool = False
) -> ImportResult:
    """Paragraph label rows from a doccano text-classification JSONL export (see the module docstring)."""
    path = Path(path)
    collector = _Collector(path, drop_unknown)
    rows: list[dict[str, Any]] = []
    skipped = unnamed = 0
    for record, line, item in _jsonl_records(path, collector):
        text = item.get(text_field, item.get("data") if text_field == "text" else None)
        if not isinstance(text, str) or not text.strip():
            collector.add(record, f"no text in field {text_field!r}", "give each line a text", line=line)
            continue
        labels = item.get("label", item.get("labels"))
        if labels is None:
            labels = []
        if not isinstance(labels, list):
            collector.add(record, f"'label' must be a list, got {labels!r}", line=line)
            continue
        if not labels and _needs_every_record_labelled(schema):
            skipped += 1
            continue
        chosen = _doccano_tags(labels, schema, record, collector, line)
        if chosen is None:
            continue
        tags = _tag_row(schema, chosen, record, collector, line)
        if tags is None:
            continue
        meta = item.get("meta") if isinstance(item.get("meta"), dict) else {}
        article, index, named = _article_and_index({**meta, **item}, f"doccano-{item.get('id', record)}")
        unnamed += not named
        row = {"article": article, **({"index": index} if index is not None else {}), "text": text, **tags}
        row["_record"] = record
        rows.append(row)
    return _finish(rows, collector, [], skipped, unnamed, "doccano")


# -- writing -------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    return ";".join(value) if isinstance(value, (list, tuple)) else value


def write_label_file(
    path: str | os.PathLike[str], rows: list[dict[str, Any]], schema: Schema, *, overwrite: bool = False
) -> Path:
    """Write paragraph label rows as CSV or JSONL (by extension), atomically.

    Columns: ``article``, ``index`` (when known), ``text``, one per task, and
    ``note`` when any row has one. An existing file is refused unless
    ``overwrite``, because it may hold someone's corrections.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise TaggerError(f"{path}: a label file must end in .csv or .jsonl")
    if path.name.lower().startswith("articles"):
        raise TaggerError(f"{path}: names starting with 'articles' hold article labels; choose another name")
    if path.exists() and not overwrite:
        raise TaggerError(f"{path} exists and may hold your corrections; choose another name or pass --force")
    columns = ["article"]
    if any("index" in r for r in rows):
        columns.append("index")
    columns += ["text", *schema.task_names]
    if any(r.get("note") for r in rows):
        columns.append("note")
    if suffix == ".jsonl":
        lines = [
            json.dumps({c: r[c] for c in columns if c in r and (c != "note" or r[c])}, ensure_ascii=False) for r in rows
        ]
        data = "".join(line + "\n" for line in lines)
    else:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else _cell(r.get(c)) for c in columns])
        data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, "w", encoding="utf-8", newline="") as stream:
        stream.write(data)
    return path
