"""``tagger predict``: tag articles given as files or on stdin."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import TaggerError


def read_text_argument(name: str) -> str:
    """A file's text (UTF-8, BOM allowed), or stdin for ``-``."""
    if name == "-":
        return sys.stdin.read()
    data = Path(name).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TaggerError(f"{name}:{line}: not UTF-8 text (byte {exc.start}); convert the file to UTF-8") from None


def run(args: argparse.Namespace) -> int:
    import tagger

    from .format import format_article, format_paragraphs

    model = tagger.load(args.model)
    names = args.files or ["-"]
    texts = [read_text_argument(n) for n in names]
    results = model.predict(texts, level=args.level)
    for name, result in zip(names, results):
        if args.json:
            key, body = (
                ("article", result.to_dict())
                if args.level == "article"
                else ("paragraphs", [p.to_dict() for p in result])
            )
            print(json.dumps({"file": name, key: body}, ensure_ascii=False))
        else:
            print(format_article(result, name) if args.level == "article" else format_paragraphs(result))
            print()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="tag articles (files, or - for stdin) and print the result")
    p.add_argument("files", nargs="*", metavar="FILE", help="text files; - or nothing reads stdin")
    p.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    p.add_argument("--level", choices=("article", "paragraph"), default="article")
    p.add_argument("--json", action="store_true", help="one JSON object per file instead of a table")
    p.set_defaults(func=run)
