"""Streaming, parallel, resumable batch tagging (``tagger tag`` and :func:`tagger.tag_paths`).

The main process walks the paths lazily and cuts the files into chunks; worker
processes (joblib's loky, or Dask workers) each load the model once, read,
decode and tag a chunk with the model's vectorised :meth:`Tagger.predict_many`,
and send back its rows already encoded. The main process writes the chunks in
input order, with at most a few chunks in flight, so memory does not grow with
the number of files.

Resume: the output grows in ``OUT.partial``; now and then the writer makes it
durable and then atomically replaces ``OUT.resume.json`` with how far it got
(units written, the last unit's key, the file position). A run killed at any
moment, even with ``kill -9``, leaves a state that matches a prefix of whole
units; ``--resume`` truncates the output to that point, skips those units and
goes on. A finished run renames ``OUT.partial`` to ``OUT`` and removes the state.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..errors import ModelVersionWarning, TaggerError
from ..storage.atomic import atomic_file
from . import rows as _rows
from .inputs import (
    DEFAULT_FALLBACK,
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    BatchUsageError,
    InputOptions,
    Unit,
    UnitError,
    decode_bytes,
    display_path,
    html_to_text,
    iter_units,
    read_bytes,
    walk,
)

if TYPE_CHECKING:
    from ..model.tagger import Tagger

__all__ = [
    "ChunkResult",
    "FileRun",
    "ModelRef",
    "Stats",
    "TagOptions",
    "get_model",
    "process_chunk",
    "resolve_model",
    "tag_paths",
]

#: Files (or table units) per chunk sent to a worker, and the most bytes a chunk may hold.
FILES_PER_CHUNK = 64
CHUNK_BYTES = 8 * 1024 * 1024
#: Error messages kept for the summary (all of them are in the output's error rows).
ERROR_SAMPLES = 100
STATE_FORMAT = "tagger-batch-state"


# -- the model, once per process ------------------------------------------------------------


@dataclass(frozen=True)
class ModelRef:
    """How a worker finds the model: a directory it can read, or the directory's files themselves.

    ``key`` names the model's content; each process loads a given key once.
    """

    key: str
    path: str | None = None
    files: tuple[tuple[str, bytes], ...] | None = None

    def embedded(self) -> ModelRef:
        """The same reference carrying the model's files, for workers on other machines."""
        if self.files is not None or self.path is None:
            return self
        meta = json.loads((Path(self.path) / "meta.json").read_text(encoding="utf-8"))
        names = ["meta.json", str(meta["weights_file"])]
        return ModelRef(self.key, None, tuple((n, (Path(self.path) / n).read_bytes()) for n in names))


_MODELS: dict[str, Tagger] = {}
_MODELS_LOCK = threading.Lock()


def _model_key(model: Tagger) -> str:
    digest = model.meta.get("weights_sha256")
    return f"{model.meta.get('model_id')}-{digest[:16]}" if digest else f"unsaved-{id(model)}"


def register_model(model: Tagger, path: str | os.PathLike[str] | None = None) -> ModelRef:
    """Put ``model`` in this process's cache; the reference workers use to find it."""
    ref = ModelRef(_model_key(model), os.fspath(path) if path is not None else None)
    with _MODELS_LOCK:
        _MODELS[ref.key] = model
    return ref


def get_model(ref: ModelRef) -> Tagger:
    """The model ``ref`` names, loaded at most once per process (and per key)."""
    model = _MODELS.get(ref.key)
    if model is not None:
        return model
    from ..storage.modeldir import load_model

    with _MODELS_LOCK:
        model = _MODELS.get(ref.key)
        if model is not None:
            return model
        with warnings.catch_warnings():  # the main process has shown it once already
            warnings.simplefilter("ignore", ModelVersionWarning)
            if ref.files is not None:
                folder = tempfile.mkdtemp(prefix="tagger-model-")
                try:
                    for name, data in ref.files:
                        (Path(folder) / name).write_bytes(data)
                    model = load_model(folder)
                finally:
                    shutil.rmtree(folder, ignore_errors=True)
            elif ref.path is not None:
                model = load_model(ref.path)
            else:
                raise TaggerError(f"model {ref.key} is not loaded in this process and has no path")
        while len(_MODELS) >= 4:
            _MODELS.pop(next(iter(_MODELS)))
        _MODELS[ref.key] = model
        return model


