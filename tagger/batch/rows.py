"""Rows and output files of batch tagging.

Every row has a ``level``: ``article``, ``paragraph`` or ``error``. The columns
(documented in ``docs/batch.md``) are the same in the three formats:

=================== =====================================================================
``level``           ``article``, ``paragraph`` or ``error``
``path``            the file the row comes from
``id``              the article's id: its path relative to the PATH argument, or the id
                    column of a JSONL/CSV table (the record number when it has none)
``record``          line (JSONL) or data row (CSV) number in a table; empty for files
``sha256``          SHA-256 of the file's bytes (of the UTF-8 text for a table record)
``encoding``        how the bytes were decoded (``utf-8``, ``utf-8-sig``, ``utf-16-le``, ``cp1252``...)
``n_paragraphs``    paragraphs found in the article
``paragraph``       the paragraph's index in its article (paragraph rows)
``start``/``end``   the paragraph's character span in the decoded (for HTML: extracted) text
``text``            the paragraph's text, white space folded
``<task>``          the tags of each task of the model's schema: a list for a multi-label
                    task (``;``-joined in CSV), a string for a single-label task
``score.<task>.<tag>`` the probability of each tag
``model_id``        the model's id (``meta.json``); ``tagger_version`` the library's version
``error``           why the file or record could not be tagged (error rows)
=================== =====================================================================

Output files are written beside the final name (``OUT.partial``) and renamed
into place at the end; each sink can report a durable position
(:meth:`commit`) and reopen at one (resume), so an interrupted run continues
with no row lost or written twice.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TaggerError
from ..storage.atomic import atomic_file, fsync_directory

if TYPE_CHECKING:
    from ..labels.schema import Schema
    from ..model.results import ArticleResult

__all__ = [
    "FORMATS",
    "LEVELS",
    "CsvSink",
    "JsonlSink",
    "ParquetSink",
    "article_row",
    "columns",
    "encode_rows",
    "error_row",
    "make_sink",
    "paragraph_rows",
]

FORMATS = ("jsonl", "csv", "parquet")
LEVELS = ("article", "paragraph", "both")
_BASE = ["level", "path", "id", "record"]
_ARTICLE = ["sha256", "encoding", "n_paragraphs"]
_PARAGRAPH = ["paragraph", "start", "end", "text"]
_TRAILER = ["model_id", "tagger_version", "error"]
_INT_COLUMNS = {"record", "n_paragraphs", "paragraph", "start", "end"}


def task_columns(schema: Schema) -> list[str]:
    """Each task's tag column followed by its score columns, in schema order."""
    out: list[str] = []
    for task in schema.tasks:
        out.append(task.name)
        out.extend(f"score.{task.name}.{tag}" for tag in task.tag_names)
    return out


def columns(schema: Schema, level: str) -> list[str]:
    """The output columns for ``level`` (``article``, ``paragraph`` or ``both``)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    fixed = list(_BASE)
    if level in ("article", "both"):
        fixed += _ARTICLE
    if level in ("paragraph", "both"):
        fixed += _PARAGRAPH
    clash = sorted(set(fixed + _TRAILER) & set(schema.task_names))
    if clash:
        raise TaggerError(
            f"the model has a task named {clash[0]!r}, which is also a column of the batch output; "
            "rename the task in schema.json and retrain"
        )
    trailer = _TRAILER if level != "paragraph" else ["error"]
    return fixed + task_columns(schema) + trailer


def _flat(row: dict[str, Any], tags: dict[str, Any], scores: dict[str, dict[str, float]]) -> None:
    for name, value in tags.items():
        row[name] = value
        for tag, score in scores[name].items():
            row[f"score.{name}.{tag}"] = score


def article_row(
    base: dict[str, Any], result: ArticleResult, encoding: str | None, sha256: str, model_id: str, version: str
) -> dict[str, Any]:
    """The article row of one tagged article (``base`` holds level-independent path, id, record)."""
    row = {"level": "article", **base, "sha256": sha256, "encoding": encoding, "n_paragraphs": len(result.paragraphs)}
    _flat(row, result.tags, result.scores)
    row["model_id"] = model_id
    row["tagger_version"] = version
    return row


def paragraph_rows(base: dict[str, Any], result: ArticleResult) -> list[dict[str, Any]]:
    """One row per paragraph of a tagged article."""
    out = []
    for p in result.paragraphs:
        row = {"level": "paragraph", **base, "paragraph": p.index, "start": p.span[0], "end": p.span[1]}
        row["text"] = p.text
        _flat(row, p.tags, p.scores)
        out.append(row)
    return out


def error_row(base: dict[str, Any], message: str, **known: Any) -> dict[str, Any]:
    """The row of a file or record that could not be tagged, with the reason."""
    return {"level": "error", **base, **{k: v for k, v in known.items() if v is not None}, "error": message}


# -- encoding rows ----------------------------------------------------------------------


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    return value


def encode_rows(rows: list[dict[str, Any]], fmt: str, cols: list[str], arrow_schema: Any = None) -> Any:
    """Rows in the form a sink writes: bytes for JSONL and CSV, a pyarrow Table for Parquet, else the rows."""
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows([_csv_value(r.get(c)) for c in cols] for r in rows)
        return buffer.getvalue().encode("utf-8")
    if fmt == "parquet":
        import pyarrow as pa

        if not rows:
            return None
        return pa.Table.from_pylist(rows, schema=arrow_schema)
    return rows


def arrow_schema(schema: Schema, level: str) -> Any:
    """The Parquet schema for ``level``: typed columns, lists of strings for multi-label tasks."""
    pa = import_pyarrow()
    multi = {t.name for t in schema.tasks if t.multi_label}
    single = {t.name for t in schema.tasks if not t.multi_label}
    fields = []
    for name in columns(schema, level):
        if name in _INT_COLUMNS:
            kind = pa.int64()
        elif name.startswith("score."):
            kind = pa.float64()
        elif name in multi:
            kind = pa.list_(pa.string())
        elif name in single:
            kind = pa.string()
        else:
            kind = pa.string()
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def import_pyarrow() -> Any:
    """pyarrow, or a clear error naming the extra to install."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise TaggerError(
            "Parquet output needs pyarrow: pip install 'tagger[parquet]' (or use --format jsonl or csv)"
        ) from None
    return pyarrow


