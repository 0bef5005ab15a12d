"""Entry point of the ``tagger`` command (also ``python -m tagger``).

Each subcommand parses its arguments and calls the same function Python users
import. User mistakes end in one clear line on stderr and an exit code:
0 success, 1 bad data (labels, model, input files), 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .._version import __version__
from ..errors import TaggerError


def _read_input(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    data = Path(name).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TaggerError(f"{name}:{line}: not UTF-8 text (byte {exc.start}); convert the file to UTF-8") from None


def cmd_predict(args: argparse.Namespace) -> int:
    import tagger

    from .format import format_article, format_paragraphs

    model = tagger.load(args.model)
    names = args.files or ["-"]
    texts = [_read_input(n) for n in names]
    results = model.predict(texts, level=args.level)
    if args.json:
        for name, result in zip(names, results):
            body = result.to_dict() if args.level == "article" else [p.to_dict() for p in result]
            print(
                json.dumps(
                    {"file": name, args.level if args.level == "article" else "paragraphs": body}, ensure_ascii=False
                )
            )
    else:
        for name, result in zip(names, results):
            print(format_article(result, name) if args.level == "article" else format_paragraphs(result))
            print()
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from ..model.training import TrainingSettings, train
    from .format import format_scores

    settings = TrainingSettings(folds=args.folds)
    print(f"training from {args.labels} ...", file=sys.stderr)
    model = train(args.labels, args.output, settings)
    scores = model.meta["cv_scores"]
    print("Cross-validated scores (folds grouped by article), paragraph level:\n")
    print(format_scores(scores["paragraph"]))
    if "article" in scores:
        print("\nArticle level:\n")
        print(format_scores(scores["article"]))
    print(f"\nmodel {model.meta['model_id']} written to {args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tagger", description="Tag news articles and paragraphs by topic, stance and source type."
    )
    parser.add_argument("--version", action="version", version=f"tagger {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("predict", help="tag articles (files or - for stdin) and print the result")
    p.add_argument("files", nargs="*", metavar="FILE", help="text files; - or nothing reads stdin")
    p.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    p.add_argument("--level", choices=("article", "paragraph"), default="article")
    p.add_argument("--json", action="store_true", help="one JSON object per file instead of a table")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("train", help="train a model from label files and print cross-validated scores")
    p.add_argument("labels", nargs="?", default="labels", help="labels folder with schema.json (default: labels)")
    p.add_argument(
        "-o", "--output", default="models/default", help="model directory to write (default: models/default)"
    )
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds, grouped by article (default: 5)")
    p.set_defaults(func=cmd_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except TaggerError as exc:
        print(f"tagger: error: {exc}", file=sys.stderr)
        return 1
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"tagger: error: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tagger: interrupted", file=sys.stderr)
        return 130