def resolve_model(model: Any = None) -> tuple[Tagger, ModelRef]:
    """A model argument (None for the default, a directory, or a Tagger) as a Tagger and its reference."""
    import tagger

    from ..model.tagger import Tagger

    if isinstance(model, Tagger):
        return model, register_model(model)
    path = tagger.default_model_path() if model is None else Path(model)
    loaded = tagger.load(path)
    return loaded, register_model(loaded, path)


@dataclass
class ModelInfo:
    """What the main process needs of a model that only workers load: its schema and meta."""

    schema: Any
    meta: dict[str, Any]


def peek_model(model: str | os.PathLike[str] | None = None) -> tuple[ModelInfo, ModelRef]:
    """A model directory's schema and meta, read without loading the weights or importing scikit-learn.

    For runs whose workers load the model: the main process starts them at once instead
    of loading the model itself first. The workers check the weights as :func:`tagger.load` does.
    """
    from importlib import metadata

    import tagger

    from ..errors import ModelError
    from ..labels.schema import Schema

    path = tagger.default_model_path() if model is None else Path(model)
    meta_path = path / "meta.json"
    if not meta_path.is_file():
        raise ModelError(f"{path}: not a tagger model: no meta.json (train one with `tagger train`)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        schema = Schema.from_dict(meta.get("schema"), f"{meta_path} schema")
        key = f"{meta['model_id']}-{str(meta['weights_sha256'])[:16]}"
        weights = path / Path(str(meta["weights_file"])).name
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    except (OSError, ValueError, KeyError, TypeError, AttributeError, TaggerError) as exc:
        raise ModelError(f"{meta_path}: damaged or foreign model ({exc}); retrain with `tagger train`") from None
    if digest != meta["weights_sha256"]:
        raise ModelError(
            f"{weights}: SHA-256 does not match meta.json: the file was changed or replaced; "
            "refusing to load it. Retrain with `tagger train`."
        )
    trained = meta.get("library_versions", {}).get("scikit-learn")
    try:
        here = metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        here = None
    if trained != here:
        warnings.warn(
            f"{path}: model trained with scikit-learn {trained}, running {here}; predictions may "
            f"differ slightly. Retrain with `tagger train LABELS_DIR -o {path}`.",
            ModelVersionWarning,
            stacklevel=2,
        )
    return ModelInfo(schema, meta), ModelRef(key, os.fspath(path))


@dataclass(frozen=True)
class TagOptions:
    """What to produce: ``level`` (article, paragraph, both) in ``fmt`` (jsonl, csv, parquet, or rows)."""

    level: str = "article"
    fmt: str = "rows"
    inputs: InputOptions = field(default_factory=InputOptions)


# -- one chunk, in a worker ---------------------------------------------------------------


@dataclass
class ChunkResult:
    """What a worker sends back for one chunk: its encoded rows and counts for the summary."""

    payload: Any
    units: int
    last_key: tuple[int, tuple[str, ...], int]
    files: int = 0
    articles: int = 0
    paragraphs: int = 0
    bytes: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    tags: dict[str, dict[str, int]] = field(default_factory=dict)


_FORMAT_CACHE: dict[tuple[str, str, str], tuple[list[str], Any]] = {}


def _format_info(model: Tagger, key: str, options: TagOptions) -> tuple[list[str], Any]:
    cached = _FORMAT_CACHE.get((key, options.level, options.fmt))
    if cached is None:
        cols = _rows.columns(model.schema, options.level)
        schema = _rows.arrow_schema(model.schema, options.level) if options.fmt == "parquet" else None
        cached = _FORMAT_CACHE[(key, options.level, options.fmt)] = (cols, schema)
    return cached


def _base(path: str, ident: str, record: int | None = None) -> dict[str, Any]:
    base: dict[str, Any] = {"path": display_path(path), "id": display_path(ident)}
    if record is not None:
        base["record"] = record
    return base


def _where(base: dict[str, Any]) -> str:
    return base["path"]  # record errors name their line or row themselves


def process_chunk(ref: ModelRef, options: TagOptions, units: list[Unit]) -> ChunkResult:
    """Read, decode and tag a chunk of units; rows come back in the units' order.

    Every failure of one file or record becomes an error row; only a broken model stops a chunk.
    """
    model = get_model(ref)
    cols, arrow_schema = _format_info(model, ref.key, options)
    inputs = options.inputs
    result = ChunkResult(None, len(units), units[-1].key)
    # Each entry: (base, text, known columns) for an article to tag, or (base, None, error row) for a failure.
    entries: list[tuple[dict[str, Any], str | None, dict[str, Any]]] = []
    for unit in units:
        result.files += unit.starts_file
        if unit.kind == "error":
            entries.append((_base(unit.path, unit.id, unit.record), None, {"error": unit.error}))
        elif unit.kind == "records":
            for rec in unit.records:
                base = _base(unit.path, rec.id, rec.number)
                if rec.error is not None:
                    entries.append((base, None, {"error": rec.error}))
                else:
                    data = rec.text.encode("utf-8")
                    result.bytes += len(data)
                    known = {"sha256": hashlib.sha256(data).hexdigest(), "encoding": unit.encoding}
                    entries.append((base, rec.text, known))
        else:
            base = _base(unit.path, unit.id)
            known: dict[str, Any] = {}
            try:
                data = unit.data if unit.data is not None else read_bytes(unit.path, inputs.max_bytes)
                result.bytes += len(data)
                known["sha256"] = hashlib.sha256(data).hexdigest()
                text, known["encoding"] = decode_bytes(data, inputs.fallback_encoding)
                if unit.kind == "html":
                    text = html_to_text(text)
                entries.append((base, text, known))
            except UnitError as exc:
                entries.append((base, None, {**known, "error": str(exc)}))
            except Exception as exc:  # a bug or an exotic OS error must not lose the rest of the chunk
                entries.append((base, None, {**known, "error": f"unexpected {type(exc).__name__}: {exc}"}))
    texts = [text for _, text, _ in entries if text is not None]
    results = iter(model.predict_many(texts, "article")) if texts else iter(())
    model_id = str(model.meta.get("model_id", "unsaved"))
    out: list[dict[str, Any]] = []
    for base, text, known in entries:
        if text is None:
            message = known.pop("error")
            out.append(_rows.error_row(base, message, **known))
            result.errors.append((_where(base), message))
            continue
        article = next(results)
        result.articles += 1
        result.paragraphs += len(article.paragraphs)
        for task, value in article.tags.items():
            counts = result.tags.setdefault(task, {})
            for tag in value if isinstance(value, list) else [value]:
                counts[tag] = counts.get(tag, 0) + 1
        if options.level in ("article", "both"):
            out.append(_rows.article_row(base, article, known["encoding"], known["sha256"], model_id, __version__))
        if options.level in ("paragraph", "both"):
            out.extend(_rows.paragraph_rows(base, article))
    result.payload = _rows.encode_rows(out, options.fmt, cols, arrow_schema)
    return result


# -- executors: where chunks run ----------------------------------------------------------------


class InlineExecutor:
    """Runs each chunk at once in this process (``--jobs 1``)."""

    workers = 1

    def __init__(self, ref: ModelRef) -> None:
        self.ref = ref

    def submit(self, options: TagOptions, units: list[Unit]) -> Future:
        future: Future = Future()
        try:
            future.set_result(process_chunk(self.ref, options, units))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def discard(self, futures: Iterable[Future]) -> None:
        """Results no longer wanted (the run stopped early): nothing runs ahead here."""

    def close(self, kill: bool = False) -> None:
        pass


def _warm_up(ref: ModelRef) -> None:
    get_model(ref)


def _ignore_ctrl_c() -> None:
    """Workers leave Ctrl-C to the main process, which saves the state and stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessExecutor:
    """Worker processes from joblib's loky (reused between runs; each loads the model once)."""

    def __init__(self, ref: ModelRef, jobs: int) -> None:
        from joblib.externals.loky import get_reusable_executor

        if ref.path is None and ref.files is None:
            raise TaggerError("worker processes need a saved model; save it first or use jobs=1")
        self.ref = ref
        self.workers = jobs
        self.pool = get_reusable_executor(max_workers=jobs, timeout=300, initializer=_ignore_ctrl_c)
        # Start the workers (and their model loading) now, with Ctrl-C ignored from their first
        # instruction: a worker interrupted while it starts would print a fatal error.
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            for _ in range(jobs):
                self.pool.submit(_warm_up, ref)
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)

    def submit(self, options: TagOptions, units: list[Unit]) -> Future:
        return self.pool.submit(process_chunk, self.ref, options, units)

    def discard(self, futures: Iterable[Future]) -> None:
        # Left to finish: loky's manager thread fails on futures cancelled under it at shutdown.
        pass

    def close(self, kill: bool = False) -> None:
        if kill:
            self.pool.shutdown(wait=False, kill_workers=True)


