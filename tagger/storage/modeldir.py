"""Model directories: ``meta.json`` plus one ``weights-<digest>.npz`` of plain arrays.

Safety: nothing in a model directory is code. ``meta.json`` is JSON; the weights
are numeric and string arrays read with ``numpy.load(allow_pickle=False)``, and
their SHA-256 must match the one in ``meta.json``, so a tampered or foreign file
is refused before it is parsed.

Atomicity: the weights go to a new file named by their digest, then
``meta.json`` is replaced in one ``os.replace``. A crash at any point leaves
either the old ``meta.json`` with the old weights or the new with the new.

Format versions: ``FORMAT_VERSION`` is bumped whenever the arrays or the meta
fields change meaning; ``load_model`` refuses versions it does not know, and a
test loads a model of every supported version.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import platform
import re
import warnings
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._version import __version__
from ..errors import ModelError, ModelVersionWarning, SchemaError
from ..labels.schema import Schema
from ..model.aggregate import ArticleRules
from ..model.context import MISSING_CONTEXT, N_VIEWS, ContextHead
from ..model.features import FeatureSettings, restore_vectorizer, vocabulary_in_order
from ..model.heads import LinearHead
from ..model.voice import VoiceRule
from .atomic import atomic_write_bytes

if TYPE_CHECKING:
    from ..model.tagger import Tagger

__all__ = ["FORMAT", "FORMAT_VERSION", "load_model", "read_meta", "save_model"]

FORMAT = "tagger-model"
FORMAT_VERSION = 3
#: 2 added learned article rules (``article_rules.learned``); a version-1 model has none.
#: 3 added the context rule "skip_short" (``context_missing``), which older versions do not know.
SUPPORTED_VERSIONS = (1, 2, 3)
META_FILE = "meta.json"
_WEIGHTS_NAME = re.compile(r"^weights-[0-9a-f]{16}\.npz$")
_LIBRARIES = ("scikit-learn", "numpy", "scipy", "nltk")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "tagger": __version__}
    for name in _LIBRARIES:
        versions[name] = metadata.version(name)
    return versions


def _weights_bytes(model: Tagger) -> bytes:
    arrays: dict[str, np.ndarray] = {
        "vocabulary": np.array(vocabulary_in_order(model.vectorizer), dtype=str),
        "idf": np.asarray(model.vectorizer.idf_, dtype=np.float64),
    }
    for name, head in model.heads.items():
        arrays[f"{name}.coef"] = head.coef.astype(np.float32)
        arrays[f"{name}.intercept"] = head.intercept.astype(np.float32)
        if head.thresholds is not None:
            arrays[f"{name}.thresholds"] = head.thresholds.astype(np.float32)
    for name, context in model.context.items():
        arrays[f"{name}.context_coef"] = context.coef.astype(np.float64)
        arrays[f"{name}.context_intercept"] = context.intercept.astype(np.float64)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _context_missing(model: Tagger) -> str:
    """The one rule for missing context that all of ``model``'s context heads use."""
    rules = {head.missing for head in model.context.values()} or {MISSING_CONTEXT[0]}
    if len(rules) > 1:
        raise ValueError(f"context heads disagree on missing context: {sorted(rules)}")
    return rules.pop()


