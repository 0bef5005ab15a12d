"""Why a text got its tags: the terms that pushed each tag's score, with their weights.

The model is linear over TF-IDF features, so a tag's score is a sum over the
text's terms (words and word n-grams, stemmed): the contribution of a term is
its TF-IDF value in the text times the tag's coefficient for it. The largest
positive contributions are the explanation.

* Multi-label task: each tag has its own sigmoid, so the coefficient is the
  tag's own.
* Single-label task: the softmax only sees differences between tags (adding
  the same vector to every tag changes nothing), and a two-tag task stores all
  its weights on one tag. The coefficient used is the tag's minus the mean of
  the other tags', so a term's weight is how much it raises the tag's score over
  the others'; with two tags this is exactly the log-odds.
* Article: for each article tag, the contributions are summed over the
  paragraphs that carry the tag (all paragraphs if none does, e.g. a
  single-label article tag won by a weighted mean).

When the model has a context stage (a paragraph's scores read in the light of
its neighbours, :mod:`tagger.model.context`), the terms explain the
paragraph's own-words score, which that stage then adjusts: a tag given mostly
because of the surrounding paragraphs may list few or weak terms. The same holds
for the voice stage (:mod:`tagger.model.voice`), which gives an unattributed
paragraph its article's voice.

Terms are shown stemmed (``term``, as the model sees them) and as they are
written in the text (``text``), e.g. ``{"term": "retook citi", "text": "retook city", "weight": 0.41}``.
A character n-gram feature (``~raqq``, when the model uses them) is shown with
the word it comes from as ``text``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse

from ..text.tokenize import _TOKEN
from .features import CHAR_PREFIX, vocabulary_in_order
from .results import ArticleResult, ParagraphResult
from .tagger import Tagger

__all__ = ["DEFAULT_TOP", "add_explanations", "explain", "strongest_terms", "tag_weights"]

#: Terms listed per tag unless the caller asks for another number.
DEFAULT_TOP = 10
_DIGITS = 4
_cache: weakref.WeakKeyDictionary[Tagger, dict[str, Any]] = weakref.WeakKeyDictionary()


def _cached(model: Tagger) -> dict[str, Any]:
    entry = _cache.get(model)
    if entry is None:
        entry = {"vocabulary": vocabulary_in_order(model.vectorizer), "weights": {}}
        _cache[model] = entry
    return entry


def tag_weights(model: Tagger, task: str) -> np.ndarray:
    """The (n_tags, n_features) weights whose product with a text's TF-IDF row gives each term's push.

    The tag's own coefficients for a multi-label task; for a single-label
    task, the tag's coefficients minus the mean of the other tags' (see the
    module docstring).
    """
    weights = _cached(model)["weights"]
    if task not in weights:
        coef = model.heads[task].coef.astype(np.float64)
        if model.schema[task].multi_label or coef.shape[0] < 2:
            weights[task] = coef
        else:
            others = (coef.sum(axis=0, keepdims=True) - coef) / (coef.shape[0] - 1)
            weights[task] = coef - others
    return weights[task]


def _surface_forms(model: Tagger, texts: Sequence[str]) -> dict[str, str]:
    """Each feature term of ``texts`` mapped to its first written form, e.g. ``'retook citi' -> 'retook city'``."""
    analyzer = model.vectorizer.analyzer
    ngram_max = getattr(analyzer, "ngram_max", 1)
    token = getattr(analyzer, "token", None)
    forms: dict[str, str] = {}
    if token is None:  # not our analyser: show the terms as they are
        return forms
    char_grams = getattr(analyzer, "_token_char_grams", None)  # character n-grams of a white-space token
    for text in texts:
        words = _TOKEN.findall(text.lower())
        tokens = [token(w) for w in words]
        for n in range(1, ngram_max + 1):
            for i in range(len(tokens) - n + 1):
                forms.setdefault(" ".join(tokens[i : i + n]), " ".join(words[i : i + n]))
        if char_grams is not None and getattr(analyzer, "char_ngrams", None):
            for raw in text.lower().split():
                for gram in char_grams(raw):  # a character n-gram is shown as the token it was cut from
                    forms.setdefault(CHAR_PREFIX + gram, raw)
    return forms


def _top_terms(
    row: sparse.csr_matrix, weights: np.ndarray, vocabulary: list[str], forms: dict[str, str], top: int
) -> list[dict[str, Any]]:
    """The ``top`` largest positive contributions ``tfidf x weight`` of one feature row."""
    row = row.tocsr()
    if not row.nnz or top <= 0:
        return []
    pushes = row.data.astype(np.float64) * weights[row.indices]
    order = np.argsort(-pushes, kind="stable")[:top]
    terms = []
    for k in order:
        if pushes[k] <= 0:
            break
        term = vocabulary[row.indices[k]]
        terms.append({"term": term, "text": forms.get(term, term), "weight": round(float(pushes[k]), _DIGITS)})
    return terms


def _assigned(value: str | list[str]) -> list[str]:
    return list(value) if isinstance(value, list) else [value]


def _explain_paragraphs(
    model: Tagger, paragraphs: list[ParagraphResult], features: sparse.csr_matrix, top: int
) -> list[dict[str, dict[str, list[dict[str, Any]]]]]:
    vocabulary = _cached(model)["vocabulary"]
    out = []
    for i, paragraph in enumerate(paragraphs):
        forms = _surface_forms(model, [paragraph.text])
        explanation: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for task in model.schema.tasks:
            weights = tag_weights(model, task.name)
            explanation[task.name] = {
                tag: _top_terms(features[i], weights[task.tag_names.index(tag)], vocabulary, forms, top)
                for tag in _assigned(paragraph.tags[task.name])
            }
        out.append(explanation)
    return out


def _explain_article(
    model: Tagger, result: ArticleResult, features: sparse.csr_matrix, top: int
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    vocabulary = _cached(model)["vocabulary"]
    paragraphs = result.paragraphs
    explanation: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for task in model.schema.tasks:
        weights = tag_weights(model, task.name)
        explanation[task.name] = {}
        for tag in _assigned(result.tags[task.name]):
            rows = [i for i, p in enumerate(paragraphs) if tag in _assigned(p.tags[task.name])]
            rows = rows or list(range(len(paragraphs)))
            if not rows:
                explanation[task.name][tag] = []
                continue
            # The model is linear: the sum of the paragraphs' contributions is the contribution of their sum.
            summed = sparse.csr_matrix(features[rows].sum(axis=0))
            forms = _surface_forms(model, [paragraphs[i].text for i in rows])
            explanation[task.name][tag] = _top_terms(summed, weights[task.tag_names.index(tag)], vocabulary, forms, top)
    return explanation


def add_explanations(model: Tagger, results: list[Any], top: int = DEFAULT_TOP) -> list[Any]:
    """Fill the ``explanation`` of results from ``model.predict`` (either level) and return them.

    ``results``: a list of :class:`ArticleResult`, or of lists of
    :class:`ParagraphResult` (``level="paragraph"``). Each assigned tag gets its
    ``top`` terms, strongest first.
    """
    articles = [r.paragraphs if isinstance(r, ArticleResult) else r for r in results]
    flat = [p for paragraphs in articles for p in paragraphs]
    features = model.vectorizer.transform([p.text for p in flat]).tocsr() if flat else None
    offset = 0
    for result, paragraphs in zip(results, articles):
        rows = features[offset : offset + len(paragraphs)] if features is not None else None
        offset += len(paragraphs)
        if paragraphs:
            for paragraph, explanation in zip(paragraphs, _explain_paragraphs(model, paragraphs, rows, top)):
                paragraph.explanation = explanation
        if isinstance(result, ArticleResult):
            if rows is None:
                rows = sparse.csr_matrix((0, len(_cached(model)["vocabulary"])), dtype=np.float32)
            result.explanation = _explain_article(model, result, rows, top)
    return results


def explain(model: Tagger, text: str, top: int = DEFAULT_TOP) -> ArticleResult:
    """Tag one article and explain its tags and each paragraph's.

    >>> result = explain(tagger.load(), "Troops retook the city, the army said.")  # doctest: +SKIP
    >>> result.explanation["topic"]["military_operations"][0]  # doctest: +SKIP
    {'term': 'retook', 'text': 'retook', 'weight': 0.412}
    """
    return add_explanations(model, [model.predict(text)], top)[0]


def strongest_terms(model: Tagger, top: int = DEFAULT_TOP) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Each tag's ``top`` strongest positive terms by weight: what the model learned to look for.

    Weights are the ones :func:`tag_weights` gives (a single-label tag's are
    relative to the other tags of its task).
    """
    vocabulary = _cached(model)["vocabulary"]
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for task in model.schema.tasks:
        weights = tag_weights(model, task.name)
        out[task.name] = {}
        for j, tag in enumerate(task.tag_names):
            row = weights[j]
            k = min(top, len(row))
            best = np.argpartition(-row, k - 1)[:k] if k else np.array([], dtype=int)
            best = best[np.argsort(-row[best], kind="stable")]
            out[task.name][tag] = [
                {"term": vocabulary[i], "weight": round(float(row[i]), _DIGITS)} for i in best if row[i] > 0
            ]
    return out
