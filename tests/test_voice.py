"""The voice stage: unattributed paragraphs take their article's own voice."""

from __future__ import annotations

import copy
import json
import random
import shutil

import numpy as np
import pytest

import tagger
from tagger.errors import ModelError
from tagger.model.voice import VoiceRule, apply_voice
from tagger.text.attribution import attribution_flags, is_attributed

from .conftest import write_labels


@pytest.mark.parametrize(
    "text",
    [
        "Troops retook the airport, a spokesman said on Tuesday.",
        "The ministry warns that the cells are regrouping.",
        "According to the monitor, 40 people were killed.",
        'Residents called it "a week of fear".',
        "“We will return,” the commander vowed.",
        "Analysts estimate the group has 3,000 fighters left.",
        "Haddad told reporters the raid had been planned for weeks.",
        "Internal documents indicate the group plans new tactics.",
    ],
)
def test_reporting_words_and_quotes_count_as_attribution(text):
    assert is_attributed(text)


@pytest.mark.parametrize(
    "text",
    [
        "Iraqi troops pushed into the old city on Tuesday after a week of air strikes.",
        "The group once held a third of the country; today it holds a strip of desert.",
        "By Leyla Daoud",
        "Internet goes dark in Mosul",
        "",
    ],
)
def test_the_reporters_own_narrative_is_not_attributed(text):
    assert not is_attributed(text)


# Article "a": three unattributed paragraphs and one attributed; article "b": one lone paragraph.
PROBS = np.array([[0.1, 0.9], [0.2, 0.8], [0.6, 0.4], [0.95, 0.05], [0.7, 0.3]])
GROUPS = np.array(["a", "a", "a", "a", "b"])
ATTRIBUTED = np.array([False, False, False, True, False])


def test_unattributed_paragraphs_take_a_clear_article_voice():
    out = apply_voice(PROBS, GROUPS, ATTRIBUTED, threshold=0.6)
    voice = PROBS[:3].mean(axis=0)  # [0.3, 0.7]
    for row in range(3):
        np.testing.assert_allclose(out[row], voice)
    np.testing.assert_allclose(out[3], PROBS[3])  # attributed: its own scores
    np.testing.assert_allclose(out[4], PROBS[4])  # alone: its own article, its own voice
    assert out[2].argmax() == 1 and PROBS[2].argmax() == 0


def test_an_unclear_voice_changes_nothing():
    np.testing.assert_allclose(apply_voice(PROBS, GROUPS, ATTRIBUTED, threshold=0.75), PROBS)
    assert apply_voice(PROBS[:0], GROUPS[:0], ATTRIBUTED[:0], 0.6).shape == (0, 2)


def test_an_article_with_no_unattributed_paragraph_is_left_alone():
    every = np.ones(len(PROBS), dtype=bool)
    np.testing.assert_allclose(apply_voice(PROBS, GROUPS, every, threshold=0.5), PROBS)


def test_the_rule_round_trips_and_bad_rules_are_refused():
    rule = VoiceRule({"who": 0.7}, frozenset({"said", "told"}))
    again = VoiceRule.from_dict(json.loads(json.dumps(rule.to_dict())))
    assert again.thresholds == {"who": 0.7} and again.words == {"said", "told"}
    assert not VoiceRule.from_dict(None)  # models written before the stage
    for bad in ({"thresholds": {"who": 1.5}, "words": ["said"]}, {"thresholds": {"who": 0.7}}, {"words": []}, []):
        with pytest.raises(ValueError):
            VoiceRule.from_dict(bad)


# A schema whose single-label task the paragraph's words cannot settle: each article is a
# desk story or an agency bulletin; a few unattributed paragraphs show which, the rest are
# the same filler in both, and quoted paragraphs are "quoted".
VOICE_SCHEMA = {
    "name": "voice-test",
    "tasks": [
        {
            "name": "who",
            "kind": "single-label",
            "tags": {"desk": "our desk's story", "agency": "an agency bulletin", "quoted": "someone quoted"},
        }
    ],
}
_MARKS = {
    "desk": ["From our desk in the valley.", "Our correspondent walked the river bank.", "Desk notes on the flood."],
    "agency": ["Agency bulletin number four.", "Agency figures for the week.", "Issued by the water agency."],
}
_FILLER = ["The river rose overnight.", "Roads near the bridge were closed.", "The rain eased by noon.",
           "Sandbags lined the market street.", "Two schools stayed shut."]  # fmt: skip


