"""Batch tagging on a Dask cluster (``pip install 'tagger[dask]'``).

Three entry points, all with the same rows as a local run:

* ``tagger tag PATH... -o OUT --dask tcp://scheduler:8786`` (or ``--dask local``):
  the client walks and reads the files and writes the output (with resume, as
  locally); the workers decode and tag. Workers need neither the files nor the
  model on their disks: the model's files are sent once to each worker
  (``Client.scatter(broadcast=True)``) and loaded once per worker process.
* :func:`tag_bag`: a ``dask.bag`` of texts (str, or dicts with ``text`` and
  ``id``) or of paths the workers can read -> a bag of row dicts.
* :func:`tag_dataframe`: a ``dask.dataframe`` with a text column -> the same
  frame with tag and score columns (:func:`tagger.predict_frame` per partition).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

from .._version import __version__
from ..errors import TaggerError
from . import rows as _rows
from .inputs import DEFAULT_FALLBACK, DEFAULT_MAX_BYTES, InputOptions, Unit, iter_units, prefetch, walk
from .run import ModelRef, TagOptions, chunk_units, get_model, process_chunk, resolve_model

__all__ = ["DaskExecutor", "connect", "tag_bag", "tag_dataframe"]


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise TaggerError("Dask needs dask.distributed: pip install 'tagger[dask]'") from None
    return distributed


def connect(address: str, workers: int | None = None) -> tuple[Any, Any]:
    """A Dask client for ``address`` (``tcp://host:8786``), or a new LocalCluster for ``"local"``.

    Returns ``(client, cluster)``; ``cluster`` is None for a remote scheduler. Close both when done.
    """
    distributed = _import_distributed()
    if address == "local":
        cluster = distributed.LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        return distributed.Client(cluster), cluster
    try:
        return distributed.Client(address, timeout="30s"), None
    except (OSError, TimeoutError) as exc:
        raise TaggerError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _shippable(model: Any, ref: ModelRef) -> tuple[ModelRef, str | None]:
    """``ref`` with the model's files inside; an unsaved model is saved to a temporary folder first."""
    if ref.path is not None:
        return ref.embedded(), None
    import copy

    folder = tempfile.mkdtemp(prefix="tagger-model-")
    copy.copy(model).save(folder)
    return ModelRef(ref.key, folder).embedded(), folder


class DaskExecutor:
    """Runs chunks on Dask workers; the client reads the files, so workers need not see them."""

    def __init__(self, client: Any, ref: ModelRef, max_bytes: int = DEFAULT_MAX_BYTES, model: Any = None) -> None:
        self.client = client
        shipped, folder = _shippable(model, ref)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        self.ref = client.scatter(shipped, broadcast=True, hash=False)
        self.workers = max(1, sum(client.nthreads().values()))
        self.max_bytes = max_bytes

    def submit(self, options: TagOptions, units: list[Unit]) -> Future:
        for unit in units:
            prefetch(unit, self.max_bytes)
        return self.client.submit(process_chunk, self.ref, options, units, pure=False)

    def discard(self, futures: Iterable[Future]) -> None:
        """Cancel tasks whose results are no longer wanted, freeing the workers."""
        for future in futures:
            future.cancel()

    def close(self, kill: bool = False) -> None:
        pass  # the client is closed by whoever opened it


# -- bags and data frames -------------------------------------------------------------------------


def _text_rows(items: Iterable[Any], ref: ModelRef, options: TagOptions) -> list[dict[str, Any]]:
    model = get_model(ref)
    model_id = str(model.meta.get("model_id", "unsaved"))
    column = options.inputs.text_column
    out: list[dict[str, Any]] = []
    bases, texts = [], []
    for item in items:
        if isinstance(item, dict):
            text, ident = item.get(column), item.get(options.inputs.id_column)
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            ident, text = item
        else:
            text, ident = item, None
        base = {"id": None if ident is None else str(ident)}
        if not isinstance(text, str) or not text.strip():
            bases.append((base, "no text" if not isinstance(text, str) else "empty text"))
        else:
            bases.append((base, None))
            texts.append(text)
    results = iter(model.predict_many(texts, "article"))
    pending = iter(texts)
    for base, error in bases:
        if error is not None:
            out.append(_rows.error_row(base, error))
            continue
        text, article = next(pending), next(results)
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        if options.level in ("article", "both"):
            out.append(_rows.article_row(base, article, None, digest, model_id, __version__))
        if options.level in ("paragraph", "both"):
            out.extend(_rows.paragraph_rows(base, article))
    return out


def _path_rows(items: Iterable[Any], ref: ModelRef, options: TagOptions) -> list[dict[str, Any]]:
    inputs = options.inputs
    units = iter_units(walk([os.fspath(p) for p in items], inputs.include, inputs.exclude), inputs)
    out: list[dict[str, Any]] = []
    for chunk in chunk_units(units):
        out.extend(process_chunk(ref, options, chunk).payload)
    return out


def _bag_partition(items: Iterable[Any], ref: ModelRef, options: TagOptions, kind: str) -> list[dict[str, Any]]:
    items = list(items)
    return _path_rows(items, ref, options) if kind == "path" else _text_rows(items, ref, options)


def tag_bag(
    bag: Any,
    *,
    model: Any = None,
    level: str = "article",
    kind: str = "text",
    text_column: str = "text",
    id_column: str = "id",
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    fallback_encoding: str = DEFAULT_FALLBACK,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Any:
    """Tag a ``dask.bag``: a bag of row dicts (the columns of ``docs/batch.md``), lazily.

    ``kind="text"``: items are texts, ``(id, text)`` pairs, or dicts with ``text_column``
    and ``id_column``. ``kind="path"``: items are files or folders that the workers can
    read (folders are walked as ``tagger tag`` walks them). The model's files travel in the
    task graph once and each worker process loads the model once.

    >>> import dask.bag as db
    >>> rows = tag_bag(db.from_sequence(texts, npartitions=8)).compute()  # doctest: +SKIP
    """
    import dask

    if kind not in ("text", "path"):
        raise ValueError(f"kind must be 'text' or 'path', got {kind!r}")
    if level not in _rows.LEVELS:
        raise ValueError(f"level must be one of {_rows.LEVELS}, got {level!r}")
    tagger_model, ref = resolve_model(model)
    shipped, folder = _shippable(tagger_model, ref)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    inputs = InputOptions(
        tuple(include), tuple(exclude), text_column, id_column, False, fallback_encoding, max_bytes
    )  # fmt: skip
    options = TagOptions(level, "rows", inputs)
    return bag.map_partitions(_bag_partition, dask.delayed(shipped, pure=True), options, kind)


def _frame_partition(df: Any, ref: ModelRef, text_column: str, prefix: str) -> Any:
    from .frame import predict_frame

    return predict_frame(df, text_column, model=get_model(ref), prefix=prefix)


def tag_dataframe(ddf: Any, text_column: str = "text", *, model: Any = None, prefix: str = "") -> Any:
    """Tag a ``dask.dataframe`` column of texts: :func:`tagger.predict_frame` on every partition.

    >>> import dask.dataframe as dd
    >>> tagged = tag_dataframe(dd.read_parquet("articles/"), "body")  # doctest: +SKIP
    >>> tagged.to_parquet("tagged/")  # doctest: +SKIP
    """
    import dask

    from .frame import predict_frame

    tagger_model, ref = resolve_model(model)
    meta = predict_frame(ddf._meta, text_column, model=tagger_model, prefix=prefix)
    shipped, folder = _shippable(tagger_model, ref)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    return ddf.map_partitions(_frame_partition, dask.delayed(shipped, pure=True), text_column, prefix, meta=meta)
