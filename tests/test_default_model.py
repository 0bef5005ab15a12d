"""The shipped model and the shipped labels: in step, complete, usable."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import tagger
from tagger.labels import read_labels
from tagger.text import split_paragraphs

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "labels"
MODEL = ROOT / "models" / "default"
EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))


def test_shipped_model_was_trained_from_the_current_labels():
    meta = json.loads((MODEL / "meta.json").read_text(encoding="utf-8"))
    current = {
        p.relative_to(LABELS).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in LABELS.rglob("*")
        if p.suffix in (".jsonl", ".csv")
    }
    changed = sorted(set(current.items()) ^ set(meta["label_files"].items()))
    fix = "run `tagger train --promote --force`"
    assert not changed, f"labels/ changed since models/default was trained: {fix} ({changed[:4]})"


def test_shipped_labels_meet_the_dataset_requirements():
    labels = read_labels(LABELS)
    paragraphs = labels.paragraphs
    assert paragraphs["article"].nunique() >= 60 and len(paragraphs) >= 800
    assert set(labels.articles["article"]) == set(paragraphs["article"]), "every article needs article labels"
    topics = Counter(tag for tags in paragraphs["topic"] for tag in tags)
    assert min(topics[t] for t in labels.schema["topic"].tag_names) >= 100, topics
    assert sum(len(tags) == 0 for tags in paragraphs["topic"]) >= 150
    for task in ("stance", "source_type"):
        counts = paragraphs[task].value_counts()
        assert min(counts.get(t, 0) for t in labels.schema[task].tag_names) >= 60, counts.to_dict()


def test_labelled_paragraphs_are_what_the_splitter_gives_for_the_raw_texts():
    labels = read_labels(LABELS)
    by_article = labels.article_texts()
    texts = sorted((LABELS / "texts").glob("*.txt"))
    assert len(texts) == len(by_article)
    for path in texts:
        split = [s.text for s in split_paragraphs(path.read_text(encoding="utf-8"))]
        assert split == by_article[path.stem], path.name


def test_import_is_light_and_loads_no_model():
    code = "import sys, tagger; print('sklearn' in sys.modules, tagger._default is None)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_default_model_loads_once_and_tags_the_examples():
    assert EXAMPLES, "examples/ is empty"
    texts = [p.read_text(encoding="utf-8") for p in EXAMPLES]
    results = tagger.predict(texts)
    model = tagger._default
    tagger.predict(texts[0])
    assert tagger._default is model
    schema = model.schema
    for text, result in zip(texts, results):
        assert [p.span for p in result.paragraphs] == [(s.start, s.end) for s in split_paragraphs(text)]
        for task in schema.tasks:
            assert set(result.scores[task.name]) == set(task.tag_names)
            if task.multi_label:
                assert set(result.tags[task.name]) <= set(task.tag_names)
            else:
                assert result.tags[task.name] in task.tag_names
        json.dumps(result.to_dict())


@pytest.mark.parametrize(
    ("text", "task", "tag"),
    [
        (
            "Engineers restored the mobile network and the fibre link to the city, the telecoms ministry said.",
            "topic",
            "telecom_internet",
        ),
        (  # a short line tagged alone: no article around it must not read as evidence against
            "Militants cut internet access across the city on Monday.",
            "topic",
            "telecom_internet",
        ),
        (
            "A roadside bomb killed three soldiers on the highway, and gunmen ambushed the patrol sent to help them.",
            "topic",
            "insurgency",
        ),
        (
            '"The group is weaker than at any time since 2014," said an analyst at a research institute in London.',
            "source_type",
            "expert",
        ),
    ],
)
def test_shipped_model_gets_plain_cases_right(text, task, tag):
    paragraph = tagger.predict(text, level="paragraph")[0]
    value = paragraph.tags[task]
    assert tag in value if isinstance(value, list) else value == tag


def test_the_readme_python_example_shows_what_the_shipped_model_returns():
    """The README's example output is what a user sees; a retrained model must update it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r'tagger\.predict\(open\("(examples/[^"]+)"\)\.read\(\)\)', readme)
    shown_tags = re.search(r"^result\.tags\s+# (\{.*\})$", readme, re.MULTILINE)
    shown_stance = re.search(r'^result\.scores\["stance"\]\s+# (\{.*\})$', readme, re.MULTILINE)
    assert example and shown_tags and shown_stance, "README.md: the Python example has moved; update this test"
    result = tagger.load(MODEL).predict((ROOT / example.group(1)).read_text(encoding="utf-8"))
    fix = "README.md: update the Python example's output to what the shipped model returns"
    assert result.tags == ast.literal_eval(shown_tags.group(1)), fix
    assert result.scores["stance"] == pytest.approx(ast.literal_eval(shown_stance.group(1)), abs=2e-4), fix
