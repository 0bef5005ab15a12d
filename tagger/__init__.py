"""tagger: tag news articles and their paragraphs by topic, stance and source type.

The whole public API::

    import tagger
    result = tagger.predict(text)                # ArticleResult: .tags, .scores, .paragraphs
    results = tagger.predict([text1, text2])     # a list, vectorised in batches
    paragraphs = tagger.predict(text, level="paragraph")
    model = tagger.load("models/mine")           # a Tagger with the same methods
    model = tagger.train("labels", "models/mine")
    rows = tagger.tag_paths(["news/"])           # lazily, one row dict per article (docs/batch.md)
    df = tagger.predict_frame(df, text_column="body")  # a DataFrame plus tag and score columns

Importing ``tagger`` loads no model and imports no scikit-learn: the default
model is loaded on first use, once per process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import LabelError, ModelError, ModelVersionWarning, SchemaError, TaggerError

if TYPE_CHECKING:
    from .model.results import ArticleResult, ParagraphResult
    from .model.tagger import Tagger
    from .model.training import TrainingSettings

__all__ = [
    "ArticleResult",
    "LabelError",
    "ModelError",
    "ModelVersionWarning",
    "ParagraphResult",
    "SchemaError",
    "Tagger",
    "TaggerError",
    "TrainingSettings",
    "__version__",
    "default_model_path",
    "load",
    "predict",
    "predict_frame",
    "tag_paths",
    "train",
]

_default: Tagger | None = None
_default_lock = threading.Lock()


def default_model_path() -> Path:
    """Where the default model lives: ``$TAGGER_MODEL``, else the shipped ``models/default``."""
    if os.environ.get("TAGGER_MODEL"):
        return Path(os.environ["TAGGER_MODEL"])
    bundled = Path(__file__).parent / "default_model"  # a wheel install carries it here
    if (bundled / "meta.json").is_file():
        return bundled
    return Path(__file__).resolve().parent.parent / "models" / "default"  # a clone or editable install


def load(path: str | os.PathLike[str] | None = None) -> Tagger:
    """Load a model directory (the default model when ``path`` is None).

    >>> model = tagger.load("models/default")  # doctest: +SKIP
    >>> model.predict("Militants cut the internet in the city.").tags  # doctest: +SKIP
    """
    from .storage.modeldir import load_model

    return load_model(default_model_path() if path is None else path)


def _default_model() -> Tagger:
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = load()
    return _default


def predict(text: str | list[str], level: str = "article", explain: bool = False) -> Any:
    """Tag an article (str) or a list of articles with the default model.

    Returns an :class:`ArticleResult` (``.tags``, ``.scores``, ``.paragraphs``)
    per article, or with ``level="paragraph"`` each article's list of
    :class:`ParagraphResult`. ``explain=True`` adds each result's
    ``explanation``: the terms that pushed each assigned tag's score, with their
    weights. See :meth:`Tagger.predict`.

    >>> import tagger
    >>> result = tagger.predict("BAGHDAD -- Iraqi troops retook the town, the army said.")  # doctest: +SKIP
    >>> result.tags["source_type"]  # doctest: +SKIP
    'official'
    """
    return _default_model().predict(text, level=level, explain=explain)  # type: ignore[arg-type]


def train(
    labels_dir: str | os.PathLike[str] = "labels",
    output: str | os.PathLike[str] | None = None,
    settings: TrainingSettings | None = None,
) -> Tagger:
    """Train from a labels folder and write the model to ``output`` (see :func:`tagger.model.training.train`)."""
    from .model.training import train as _train

    return _train(labels_dir, output, settings)


def __getattr__(name: str) -> Any:
    # Classes are imported on first access, so `import tagger` stays light.
    if name == "Tagger":
        from .model.tagger import Tagger

        return Tagger
    if name in ("ArticleResult", "ParagraphResult"):
        from .model import results

        return getattr(results, name)
    if name == "TrainingSettings":
        from .model.training import TrainingSettings

        return TrainingSettings
    if name == "tag_paths":
        from .batch.run import tag_paths

        return tag_paths
    if name == "predict_frame":
        from .batch.frame import predict_frame

        return predict_frame
    raise AttributeError(f"module 'tagger' has no attribute {name!r}")
