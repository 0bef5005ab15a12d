"""``tagger import``: label files from Label Studio and doccano exports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from ..labels.files import SCHEMA_FILE
    from ..labels.importers import from_doccano, from_label_studio, write_label_file
    from ..labels.schema import Schema

    schema = Schema.load(Path(args.labels) / SCHEMA_FILE)
    reader = from_label_studio if args.tool == "label-studio" else from_doccano
    export = Path(args.export)
    output = Path(args.output) if args.output else Path(args.labels) / f"import-{export.stem}.jsonl"
    if output.exists() and not args.force:  # before reading: the answer does not depend on the export
        print(f"tagger: error: {output} exists; choose another name with -o or pass --force", file=sys.stderr)
        return 1
    result = reader(export, schema, text_field=args.text_field, drop_unknown=args.drop_unknown)
    for problem in result.dropped:
        print(f"warning: {problem} -- left out (--drop-unknown)", file=sys.stderr)
    if not result.rows:
        print(
            f"tagger: error: {export}: no annotated records to import ({result.skipped} without labels)",
            file=sys.stderr,
        )
        return 1
    write_label_file(output, result.rows, schema, overwrite=args.force)
    print(f"wrote {len(result.rows)} paragraphs of {result.articles} articles to {output}")
    if result.skipped:
        print(f"skipped {result.skipped} records without annotations")
    if result.dropped:
        print(f"left out {len(result.dropped)} unknown tags or controls (listed above)")
    for note in result.notes:
        print(f"note: {note}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="write label files from Label Studio or doccano exports")
    tools = p.add_subparsers(dest="tool", metavar="TOOL", required=True)
    for tool, what in (
        ("label-studio", "a Label Studio JSON export (Export -> JSON)"),
        ("doccano", "a doccano text-classification JSONL export"),
    ):
        t = tools.add_parser(tool, help=f"import {what}")
        t.add_argument("export", metavar="EXPORT", help=what)
        t.add_argument(
            "-o",
            "--output",
            default=None,
            help="label file to write, .jsonl or .csv (default: LABELS/import-<EXPORT>.jsonl)",
        )
        t.add_argument("--labels", default="labels", help="labels folder whose schema.json names the tasks and tags")
        t.add_argument("--text-field", default="text", help="field of the task data holding the text (default: text)")
        t.add_argument(
            "--drop-unknown", action="store_true", help="leave out unknown tags (reported) instead of failing"
        )
        t.add_argument("--force", action="store_true", help="overwrite the output file")
        t.set_defaults(func=run)
