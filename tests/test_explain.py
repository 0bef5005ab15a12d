"""Explanations (``predict(explain=True)``, ``tagger explain``) and ``tagger inspect``."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import tagger
from tagger.model.explain import add_explanations, explain, strongest_terms, tag_weights
from tests.conftest import _PHRASES
from tests.test_eval import cli

ARTICLE = (
    "Paragraph 9.1: a gale battered the pier; gusts tore at the rooftops; an amber warning was issued.\n\n"
    "Paragraph 9.2: showers soaked the valley; forecasters expect a quiet week.\n\n"
    "Paragraph 9.3: a downpour flooded the lanes; conditions should stay settled."
)


def _as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def _stems(terms: list[dict]) -> set[str]:
    return {t["term"] for t in terms}


def test_each_assigned_tag_gets_its_terms(weather_model):
    model, _ = weather_model
    result = model.predict(ARTICLE, explain=True)
    for paragraph in result.paragraphs:
        for task, value in paragraph.tags.items():
            assigned = value if isinstance(value, list) else [value]
            assert list(paragraph.explanation[task]) == assigned
            for terms in paragraph.explanation[task].values():
                weights = [t["weight"] for t in terms]
                assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
    first = result.paragraphs[0]
    assert "wind" in first.tags["sky"]
    assert {"gale", "gusts"} & {t["text"] for t in first.explanation["sky"]["wind"]}
    written = {t["term"]: t["text"] for t in first.explanation["sky"]["wind"]}
    assert written.get("gust", "gusts") == "gusts"  # shown as written in the text, not as the stem
    assert list(result.explanation["sky"]) == result.tags["sky"]
    assert list(result.explanation["mood"]) == [result.tags["mood"]]


def test_weights_are_tfidf_times_coefficient(weather_model):
    model, _ = weather_model
    paragraph = model.predict(ARTICLE, explain=True).paragraphs[0]
    task = model.schema["sky"]
    row = model.vectorizer.transform([paragraph.text])
    for tag, terms in paragraph.explanation["sky"].items():
        j = task.tag_names.index(tag)
        for term in terms:
            column = model.vectorizer.vocabulary_[term["term"]]
            expected = row[0, column] * model.heads["sky"].coef[j, column]
            assert term["weight"] == pytest.approx(expected, abs=1e-4)
        # Every positive contribution not listed is no bigger than the smallest listed one.
        pushes = row.toarray()[0] * model.heads["sky"].coef[j]
        assert np.sort(pushes)[::-1][0] == pytest.approx(terms[0]["weight"], abs=1e-4)


def test_both_tags_of_a_two_tag_task_are_explained(weather_model):
    """A two-tag single-label head stores its weights on one tag; the other tag must still get terms."""
    model, _ = weather_model
    weights = tag_weights(model, "mood")
    np.testing.assert_allclose(weights[0], -weights[1], atol=1e-6)  # log-odds, one sign per tag
    calm = model.predict("Forecasters expect a quiet week; conditions should stay settled.", explain=True)
    alarm = model.predict("A red alert is in force; officials urged people to stay indoors.", explain=True)
    assert calm.tags["mood"] == "calm" and alarm.tags["mood"] == "alarm"
    assert calm.paragraphs[0].explanation["mood"]["calm"], "the calm tag has no explaining term"
    assert alarm.paragraphs[0].explanation["mood"]["alarm"]


def test_article_terms_come_from_the_paragraphs_with_the_tag(weather_model):
    model, _ = weather_model
    result = model.predict(ARTICLE, explain=True)
    for task, tags in result.explanation.items():
        for tag, terms in tags.items():
            carrying = [p for p in result.paragraphs if tag in _as_list(p.tags[task])] or result.paragraphs
            seen = set().union(*(set(model.vectorizer.build_analyzer()(p.text)) for p in carrying))
            assert _stems(terms) <= seen


def test_explanation_only_when_asked(weather_model, monkeypatch):
    model, _ = weather_model
    plain = model.predict(ARTICLE).to_dict()
    assert "explanation" not in plain and "explanation" not in plain["paragraphs"][0]
    monkeypatch.setattr(tagger, "_default", model)  # tagger.predict uses the default model
    explained = tagger.predict(ARTICLE, explain=True).to_dict()
    assert "explanation" in explained and "explanation" in explained["paragraphs"][0]
    json.dumps(explained)
    # Explaining changes no tag nor score.
    assert {k: explained[k] for k in ("tags", "scores")} == {k: plain[k] for k in ("tags", "scores")}
    paragraphs = model.predict([ARTICLE, "Sunny spells broke through."], level="paragraph", explain=True)
    assert paragraphs[1][0].explanation["sky"]["sun"]


def test_text_without_words_and_top_n(weather_model):
    model, _ = weather_model
    empty = model.predict("  \n ", explain=True)
    assert empty.paragraphs == [] and all(v == [] for tags in empty.explanation.values() for v in tags.values())
    short = explain(model, ARTICLE, top=2)
    assert all(len(terms) <= 2 for tags in short.explanation.values() for terms in tags.values())
    assert add_explanations(model, []) == []


def test_inspect_lists_each_tags_strongest_terms(weather_model):
    model, _ = weather_model
    terms = strongest_terms(model, top=5)
    assert set(terms) == {"sky", "mood"} and set(terms["sky"]) == {"rain", "sun", "wind"}
    for tags in terms.values():
        for listed in tags.values():
            weights = [t["weight"] for t in listed]
            assert 0 < len(listed) <= 5 and weights == sorted(weights, reverse=True) and min(weights) > 0
    analyzer = model.vectorizer.build_analyzer()
    for tag in ("rain", "sun", "wind"):
        # Most of each tag's strongest terms come from the phrases the fixture writes for that tag.
        phrase_terms = set().union(*(analyzer(p) for p in _PHRASES[tag]))
        found = [t["term"] in phrase_terms for t in terms["sky"][tag]]
        assert sum(found) >= 3, (tag, terms["sky"][tag])


def test_explain_and_inspect_commands(weather_model, tmp_path, capsys):
    _, model_dir = weather_model
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    code, out, err = cli(capsys, "explain", "--model", str(model_dir), "-n", "3", str(article))
    assert code == 0, err
    assert "paragraph 0:" in out and re.search(r"sky = wind \(\d\.\d\d\): .+? \+0\.\d\d", out), out
    code, out, err = cli(capsys, "explain", "--model", str(model_dir), "--json", str(article))
    assert code == 0, err
    data = json.loads(out)
    assert data["file"] == str(article) and data["article"]["explanation"]["sky"]
    code, out, err = cli(capsys, "inspect", str(model_dir), "-n", "4")
    assert code == 0, err
    assert "sky (multi-label)" in out and "mood (single-label)" in out and "wind" in out
    code, out, err = cli(capsys, "inspect", str(model_dir), "--json")
    assert code == 0 and set(json.loads(out)["terms"]) == {"sky", "mood"}
    with pytest.raises(SystemExit) as usage:
        cli(capsys, "explain", "-n", "0", str(article))
    assert usage.value.code == 2


def test_character_ngrams_are_shown_as_their_word():
    from types import SimpleNamespace

    from tagger.cli.explain import format_terms
    from tagger.model.explain import _surface_forms
    from tagger.text.tokenize import WordAnalyzer

    analyzer = WordAnalyzer(2, True, (4, 4))
    fake = SimpleNamespace(vectorizer=SimpleNamespace(analyzer=analyzer))
    forms = _surface_forms(fake, ["Raqqa fighters retreated"])
    assert forms["fighter retreat"] == "fighters retreated" and forms["~raqq"] == "raqqa"
    shown = format_terms(
        [{"term": "~raqq", "text": "raqqa", "weight": 0.5}, {"term": "fighter", "text": "fighters", "weight": 0.25}]
    )
    assert shown == "raqqa(~raqq) +0.50, fighters +0.25"