def save_model(model: Tagger, path: str | Path) -> Path:
    """Write ``model`` to the directory ``path`` (created if needed), atomically."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    weights = _weights_bytes(model)
    digest = hashlib.sha256(weights).hexdigest()
    weights_name = f"weights-{digest[:16]}.npz"
    # Everything that decides predictions: the weights and the stages kept in meta.json.
    behaviour = {
        "schema": model.schema.to_dict(),
        "features": model.features.to_dict(),
        "article_rules": model.rules.to_dict(),
        "context_missing": _context_missing(model),
        "voice_rule": model.voice.to_dict(),
    }
    identity = hashlib.sha256(digest.encode() + json.dumps(behaviour, sort_keys=True).encode("utf-8")).hexdigest()
    meta = {
        **model.meta,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_id": f"{model.schema.name}-{identity[:12]}",
        "created": model.meta.get("created") or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "library_versions": model.meta.get("library_versions") or library_versions(),
        **behaviour,
        "weights_file": weights_name,
        "weights_sha256": digest,
    }
    atomic_write_bytes(path / weights_name, weights)
    atomic_write_bytes(path / META_FILE, (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    for stale in path.glob("weights-*.npz"):
        if stale.name != weights_name:
            stale.unlink(missing_ok=True)
    model.meta = meta
    return path


def read_meta(path: str | Path) -> dict[str, Any]:
    """The checked ``meta.json`` of a model directory."""
    path = Path(path)
    meta_path = path / META_FILE
    if not path.is_dir():
        raise ModelError(f"{path}: no such model directory (train one with `tagger train`)")
    if not meta_path.is_file():
        raise ModelError(f"{path}: not a tagger model: no {META_FILE} (train one with `tagger train`)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{meta_path}: not a tagger model: unreadable JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{meta_path}: not a tagger model (format is not {FORMAT!r})")
    version = meta.get("format_version")
    if version not in SUPPORTED_VERSIONS:
        raise ModelError(
            f"{meta_path}: model format version {version!r} is not supported by tagger "
            f"{__version__} (supported: {SUPPORTED_VERSIONS}); upgrade tagger or retrain "
            "with `tagger train`"
        )
    return meta


def _check_versions(meta: dict[str, Any], path: Path) -> None:
    trained = meta.get("library_versions", {}).get("scikit-learn")
    here = metadata.version("scikit-learn")
    if trained != here:
        warnings.warn(
            f"{path}: model trained with scikit-learn {trained}, running {here}; predictions may "
            f"differ slightly. Retrain with `tagger train LABELS_DIR -o {path}`.",
            ModelVersionWarning,
            stacklevel=4,
        )


def load_model(path: str | Path, expected_schema: Schema | None = None) -> Tagger:
    """Load a model directory without running any code from it."""
    from ..model.tagger import Tagger

    path = Path(path)
    meta = read_meta(path)
    weights_name = str(meta.get("weights_file", ""))
    if not _WEIGHTS_NAME.match(weights_name):
        raise ModelError(f"{path / META_FILE}: bad weights_file {weights_name!r}")
    weights_path = path / weights_name
    try:
        data = weights_path.read_bytes()
    except OSError as exc:
        raise ModelError(
            f"{weights_path}: cannot read the weights ({exc.strerror}); retrain with `tagger train`"
        ) from None
    if hashlib.sha256(data).hexdigest() != meta.get("weights_sha256"):
        raise ModelError(
            f"{weights_path}: SHA-256 does not match meta.json: the file was changed or "
            "replaced; refusing to load it. Retrain with `tagger train`."
        )
    try:
        schema = Schema.from_dict(meta.get("schema"), f"{path / META_FILE} schema")
    except SchemaError as exc:
        raise ModelError(str(exc)) from None
    if expected_schema is not None and expected_schema.to_dict()["tasks"] != schema.to_dict()["tasks"]:
        raise ModelError(f"{path}: the model's schema differs from the labels' schema; retrain with `tagger train`")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        features = FeatureSettings(**meta["features"])
        vocabulary = arrays["vocabulary"].tolist()
        vectorizer = restore_vectorizer(features, vocabulary, arrays["idf"])
        heads, context = {}, {}
        # Models written before the rule was recorded filled missing context with zeros.
        missing = meta.get("context_missing", "zero")
        if missing not in MISSING_CONTEXT or (missing == "skip_short" and meta.get("format_version", 0) < 3):
            raise ValueError(f"unknown context_missing {missing!r}")
        for task in schema.tasks:
            coef, intercept = arrays[f"{task.name}.coef"], arrays[f"{task.name}.intercept"]
            thresholds = arrays.get(f"{task.name}.thresholds")
            if coef.shape != (len(task.tags), len(vocabulary)) or intercept.shape != (len(task.tags),):
                raise ValueError(f"weights of task {task.name!r} have the wrong shape")
            if task.multi_label and (thresholds is None or thresholds.shape != (len(task.tags),)):
                raise ValueError(f"thresholds of task {task.name!r} are missing")
            heads[task.name] = LinearHead(task, coef, intercept, thresholds)
            if f"{task.name}.context_coef" in arrays:
                context_coef = arrays[f"{task.name}.context_coef"]
                width = N_VIEWS if task.multi_label else N_VIEWS * len(task.tags)
                if context_coef.shape != (len(task.tags), width):
                    raise ValueError(f"context weights of task {task.name!r} have the wrong shape")
                context[task.name] = ContextHead(task, context_coef, arrays[f"{task.name}.context_intercept"], missing)
        voice = VoiceRule.from_dict(meta.get("voice_rule"))
        for name in voice.thresholds:
            if name not in schema.task_names or schema[name].multi_label:
                raise ValueError(f"voice_rule names {name!r}, which is not a single-label task of the schema")
        rules = ArticleRules.from_dict(meta.get("article_rules", {}))
        for name, tag in rules.fallback.items():
            if name not in schema.task_names or not 0 <= tag < len(schema[name].tags):
                raise ValueError(f"article rule of task {name!r} names no tag of the schema")
        for name, learned in rules.learned.items():
            if (
                name not in schema.task_names
                or schema[name].multi_label
                or len(learned.intercept) != len(schema[name].tags)
            ):
                raise ValueError(f"learned article rule of task {name!r} does not fit the schema")
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise ModelError(f"{path}: damaged or foreign model ({exc}); retrain with `tagger train`") from None
    _check_versions(meta, path)
    return Tagger(schema, features, vectorizer, heads, rules, meta, context, voice)
