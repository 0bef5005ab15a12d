"""``tagger eval``: score a model on a labelled set, as a table, JSON or an HTML report."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def format_confusion(confusion: dict[str, Any]) -> str:
    """A single-label confusion matrix as text: rows labelled, columns predicted."""
    from .format import table

    tags = confusion["tags"]
    rows = [[f"{tag}", *(str(n) for n in row)] for tag, row in zip(tags, confusion["matrix"])]
    return table(rows, ["labelled \\ predicted", *tags])


def format_evaluation(evaluation: dict[str, Any]) -> str:
    """The terminal view of :func:`~tagger.model.evaluate.evaluate`: per level, per task."""
    from .format import format_scores

    counts = evaluation.get("counts", {})
    out = []
    for level, n in (("paragraph", counts.get("paragraphs")), ("article", counts.get("article_labels"))):
        blocks = evaluation.get(level)
        if not blocks:
            continue
        noun = "paragraphs" if level == "paragraph" else "articles"
        out.append(f"== {level} level ({n} {noun})\n")
        for task, block in blocks.items():
            out.append(format_scores({task: block}))
            if "confusion" in block:
                out.append("\n" + format_confusion(block["confusion"]))
            out.append("")
    if not evaluation.get("article"):
        out.append("(no article labels: no article-level scores)")
    return "\n".join(out).rstrip() + "\n"


def run(args: argparse.Namespace) -> int:
    import tagger

    from ..model.evaluate import TEXT_FOLDERS, evaluate, read_eval_labels

    model = tagger.load(args.model)
    labels_dir = Path(args.labels)
    labels = read_eval_labels(model, labels_dir)
    evaluation = evaluate(model, labels, [labels_dir / name for name in TEXT_FOLDERS])
    if args.json:
        print(json.dumps(evaluation, ensure_ascii=False))
    else:
        print(f"model {model.meta.get('model_id', '?')} on {labels_dir}\n")
        print(format_evaluation(evaluation), end="")
    if args.output:
        from ..report import write_report

        started = time.perf_counter()
        path = write_report(evaluation, args.output, model_meta=model.meta, labels_path=labels_dir)
        print(f"report written to {path} ({time.perf_counter() - started:.2f} s)", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="score a model on a labelled set (per-tag P/R/F1, confusion matrices, HTML report)",
        description=(
            "Score a model on a labels folder at paragraph and article level. The folder's schema.json is used "
            "if it has one, else the model's schema; raw article texts in LABELS/articles/<id>.txt or "
            "LABELS/texts/<id>.txt are tagged as in real use."
        ),
    )
    p.add_argument("labels", metavar="LABELS", help="labels folder (paragraph and article label files)")
    p.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    p.add_argument("-o", "--output", metavar="REPORT.html", help="also write a self-contained HTML report")
    p.add_argument("--json", action="store_true", help="print the scores (and curve data) as one JSON object")
    p.set_defaults(func=run)
