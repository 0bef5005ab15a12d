"""``tagger rollback``: restore the model that the last promotion replaced."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from ..retrain.promote import previous_dir, rollback

    restored, replaced = rollback(args.model)
    print(f"restored {restored} in {args.model}")
    if replaced:
        print(f"the replaced model {replaced} is now in {previous_dir(args.model)} (rollback again to undo)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rollback", help="restore the model replaced by the last `tagger train --promote`")
    p.add_argument(
        "model",
        nargs="?",
        default="models/default",
        metavar="MODEL_DIR",
        help="model directory (default: models/default); its previous model is MODEL_DIR.previous",
    )
    p.set_defaults(func=run)
