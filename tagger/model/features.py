"""TF-IDF features shared by every task.

One vectoriser serves all tasks, so a batch of paragraphs is tokenised once and
every task's scores come out of one sparse matrix product.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from ..text.tokenize import WordAnalyzer

__all__ = ["FeatureSettings", "TextFeatures", "build_vectorizer", "restore_vectorizer", "vocabulary_in_order"]


@dataclass(frozen=True)
class FeatureSettings:
    """How text becomes features. Saved with the model; loading rebuilds the same analyser."""

    ngram_max: int = 2
    stem: bool = True
    #: Character n-gram lengths taken inside each token, or None for words only.
    char_ngrams: tuple[int, int] | None = (3, 5)
    min_df: int = 2
    char_min_df: int = 3
    sublinear_tf: bool = True
    max_features: int | None = None

    def __post_init__(self) -> None:
        if self.char_ngrams is not None:
            object.__setattr__(self, "char_ngrams", tuple(self.char_ngrams))

    def to_dict(self) -> dict:
        return asdict(self)


CHAR_PREFIX = "~"  # how character n-gram columns are named in the saved vocabulary


class TextFeatures:
    """Word n-gram TF-IDF and character n-gram TF-IDF side by side, each block L2-normalised.

    Fitting uses scikit-learn's ``TfidfVectorizer`` for each block (vocabulary,
    ``min_df``, IDF); ``transform`` is our own, several times faster: each distinct
    word's columns (its token and its character n-grams) are looked up once and
    cached, so a paragraph costs a few list extensions per white-space token plus
    one lookup per word n-gram. It equals scikit-learn's transform of the two blocks (tested).
    Normalising the blocks separately keeps the many character n-grams from
    drowning the word features.
    """

    def __init__(self, settings: FeatureSettings) -> None:
        self.settings = settings
        self.analyzer = WordAnalyzer(settings.ngram_max, settings.stem, settings.char_ngrams)
        self._tokens: dict[str, tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]] = {}

    # -- fitting --------------------------------------------------------------------

    def _block(self, analyzer, max_features: int | None, min_df: int | None = None) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer=analyzer,
            min_df=min_df or self.settings.min_df,
            sublinear_tf=self.settings.sublinear_tf,
            max_features=max_features,
            dtype=np.float32,
        )

    def fit(self, texts: list[str]) -> TextFeatures:
        words = self._block(self.analyzer, self.settings.max_features).fit(texts)
        self._set(words.vocabulary_, words.idf_, {}, np.zeros(0))
        if self.settings.char_ngrams:
            chars = self._block(self.analyzer.char_grams, None, self.settings.char_min_df).fit(texts)
            self._set(words.vocabulary_, words.idf_, chars.vocabulary_, chars.idf_)
        return self

    def fit_transform(self, texts: list[str]) -> sparse.csr_matrix:
        return self.fit(texts).transform(texts)

    def _set(self, word_vocabulary: dict, word_idf: np.ndarray, char_vocabulary: dict, char_idf: np.ndarray) -> None:
        self.word_vocabulary = {t: int(c) for t, c in word_vocabulary.items()}
        self.char_vocabulary = {t: int(c) + len(word_vocabulary) for t, c in char_vocabulary.items()}
        self.n_word_features = len(word_vocabulary)
        self.idf_ = np.concatenate([np.asarray(word_idf, np.float64), np.asarray(char_idf, np.float64)])
        self._tokens = {}

    def proper_name_columns(self, texts: list[str]) -> np.ndarray:
        """Word columns whose term holds a proper name of ``texts`` (see ``WordAnalyzer.proper_name_tokens``).

        Character n-gram columns are shared between names and other words, so they stay.
        """
        names = self.analyzer.proper_name_tokens(texts)
        columns = [c for term, c in self.word_vocabulary.items() if any(t in names for t in term.split(" "))]
        return np.array(sorted(columns), dtype=np.int64)

    def build_analyzer(self) -> Callable[[str], list[str]]:
        """A callable giving a text's terms as the vocabulary names them (as in scikit-learn)."""
        if not self.settings.char_ngrams:
            return self.analyzer
        return lambda text: self.analyzer(text) + [CHAR_PREFIX + g for g in self.analyzer.char_grams(text)]

    @property
    def vocabulary_(self) -> dict[str, int]:
        """Every column's term; character n-gram terms carry the prefix ``~``."""
        return {**self.word_vocabulary, **{CHAR_PREFIX + t: c for t, c in self.char_vocabulary.items()}}

    @classmethod
    def from_arrays(cls, settings: FeatureSettings, vocabulary: list[str], idf: np.ndarray) -> TextFeatures:
        """Rebuild fitted features from the terms in column order and their IDF."""
        features = cls(settings)
        n_words = sum(1 for t in vocabulary if not t.startswith(CHAR_PREFIX))
        if any(t.startswith(CHAR_PREFIX) for t in vocabulary[:n_words]):
            raise ValueError("vocabulary: word terms must come before character n-grams")
        word_vocabulary = {t: i for i, t in enumerate(vocabulary[:n_words])}
        char_vocabulary = {t[len(CHAR_PREFIX) :]: i for i, t in enumerate(vocabulary[n_words:])}
        idf = np.asarray(idf, dtype=np.float64)
        if len(idf) != len(vocabulary):
            raise ValueError("vocabulary and idf differ in length")
        features._set(word_vocabulary, idf[:n_words], char_vocabulary, idf[n_words:])
        return features

    # -- transforming ---------------------------------------------------------------

    def _token(self, token: str) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
        """A white-space token's stemmed words, their word columns and its character n-gram columns."""
        stems = tuple(self.analyzer._entry(word)[0] for word in self.analyzer.words(token))
        word_columns = tuple(c for c in map(self.word_vocabulary.get, stems) if c is not None)
        char_columns: tuple[int, ...] = ()
        if self.char_vocabulary:
            lookup = self.char_vocabulary.get
            char_columns = tuple(c for c in map(lookup, self.analyzer._token_char_grams(token)) if c is not None)
        entry = (stems, word_columns, char_columns)
        if len(self._tokens) < 1_000_000:
            self._tokens[token] = entry
        return entry

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """TF-IDF rows for ``texts``: word block then character block, each L2-normalised."""
        lookup = self.word_vocabulary.get
        known = self._tokens.get
        ngram_max = self.analyzer.ngram_max
        word_indices: list[int] = []
        char_indices: list[int] = []
        word_ptr, char_ptr = [0], [0]
        for text in texts:
            # Words never span white space, so a text's words are its tokens' words, in order.
            stems: list[str] = []
            for token in text.lower().split():
                entry = known(token) or self._token(token)
                stems.extend(entry[0])
                word_indices.extend(entry[1])
                char_indices.extend(entry[2])
            for n in range(2, ngram_max + 1):
                for i in range(len(stems) - n + 1):
                    column = lookup(" ".join(stems[i : i + n]))
                    if column is not None:
                        word_indices.append(column)
            word_ptr.append(len(word_indices))
            char_ptr.append(len(char_indices))
        n_words = self.n_word_features
        blocks = [self._tfidf(word_indices, word_ptr, self.idf_[:n_words], 0)]
        if self.char_vocabulary:
            blocks.append(self._tfidf(char_indices, char_ptr, self.idf_[n_words:], n_words))
            return sparse.hstack(blocks, format="csr").astype(np.float32)
        return blocks[0].astype(np.float32)

    def _tfidf(self, indices: list[int], indptr: list[int], idf: np.ndarray, offset: int) -> sparse.csr_matrix:
        """One block: counts, then (sublinear) TF times IDF, then rows scaled to unit length."""
        n_rows = len(indptr) - 1
        columns = np.asarray(indices, dtype=np.int64) - offset
        counts = sparse.csr_matrix(
            (np.ones(len(columns)), columns, np.asarray(indptr, dtype=np.int64)), shape=(n_rows, len(idf))
        )
        counts.sum_duplicates()
        if self.settings.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1
        counts.data *= idf[counts.indices]
        lengths = np.diff(counts.indptr)
        norms = np.sqrt(np.bincount(np.repeat(np.arange(n_rows), lengths), counts.data**2, minlength=n_rows))
        norms[norms == 0] = 1.0
        counts.data /= np.repeat(norms, lengths)
        return counts


def build_vectorizer(settings: FeatureSettings) -> TextFeatures:
    """Unfitted features for ``settings``."""
    return TextFeatures(settings)


def restore_vectorizer(settings: FeatureSettings, vocabulary: list[str], idf: np.ndarray) -> TextFeatures:
    """Fitted features rebuilt from plain data: the terms in column order and their IDF."""
    return TextFeatures.from_arrays(settings, vocabulary, idf)


def vocabulary_in_order(vectorizer: TextFeatures) -> list[str]:
    """The fitted features' terms, indexed by column."""
    terms = [""] * len(vectorizer.idf_)
    for term, column in vectorizer.vocabulary_.items():
        terms[column] = term
    return terms
