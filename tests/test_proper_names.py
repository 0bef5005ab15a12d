"""Tasks that stay off proper names: which words are names, and heads with no weight on them."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tagger
from tagger.errors import SchemaError
from tagger.labels.schema import Schema
from tagger.text.tokenize import WordAnalyzer
from tests.conftest import WEATHER_SCHEMA, weather_rows, write_labels


def test_names_are_the_words_capitalised_inside_sentences():
    texts = [
        "Forces entered Mosul on Monday. The forces said Mosul was calm, and Reuters agreed.",
        "In Mosul the forces waited for Reuters.",
        'He said: "Mosul is quiet." Residents of Mosul told Reuters so.',
    ]
    names = WordAnalyzer().proper_name_tokens(texts)
    assert {"mosul", "reuter"} <= names
    assert "forc" not in names  # capitalised only where a sentence opens
    assert "resid" not in names and "he" not in names
    assert WordAnalyzer().proper_name_tokens(texts, min_count=9) == set()


def _schema(blind: bool) -> dict:
    schema = copy.deepcopy(WEATHER_SCHEMA)
    if blind:
        schema["tasks"][1]["proper_names"] = False
    return schema


def test_the_schema_keeps_the_setting_and_refuses_a_wrong_value():
    schema = Schema.from_dict(_schema(blind=True))
    assert [t.proper_names for t in schema.tasks] == [True, False]
    assert Schema.from_dict(schema.to_dict()) == schema
    assert "proper_names" not in Schema.from_dict(_schema(blind=False)).to_dict()["tasks"][1]
    bad = _schema(blind=True)
    bad["tasks"][1]["proper_names"] = "no"
    with pytest.raises(SchemaError, match="proper_names"):
        Schema.from_dict(bad)


def _rows_with_towns() -> tuple[list[dict], list[dict]]:
    """Weather rows where the town named says the mood: a name-reading head would use it."""
    paragraphs, articles = weather_rows(16, seed=3)
    for row in paragraphs:
        town = "Larkhaven" if row["mood"] == "alarm" else "Dunmore"
        row["text"] = row["text"].replace(": ", f": in {town}, ", 1)
    return paragraphs, articles


@pytest.fixture(scope="module", params=[True, False], ids=["blind", "reading"])
def town_model(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("towns") / "labels"
    write_labels(folder, _schema(request.param), *_rows_with_towns())
    return request.param, tagger.train(folder, folder.parent / "model")


def test_a_task_declared_blind_has_no_weight_on_names(town_model):
    blind, model = town_model
    columns = [model.vectorizer.word_vocabulary[t] for t in ("larkhaven", "dunmor")]
    mood = np.abs(model.heads["mood"].coef[:, columns])
    if blind:
        assert not mood.any()
        assert model.meta["training"]["proper_name_terms"]["mood"] >= 2
    else:
        assert mood.max() > 0.1  # the same labels teach a reading head the towns
        assert model.meta["training"]["proper_name_terms"] == {}


def test_the_other_tasks_still_read_names(town_model):
    _, model = town_model
    columns = [model.vectorizer.word_vocabulary[t] for t in ("larkhaven", "dunmor")]
    assert np.abs(model.heads["sky"].coef[:, columns]).any()