# -- sinks ----------------------------------------------------------------------------------


class JsonlSink:
    """JSON Lines written to ``partial``; position = bytes written."""

    fmt = "jsonl"
    checkpoint_seconds = 1.0

    def __init__(self, partial: Path) -> None:
        self.partial = partial
        self._stream: io.BufferedWriter | None = None

    def _header(self) -> bytes:
        return b""

    def open(self, position: int | None = None) -> None:
        """Start afresh (``position`` None) or continue at a committed position (resume)."""
        if position is None:
            self._stream = open(self.partial, "wb")
            self._stream.write(self._header())
        else:
            self._stream = open(self.partial, "r+b")
            self._stream.truncate(position)
            self._stream.seek(position)

    def write(self, payload: Any) -> None:
        if payload:
            self._stream.write(payload)

    def commit(self) -> int:
        """Make what was written durable; the position to resume from."""
        self._stream.flush()
        os.fsync(self._stream.fileno())
        return self._stream.tell()

    def close(self) -> None:
        if self._stream is not None and not self._stream.closed:
            self._stream.close()

    def finish(self, out: Path) -> None:
        """Publish the complete output under its final name (one ``os.replace``)."""
        self.commit()
        self.close()
        os.replace(self.partial, out)
        fsync_directory(out.parent)

    def discard(self) -> None:
        self.close()
        self.partial.unlink(missing_ok=True)


class CsvSink(JsonlSink):
    """CSV with a header row, UTF-8 with a BOM so spreadsheets detect the encoding."""

    fmt = "csv"

    def __init__(self, partial: Path, cols: list[str]) -> None:
        super().__init__(partial)
        self.cols = cols

    def _header(self) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(self.cols)
        return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


class ParquetSink:
    """Parquet parts in the folder ``partial`` (each written atomically), merged into one file at the end."""

    fmt = "parquet"
    checkpoint_seconds = 10.0
    part_rows = 50_000

    def __init__(self, partial: Path, schema: Any) -> None:
        self.partial = partial
        self.schema = schema
        self._buffer: list[Any] = []
        self._buffered = 0
        self._parts = 0

    def _part(self, number: int) -> Path:
        return self.partial / f"part-{number:06d}.parquet"

    def open(self, position: int | None = None) -> None:
        if position is None:
            if self.partial.is_dir():
                shutil.rmtree(self.partial)
            elif self.partial.exists():
                self.partial.unlink()
            self.partial.mkdir(parents=True)
            self._parts = 0
            return
        self.partial.mkdir(parents=True, exist_ok=True)
        for extra in self.partial.iterdir():  # parts written after the last checkpoint, and temporaries
            if not (extra.name.startswith("part-") and extra.suffix == ".parquet") or int(extra.stem[5:]) > position:
                extra.unlink()
        self._parts = position

    def write(self, payload: Any) -> None:
        if payload is None or payload.num_rows == 0:
            return
        self._buffer.append(payload)
        self._buffered += payload.num_rows
        if self._buffered >= self.part_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.concat_tables(self._buffer)
        target = self._part(self._parts + 1)
        temporary = target.with_suffix(".tmp")
        with open(temporary, "wb") as stream:
            pq.write_table(table, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
        self._parts += 1
        self._buffer, self._buffered = [], 0

    def commit(self) -> int:
        self._flush()
        fsync_directory(self.partial)
        return self._parts

    def close(self) -> None:
        self._buffer, self._buffered = [], 0

    def finish(self, out: Path) -> None:
        import pyarrow.parquet as pq

        self._flush()
        with atomic_file(out, "wb") as stream, pq.ParquetWriter(stream, self.schema) as writer:
            for number in range(1, self._parts + 1):
                part = pq.ParquetFile(self._part(number))
                for group in range(part.num_row_groups):
                    writer.write_table(part.read_row_group(group))
        fsync_directory(out.parent)
        shutil.rmtree(self.partial, ignore_errors=True)

    def discard(self) -> None:
        self.close()
        shutil.rmtree(self.partial, ignore_errors=True)


def make_sink(fmt: str, partial: Path, schema: Schema, level: str) -> JsonlSink | CsvSink | ParquetSink:
    """The sink writing ``fmt`` into ``partial``."""
    if fmt == "jsonl":
        return JsonlSink(partial)
    if fmt == "csv":
        return CsvSink(partial, columns(schema, level))
    if fmt == "parquet":
        return ParquetSink(partial, arrow_schema(schema, level))
    raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
