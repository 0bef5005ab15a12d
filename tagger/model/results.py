"""What ``predict`` returns: plain dataclasses that turn into dicts and JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ArticleResult", "Explanation", "ParagraphResult", "Scores", "Tags"]

#: task -> tag (single-label) or list of tags (multi-label)
Tags = dict[str, str | list[str]]
#: task -> {tag: probability}
Scores = dict[str, dict[str, float]]
#: task -> {assigned tag: [{"term", "text", "weight"}, ...]}, strongest first (see tagger.model.explain)
Explanation = dict[str, dict[str, list[dict[str, Any]]]]


@dataclass
class ParagraphResult:
    """One paragraph: its position, text, ``[start, end)`` span in the article, tags and scores.

    ``explanation`` is filled by ``predict(..., explain=True)`` only.
    """

    index: int
    text: str
    span: tuple[int, int]
    tags: Tags
    scores: Scores
    explanation: Explanation | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["span"] = list(self.span)
        if self.explanation is None:
            del data["explanation"]
        return data


@dataclass
class ArticleResult:
    """An article's tags and scores, and its paragraphs' results.

    ``explanation`` is filled by ``predict(..., explain=True)`` only.
    """

    tags: Tags
    scores: Scores
    paragraphs: list[ParagraphResult] = field(default_factory=list)
    explanation: Explanation | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "tags": self.tags,
            "scores": self.scores,
            "paragraphs": [p.to_dict() for p in self.paragraphs],
        }
        if self.explanation is not None:
            data["explanation"] = self.explanation
        return data

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)
