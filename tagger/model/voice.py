"""Voice stage: a paragraph with no attribution speaks in its article's own voice.

The label guide gives the journalist's unattributed narrative to `reporter`, and
the unattributed text of a press release or a think tank's paper to the
publisher (`official`, `expert`). So the source of an unattributed paragraph is
a property of the article, not of the paragraph's words, which is what the first
stage sees: alone, an unattributed account of the war's course on a news page
reads like a ministry's.

The stage reads the article's voice as the mean probabilities of its
unattributed paragraphs (see :mod:`tagger.text.attribution`). When that voice is
clear (its top tag has at least ``threshold``), every unattributed paragraph of
the article takes it. Attributed paragraphs keep their own scores, and a
paragraph tagged alone is its own article, so it keeps its own tag.

Training tries it on every single-label task, on out-of-fold scores, with a few
thresholds, and keeps it only where it scores better (``meta.json``:
``voice_rule``). It is generic: it does not know which task is the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..text.attribution import REPORTING_WORDS, attribution_flags

__all__ = ["THRESHOLD_GRID", "VoiceRule", "apply_voice", "article_voice"]

#: Thresholds training tries; None in the choice means the stage is off.
THRESHOLD_GRID = (0.6, 0.7, 0.8, 0.9)


def article_voice(probs: np.ndarray, groups: np.ndarray, attributed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, its article's mean probabilities over unattributed rows, and whether it has any."""
    _, inverse = np.unique(groups, return_inverse=True)
    own = ~attributed
    n_articles = int(inverse.max()) + 1 if len(inverse) else 0
    sums = np.zeros((n_articles, probs.shape[1]))
    np.add.at(sums, inverse, probs * own[:, None])
    counts = np.bincount(inverse, weights=own.astype(np.float64), minlength=n_articles)
    voice = sums[inverse] / np.maximum(counts[inverse], 1)[:, None]
    return voice, counts[inverse] > 0


def apply_voice(probs: np.ndarray, groups: np.ndarray, attributed: np.ndarray, threshold: float) -> np.ndarray:
    """``probs`` with each unattributed row replaced by its article's voice where the voice is clear."""
    if not len(probs):
        return probs
    voice, has_voice = article_voice(probs, groups, attributed)
    take = ~attributed & has_voice & (voice.max(axis=1) >= threshold)
    out = probs.copy()
    out[take] = voice[take]
    return out


@dataclass
class VoiceRule:
    """The voice stage of a model: a threshold per single-label task it applies to,
    and the reporting words that decide what is attributed (saved with the model,
    so that a later word list does not change how an old model predicts)."""

    thresholds: dict[str, float] = field(default_factory=dict)
    words: frozenset[str] = REPORTING_WORDS

    def __bool__(self) -> bool:
        return bool(self.thresholds)

    def apply(self, probs: dict[str, np.ndarray], texts: Sequence[str], groups: np.ndarray) -> dict[str, np.ndarray]:
        """Each task's probabilities after the stage (tasks without a threshold unchanged)."""
        if not self.thresholds:
            return probs
        attributed = attribution_flags(texts, self.words)
        return {
            name: apply_voice(p, groups, attributed, self.thresholds[name]) if name in self.thresholds else p
            for name, p in probs.items()
        }

    def to_dict(self) -> dict[str, Any]:
        return {"thresholds": dict(self.thresholds), "words": sorted(self.words) if self.thresholds else []}

    @classmethod
    def from_dict(cls, data: Any) -> VoiceRule:
        """Read ``meta.json``'s ``voice_rule``; absent (older models) means no stage."""
        if data is None:
            return cls({}, frozenset())
        if not isinstance(data, dict) or not isinstance(data.get("thresholds"), dict):
            raise ValueError("voice_rule must be an object with 'thresholds'")
        thresholds = {}
        for name, value in data["thresholds"].items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ValueError(f"voice_rule threshold of task {name!r} must be a number in (0, 1]")
            thresholds[str(name)] = float(value)
        words = data.get("words", [])
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError("voice_rule words must be a list of strings")
        if thresholds and not words:
            raise ValueError("voice_rule has thresholds but no words")
        return cls(thresholds, frozenset(words))