def _voice_rows(n_articles: int, seed: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    paragraphs, articles = [], []
    for a in range(n_articles):
        kind = "desk" if a % 2 else "agency"
        # Filler is told apart by a number only: the same words in both kinds of article.
        filler = [f"{t[:-1]} in district {a}." for t in rng.sample(_FILLER, 3)]
        texts = [(f"{t[:-1]}, issue {a}.", kind) for t in rng.sample(_MARKS[kind], 2)]
        # A quote after each filler line: the neighbours and the article mean that the context
        # stage reads are then mostly quotes, while the voice stage reads unattributed text only.
        for q, line in enumerate(filler):
            texts += [(line, kind), (f'"We are ready for more rain," mayor number {a}.{q} said.', "quoted")]
        for i, (text, who) in enumerate(texts):
            paragraphs.append({"article": f"v{a:02d}", "index": i, "text": text, "who": who})
        articles.append({"article": f"v{a:02d}", "who": kind})
    return paragraphs, articles


@pytest.fixture(scope="module")
def voice_model(tmp_path_factory):
    folder = write_labels(tmp_path_factory.mktemp("voice") / "labels", VOICE_SCHEMA, *_voice_rows(20, seed=1))
    out = folder.parent / "model"
    return tagger.train(folder, out), out


def test_training_keeps_the_stage_where_it_scores_better(voice_model):
    model, _ = voice_model
    training = model.meta["training"]
    assert "who" in training["voice_stage"]
    cv = model.meta["cv_scores"]
    assert cv["paragraph"]["who"]["macro_f1"] > cv["paragraph_first_stage"]["who"]["macro_f1"]


def test_filler_takes_the_voice_of_its_article_and_quotes_keep_their_own(voice_model):
    model, _ = voice_model
    voice_only = copy.copy(model)
    voice_only.context = {}  # the neighbours would also give the filler away: test the stage alone
    words_only = copy.copy(voice_only)
    words_only.voice = VoiceRule({}, frozenset())
    wrong_without = 0
    for kind in ("desk", "agency"):
        text = "\n\n".join(
            [_MARKS[kind][0], "The river rose overnight.", '"We are ready for more rain," the mayor said.']
        )
        assert [p.tags["who"] for p in voice_only.predict(text).paragraphs] == [kind, kind, "quoted"]
        wrong_without += words_only.predict(text).paragraphs[1].tags["who"] != kind
    assert wrong_without == 1  # the filler's words alone say the same in both kinds of article


def test_the_stage_is_saved_and_models_without_it_load_without_it(voice_model, tmp_path):
    model, path = voice_model
    loaded = tagger.load(path)
    assert loaded.voice.thresholds == model.voice.thresholds and loaded.voice.words == model.voice.words
    text = "\n\n".join([_MARKS["desk"][1], "Two schools stayed shut.", '"We are ready for more rain," the mayor said.'])
    assert loaded.predict(text).to_dict() == model.predict(text).to_dict()

    old = tmp_path / "old"
    shutil.copytree(path, old)
    meta = json.loads((old / "meta.json").read_text())
    del meta["voice_rule"]
    (old / "meta.json").write_text(json.dumps(meta))
    assert not tagger.load(old).voice

    # The model id covers the stage, not only the weights: two models that predict differently differ in id.
    silent = copy.copy(model)
    silent.voice = VoiceRule({}, frozenset())
    silent.save(tmp_path / "silent")
    assert silent.meta["model_id"] != loaded.meta["model_id"]


def test_a_rule_for_a_task_it_cannot_apply_to_is_refused(voice_model, tmp_path):
    _, path = voice_model
    copy = tmp_path / "model"
    shutil.copytree(path, copy)
    meta = json.loads((copy / "meta.json").read_text())
    meta["voice_rule"]["thresholds"] = {"topic": 0.7}
    (copy / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="voice_rule"):
        tagger.load(copy)


def test_attribution_flags_match_one_by_one():
    texts = ["He said so.", "Plain narrative here.", "“Quoted.”"]
    assert attribution_flags(texts).tolist() == [is_attributed(t) for t in texts] == [True, False, True]


def test_the_learning_curve_ends_at_the_cross_validated_score_with_the_stage(voice_model):
    from tagger.labels import read_labels
    from tagger.model.curve import learning_curve

    model, path = voice_model
    curve = learning_curve(read_labels(path.parent / "labels"), fractions=(0.5, 1.0))
    expected = model.meta["cv_scores"]["paragraph"]["who"]["macro_f1"]
    assert curve.tasks["who"]["scores"][-1] == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    "word", ["said", "told", "warned", "warns", "denied", "replies", "agreed", "admitted", "conceded", "according"]
)
def test_the_word_list_has_the_inflected_forms(word):
    from tagger.text.attribution import REPORTING_WORDS

    assert word in REPORTING_WORDS
