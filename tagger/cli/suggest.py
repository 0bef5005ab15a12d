"""``tagger suggest``: write the paragraphs worth labelling next as a pre-filled label file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    import tagger

    from ..errors import LabelError
    from ..labels.files import read_labels
    from ..labels.importers import write_label_file
    from ..retrain.suggest import read_paragraphs, suggest

    output = Path(args.output)
    if output.suffix.lower() not in (".csv", ".jsonl"):
        print(f"tagger suggest: error: -o {output}: give a .csv or .jsonl file name", file=sys.stderr)
        return 2
    if output.exists() and not args.force:
        print(
            f"tagger: error: {output} exists and may hold your corrections; choose another name or pass --force",
            file=sys.stderr,
        )
        return 1
    model = tagger.load(args.model)
    labelled = None
    labels_dir = Path(args.labels) if args.labels else Path("labels")
    if args.labels or labels_dir.is_dir():
        try:
            labelled = read_labels(labels_dir, check_counts=False)
        except LabelError as exc:
            print(
                f"warning: {labels_dir}: {len(exc.problems)} problems in the label files (see `tagger check`); "
                "paragraphs labelled there may be suggested again",
                file=sys.stderr,
            )
    paragraphs = read_paragraphs(args.inputs)
    picked = suggest(model, paragraphs, args.n, labelled=labelled)
    rows = [s.row(rank) for rank, s in enumerate(picked, start=1)]
    write_label_file(output, rows, model.schema, overwrite=args.force)
    groups = sorted({f"{s.group[0]}:{s.group[1]}" for s in picked})
    print(
        f"wrote {len(rows)} of {len(paragraphs)} paragraphs to {output}, pre-filled with the model's tags "
        f"(least sure of: {', '.join(groups)})."
    )
    print(f"Correct the tags, delete the 'note' column if you like, and save the file into {labels_dir}/.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("suggest", help="pick paragraphs worth labelling next and write them as a label file")
    p.add_argument(
        "inputs", nargs="+", metavar="TAGGED_OR_PATH", help="article .txt files or folders, or JSONL from `tagger tag`"
    )
    p.add_argument("-n", type=int, default=50, help="how many paragraphs to pick (default: 50)")
    p.add_argument("-o", "--output", required=True, help="label file to write (.csv or .jsonl)")
    p.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    p.add_argument(
        "--labels", default=None, help="labels folder whose paragraphs are not suggested again (default: labels)"
    )
    p.add_argument("--force", action="store_true", help="overwrite the output file")
    p.set_defaults(func=run)
