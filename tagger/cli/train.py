"""``tagger train``: validate label files, train, print cross-validated scores.

When ``-o`` already holds a model, the new one is compared with it per task and
written to ``<dir>.candidate``; ``--promote`` replaces the current model instead
(unless a task got worse beyond noise, or with ``--force``).
"""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    from ..labels.files import read_labels
    from ..model.training import TrainingSettings, fit_model
    from ..retrain.promote import check_destination, publish
    from .format import format_rule_choice, format_scores

    settings = TrainingSettings(folds=args.folds)
    print(f"training from {args.labels} ...", file=sys.stderr)
    labels = read_labels(args.labels)
    check_destination(args.output, promote_model=args.promote, force=args.force)
    model = fit_model(labels, settings)
    scores = model.meta["cv_scores"]
    print("Cross-validated scores (folds grouped by article), paragraph level:\n")
    print(format_scores(scores["paragraph"]))
    if "article" in scores:
        print("\nArticle level:\n")
        print(format_scores(scores["article"]))
        print(format_rule_choice(model.meta["training"].get("article_rules_judged", {})))
    # Compare with the current model and promote, or keep a candidate (see tagger/retrain/promote.py).
    done = publish(model, labels, settings, args.output, promote_model=args.promote, force=args.force)
    print()
    print(done.format() if done.action != "written" else f"model {done.model_id} written to {args.output}")
    return done.exit_code


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model from label files and print cross-validated scores")
    p.add_argument("labels", nargs="?", default="labels", help="labels folder with schema.json (default: labels)")
    p.add_argument(
        "-o", "--output", default="models/default", help="model directory to write (default: models/default)"
    )
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds, grouped by article (default: 5)")
    p.add_argument(
        "--promote",
        action="store_true",
        help="replace the model in -o unless a task got worse beyond noise (the old one is kept for `tagger rollback`)",
    )
    p.add_argument("--force", action="store_true", help="with --promote: replace the model even if a task got worse")
    p.set_defaults(func=run)
