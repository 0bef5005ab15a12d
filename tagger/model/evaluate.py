"""Score a model against labelled paragraphs and articles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..labels.files import LabelSet
from .tagger import Tagger
from .training import score_task, task_targets

__all__ = ["evaluate"]


def evaluate(model: Tagger, labels: LabelSet, texts_dir: str | Path | None = None) -> dict[str, Any]:
    """Paragraph- and article-level scores of ``model`` on ``labels``.

    Paragraphs are scored on the labelled paragraph texts. Articles are tagged
    from their raw text when ``texts_dir`` holds ``<article>.txt`` (splitting
    included, as in real use), else from their labelled paragraphs.
    """
    schema = model.schema
    unknown = {t.name for t in labels.schema.tasks} ^ {t.name for t in schema.tasks}
    if unknown:
        raise ValueError(f"the labels and the model have different tasks: {sorted(unknown)}")
    for task in labels.schema.tasks:
        extra = set(task.tag_names) - set(schema[task.name].tag_names)
        if extra:
            raise ValueError(f"{task.name}: tags the model does not know: {sorted(extra)}")
    frame = labels.paragraphs
    probs = model.paragraph_probabilities(frame["text"].tolist())
    result: dict[str, Any] = {"paragraph": {}, "article": {}}
    for task in schema.tasks:
        decided = model.heads[task.name].decide(probs[task.name])
        truth = task_targets(task, frame[task.name].tolist())
        result["paragraph"][task.name] = score_task(
            task, truth, decided.astype(np.int8) if task.multi_label else decided
        )
    if len(labels.articles):
        ids = labels.articles["article"].tolist()
        by_article = labels.article_texts()
        texts = []
        for article in ids:
            raw = Path(texts_dir, f"{article}.txt") if texts_dir else None
            texts.append(raw.read_text(encoding="utf-8") if raw and raw.is_file() else "\n\n".join(by_article[article]))
        predicted = model.predict(texts)
        for task in schema.tasks:
            truth = task_targets(task, labels.articles[task.name].tolist())
            guess_values = [r.tags[task.name] for r in predicted]
            guess = task_targets(task, guess_values)
            result["article"][task.name] = score_task(task, truth, guess)
    return result