def make_executor(ref: ModelRef, jobs: int) -> InlineExecutor | ProcessExecutor:
    """In-process for one job, else a pool of ``jobs`` processes (``-1``: one per CPU)."""
    if jobs < 0:
        jobs = os.cpu_count() or 1
    return InlineExecutor(ref) if jobs <= 1 else ProcessExecutor(ref, jobs)


def chunk_units(units: Iterable[Unit], files: int = FILES_PER_CHUNK, size: int = CHUNK_BYTES) -> Iterator[list[Unit]]:
    """Group units into chunks of at most ``files`` units or about ``size`` bytes."""
    chunk: list[Unit] = []
    total = 0
    for unit in units:
        chunk.append(unit)
        total += unit.size
        if len(chunk) >= files or total >= size:
            yield chunk
            chunk, total = [], 0
    if chunk:
        yield chunk


def ordered_results(executor: Any, options: TagOptions, chunks: Iterable[list[Unit]]) -> Iterator[ChunkResult]:
    """Each chunk's result in input order, with at most ``2 * workers + 2`` chunks in flight."""
    window = 2 * max(1, executor.workers) + 2
    pending: deque[Future] = deque()
    try:
        for chunk in chunks:
            pending.append(executor.submit(options, chunk))
            while pending and (len(pending) >= window or pending[0].done()):
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        executor.discard(pending)


