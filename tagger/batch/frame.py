"""Tag a pandas DataFrame column of article texts (:func:`tagger.predict_frame`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .inputs import BatchUsageError

if TYPE_CHECKING:
    import pandas as pd

    from ..model.tagger import Tagger

__all__ = ["frame_columns", "predict_frame"]

#: Articles tagged per call of the vectorised path: bounds memory on big frames.
FRAME_BATCH = 2000


def frame_columns(model: Tagger, prefix: str = "") -> list[str]:
    """The columns :func:`predict_frame` adds: ``n_paragraphs``, each task's tags and each tag's score."""
    from .rows import task_columns

    return [f"{prefix}n_paragraphs"] + [prefix + c for c in task_columns(model.schema)]


def predict_frame(
    df: pd.DataFrame,
    text_column: str = "text",
    *,
    model: Any = None,
    prefix: str = "",
) -> pd.DataFrame:
    """A copy of ``df`` with the article tags and scores of each row's text.

    Added columns (after an optional ``prefix``): ``n_paragraphs``; per task, the
    tags (a list for a multi-label task, a string for a single-label one); and
    ``score.<task>.<tag>`` for every tag. A missing text (None, NaN) gets empty
    cells. ``model`` is a model directory, a :class:`Tagger`, or None for the default.

    >>> import pandas as pd, tagger
    >>> df = pd.DataFrame({"text": ["Troops retook the airport.", None]})
    >>> tagger.predict_frame(df)["topic"]  # doctest: +SKIP
    0    [military_operations]
    1                     None
    """
    import pandas as pd

    from .run import resolve_model

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"predict_frame expects a pandas DataFrame, got {type(df).__name__}")
    if text_column not in df.columns:
        shown = ", ".join(map(str, df.columns[:20]))
        raise BatchUsageError(f"no column {text_column!r} in the DataFrame (columns: {shown}); pass text_column=")
    tagger_model = model if hasattr(model, "predict_many") else resolve_model(model)[0]
    added = frame_columns(tagger_model, prefix)
    clash = [c for c in added if c in df.columns]
    if clash:
        raise BatchUsageError(f"the DataFrame already has a column {clash[0]!r}; pass prefix= to name the new ones")
    values = df[text_column].tolist()
    missing = df[text_column].isna().tolist()
    positions, texts = [], []
    for i, value in enumerate(values):
        if missing[i]:
            continue
        if not isinstance(value, str):
            raise TypeError(
                f"row {df.index[i]!r}: column {text_column!r} holds a {type(value).__name__}, not text; "
                "convert it with .astype(str) or drop the row"
            )
        positions.append(i)
        texts.append(value)
    data: dict[str, list[Any]] = {c: [None] * len(values) for c in added}
    for start in range(0, len(texts), FRAME_BATCH):
        results = tagger_model.predict_many(texts[start : start + FRAME_BATCH], "article")
        for i, result in zip(positions[start : start + FRAME_BATCH], results):
            data[f"{prefix}n_paragraphs"][i] = len(result.paragraphs)
            for task, tags in result.tags.items():
                data[prefix + task][i] = tags
                for tag, score in result.scores[task].items():
                    data[f"{prefix}score.{task}.{tag}"][i] = score
    out = df.copy()
    for name in added:
        if name == f"{prefix}n_paragraphs":
            out[name] = pd.array(data[name], dtype="Int64")
        elif name.startswith(f"{prefix}score."):
            out[name] = pd.Series(data[name], index=df.index, dtype="float64")
        else:
            out[name] = pd.Series(data[name], index=df.index, dtype=object)
    return out
