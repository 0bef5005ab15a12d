"""Input side of batch tagging: walk the paths, read and decode files, cut tables into records.

Order: each PATH in the order given; inside a folder, a depth-first walk with
each folder's entries sorted by name, so the order is the same on every run
and every machine. Hidden files and folders (a name starting with ``.``) are
skipped. Every step that can fail for one file (it vanished, cannot be read,
is binary, a symlink loops) yields an error unit for that file instead of
raising, so one bad file never stops a run.

Decoding (:func:`decode_bytes`): a BOM wins (UTF-8, UTF-16, UTF-32); otherwise
strict UTF-8; otherwise, when the bytes look like text (no NUL byte, few
control characters), the legacy single-byte fallback (``cp1252`` unless told
otherwise). Anything else is an error. The encoding used is reported with the text.
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import TaggerError

__all__ = [
    "ARTICLE_SUFFIXES",
    "DEFAULT_FALLBACK",
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "TABLE_SUFFIXES",
    "BatchUsageError",
    "Found",
    "InputOptions",
    "Record",
    "Unit",
    "UnitError",
    "decode_bytes",
    "display_path",
    "iter_units",
    "load_text",
    "parse_size",
    "prefetch",
    "read_bytes",
    "walk",
]

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
TABLE_SUFFIXES = (".jsonl", ".csv")
ARTICLE_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES
SUPPORTED_SUFFIXES = ARTICLE_SUFFIXES + TABLE_SUFFIXES
DEFAULT_FALLBACK = "cp1252"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: Records of a table file tagged as one unit (their rows appear whole or not at all).
RECORDS_PER_UNIT = 256
_SNIFF_BYTES = 64 * 1024
_BOMS = (  # longest first: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 controls other than tab, line feed, vertical tab, form feed and carriage return, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"
# Bytes that did not decode, kept by the ``surrogateescape`` handler: that line or row alone fails.
_UNDECODED = re.compile("[\udc80-\udcff]")


class BatchUsageError(TaggerError, ValueError):
    """A batch run asked for something impossible (missing PATH, unknown option value): exit code 2."""


class UnitError(Exception):
    """One file or record cannot be tagged; the message says why, for its error row."""


@dataclass(frozen=True)
class InputOptions:
    """How inputs are chosen and read. Saved in the resume state: a resumed run must use the same."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    text_column: str = "text"
    id_column: str = "id"
    id_column_given: bool = False  # a missing id column is an error only when the user named it
    fallback_encoding: str = DEFAULT_FALLBACK
    max_bytes: int = DEFAULT_MAX_BYTES
    records_per_unit: int = RECORDS_PER_UNIT

    def to_dict(self) -> dict[str, Any]:
        return {
            "include": list(self.include),
            "exclude": list(self.exclude),
            "text_column": self.text_column,
            "id_column": self.id_column,
            "fallback_encoding": self.fallback_encoding,
            "max_bytes": self.max_bytes,
            "records_per_unit": self.records_per_unit,
        }


def display_path(path: str) -> str:
    """A path as text that can be written as UTF-8 (undecodable file-name bytes become ``\\xNN``)."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def parse_size(text: str) -> int:
    """``"200MB"``, ``"64k"`` or ``"1000"`` as a number of bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*", str(text), re.IGNORECASE)
    if not match:
        raise BatchUsageError(f"not a size: {text!r} (write e.g. 50MB, 512k or 1000000)")
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2).lower()]
    return int(float(match.group(1)) * factor)


