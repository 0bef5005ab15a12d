"""Replace the current model safely, keep the previous one, and roll back.

Layout, for a model directory ``models/default``:

* ``models/default/`` -- the current model (what ``tagger predict`` loads);
* ``models/default.previous/`` -- the model it replaced (``tagger rollback`` restores it);
* ``models/default.candidate/`` -- a newly trained model that was not promoted;
* ``models/.default.staging-*`` / ``.default.swap-*`` -- short-lived work directories.

Every sibling is a complete model directory, so ``--model models/default.candidate``
works with any command.

Atomicity: a model directory is ``meta.json`` plus the ``weights-<digest>.npz``
it names. Promotion first copies the current model into ``.previous``, then
copies the new weights file into the model directory under its own name, and
switches with **one** ``os.replace`` of ``meta.json``. Until that rename the
directory holds the old ``meta.json`` and the old weights (the new weights
file is an unused extra); after it, the new pair. A failure or crash at any
point leaves the current model whole and loadable. Old weights are deleted
only after the switch.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ModelError
from ..storage.atomic import atomic_write_bytes, fsync_directory, umask

if TYPE_CHECKING:
    from ..labels.files import LabelSet
    from ..model.tagger import Tagger
    from ..model.training import TrainingSettings
    from .compare import Comparison

__all__ = [
    "Publication",
    "candidate_dir",
    "check_destination",
    "has_model",
    "install",
    "previous_dir",
    "promote",
    "publish",
    "rollback",
]

META_FILE = "meta.json"


def previous_dir(model_dir: str | os.PathLike[str]) -> Path:
    """Where the model replaced by the last promotion is kept: ``<dir>.previous`` beside it."""
    path = Path(model_dir)
    return path.with_name(path.name + ".previous")


def candidate_dir(model_dir: str | os.PathLike[str]) -> Path:
    """Where a trained but not promoted model is written: ``<dir>.candidate`` beside it."""
    path = Path(model_dir)
    return path.with_name(path.name + ".candidate")


def has_model(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` holds a model (a ``meta.json``), loadable or not."""
    return (Path(path) / META_FILE).is_file()


def _model_files(path: Path) -> tuple[bytes, Path, str]:
    """``meta.json`` bytes, the weights file and its SHA-256, checked against each other."""
    from ..storage.modeldir import read_meta

    meta = read_meta(path)  # a clear ModelError for a missing or foreign directory
    meta_bytes = (path / META_FILE).read_bytes()
    weights = path / str(meta.get("weights_file", ""))
    if not weights.name.startswith("weights-") or not weights.is_file():
        raise ModelError(f"{path}: the weights file named in {META_FILE} is missing; retrain with `tagger train`")
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if digest != meta.get("weights_sha256"):
        raise ModelError(f"{weights}: SHA-256 does not match {META_FILE}; refusing to install this model")
    return meta_bytes, weights, digest


