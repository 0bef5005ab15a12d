"""Our fast TF-IDF transform must equal scikit-learn's, so speed costs no accuracy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from tagger.model.features import FeatureSettings, build_vectorizer, restore_vectorizer, vocabulary_in_order
from tests.conftest import weather_rows

TEXTS = [p["text"] for p in weather_rows(n_articles=12)[0]] + [
    "MOSUL, Iraq (Wire) -- “We retook the bridge,” a colonel said; 2,000 troops crossed.",
    "Militants’ phones were checked at the checkpoint, residents said.",
]
UNSEEN = ["", "   ", "qqqq zzzz", "Gusts, gales — and a “red alert”!", "a I x 7", "Raqqa’s telecommunications"]


@pytest.mark.parametrize(
    "settings",
    [
        FeatureSettings(),
        FeatureSettings(char_ngrams=None, min_df=1),
        FeatureSettings(ngram_max=3, char_ngrams=(2, 4), char_min_df=1),
    ],
)
def test_transform_equals_scikit_learn(settings):
    features = build_vectorizer(settings).fit(TEXTS)
    ours = features.transform(TEXTS + UNSEEN)
    blocks = [TfidfVectorizer(analyzer=features.analyzer, min_df=settings.min_df, sublinear_tf=True).fit(TEXTS)]
    if settings.char_ngrams:
        blocks.append(
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=settings.char_ngrams, min_df=settings.char_min_df, sublinear_tf=True
            ).fit(TEXTS)
        )
    reference = sparse.hstack([b.transform(TEXTS + UNSEEN) for b in blocks]).tocsr()
    assert ours.shape == reference.shape
    assert abs(ours - reference).max() < 1e-6
    # Each block has unit length; a text with no known term is a zero row.
    norms = np.sqrt(np.asarray(ours.multiply(ours).sum(axis=1))).ravel()
    assert np.allclose(norms[: len(TEXTS)], 2.0**0.5 if settings.char_ngrams else 1.0, atol=1e-5)
    assert norms[len(TEXTS)] == 0


def test_restored_features_transform_identically():
    features = build_vectorizer(FeatureSettings()).fit(TEXTS)
    restored = restore_vectorizer(FeatureSettings(), vocabulary_in_order(features), features.idf_)
    assert (restored.transform(TEXTS + UNSEEN) != features.transform(TEXTS + UNSEEN)).nnz == 0
