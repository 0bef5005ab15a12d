"""Small label sets written by the tests themselves, so tests never need ../shared."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

# A second, unrelated schema: proves that no tag name is hard-coded.
WEATHER_SCHEMA = {
    "name": "weather",
    "tasks": [
        {
            "name": "sky",
            "kind": "multi-label",
            "tags": {"rain": "precipitation of any kind", "sun": "clear or sunny spells", "wind": "gusts and gales"},
        },
        {"name": "mood", "kind": "single-label", "tags": {"calm": "no warning", "alarm": "a warning is issued"}},
    ],
}

_PHRASES = {
    "rain": [
        "showers soaked the valley",
        "a downpour flooded the lanes",
        "drizzle lingered over the harbour",
        "heavy rainfall swelled the river",
    ],
    "sun": [
        "bright sunshine warmed the coast",
        "clear skies lasted all afternoon",
        "sunny spells broke through",
        "the sun baked the plains",
    ],
    "wind": [
        "gusts tore at the rooftops",
        "a gale battered the pier",
        "strong winds toppled fences",
        "blustery squalls swept the ridge",
    ],
    "calm": ["forecasters expect a quiet week", "no warnings are in place", "conditions should stay settled"],
    "alarm": ["an amber warning was issued", "officials urged people to stay indoors", "a red alert is in force"],
    "none": ["the council met on Tuesday", "tickets for the fair sold out", "the museum reopens in May"],
}


def weather_rows(n_articles: int = 12, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Paragraph and article label rows for the weather schema, deterministic."""
    rng = random.Random(seed)
    paragraphs, articles = [], []
    for a in range(n_articles):
        article = f"w{a:02d}"
        moods = []
        for i in range(6):
            sky = sorted(rng.sample(["rain", "sun", "wind"], rng.choice([0, 1, 1, 2])))
            mood = rng.choice(["calm", "alarm"])
            moods.append(mood)
            parts = [rng.choice(_PHRASES[t]) for t in sky] or [rng.choice(_PHRASES["none"])]
            parts.append(rng.choice(_PHRASES[mood]))
            text = f"Paragraph {a}.{i}: " + "; ".join(parts) + "."
            paragraphs.append({"article": article, "index": i, "text": text, "sky": sky, "mood": mood})
        tags = sorted({t for p in paragraphs[-6:] for t in p["sky"]})
        articles.append({"article": article, "sky": tags, "mood": max(set(moods), key=moods.count)})
    return paragraphs, articles


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_labels(folder: Path, schema: dict, paragraphs: list[dict], articles: list[dict]) -> Path:
    """Create ``folder`` as a labels folder: schema.json, paragraphs.jsonl and articles.jsonl."""
    folder.mkdir(parents=True)
    (folder / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    write_jsonl(folder / "paragraphs.jsonl", paragraphs)
    write_jsonl(folder / "articles.jsonl", articles)
    return folder


def write_weather_labels(folder: Path) -> Path:
    """Create ``folder`` as a labels folder with the weather schema: 12 articles, 72 paragraphs."""
    return write_labels(folder, WEATHER_SCHEMA, *weather_rows())


@pytest.fixture
def weather_labels(tmp_path: Path) -> Path:
    """A labels folder with the weather schema: 12 articles, 72 paragraphs."""
    return write_weather_labels(tmp_path / "labels")


@pytest.fixture(scope="session")
def weather_model(tmp_path_factory: pytest.TempPathFactory):
    """A model trained once per session on the weather labels, saved to disk."""
    import tagger

    folder = write_weather_labels(tmp_path_factory.mktemp("weather") / "labels")
    out = folder.parent / "model"
    return tagger.train(folder, out), out