def install(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Make ``target`` hold the model in ``source``, switching with one rename of ``meta.json``.

    ``source`` is left as it is. Other files in ``target`` are kept, apart
    from weights the new ``meta.json`` no longer names.
    """
    source, target = Path(source), Path(target)
    meta_bytes, weights, digest = _model_files(source)
    target.mkdir(parents=True, exist_ok=True)
    destination = target / weights.name
    if not (destination.is_file() and hashlib.sha256(destination.read_bytes()).hexdigest() == digest):
        atomic_write_bytes(destination, weights.read_bytes())
    atomic_write_bytes(target / META_FILE, meta_bytes)  # the switch
    fsync_directory(target)
    for stale in target.glob("weights-*.npz"):
        if stale.name != weights.name:
            stale.unlink(missing_ok=True)


def _work_dir(near: Path, kind: str) -> Path:
    near.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=near.parent, prefix=f".{near.name}.{kind}-"))
    os.chmod(work, 0o777 & ~umask())  # it may become .previous or .candidate: not private like mkdtemp's
    return work


def _replace_dir(new: Path, destination: Path) -> None:
    """Put the complete directory ``new`` at ``destination``, replacing what was there."""
    trash = None
    if destination.exists():
        trash = _work_dir(destination, "trash")
        os.rmdir(trash)
        os.replace(destination, trash)
    os.replace(new, destination)
    fsync_directory(destination.parent)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def _copy_model(model_dir: Path, work: Path) -> None:
    """Copy the model files of ``model_dir`` into the empty directory ``work``."""
    try:
        install(model_dir, work)
    except ModelError:  # a damaged model (replaced with --force) is kept as it is
        shutil.rmtree(work)
        shutil.copytree(model_dir, work, ignore=shutil.ignore_patterns("*.tmp"))


def _snapshot(model_dir: Path, destination: Path) -> None:
    """Copy the model in ``model_dir`` to ``destination`` (complete before it appears there)."""
    work = _work_dir(destination, "swap")
    try:
        _copy_model(model_dir, work)
        _replace_dir(work, destination)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def promote(staged: str | os.PathLike[str], model_dir: str | os.PathLike[str]) -> Path | None:
    """Make the model in ``staged`` current in ``model_dir``; keep the replaced one in ``.previous``.

    Returns the ``.previous`` directory, or None when ``model_dir`` held no model.
    ``staged`` is left in place (the caller removes it).
    """
    staged, model_dir = Path(staged), Path(model_dir)
    _model_files(staged)  # refuse a damaged new model before touching anything
    kept = None
    if has_model(model_dir):
        kept = previous_dir(model_dir)
        _snapshot(model_dir, kept)
    install(staged, model_dir)
    return kept


def rollback(model_dir: str | os.PathLike[str]) -> tuple[str, str | None]:
    """Restore ``<model_dir>.previous`` as the current model; the replaced one becomes ``.previous``.

    Rolling back twice therefore returns to where you started. Returns the
    model ids (restored, replaced).
    """
    from ..storage.modeldir import load_model, read_meta

    model_dir = Path(model_dir)
    previous = previous_dir(model_dir)
    if not has_model(previous):
        raise ModelError(
            f"{previous}: no previous model to restore (one is kept when `tagger train --promote` replaces {model_dir})"
        )
    load_model(previous)  # refuse to restore a model that cannot be loaded
    restored = str(read_meta(previous).get("model_id"))
    replaced = None
    work = None
    try:
        if has_model(model_dir):
            try:
                replaced = str(read_meta(model_dir).get("model_id"))
            except ModelError:
                replaced = "a damaged model"
            work = _work_dir(previous, "swap")
            _copy_model(model_dir, work)
        install(previous, model_dir)
    except BaseException:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        raise
    if work is not None:
        try:
            _replace_dir(work, previous)
        except OSError as exc:
            raise ModelError(
                f"restored {restored} in {model_dir}, but could not move the model it replaced to {previous} "
                f"({exc.strerror}); that model is in {work}"
            ) from None
    return restored, replaced


def _stage(model: Tagger, model_dir: Path) -> Path:
    from ..storage.modeldir import save_model

    staged = _work_dir(model_dir, "staging")
    save_model(model, staged)
    for written in staged.iterdir():  # save_model's temporary files are private (0600)
        os.chmod(written, 0o666 & ~umask())
    return staged


def check_destination(model_dir: str | os.PathLike[str], *, promote_model: bool = False, force: bool = False) -> None:
    """Fail before training, not after, when the current model in ``model_dir`` cannot be compared with."""
    from ..storage.modeldir import read_meta

    if not has_model(model_dir) or (promote_model and force):
        return
    try:
        read_meta(model_dir)
    except ModelError as exc:
        raise ModelError(
            f"{exc} -- cannot compare with it; `tagger train --promote --force` replaces it (it is kept in .previous)"
        ) from None


@dataclass
class Publication:
    """What ``tagger train`` did with a newly trained model."""

    action: str  # "written", "promoted", "candidate", "refused"
    path: Path
    model_id: str
    comparison: Comparison | None = None
    previous: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.action == "refused" else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "path": str(self.path),
            "model_id": self.model_id,
            "previous": str(self.previous) if self.previous else None,
            "comparison": self.comparison.to_dict() if self.comparison else None,
            "notes": self.notes,
        }

    def format(self) -> str:
        parts = []
        if self.comparison is not None:
            parts.append(f"Compared with the current model {self.comparison.current_id}:\n")
            parts.append(self.comparison.format() + "\n")
        parts.extend(self.notes)
        return "\n".join(parts)


def publish(
    model: Tagger,
    labels: LabelSet,
    settings: TrainingSettings,
    model_dir: str | os.PathLike[str],
    *,
    promote_model: bool = False,
    force: bool = False,
    log: Any = None,
) -> Publication:
    """Write a newly trained model the way ``tagger train`` does.

    * ``model_dir`` holds no model: the new model is written there.
    * Otherwise it is compared with the current one (:mod:`.compare`), then
      with ``promote_model`` it replaces the current model unless a task got
      worse beyond noise (``force`` promotes anyway); without it, or when
      refused, it is written to ``<model_dir>.candidate`` and the current
      model is left untouched.
    """
    from ..storage.modeldir import read_meta, save_model
    from .compare import compare_with_current

    model_dir = Path(model_dir)
    log = log or sys.stderr
    if not has_model(model_dir):
        save_model(model, model_dir)
        return Publication("written", model_dir, str(model.meta["model_id"]))

    notes: list[str] = []
    comparison = None
    check_destination(model_dir, promote_model=promote_model, force=force)
    try:
        current_meta = read_meta(model_dir)
    except ModelError as exc:
        notes.append(f"the current model could not be read ({exc}); replaced without comparison (--force)")
    else:
        print(f"comparing with the current model in {model_dir} ...", file=log)
        comparison = compare_with_current(labels, settings, current_meta)

    staged = _stage(model, model_dir)
    model_id = str(model.meta["model_id"])
    try:
        worse = comparison.worse if comparison else []
        if promote_model and (not worse or force):
            kept = promote(staged, model_dir)
            if worse:
                notes.append(f"worse beyond noise on {', '.join(worse)}; promoted anyway (--force)")
            notes.append(f"model {model_id} promoted to {model_dir}")
            if kept is not None:
                notes.append(f"the replaced model is kept in {kept}; `tagger rollback {model_dir}` restores it")
            return Publication("promoted", model_dir, model_id, comparison, kept, notes)
        candidate = candidate_dir(model_dir)
        _replace_dir(staged, candidate)
        if promote_model:
            notes.append(
                f"NOT promoted: worse beyond noise on {', '.join(worse)}. The current model is unchanged; "
                f"the new one is in {candidate} (--force promotes it anyway)"
            )
            return Publication("refused", candidate, model_id, comparison, None, notes)
        notes.append(
            f"model {model_id} written to {candidate}; the current model in {model_dir} is unchanged. "
            f"Try it with --model {candidate}; `tagger train ... -o {model_dir} --promote` replaces the current one"
        )
        return Publication("candidate", candidate, model_id, comparison, None, notes)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
