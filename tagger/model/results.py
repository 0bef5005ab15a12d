"""What ``predict`` returns: plain dataclasses that turn into dicts and JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ArticleResult", "ParagraphResult", "Scores", "Tags"]

#: task -> tag (single-label) or list of tags (multi-label)
Tags = dict[str, str | list[str]]
#: task -> {tag: probability}
Scores = dict[str, dict[str, float]]


@dataclass
class ParagraphResult:
    """One paragraph: its position, text, ``[start, end)`` span in the article, tags and scores."""

    index: int
    text: str
    span: tuple[int, int]
    tags: Tags
    scores: Scores

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["span"] = list(self.span)
        return data


@dataclass
class ArticleResult:
    """An article's tags and scores, and its paragraphs' results."""

    tags: Tags
    scores: Scores
    paragraphs: list[ParagraphResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tags": self.tags,
            "scores": self.scores,
            "paragraphs": [p.to_dict() for p in self.paragraphs],
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)
