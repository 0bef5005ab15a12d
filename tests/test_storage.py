"""Model files are data: loading checks them and never runs code from them."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import shutil
import warnings

import numpy as np
import pytest

import tagger
from tagger.errors import ModelError, ModelVersionWarning
from tagger.storage.modeldir import save_model


class _RunsCode:
    """Unpickling this object would create a file: the evidence of code execution."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mknod, (self.marker,))


@pytest.fixture
def model_copy(weather_model, tmp_path):
    _, path = weather_model
    copy = tmp_path / "model"
    shutil.copytree(path, copy)
    return copy


def _meta(path):
    return json.loads((path / "meta.json").read_text())


def _write_meta(path, meta):
    (path / "meta.json").write_text(json.dumps(meta))


def test_tampered_weights_are_refused(model_copy):
    weights = model_copy / _meta(model_copy)["weights_file"]
    data = bytearray(weights.read_bytes())
    data[-40] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256 does not match"):
        tagger.load(model_copy)


def test_pickled_payload_is_never_executed(model_copy, tmp_path):
    marker = tmp_path / "code-ran"
    buffer = io.BytesIO()
    payload = np.array([_RunsCode(str(marker))], dtype=object)
    np.savez(buffer, vocabulary=payload, idf=payload)
    data = buffer.getvalue()
    meta = _meta(model_copy)
    (model_copy / meta["weights_file"]).write_bytes(data)
    meta["weights_sha256"] = hashlib.sha256(data).hexdigest()  # an attacker can fix the digest too
    _write_meta(model_copy, meta)
    with pytest.raises(ModelError, match="damaged or foreign model"):
        tagger.load(model_copy)
    assert not marker.exists()


def test_a_pickle_file_is_not_a_model(tmp_path):
    folder = tmp_path / "foreign"
    folder.mkdir()
    marker = tmp_path / "code-ran"
    (folder / "model.pkl").write_bytes(pickle.dumps(_RunsCode(str(marker))))
    with pytest.raises(ModelError, match=r"not a tagger model: no meta\.json"):
        tagger.load(folder)
    assert not marker.exists()


def test_unknown_format_version(model_copy):
    meta = _meta(model_copy)
    meta["format_version"] = 99
    _write_meta(model_copy, meta)
    with pytest.raises(ModelError, match="format version 99 is not supported"):
        tagger.load(model_copy)


def test_weights_path_cannot_escape_the_directory(model_copy):
    meta = _meta(model_copy)
    meta["weights_file"] = "../../etc/passwd"
    _write_meta(model_copy, meta)
    with pytest.raises(ModelError, match="bad weights_file"):
        tagger.load(model_copy)


def test_schema_mismatch_is_an_error(model_copy):
    from tagger.labels import Schema
    from tagger.storage import load_model

    other = Schema.from_dict({"tasks": [{"name": "x", "kind": "single-label", "tags": {"a": "", "b": ""}}]})
    with pytest.raises(ModelError, match="schema differs"):
        load_model(model_copy, expected_schema=other)


def test_other_sklearn_version_warns_with_the_fix(model_copy):
    meta = _meta(model_copy)
    meta["library_versions"]["scikit-learn"] = "0.0.1"
    _write_meta(model_copy, meta)
    with pytest.warns(ModelVersionWarning, match="tagger train"):
        model = tagger.load(model_copy)
    assert model.predict("a gale battered the pier").paragraphs


def test_same_versions_load_silently(model_copy):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tagger.load(model_copy)


def test_crash_while_saving_leaves_previous_model_whole(weather_model, model_copy, monkeypatch):
    model, _ = weather_model
    before = {p.name: p.read_bytes() for p in model_copy.iterdir()}

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("tagger.storage.modeldir.json.dumps", crash)
    model.heads["sky"].intercept = model.heads["sky"].intercept + 1.0  # a different model
    try:
        with pytest.raises(OSError):
            save_model(model, model_copy)
    finally:
        model.heads["sky"].intercept = model.heads["sky"].intercept - 1.0
    loaded = tagger.load(model_copy)
    assert loaded.meta["weights_sha256"] == json.loads(before["meta.json"])["weights_sha256"]
    assert (model_copy / "meta.json").read_bytes() == before["meta.json"]


def test_missing_directory_names_the_fix(tmp_path):
    with pytest.raises(ModelError, match="tagger train"):
        tagger.load(tmp_path / "nowhere")


def test_an_article_rule_naming_no_tag_is_refused(model_copy):
    meta = _meta(model_copy)
    task = meta["schema"]["tasks"][-1]["name"]
    meta["article_rules"]["fallback"] = {task: 99}
    _write_meta(model_copy, meta)
    with pytest.raises(ModelError, match="names no tag"):
        tagger.load(model_copy)


def test_a_version_1_model_without_learned_article_rules_still_loads(model_copy):
    meta = _meta(model_copy)
    meta["format_version"] = 1
    meta["article_rules"].pop("learned", None)
    meta["context_missing"] = "article"  # the rule of that time
    _write_meta(model_copy, meta)
    model = tagger.load(model_copy)
    assert model.rules.learned == {}
    assert model.predict("Clear skies over the coast.\n\nRain later.").tags


def test_a_learned_article_rule_that_does_not_fit_the_schema_is_refused(model_copy):
    meta = _meta(model_copy)
    task = next(t for t in meta["schema"]["tasks"] if t["kind"] == "single-label")
    n_tags = len(task["tags"]) + 1
    meta["article_rules"]["learned"] = {
        task["name"]: {"coef": [[0.0] * (5 * n_tags)] * n_tags, "intercept": [0.0] * n_tags}
    }
    _write_meta(model_copy, meta)
    with pytest.raises(ModelError, match="does not fit the schema"):
        tagger.load(model_copy)
