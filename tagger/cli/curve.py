"""``tagger curve``: learning curve of each task, as text and as an SVG plot."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import TaggerError


def _folds(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 2:
        raise argparse.ArgumentTypeError(f"cross-validation needs at least 2 folds, got {number}")
    return number


def _fractions(value: str) -> list[float]:
    """``"20,40,100"`` or ``"0.2,0.4,1"``: shares of the training articles."""
    try:
        numbers = [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {value!r}") from None
    shares = [n / 100 if n > 1 else n for n in numbers]
    if not shares or min(shares) <= 0 or max(shares) > 1:
        raise argparse.ArgumentTypeError(f"shares must lie in (0, 100] percent, got {value!r}")
    return shares


def _plot_path(value: str) -> Path:
    path = Path(value)
    if path.suffix.lower() != ".svg":
        raise argparse.ArgumentTypeError(f"the plot is an SVG image: give a file name ending in .svg, got {value!r}")
    return path


def run(args: argparse.Namespace) -> int:
    from ..labels.files import read_labels
    from ..model.curve import format_curve, learning_curve, plot_curve
    from ..model.training import TrainingSettings
    from ..storage.atomic import atomic_write_text

    labels = read_labels(args.labels)
    settings = TrainingSettings(folds=args.folds)
    print(
        f"learning curve on {args.labels}: {len(labels.paragraphs)} paragraphs, "
        f"{labels.paragraphs['article'].nunique()} articles ...",
        file=sys.stderr,
    )
    progress = None if args.quiet else (lambda message: print(f"  {message}", file=sys.stderr))
    try:
        curve = learning_curve(labels, settings, args.fractions, progress=progress)
    except ValueError as exc:  # e.g. paragraphs of a single article
        raise TaggerError(f"{args.labels}: {exc}") from None
    if args.json:
        print(json.dumps(curve.to_dict(), ensure_ascii=False))
    else:
        print(format_curve(curve))
    if args.output:
        path = atomic_write_text(args.output, plot_curve(curve, f"Learning curve: {args.labels}"))
        print(f"plot written to {path}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "curve",
        help="learning curve: scores when training on growing shares of the labelled articles",
        description=(
            "Train on 20, 40, 60, 80 and 100% of each cross-validation fold's training articles (folds grouped "
            "by article, fixed seeds) and score on the held-out fold, to see which tasks and tags still gain "
            "from more labels. Progress goes to stderr."
        ),
    )
    p.add_argument("labels", nargs="?", default="labels", help="labels folder with schema.json (default: labels)")
    p.add_argument("-o", "--output", type=_plot_path, metavar="PLOT.svg", help="also write the plot (SVG)")
    p.add_argument("--json", action="store_true", help="print the curve as one JSON object")
    p.add_argument("--folds", type=_folds, default=5, help="cross-validation folds (default: 5)")
    p.add_argument(
        "--fractions",
        type=_fractions,
        default=[0.2, 0.4, 0.6, 0.8, 1.0],
        help="shares of the training articles, in percent (default: 20,40,60,80,100)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=run)
