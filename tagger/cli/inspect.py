"""``tagger inspect``: each tag's strongest terms, read from the model's weights."""

from __future__ import annotations

import argparse
import json
import textwrap

from .explain import positive_int


def run(args: argparse.Namespace) -> int:
    import tagger

    from ..model.explain import strongest_terms

    model = tagger.load(args.model)
    terms = strongest_terms(model, args.top)
    if args.json:
        print(json.dumps({"model": model.meta.get("model_id"), "terms": terms}, ensure_ascii=False))
        return 0
    print(f"model {model.meta.get('model_id', '?')}: each tag's {args.top} strongest terms (stemmed), by weight")
    for task in model.schema.tasks:
        relative = "" if task.multi_label else " (weights relative to the task's other tags)"
        print(f"\n{task.name} ({task.kind}){relative}")
        width = max(len(t) for t in task.tag_names)
        for tag, listed in terms[task.name].items():
            shown = ", ".join(f"{t['term']} {t['weight']:.2f}" for t in listed) or "(no positive weight)"
            print(textwrap.fill(shown, 110, initial_indent=f"  {tag:<{width}}  ", subsequent_indent=" " * (width + 4)))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("inspect", help="list each tag's strongest terms in a model")
    p.add_argument("model", nargs="?", default=None, metavar="MODEL", help="model directory (default: the shipped one)")
    p.add_argument("-n", "--top", type=positive_int, default=15, help="terms per tag (default: 15)")
    p.add_argument("--json", action="store_true", help="print {model, terms: {task: {tag: [{term, weight}]}}}")
    p.set_defaults(func=run)
