"""Article tags from paragraph predictions (tagger/model/aggregate.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tagger.labels.schema import Schema
from tagger.model.aggregate import (
    ArticleRules,
    LearnedRule,
    article_features,
    fit_article_rules,
    headline_row,
    most_frequent_except,
)

# A schema of our own: who speaks in a weather report. "narrator" plays the part of
# the guide's "reporter": the article's voice is the most frequent other voice.
SCHEMA = Schema.from_dict(
    {
        "tasks": [
            {
                "name": "voice",
                "kind": "single-label",
                "tags": {"forecaster": "f", "farmer": "a farmer", "narrator": "no one quoted"},
            }
        ]
    }
)
FORECASTER, FARMER, NARRATOR = 0, 1, 2


def _paragraphs(*tags: int, confidence: float = 0.8) -> np.ndarray:
    """Probabilities of paragraphs whose likeliest tags are ``tags``."""
    probs = np.full((len(tags), 3), (1 - confidence) / 2)
    probs[np.arange(len(tags)), tags] = confidence
    return probs


def test_most_frequent_other_tag_wins_over_a_majority_of_fallback_paragraphs():
    probs = _paragraphs(NARRATOR, NARRATOR, NARRATOR, NARRATOR, FARMER, FARMER, FORECASTER)
    scores = most_frequent_except(probs, NARRATOR)
    assert scores.argmax() == FARMER
    assert scores.sum() == pytest.approx(1.0)


def test_fallback_wins_only_when_no_paragraph_has_another_tag():
    sure = _paragraphs(NARRATOR, NARRATOR, NARRATOR, confidence=0.99)
    assert most_frequent_except(sure, NARRATOR).argmax() == NARRATOR
    one_other = _paragraphs(NARRATOR, NARRATOR, FORECASTER, confidence=0.99)
    assert most_frequent_except(one_other, NARRATOR).argmax() == FORECASTER


def test_an_empty_article_gets_the_fallback():
    scores = most_frequent_except(np.zeros((0, 3)), NARRATOR)
    assert scores.argmax() == NARRATOR and scores.sum() == pytest.approx(1.0)


def _articles(rng: np.random.Generator, n: int) -> tuple[list[np.ndarray], np.ndarray]:
    groups, probs, start = [], [], 0
    for _ in range(n):
        length = int(rng.integers(4, 12))
        tags = rng.choice(3, size=length, p=[0.2, 0.2, 0.6])
        probs.append(_paragraphs(*tags, confidence=float(rng.uniform(0.6, 0.95))))
        groups.append(np.arange(start, start + length))
        start += length
    return groups, np.vstack(probs)


def test_fitting_picks_the_fallback_rule_when_the_labels_follow_it():
    rng = np.random.default_rng(0)
    groups, probs = _articles(rng, 60)
    truth = np.eye(3, dtype=np.int8)[[most_frequent_except(probs[g], NARRATOR).argmax() for g in groups]]
    rules = fit_article_rules(SCHEMA, groups, {"voice": probs.argmax(1)}, {"voice": probs}, {"voice": truth})
    assert rules.fallback == {"voice": NARRATOR}
    assert "voice" not in rules.weights
    record = rules.judged["voice"]
    assert record["kept"] == "fallback narrator"
    assert max(record["held_out"].values()) == record["held_out"]["fallback narrator"]
    assert {"weighted mean", "learned C=0.3", "fallback farmer"} <= set(record["held_out"])


def test_fitting_keeps_weighted_means_when_the_labels_follow_the_plain_majority():
    rng = np.random.default_rng(1)
    groups, probs = _articles(rng, 60)
    truth = np.eye(3, dtype=np.int8)[[probs[g].mean(axis=0).argmax() for g in groups]]
    rules = fit_article_rules(SCHEMA, groups, {"voice": probs.argmax(1)}, {"voice": probs}, {"voice": truth})
    assert rules.fallback == {}
    assert len(rules.weights["voice"]) == 3
    guesses = [rules.article_tags("voice", False, probs[g].argmax(1), probs[g]).argmax() for g in groups]
    assert np.mean(np.array(guesses) == truth.argmax(1)) > 0.9


def test_rules_round_trip_and_old_models_without_a_fallback_still_load():
    rules = ArticleRules({"topic": [1, 2]}, {"stance": [1.0, 2.0]}, {"voice": NARRATOR})
    assert ArticleRules.from_dict(rules.to_dict()) == rules
    old = ArticleRules.from_dict({"min_paragraphs": {}, "weights": {"voice": [1.0, 1.0, 0.5]}})
    assert old.fallback == {}
    assert old.article_scores("voice", _paragraphs(FARMER, NARRATOR)).argmax() == FARMER


def test_the_headline_is_the_first_paragraph_long_enough_to_say_something():
    assert headline_row(np.array([1, 2, 9, 30])) == 2  # "Share", "Breaking News", then the headline
    assert headline_row(np.array([1, 1])) == 0
    assert headline_row(None) == 0


def test_fitting_learns_a_rule_when_the_headline_decides_the_article():
    # Every article is mostly narrator paragraphs; its tag is its headline's, which no
    # mean or count of the paragraphs reproduces, but the learned rule's headline summary does.
    rng = np.random.default_rng(2)
    groups, rows, counts, truth, start = [], [], [], [], 0
    for _ in range(90):
        headline = int(rng.choice([FORECASTER, FARMER, NARRATOR]))
        body = rng.choice(3, size=int(rng.integers(5, 10)), p=[0.15, 0.15, 0.7])
        tags = [NARRATOR, headline, *body]  # a furniture line ("Share"), the headline, the body
        rows.append(_paragraphs(*tags, confidence=0.85))
        counts.extend([1] + [12] * (len(tags) - 1))
        groups.append(np.arange(start, start + len(tags)))
        start += len(tags)
        truth.append(headline)
    probs, word_counts = np.vstack(rows), np.array(counts)
    truth_matrix = np.eye(3, dtype=np.int8)[truth]
    rules = fit_article_rules(
        SCHEMA, groups, {"voice": probs.argmax(1)}, {"voice": probs}, {"voice": truth_matrix}, word_counts
    )
    assert "voice" in rules.learned and rules.fallback == {} and "voice" not in rules.weights
    guesses = [
        rules.article_tags("voice", False, probs[g].argmax(1), probs[g], word_counts[g]).argmax() for g in groups
    ]
    assert np.mean(np.array(guesses) == np.array(truth)) > 0.9
    scores = rules.article_scores("voice", probs[groups[0]], word_counts[groups[0]])
    assert scores.sum() == pytest.approx(1.0)
    # Saved and read back as plain numbers, it predicts the same.
    again = ArticleRules.from_dict(json.loads(json.dumps(rules.to_dict())))
    assert again.article_scores("voice", probs[groups[0]], word_counts[groups[0]]) == pytest.approx(scores)


def test_article_features_summarise_each_tag():
    probs = _paragraphs(NARRATOR, FARMER, FARMER, confidence=0.8)
    features = article_features(probs, np.array([2, 10, 10])).reshape(5, 3)
    mean, share, top, headline, log_count = features
    assert mean == pytest.approx(probs.mean(axis=0))
    assert share == pytest.approx([0, 2 / 3, 1 / 3])
    assert top[FARMER] == pytest.approx(0.8)
    assert headline == pytest.approx(probs[1])  # the first paragraph has 2 words: not the headline
    assert log_count == pytest.approx(np.log([0.5, 2.5, 1.5]))


def test_a_learned_rule_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="wrong shape"):
        LearnedRule.from_dict({"coef": [[0.0] * 4] * 3, "intercept": [0.0] * 3})
