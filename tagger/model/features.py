"""TF-IDF features shared by every task.

One vectoriser serves all tasks, so a batch of paragraphs is tokenised once and
every task's scores come out of one sparse matrix product.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from ..text.tokenize import WordAnalyzer

__all__ = ["FeatureSettings", "build_vectorizer", "restore_vectorizer"]


@dataclass(frozen=True)
class FeatureSettings:
    """How text becomes features. Saved with the model; loading rebuilds the same analyser."""

    ngram_max: int = 2
    stem: bool = True
    min_df: int = 1
    sublinear_tf: bool = True
    max_features: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def build_vectorizer(settings: FeatureSettings) -> TfidfVectorizer:
    """An unfitted vectoriser for ``settings``."""
    return TfidfVectorizer(
        analyzer=WordAnalyzer(settings.ngram_max, settings.stem),
        min_df=settings.min_df,
        sublinear_tf=settings.sublinear_tf,
        max_features=settings.max_features,
        dtype=np.float32,
    )


def restore_vectorizer(settings: FeatureSettings, vocabulary: list[str], idf: np.ndarray) -> TfidfVectorizer:
    """A fitted vectoriser rebuilt from plain data: the terms in column order and their IDF."""
    vectorizer = TfidfVectorizer(
        analyzer=WordAnalyzer(settings.ngram_max, settings.stem),
        sublinear_tf=settings.sublinear_tf,
        vocabulary={term: i for i, term in enumerate(vocabulary)},
        dtype=np.float32,
    )
    vectorizer.idf_ = np.asarray(idf, dtype=np.float64)
    return vectorizer


def vocabulary_in_order(vectorizer: TfidfVectorizer) -> list[str]:
    """The fitted vectoriser's terms, indexed by column."""
    terms = [""] * len(vectorizer.vocabulary_)
    for term, column in vectorizer.vocabulary_.items():
        terms[column] = term
    return terms
