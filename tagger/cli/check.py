"""``tagger check``: validate label files, then list labels that are probably wrong."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..retrain.check import CheckReport


def _where(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line else file


def _tags(labels: dict) -> str:
    return "  ".join(f"{t}={','.join(v) if isinstance(v, list) else v or '-'}" for t, v in labels.items())


def format_report(report: CheckReport, limit: int) -> str:
    """The report as text, at most ``limit`` entries per section."""
    out = [f"{report.paragraphs} labelled paragraphs in {report.articles} articles: the files are valid.", ""]
    s = report.settings

    def more(items: list) -> None:
        if len(items) > limit:
            out.append(f"  ... and {len(items) - limit} more (--limit, or --json for all)")
        out.append("")

    out.append(
        f"Probably wrong ({len(report.suspects)}): out-of-fold probability of a labelled tag below {s['low']} "
        f"or of an unlabelled tag above {s['high']}"
    )
    for x in report.suspects[:limit]:
        out.append(f"  {_where(x.file, x.line)}  {x.article}#{x.index}: {textwrap.shorten(x.text, 90)}")
        for issue in x.issues:
            out.append(f"      {issue}")
    more(report.suspects)

    out.append(f"Exact duplicates ({len(report.exact_duplicates)} texts labelled more than once)")
    for g in report.exact_duplicates[:limit]:
        places = ", ".join(_where(p.file, p.line) for p in g.places)
        out.append(f"  {len(g.places)}x {textwrap.shorten(g.text, 70)!r}: {places}")
    more(report.exact_duplicates)

    conflicting = sum(bool(g.conflicts) for g in report.near_duplicates)
    out.append(
        f"Near duplicates ({len(report.near_duplicates)} groups of different texts with similarity above "
        f"{s['near']}, {conflicting} with different tags)"
    )
    for g in report.near_duplicates[:limit]:
        flag = f"CONFLICT on {', '.join(g.conflicts)}" if g.conflicts else "same tags"
        out.append(f"  {len(g.places)} texts, {flag}")
        for place, text in list(zip(g.places, g.texts))[:6]:
            out.append(f"    {_where(place.file, place.line)}  {_tags(place.labels)}")
            out.append(f"      {textwrap.shorten(text, 90)}")
        if len(g.places) > 6:
            out.append(f"    ... and {len(g.places) - 6} more")
    more(report.near_duplicates)

    out.append(f"Thin tags ({len(report.thin_tags)} with fewer than {s['min_examples']} labelled paragraphs)")
    for t in report.thin_tags:
        out.append(f"  {t.task}:{t.tag}  {t.count}")
    if report.thin_tags:
        out.append("  label more of these (`tagger suggest` picks candidates)")
    return "\n".join(out).rstrip() + "\n"


def run(args: argparse.Namespace) -> int:
    from ..model.training import TrainingSettings
    from ..retrain.check import check_labels

    settings = TrainingSettings(folds=args.folds)
    if args.model:
        from ..retrain.compare import settings_from_meta
        from ..storage.modeldir import read_meta

        from_model = settings_from_meta(read_meta(args.model))
        if from_model is not None:
            settings = TrainingSettings(from_model.features, from_model.c_grid, args.folds, from_model.seed)
    print(f"checking {args.labels} ...", file=sys.stderr)
    report = check_labels(
        args.labels, settings, low=args.low, high=args.high, near=args.near, min_examples=args.min_examples
    )
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, args.limit), end="")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="validate label files and list probably wrong labels, duplicates and thin tags")
    p.add_argument("labels", nargs="?", default="labels", metavar="LABELS_DIR", help="labels folder (default: labels)")
    p.add_argument("--model", default=None, help="use this model's training settings for cross-validation")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds, grouped by article (default: 5)")
    p.add_argument("--low", type=float, default=0.1, help="flag labelled tags below this probability (default: 0.1)")
    p.add_argument("--high", type=float, default=0.9, help="flag unlabelled tags above this probability (default: 0.9)")
    p.add_argument("--near", type=float, default=0.9, help="near-duplicate cosine similarity (default: 0.9)")
    p.add_argument("--min-examples", type=int, default=20, help="thin tag below this many paragraphs (default: 20)")
    p.add_argument("--limit", type=int, default=30, help="entries shown per section (default: 30)")
    p.add_argument("--json", action="store_true", help="the whole report as JSON")
    p.set_defaults(func=run)