# -- decoding -------------------------------------------------------------------------


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    sample = data[:_SNIFF_BYTES]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > max(8, len(sample) // 100)


def decode_bytes(data: bytes, fallback: str = DEFAULT_FALLBACK) -> tuple[str, str]:
    """Decode a file's bytes; returns ``(text, encoding)`` or raises :class:`UnitError`.

    >>> decode_bytes("café".encode("utf-8"))
    ('café', 'utf-8')
    >>> decode_bytes("café".encode("utf-16"))[0]
    'café'
    >>> decode_bytes("café".encode("cp1252"))
    ('café', 'cp1252')
    """
    if not data:
        raise UnitError("empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding.replace("-sig", ""))
            except UnicodeDecodeError as exc:
                raise UnitError(
                    f"undecodable: starts with a {encoding} byte-order mark but byte {exc.start + len(bom)} "
                    f"is not valid {encoding}"
                ) from None
            break
    else:
        if b"\x00" in data:
            raise UnitError("binary file (contains NUL bytes)")
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            if _looks_binary(data):
                raise UnitError("binary file (control bytes, not text)") from None
            try:
                text, encoding = data.decode(fallback), fallback
            except UnicodeDecodeError:
                raise UnitError(
                    f"undecodable: not UTF-8 (byte {exc.start}) and not {fallback}; "
                    f"convert it to UTF-8 or pass --fallback-encoding"
                ) from None
            except LookupError:
                raise UnitError(f"unknown fallback encoding {fallback!r}") from None
    if "\x00" in text:
        raise UnitError("binary file (contains NUL characters)")
    controls = len(_CONTROL.findall(text[:_SNIFF_BYTES]))
    if controls > max(8, min(len(text), _SNIFF_BYTES) // 100):
        raise UnitError("binary file (control characters, not text)")
    if not text.strip():
        raise UnitError("empty file (only white space)")
    return text, encoding


# -- walking --------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A file the walk found (or a walk error): ``key`` orders it, ``error`` says why it failed."""

    key: tuple[int, tuple[str, ...]]
    path: str
    id: str
    size: int = 0
    error: str | None = None

    @property
    def suffix(self) -> str:
        return os.path.splitext(self.path)[1].lower()


def _matches(rel: str, name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p) for p in patterns)


def _error_text(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory (it disappeared during the run?)"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if exc.errno is not None and os.strerror(exc.errno) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)


def _entries(path: str) -> list[tuple[str, bool | None]]:
    """A folder's entry names, sorted, each with True for a folder, False for a file, None for a symlink."""
    out = []
    with os.scandir(path) as scan:
        for entry in scan:
            try:
                kind = None if entry.is_symlink() else entry.is_dir(follow_symlinks=False)
            except OSError:
                kind = None
            out.append((entry.name, kind))
    out.sort()
    return out


def walk(
    paths: Iterable[str | os.PathLike[str]],
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    skip: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[Found]:
    """The supported files under ``paths``, in a deterministic order (see the module doc).

    ``include``/``exclude`` are globs (``fnmatch``; ``*`` also matches ``/``) tried on the
    path relative to its PATH argument and on the bare name. Excluded folders are not entered.
    ``skip`` names files never to read (the run's own output and its sidecars).
    """
    include, exclude = tuple(include), tuple(exclude)
    skip_real = {os.path.realpath(os.fspath(s)) for s in skip}
    skip_names = {os.path.basename(s) for s in skip_real}
    for index, root in enumerate(os.fspath(p) for p in paths):
        try:
            is_dir = os.path.isdir(root)
            if not is_dir:
                size = os.stat(root).st_size
        except OSError as exc:
            yield Found((index, ()), root, os.path.basename(root), error=_error_text(exc))
            continue
        if not is_dir:
            yield Found((index, ()), root, os.path.basename(root), size)
            continue
        yield from _walk_folder(index, root, include, exclude, skip_real, skip_names)


def _walk_folder(
    index: int,
    root: str,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    skip_real: set[str],
    skip_names: set[str],
) -> Iterator[Found]:
    def folder_error(path: str, parts: tuple[str, ...], message: str) -> Found:
        return Found((index, parts), path, "/".join(parts) or os.path.basename(root), error=message)

    try:
        top = os.stat(root)
        stack = [(root, (), iter(_entries(root)), ((top.st_dev, top.st_ino),))]
    except OSError as exc:
        yield folder_error(root, (), f"cannot list the folder: {_error_text(exc)}")
        return
    while stack:
        folder, parts, entries, ancestors = stack[-1]
        item = next(entries, None)
        if item is None:
            stack.pop()
            continue
        name, is_dir = item
        if name.startswith("."):
            continue
        path = os.path.join(folder, name)
        child = (*parts, name)
        rel = "/".join(child)
        if exclude and _matches(rel, name, exclude):
            continue
        if is_dir is None:  # a symlink (or an entry whose type is unknown): follow it
            try:
                info = os.stat(path)
            except OSError as exc:
                if os.path.splitext(name)[1].lower() in SUPPORTED_SUFFIXES:
                    message = "broken symbolic link" if os.path.islink(path) else _error_text(exc)
                    yield Found((index, child), path, rel, error=message)
                continue
            is_dir = stat.S_ISDIR(info.st_mode)
        if is_dir:
            try:
                info = os.stat(path)
                node = (info.st_dev, info.st_ino)
                if node in ancestors:
                    yield folder_error(
                        path, child, "directory symlink loop: this folder leads back to one that contains it; skipped"
                    )
                    continue
                stack.append((path, child, iter(_entries(path)), (*ancestors, node)))
            except OSError as exc:
                yield folder_error(path, child, f"cannot list the folder: {_error_text(exc)}")
            continue
        if os.path.splitext(name)[1].lower() not in SUPPORTED_SUFFIXES:
            continue
        if include and not _matches(rel, name, include):
            continue
        if name in skip_names and os.path.realpath(path) in skip_real:
            continue
        try:
            size = os.stat(path).st_size
        except OSError as exc:
            yield Found((index, child), path, rel, error=_error_text(exc))
            continue
        yield Found((index, child), path, rel, size)


# -- units: what a worker tags ----------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One row of a table file: its number (line of a JSONL file, row of a CSV), id and text or error."""

    number: int
    id: str
    text: str | None
    error: str | None = None


@dataclass
class Unit:
    """The smallest piece of work whose rows are written together: a file, or records of a table.

    ``key`` orders units (``(path index, path parts, first record)``); resume skips every
    unit whose key is not greater than the last one written.
    """

    key: tuple[int, tuple[str, ...], int]
    path: str
    id: str
    kind: str  # "text", "html", "records" or "error"
    size: int = 0
    error: str | None = None
    records: list[Record] = field(default_factory=list)
    encoding: str | None = None
    data: bytes | None = None  # bytes read ahead (by a Dask client), else the worker reads ``path``
    starts_file: bool = True  # False for a table's later units: counts files once

    @property
    def record(self) -> int | None:
        return self.key[2] or None


def _unit_kind(suffix: str) -> str:
    return "html" if suffix in HTML_SUFFIXES else "text"


def iter_units(
    found: Iterable[Found], options: InputOptions, after: tuple[int, tuple[str, ...], int] | None = None
) -> Iterator[Unit]:
    """The units for the found files, in order, skipping those at or before ``after`` (resume)."""
    for item in found:
        where = (item.key[0], item.key[1])
        if after is not None and where < after[:2]:
            continue
        units: Iterable[Unit]
        if item.error is not None:
            units = [Unit((*where, 0), item.path, item.id, "error", error=item.error)]
        elif item.suffix in TABLE_SUFFIXES:
            units = iter_table_units(item, options)
        else:
            units = [Unit((*where, 0), item.path, item.id, _unit_kind(item.suffix), size=item.size)]
        for unit in units:
            if after is None or unit.key > after:
                yield unit


# -- reading files ------------------------------------------------------------------------


def read_bytes(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A file's bytes, refusing files larger than ``max_bytes``; raises :class:`UnitError`."""
    try:
        with open(path, "rb") as stream:
            info = os.fstat(stream.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise UnitError("is a folder, not a file")
            if info.st_size > max_bytes:
                raise UnitError(
                    f"file too large: {info.st_size / 1e6:.1f} MB, more than --max-bytes "
                    f"{max_bytes / 1e6:.1f} MB; split it or raise --max-bytes"
                )
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise UnitError(_error_text(exc)) from None
    if len(data) > max_bytes:
        raise UnitError(f"file too large: more than --max-bytes {max_bytes / 1e6:.1f} MB (it grew while read)")
    return data


def prefetch(unit: Unit, max_bytes: int) -> Unit:
    """Read a file unit's bytes into ``unit.data`` now (for workers that cannot see the files)."""
    if unit.kind in ("text", "html") and unit.data is None:
        try:
            unit.data = read_bytes(unit.path, max_bytes)
        except UnitError as exc:
            unit.kind, unit.error = "error", str(exc)
    return unit


def html_to_text(html: str) -> str:
    """The main text of an HTML page (trafilatura), one paragraph per block; raises :class:`UnitError`."""
    try:
        import trafilatura
    except ImportError:
        raise UnitError(
            "HTML needs the optional trafilatura library: pip install 'tagger[html]' (or convert the page to .txt)"
        ) from None
    import logging

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=False, deduplicate=False)
    except Exception as exc:  # the library raises many kinds on broken markup
        raise UnitError(f"HTML extraction failed: {type(exc).__name__}: {exc}") from None
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise UnitError("no main text found in the HTML page")
    return "\n\n".join(lines)


def load_text(unit: Unit, fallback: str = DEFAULT_FALLBACK, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, str, str]:
    """Read, check and decode a file unit: ``(text, encoding, sha256 of the bytes)``; raises :class:`UnitError`."""
    data = unit.data if unit.data is not None else read_bytes(unit.path, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    text, encoding = decode_bytes(data, fallback)
    if unit.kind == "html":
        text = html_to_text(text)
    return text, encoding, digest


# -- tables -------------------------------------------------------------------------------


def _sniff_encoding(head: bytes, fallback: str) -> tuple[str, str]:
    """How to read a table judged on its first bytes: ``(codec, name to record)``; raises :class:`UnitError`."""
    if not head:
        raise UnitError("empty file")
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            codec = "utf-8-sig" if encoding == "utf-8-sig" else encoding[:6]  # utf-16/utf-32 read the BOM
            return codec, encoding
    if b"\x00" in head:
        raise UnitError("binary file (contains NUL bytes)")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8", "utf-8"
    except UnicodeDecodeError:
        if _looks_binary(head):
            raise UnitError("binary file (control bytes, not text)") from None
        try:
            codecs.lookup(fallback)
        except LookupError:
            raise UnitError(f"unknown fallback encoding {fallback!r}") from None
        return fallback, fallback


def _record_id(value: Any, number: int) -> str:
    if value is None or value == "":
        return str(number)
    return str(value)


def _text_or_error(value: Any, column: str, max_bytes: int) -> tuple[str | None, str | None]:
    if value is None:
        return None, f"no {column!r} field"
    if not isinstance(value, str):
        return None, f"{column!r} is a {type(value).__name__}, not a string"
    if "\x00" in value:
        return None, f"{column!r} contains NUL characters"
    if not value.strip():
        return None, f"{column!r} is empty"
    if len(value) > max_bytes:
        return None, f"{column!r} is longer than --max-bytes ({max_bytes} characters)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None, f"{column!r} contains unpaired surrogate characters (broken text)"
    return value, None


def _undecodable(text: str) -> str:
    return f"bytes that are not valid in the file's encoding near {text[:40]!r}"


def _jsonl_records(stream: io.TextIOBase, options: InputOptions) -> Iterator[Record]:
    import json

    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        if _UNDECODED.search(line):
            yield Record(number, str(number), None, f"line {number}: {_undecodable(line)}")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(number, str(number), None, f"line {number}: not valid JSON ({exc.msg}, column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            yield Record(number, str(number), None, f"line {number}: expected a JSON object, got {type(obj).__name__}")
            continue
        if options.id_column_given and options.id_column not in obj:
            yield Record(number, str(number), None, f"line {number}: no {options.id_column!r} field (--id-column)")
            continue
        text, error = _text_or_error(obj.get(options.text_column), options.text_column, options.max_bytes)
        record_id = _record_id(obj.get(options.id_column), number)
        yield Record(number, record_id, text, f"line {number}: {error}" if error else None)


def _csv_records(stream: io.TextIOBase, options: InputOptions) -> Iterator[Record]:
    csv.field_size_limit(max(options.max_bytes, 131072))
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise UnitError("empty CSV file (no header row)")
    header = [h.strip() for h in header]
    if options.text_column not in header:
        raise UnitError(
            f"no column {options.text_column!r} in the CSV header (columns: {', '.join(header)}); "
            "name the text column with --text-column"
        )
    if options.id_column_given and options.id_column not in header:
        raise UnitError(
            f"no column {options.id_column!r} in the CSV header (columns: {', '.join(header)}); "
            "name the id column with --id-column"
        )
    text_at = header.index(options.text_column)
    id_at = header.index(options.id_column) if options.id_column in header else None
    for number, row in enumerate(reader, start=1):
        if not row:
            continue
        bad = next((cell for cell in row if _UNDECODED.search(cell)), None)
        if bad is not None:
            yield Record(number, str(number), None, f"row {number}: {_undecodable(bad)}")
            continue
        record_id = _record_id(row[id_at] if id_at is not None and id_at < len(row) else None, number)
        value = row[text_at] if text_at < len(row) else None
        text, error = _text_or_error(value, options.text_column, options.max_bytes)
        yield Record(number, record_id, text, f"row {number}: {error}" if error else None)


def iter_table_units(item: Found, options: InputOptions) -> Iterator[Unit]:
    """A JSONL or CSV file's records in units of ``options.records_per_unit``.

    A file-level problem (unreadable, binary, no text column) is one error unit;
    a decoding error half-way ends the file with an error unit for the rest.
    """
    where = (item.key[0], item.key[1])
    emitted = 0

    def unit(records: list[Record], size: int, encoding: str) -> Unit:
        nonlocal emitted
        emitted += 1
        return Unit(
            (*where, records[0].number), item.path, item.id, "records", size,
            records=records, encoding=encoding, starts_file=emitted == 1,
        )  # fmt: skip

    def error(message: str, record: int = 0) -> Unit:
        nonlocal emitted
        emitted += 1
        return Unit((*where, record), item.path, item.id, "error", error=message, starts_file=emitted == 1)

    try:
        raw = open(item.path, "rb", buffering=2 * _SNIFF_BYTES)
    except OSError as exc:
        yield error(_error_text(exc))
        return
    with raw:
        try:
            codec, shown = _sniff_encoding(raw.peek(_SNIFF_BYTES)[:_SNIFF_BYTES], options.fallback_encoding)
        except UnitError as exc:
            yield error(str(exc))
            return
        except OSError as exc:
            yield error(_error_text(exc))
            return
        stream = io.TextIOWrapper(raw, encoding=codec, errors="surrogateescape", newline="")
        records = _csv_records(stream, options) if item.suffix == ".csv" else _jsonl_records(stream, options)
        batch: list[Record] = []
        size = last = 0
        try:
            for record in records:
                batch.append(record)
                size += len(record.text or "")
                last = record.number
                if len(batch) >= options.records_per_unit or size >= 8 * 1024 * 1024:
                    yield unit(batch, size, shown)
                    batch, size = [], 0
        except (UnitError, UnicodeDecodeError, csv.Error, OSError) as exc:
            if batch:
                yield unit(batch, size, shown)
            if isinstance(exc, UnitError):
                message = str(exc)
            elif isinstance(exc, UnicodeDecodeError):
                message = f"not valid {shown} after record {last}; the rest of the file was not read"
            elif isinstance(exc, OSError):
                message = f"{_error_text(exc)} after record {last}; the rest of the file was not read"
            else:
                message = f"CSV error after row {last}: {exc}; the rest of the file was not read"
            yield error(message, last + 1 if last else 0)
            return
        if batch:
            yield unit(batch, size, shown)
        elif not emitted:
            yield error("no records in the table")