# -- the summary --------------------------------------------------------------------------------


@dataclass
class Stats:
    """Counts for the summary; saved in the resume state so a resumed run reports the whole."""

    files: int = 0
    articles: int = 0
    paragraphs: int = 0
    bytes: int = 0
    errors: int = 0
    error_samples: list[list[str]] = field(default_factory=list)
    tags: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, result: ChunkResult) -> None:
        self.files += result.files
        self.articles += result.articles
        self.paragraphs += result.paragraphs
        self.bytes += result.bytes
        self.errors += len(result.errors)
        room = ERROR_SAMPLES - len(self.error_samples)
        self.error_samples.extend([list(e) for e in result.errors[: max(room, 0)]])
        for task, counts in result.tags.items():
            mine = self.tags.setdefault(task, {})
            for tag, n in counts.items():
                mine[tag] = mine.get(tag, 0) + n

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stats:
        return cls(**data)


# -- a run that writes a file -------------------------------------------------------------------


def _state_path(out: Path) -> Path:
    return out.with_name(out.name + ".resume.json")


def _partial_path(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def check_paths(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """The PATH arguments, checked: each exists, and a file is of a supported type (else a usage error)."""
    checked = [os.fspath(p) for p in paths]
    if not checked:
        raise BatchUsageError("no PATH given: name files or folders to tag")
    for path in checked:
        if not os.path.exists(path):
            raise BatchUsageError(f"{path}: no such file or folder")
        if not os.path.isdir(path) and os.path.splitext(path)[1].lower() not in SUPPORTED_SUFFIXES:
            raise BatchUsageError(f"{path}: unsupported file type; tagger tags {', '.join(SUPPORTED_SUFFIXES)} files")
    return checked


class FileRun:
    """One ``tagger tag`` run writing ``out``: fresh, or resumed from its state file.

    Call :meth:`prepare` (checks, may raise :class:`BatchUsageError`), then :meth:`run`.
    """

    def __init__(
        self,
        paths: list[str],
        out: str | os.PathLike[str],
        model: Tagger | ModelInfo,
        ref: ModelRef,
        options: TagOptions,
        *,
        resume: bool = False,
        force: bool = False,
        checkpoint_seconds: float | None = None,
        files_per_chunk: int = FILES_PER_CHUNK,
    ) -> None:
        self.paths = paths
        self.out = Path(out)
        self.model = model
        self.ref = ref
        self.options = options
        self.resume = resume
        self.force = force
        self.files_per_chunk = files_per_chunk
        self.state_path = _state_path(self.out)
        self.partial = _partial_path(self.out)
        self.sink = _rows.make_sink(options.fmt, self.partial, model.schema, options.level)
        self.checkpoint_seconds = self.sink.checkpoint_seconds if checkpoint_seconds is None else checkpoint_seconds
        self.stats = Stats()
        self.units_done = 0
        self.last_key: tuple[int, tuple[str, ...], int] | None = None
        self.position: int | None = None
        self.finished_already = False
        self.resumed = False

    def settings(self) -> dict[str, Any]:
        return {
            "paths": [os.path.abspath(p) for p in self.paths],
            "level": self.options.level,
            "format": self.options.fmt,
            "model_id": str(self.model.meta.get("model_id", "unsaved")),
            "inputs": self.options.inputs.to_dict(),
        }

    def _read_state(self) -> dict[str, Any] | None:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise BatchUsageError(
                f"{self.state_path}: unreadable resume state ({exc}); start over with --force"
            ) from None
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise BatchUsageError(f"{self.state_path}: not a tagger resume state; remove it or use --force")
        return state

    def prepare(self) -> None:
        """Decide between a fresh start and a resume; refuse what would overwrite or mix outputs."""
        if self.out.is_dir():
            raise BatchUsageError(f"{self.out}: is a folder; -o names the output file")
        if not self.out.parent.is_dir():
            raise BatchUsageError(f"{self.out.parent}: no such folder for the output")
        state = None if self.force else self._read_state()
        if state is not None and state.get("complete") and not self.partial.exists() and self.out.exists():
            self.state_path.unlink(missing_ok=True)  # the run finished; only the cleanup was cut short
            state = None
            if self.resume:
                self.finished_already = True
                return
        if self.force:
            return
        if state is None:
            if self.out.exists():
                hint = "nothing to resume: " if self.resume else ""
                raise BatchUsageError(f"{hint}{self.out} exists; pass --force to overwrite it")
            return
        if not self.resume:
            raise BatchUsageError(
                f"an interrupted run left {self.state_path.name}: continue it with --resume, or start over with --force"
            )
        mine, theirs = self.settings(), state.get("settings", {})
        differ = [k for k in mine if mine[k] != theirs.get(k)]
        if differ:
            shown = "; ".join(f"{k}: was {theirs.get(k)!r}, now {mine[k]!r}" for k in differ)
            raise BatchUsageError(f"cannot resume with other settings ({shown}); use the same, or --force")
        if not self.partial.exists():
            raise BatchUsageError(f"{self.partial} is missing, so the run cannot resume; start over with --force")
        self.resumed = True
        self.units_done = int(state["units_done"])
        key = state.get("last_key")
        self.last_key = (int(key[0]), tuple(key[1]), int(key[2])) if key else None
        self.position = int(state["position"])
        self.stats = Stats.from_dict(state["stats"])

    def _save_state(self, complete: bool = False) -> None:
        self.position = self.sink.commit()
        state = {
            "format": STATE_FORMAT,
            "version": 1,
            "settings": self.settings(),
            "units_done": self.units_done,
            "last_key": [self.last_key[0], list(self.last_key[1]), self.last_key[2]] if self.last_key else None,
            "position": self.position,
            "stats": self.stats.to_dict(),
            "complete": complete,
        }
        with atomic_file(self.state_path, "w", encoding="utf-8") as stream:
            json.dump(state, stream, indent=1)

    def run(self, executor: Any, progress: Any = None) -> Stats:
        """Tag everything not yet written; returns the counts. Re-raises an interruption after saving state."""
        if self.finished_already:
            return self.stats
        if self.force:
            self.state_path.unlink(missing_ok=True)
            self.sink.discard()
        started = time.monotonic()
        earlier = self.stats.seconds
        self.sink.open(self.position if self.resumed else None)
        if not self.resumed:
            self._save_state()
        skip = [self.out, self.partial, self.state_path]
        found = walk(self.paths, self.options.inputs.include, self.options.inputs.exclude, skip)
        chunks = chunk_units(iter_units(found, self.options.inputs, self.last_key), self.files_per_chunk)
        consistent = True
        last_save = time.monotonic()
        try:
            with stop_signals_between_chunks() as check_stop:
                for result in ordered_results(executor, self.options, chunks):
                    consistent = False
                    self.sink.write(result.payload)
                    self.stats.add(result)
                    self.units_done += result.units
                    self.last_key = result.last_key
                    consistent = True
                    if progress is not None:
                        progress(result, self.stats)
                    now = time.monotonic()
                    if now - last_save >= self.checkpoint_seconds:
                        self.stats.seconds = earlier + now - started
                        self._save_state()
                        last_save = now
                    check_stop()
            self.stats.seconds = earlier + time.monotonic() - started
            self._save_state(complete=True)
            self.sink.finish(self.out)
            self.state_path.unlink(missing_ok=True)
        except BaseException:
            executor.close(kill=True)
            if consistent:
                try:
                    self.stats.seconds = earlier + time.monotonic() - started
                    self._save_state()
                except Exception:
                    pass  # the previous state is still valid
            self.sink.close()
            raise
        return self.stats


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C so the state is saved."""


@contextmanager
def stop_signals_between_chunks() -> Iterator[Any]:
    """Ctrl-C and SIGTERM, noted when they arrive and raised between chunks; yields the check.

    Raised at whatever instruction the main thread is on, an interrupt can land inside the
    worker pool's own bookkeeping (a submit, a result hand-over) and leave the pool unable to
    shut down, so the run hangs instead of saving its state and stopping. Noted, it is raised
    by the check after the chunk in hand is written. A second signal raises at once, for a
    chunk that does not finish. Off the main thread (no signals there) the check does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    noted: list[KeyboardInterrupt] = []

    def note(signum: int, frame: Any) -> None:
        stop = KeyboardInterrupt() if signum == signal.SIGINT else _Terminated()
        if noted:
            raise stop
        noted.append(stop)

    def check() -> None:
        if noted:
            raise noted[0]

    previous = {number: signal.signal(number, note) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield check
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def sigterm_as_interrupt() -> Any:
    """Make SIGTERM raise in the main thread like Ctrl-C; returns the previous handler.

    For the moments before and after :meth:`FileRun.run`, which notes both signals itself.
    """

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated()

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, handler)


# -- the Python API ----------------------------------------------------------------------------


def tag_paths(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    model: Any = None,
    level: str = "article",
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    text_column: str = "text",
    id_column: str | None = None,
    fallback_encoding: str = DEFAULT_FALLBACK,
    max_bytes: int = DEFAULT_MAX_BYTES,
    jobs: int = 1,
) -> Iterator[dict[str, Any]]:
    """Tag files and folders lazily: yields one row (a dict) at a time, in input order.

    The rows are those ``tagger tag`` writes (columns in ``docs/batch.md``): with
    ``level="article"`` one per article, ``"paragraph"`` one per paragraph,
    ``"both"`` each article row followed by its paragraph rows; a file or record
    that cannot be tagged gives a row with ``level == "error"`` and its reason.
    ``model`` is a model directory, a loaded :class:`Tagger`, or None for the
    default. ``jobs`` > 1 tags in that many worker processes.

    >>> import pandas as pd, tagger
    >>> table = pd.DataFrame(tagger.tag_paths("news/"))  # doctest: +SKIP
    >>> table[table.level == "error"][["path", "error"]]  # doctest: +SKIP
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    checked = check_paths(paths)
    if level not in _rows.LEVELS:
        raise BatchUsageError(f"level must be one of {', '.join(_rows.LEVELS)}, got {level!r}")
    tagger_model, ref = resolve_model(model)
    temporary: str | None = None
    if jobs not in (0, 1) and ref.path is None:
        temporary = tempfile.mkdtemp(prefix="tagger-model-")
        import copy

        copy.copy(tagger_model).save(temporary)
        ref = ModelRef(ref.key, temporary)
    inputs = InputOptions(
        tuple(include),
        tuple(exclude),
        text_column,
        id_column or "id",
        id_column is not None,
        fallback_encoding,
        max_bytes,
    )
    options = TagOptions(level, "rows", inputs)

    def generate() -> Iterator[dict[str, Any]]:
        executor = make_executor(ref, jobs)
        try:
            units = iter_units(walk(checked, inputs.include, inputs.exclude), inputs)
            for result in ordered_results(executor, options, chunk_units(units)):
                yield from result.payload
        finally:
            if temporary is not None:
                shutil.rmtree(temporary, ignore_errors=True)

    return generate()
