"""The ``Tagger``: a trained model that tags articles and paragraphs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np

from ..labels.schema import Schema
from ..text.segment import split_paragraphs
from .aggregate import ArticleRules
from .context import ContextHead, paragraph_word_counts
from .features import FeatureSettings, TextFeatures
from .heads import LinearHead, scores_to_probabilities
from .results import ArticleResult, ParagraphResult
from .voice import VoiceRule

__all__ = ["Level", "Tagger"]

Level = Literal["article", "paragraph"]
#: Paragraphs vectorised at once: big enough to amortise Python overhead, small enough to bound memory.
BATCH_PARAGRAPHS = 4096
_DIGITS = 4


def _check_text(text: Any, position: int | None = None) -> str:
    if isinstance(text, str):
        return text
    where = "" if position is None else f" (item {position})"
    if isinstance(text, (bytes, bytearray)):
        raise TypeError(f"predict expects str, got bytes{where}: decode it first, e.g. data.decode('utf-8')")
    raise TypeError(f"predict expects a str or a list of str, got {type(text).__name__}{where}")


class Tagger:
    """A trained model: features, one linear head per task, the context and voice stages, and the article rules.

    Build one with :func:`tagger.train` or :func:`tagger.load`; it is immutable
    and safe to share between threads.
    """

    def __init__(
        self,
        schema: Schema,
        features: FeatureSettings,
        vectorizer: TextFeatures,
        heads: dict[str, LinearHead],
        rules: ArticleRules,
        meta: dict[str, Any] | None = None,
        context: dict[str, ContextHead] | None = None,
        voice: VoiceRule | None = None,
    ) -> None:
        self.schema = schema
        self.features = features
        self.vectorizer = vectorizer
        self.heads = heads
        self.rules = rules
        self.meta = dict(meta or {})
        self.context = dict(context or {})
        self.voice = voice or VoiceRule({}, frozenset())
        # All tasks' weights side by side: one matrix product scores every task.
        self._coef = np.vstack([heads[t].coef for t in schema.task_names]).T.astype(np.float32)
        self._intercept = np.concatenate([heads[t].intercept for t in schema.task_names])
        bounds = np.cumsum([0] + [len(schema[t].tags) for t in schema.task_names])
        self._columns = {t: slice(bounds[i], bounds[i + 1]) for i, t in enumerate(schema.task_names)}

    def __repr__(self) -> str:
        tasks = ", ".join(f"{t.name}[{len(t.tags)}]" for t in self.schema.tasks)
        return f"<Tagger {self.meta.get('model_id', 'unsaved')} tasks={tasks}>"

    # -- paragraph level ------------------------------------------------------------

    def first_stage_probabilities(self, paragraphs: Sequence[str]) -> dict[str, np.ndarray]:
        """Each task's (n, n_tags) probabilities from each paragraph's own words."""
        out = {
            t: np.empty((len(paragraphs), len(self.schema[t].tags)), dtype=np.float32) for t in self.schema.task_names
        }
        for start in range(0, len(paragraphs), BATCH_PARAGRAPHS):
            chunk = paragraphs[start : start + BATCH_PARAGRAPHS]
            scores = np.asarray(self.vectorizer.transform(chunk) @ self._coef) + self._intercept
            for name, columns in self._columns.items():
                out[name][start : start + len(chunk)] = scores_to_probabilities(
                    scores[:, columns], self.schema[name].multi_label
                )
        return out

    def paragraph_probabilities(
        self, paragraphs: Sequence[str], groups: Sequence[Any] | np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Each task's (n_paragraphs, n_tags) probabilities for already-split paragraphs.

        ``groups`` names each paragraph's article (paragraphs of one article
        consecutive, in order); without it the paragraphs are one article.
        """
        probs = self.first_stage_probabilities(paragraphs)
        if not self.context and not self.voice:
            return probs
        groups = np.zeros(len(paragraphs), dtype=np.int64) if groups is None else np.asarray(groups)
        if len(groups) != len(paragraphs):
            raise ValueError(f"groups has {len(groups)} entries for {len(paragraphs)} paragraphs")
        word_counts = paragraph_word_counts(paragraphs) if self.context else None
        probs = {
            name: self.context[name].probabilities(p, groups, word_counts) if name in self.context else p
            for name, p in probs.items()
        }
        return self.voice.apply(probs, paragraphs, groups)

    def _decide(self, name: str, probs: np.ndarray) -> np.ndarray:
        return self.heads[name].decide(probs)

    # -- public API -------------------------------------------------------------------

    @overload
    def predict(self, text: str, level: Level = ..., explain: bool = ...) -> ArticleResult | list[ParagraphResult]: ...
    @overload
    def predict(self, text: Sequence[str], level: Level = ..., explain: bool = ...) -> list[Any]: ...

    def predict(self, text: str | Sequence[str], level: Level = "article", explain: bool = False) -> Any:
        """Tag one article (a str) or many (a list of str).

        ``level="article"`` gives an :class:`ArticleResult` per article (its tags,
        scores and paragraphs); ``level="paragraph"`` gives each article's list of
        :class:`ParagraphResult`. A text with no words has no paragraphs; its
        article tags are the model's prior (no multi-label tag).

        ``explain=True`` fills each result's ``explanation``: for every assigned
        tag, the terms that pushed its score most (see :mod:`tagger.model.explain`).

        >>> import tagger
        >>> result = tagger.predict("MOSUL, Iraq -- Troops retook the airport.")  # doctest: +SKIP
        >>> result.tags["topic"]  # doctest: +SKIP
        ['military_operations']
        """
        if level not in ("article", "paragraph"):
            raise ValueError(f"level must be 'article' or 'paragraph', got {level!r}")
        if isinstance(text, str):
            return self.predict_many([text], level, explain)[0]
        if isinstance(text, (bytes, bytearray)) or not isinstance(text, Iterable):
            _check_text(text)
        return self.predict_many(list(text), level, explain)

    def predict_many(self, texts: Sequence[str], level: Level = "article", explain: bool = False) -> list[Any]:
        """Tag many articles at once, vectorised across all their paragraphs."""
        texts = [_check_text(t, i) for i, t in enumerate(texts)]
        segments = [split_paragraphs(t) for t in texts]
        groups = np.repeat(np.arange(len(segments)), [len(segs) for segs in segments])
        probs = self.paragraph_probabilities([s.text for segs in segments for s in segs], groups)
        decided = {name: self._decide(name, p) for name, p in probs.items()}
        # Python objects for every paragraph at once: per-row numpy access is the slow part.
        row_tags = {n: self._row_tags(n, d) for n, d in decided.items()}
        row_scores = {n: self._row_scores(n, p) for n, p in probs.items()}
        names = self.schema.task_names
        results: list[Any] = []
        offset = 0
        for segs in segments:
            paragraphs = [
                ParagraphResult(
                    index=i,
                    text=seg.text,
                    span=(seg.start, seg.end),
                    tags={n: row_tags[n][offset + i] for n in names},
                    scores={n: row_scores[n][offset + i] for n in names},
                )
                for i, seg in enumerate(segs)
            ]
            rows = slice(offset, offset + len(segs))
            offset += len(segs)
            if level == "paragraph":
                results.append(paragraphs)
            else:
                article_probs = {n: p[rows] for n, p in probs.items()}
                article_decided = {n: d[rows] for n, d in decided.items()}
                results.append(self._article_result(paragraphs, article_probs, article_decided))
        if explain:
            from .explain import add_explanations

            add_explanations(self, results)
        return results

    def _row_tags(self, name: str, decided: np.ndarray) -> list[Any]:
        """Each row's tags: a list of tags (multi-label) or one tag."""
        tags = self.schema[name].tag_names
        if self.schema[name].multi_label:
            return [[t for t, on in zip(tags, row) if on] for row in decided.tolist()]
        return [tags[i] for i in decided.tolist()]

    def _row_scores(self, name: str, probs: np.ndarray) -> list[dict[str, float]]:
        """Each row's {tag: probability}, rounded for readable output."""
        tags = self.schema[name].tag_names
        return [dict(zip(tags, row)) for row in np.round(probs.astype(np.float64), _DIGITS).tolist()]

    def _article_result(
        self, paragraphs: list[ParagraphResult], probs: dict[str, np.ndarray], decided: dict[str, np.ndarray]
    ) -> ArticleResult:
        if not paragraphs:  # nothing to read: the model's prior, from an all-zero feature row
            probs = self.paragraph_probabilities([""])
            decided = {
                n: np.zeros_like(p, dtype=bool) if self.schema[n].multi_label else self._decide(n, p)
                for n, p in probs.items()
            }
        tags, scores = {}, {}
        word_counts = paragraph_word_counts([p.text for p in paragraphs])
        for task in self.schema.tasks:
            name = task.name
            on = self.rules.article_tags(name, task.multi_label, decided[name], probs[name], word_counts)
            if task.multi_label:
                tags[name] = [t for t, flag in zip(task.tag_names, on) if flag]
                # An article's score for a tag: its most confident paragraph.
                scores[name] = self._row_scores(name, probs[name].max(axis=0)[None, :])[0]
            else:
                tags[name] = task.tag_names[int(np.argmax(on))]
                article = self.rules.article_scores(name, probs[name], word_counts)
                scores[name] = self._row_scores(name, article[None, :])[0]
        return ArticleResult(tags, scores, paragraphs)

    # -- storage ----------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the model to a directory, atomically (see :mod:`tagger.storage`)."""
        from ..storage.modeldir import save_model

        return save_model(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Tagger:
        """Read a model directory written by :meth:`save` or ``tagger train``."""
        from ..storage.modeldir import load_model

        return load_model(path)
