"""The context stage: views of a paragraph's article, and what it does with no article around."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import tagger
from tagger.errors import ModelError
from tagger.model.context import context_views

# Three paragraphs of article "a" and one of "b", two tags.
PROBS = np.array([[0.9, 0.1], [0.5, 0.3], [0.1, 0.8], [0.7, 0.2]])
GROUPS = np.array(["a", "a", "a", "b"])


def test_views_read_the_other_paragraphs_and_the_neighbours():
    views = context_views(PROBS, GROUPS)
    middle = views[1]
    np.testing.assert_allclose(middle[:, 1], (PROBS[0] + PROBS[2]) / 2)  # others of its article
    np.testing.assert_allclose(middle[:, 2], PROBS[0])  # previous
    np.testing.assert_allclose(middle[:, 3], PROBS[2])  # next
    np.testing.assert_allclose(middle[:, 0], np.log(PROBS[1] / (1 - PROBS[1])))


def test_a_missing_neighbour_reads_as_the_rest_of_the_article_not_as_zero():
    views = context_views(PROBS, GROUPS)
    headline, last = views[0], views[2]
    np.testing.assert_allclose(headline[:, 2], (PROBS[1] + PROBS[2]) / 2)
    np.testing.assert_allclose(last[:, 3], (PROBS[0] + PROBS[1]) / 2)


def test_a_lone_paragraph_is_its_own_article():
    views = context_views(PROBS, GROUPS)
    for view in (1, 2, 3):
        np.testing.assert_allclose(views[3][:, view], PROBS[3])


# Article "a" again, with a section label above its headline and a share line in the middle.
FURNITURE_PROBS = np.array([[0.05, 0.05], [0.9, 0.1], [0.5, 0.3], [0.02, 0.02], [0.1, 0.8]])
FURNITURE_GROUPS = np.array(["a"] * 5)
FURNITURE_WORDS = np.array([2, 7, 30, 3, 25])


def test_furniture_is_neither_a_neighbour_nor_part_of_the_article_mean():
    with_furniture = context_views(FURNITURE_PROBS, FURNITURE_GROUPS, word_counts=FURNITURE_WORDS)
    content = FURNITURE_WORDS >= 4
    without = context_views(FURNITURE_PROBS[content], FURNITURE_GROUPS[content])
    np.testing.assert_allclose(with_furniture[content], without)
    # The furniture rows themselves read the content around them.
    np.testing.assert_allclose(with_furniture[3][:, 2], FURNITURE_PROBS[2])
    np.testing.assert_allclose(with_furniture[3][:, 3], FURNITURE_PROBS[4])
    np.testing.assert_allclose(with_furniture[0][:, 1], FURNITURE_PROBS[content].mean(axis=0))


def test_the_article_rule_of_older_models_counts_every_paragraph():
    views = context_views(FURNITURE_PROBS, FURNITURE_GROUPS, missing="article", word_counts=FURNITURE_WORDS)
    np.testing.assert_allclose(views[1][:, 2], FURNITURE_PROBS[0])
    np.testing.assert_allclose(views[4][:, 2], FURNITURE_PROBS[3])
    np.testing.assert_allclose(views, context_views(FURNITURE_PROBS, FURNITURE_GROUPS))


def test_in_an_article_of_short_lines_each_line_stands_alone():
    lone = context_views(PROBS, GROUPS, word_counts=np.full(4, 2))
    for view in (1, 2, 3):
        np.testing.assert_allclose(lone[1][:, view], PROBS[1])


def test_the_zero_rule_of_older_models_is_kept():
    views = context_views(PROBS, GROUPS, missing="zero")
    assert not views[3][:, 1:].any()
    assert not views[0][:, 2].any()
    np.testing.assert_allclose(views[1], context_views(PROBS, GROUPS)[1])
    with pytest.raises(ValueError, match="missing"):
        context_views(PROBS, GROUPS, missing="mean")


@pytest.fixture(scope="module")
def context_model(tmp_path_factory):
    """A model that keeps the context stage: in these articles a filler line says whose
    article it is only through the lines around it (see tests/test_voice.py)."""
    from tests.conftest import write_labels
    from tests.test_voice import VOICE_SCHEMA, _voice_rows

    folder = write_labels(tmp_path_factory.mktemp("context") / "labels", VOICE_SCHEMA, *_voice_rows(20, seed=1))
    out = folder.parent / "model"
    model = tagger.train(folder, out)
    assert model.context, "the fixture must keep the context stage"
    return model, out


def test_the_rule_is_saved_and_older_models_load_with_zeros(context_model, tmp_path):
    _, path = context_model
    meta = json.loads((path / "meta.json").read_text())
    assert meta["context_missing"] == "skip_short"
    assert meta["format_version"] == 3
    old = tmp_path / "old"
    shutil.copytree(path, old)
    del meta["context_missing"]
    (old / "meta.json").write_text(json.dumps(meta))
    loaded = tagger.load(old)
    assert loaded.context and {h.missing for h in loaded.context.values()} == {"zero"}


def test_a_version_2_model_reads_context_as_trained(context_model, tmp_path):
    _, path = context_model
    copy = tmp_path / "v2"
    shutil.copytree(path, copy)
    meta = json.loads((copy / "meta.json").read_text())
    meta.update(format_version=2, context_missing="article")
    (copy / "meta.json").write_text(json.dumps(meta))
    assert {h.missing for h in tagger.load(copy).context.values()} == {"article"}
    meta["context_missing"] = "skip_short"  # a rule version 2 did not have
    (copy / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="context_missing"):
        tagger.load(copy)


def test_an_unknown_rule_is_refused(context_model, tmp_path):
    _, path = context_model
    copy = tmp_path / "model"
    shutil.copytree(path, copy)
    meta = json.loads((copy / "meta.json").read_text())
    meta["context_missing"] = "guess"
    (copy / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="context_missing"):
        tagger.load(copy)
