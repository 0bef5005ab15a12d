"""``tagger explain``: tag articles and show, per tag, the terms that pushed its score."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any


def positive_int(value: str) -> int:
    """An argparse type: a whole number of at least 1 (else a usage error, exit 2)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _shown(term: dict[str, Any]) -> str:
    """A term as written; a character n-gram as ``word(~gram)``."""
    text = term.get("text", term["term"])
    return f"{text}({term['term'].strip()})" if term["term"].startswith("~") else text


def format_terms(terms: list[dict[str, Any]], width: int = 100) -> str:
    """``coalition +1.07, strikes +0.72, ...``: each term as written in the text, with its weight."""
    if not terms:
        return "(no word of its own pushed it: the tag comes from the neighbouring paragraphs or the model's prior)"
    shown = ", ".join(f"{_shown(t)} {t['weight']:+.2f}" for t in terms)
    return textwrap.fill(shown, width, subsequent_indent="      ")


def format_explained(result: Any, name: str) -> str:
    """An explained :class:`~tagger.model.results.ArticleResult` as text."""
    out = [f"== {name}", "article:"]
    for task, tags in (result.explanation or {}).items():
        if not tags:
            out.append(f"  {task}: (no tag)")
        for tag, terms in tags.items():
            score = result.scores[task].get(tag, 0.0)
            out.append(f"  {task} = {tag} ({score:.2f})")
            out.append(f"      {format_terms(terms)}")
    for paragraph in result.paragraphs:
        out.append(f"\nparagraph {paragraph.index}: {textwrap.shorten(paragraph.text, 90)}")
        for task, tags in (paragraph.explanation or {}).items():
            for tag, terms in tags.items():
                score = paragraph.scores[task].get(tag, 0.0)
                out.append(f"  {task} = {tag} ({score:.2f}): {format_terms(terms)}")
    if not result.paragraphs:
        out.append("\n(no paragraphs: the text has no words)")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    import tagger

    from ..model.explain import add_explanations
    from .predict import read_text_argument

    model = tagger.load(args.model)
    names = args.files or ["-"]
    texts = [read_text_argument(n) for n in names]
    results = add_explanations(model, model.predict(texts), top=args.top)
    for name, result in zip(names, results):
        if args.json:
            print(json.dumps({"file": name, "article": result.to_dict()}, ensure_ascii=False))
        else:
            print(format_explained(result, name))
            print()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="tag articles and show the terms that pushed each tag (article and paragraphs)",
        description=(
            "For each tag given to the article and to each paragraph, list the terms (stemmed words and "
            "n-grams) that pushed its score most: TF-IDF value x the tag's weight."
        ),
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="text files; - or nothing reads stdin")
    p.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    p.add_argument("-n", "--top", type=positive_int, default=8, help="terms per tag (default: 8)")
    p.add_argument("--json", action="store_true", help="one JSON object per file (predict's, plus explanation)")
    p.set_defaults(func=run)
