"""``tagger train``: validate label files, train, print cross-validated scores."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
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


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model from label files and print cross-validated scores")
    p.add_argument("labels", nargs="?", default="labels", help="labels folder with schema.json (default: labels)")
    p.add_argument(
        "-o", "--output", default="models/default", help="model directory to write (default: models/default)"
    )
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds, grouped by article (default: 5)")
    p.set_defaults(func=run)
