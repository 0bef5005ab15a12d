"""``tagger tag``: tag folders of articles into one JSONL, CSV or Parquet table.

Exit codes: 0 every file tagged; 1 some files or records failed (each has an
error row, and the first are listed on stderr) or the model/data is bad;
2 a usage error (bad option, missing PATH, output exists without --force);
130 interrupted (the state is saved: run the same command with --resume).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from ..errors import TaggerError

#: Error lines printed at the end; all of them are in the output's error rows.
SHOWN_ERRORS = 20


def _format_from(out: str, given: str | None) -> str:
    if given:
        return given
    suffix = os.path.splitext(out)[1].lower()
    return {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(suffix, "jsonl")


def _progress_bar(enabled: bool, initial: int) -> Any:
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is a dependency, but a progress bar is never worth failing for
        return None
    return tqdm(total=None, initial=initial, unit=" files", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)


def _summary(stats: Any, out: str, seconds: float) -> str:
    rate = stats.files / seconds if seconds > 0 else 0.0
    megabytes = stats.bytes / 1e6 / seconds if seconds > 0 else 0.0
    lines = [
        f"tagged {stats.files} files: {stats.articles} articles, {stats.paragraphs} paragraphs, "
        f"{stats.errors} errors in {seconds:.1f} s ({rate:.0f} files/s, {megabytes:.1f} MB/s)"
    ]
    for task, counts in stats.tags.items():
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        lines.append(f"  {task}: " + ", ".join(f"{tag} {n}" for tag, n in ranked))
    lines.append(f"wrote {out}")
    return "\n".join(lines)


def _errors(stats: Any, limit: int) -> str:
    lines = [f"{stats.errors} files or records failed (each has an error row in the output):"]
    for where, message in stats.error_samples[:limit]:
        lines.append(f"  {where}: {message}")
    if stats.errors > limit:
        lines.append(f"  ... and {stats.errors - limit} more")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import codecs

    from ..batch.inputs import BatchUsageError, InputOptions, parse_size
    from ..batch.rows import FORMATS
    from ..batch.run import (
        FileRun,
        TagOptions,
        check_paths,
        make_executor,
        peek_model,
        resolve_model,
        sigterm_as_interrupt,
    )

    def usage(message: str) -> int:
        print(f"tagger tag: error: {message}", file=sys.stderr)
        return 2

    fmt = _format_from(args.output, args.format)
    if fmt not in FORMATS:
        return usage(f"unknown format {fmt!r}")
    if args.resume and args.force:
        return usage("--resume and --force contradict each other: choose one")
    if args.jobs == 0 or (args.jobs is not None and args.jobs < -1):
        return usage("--jobs must be a positive number of processes, or -1 for one per CPU")
    try:
        codecs.lookup(args.fallback_encoding)
        max_bytes = parse_size(args.max_bytes)
        paths = check_paths(args.paths)
    except LookupError:
        return usage(
            f"unknown encoding {args.fallback_encoding!r} for --fallback-encoding (try cp1252, cp1256, latin-1)"
        )
    except BatchUsageError as exc:
        return usage(str(exc))
    if fmt == "parquet":
        from ..batch.rows import import_pyarrow

        import_pyarrow()
    inputs = InputOptions(
        tuple(args.include),
        tuple(args.exclude),
        args.text_column,
        args.id_column or "id",
        args.id_column is not None,
        args.fallback_encoding,
        max_bytes,
    )
    jobs = args.jobs or 1
    if args.dask or jobs != 1:
        model, ref = peek_model(args.model)  # only the workers load it: they start at once
    else:
        model, ref = resolve_model(args.model)
    job = FileRun(
        paths,
        args.output,
        model,
        ref,
        TagOptions(args.level, fmt, inputs),
        resume=args.resume,
        force=args.force,
        checkpoint_seconds=args.checkpoint_seconds,
        files_per_chunk=args.chunk_files,
    )
    try:
        job.prepare()
    except BatchUsageError as exc:
        return usage(str(exc))
    if job.finished_already:
        print(f"tagger tag: {args.output} is complete; nothing to resume", file=sys.stderr)
        return 0

    cluster = client = None
    if args.dask:
        from ..batch.dask import DaskExecutor, connect

        client, cluster = connect(args.dask, workers=args.jobs if args.jobs and args.jobs > 0 else None)
        executor: Any = DaskExecutor(client, ref, max_bytes)
        if not args.quiet:
            print(f"tagger tag: on Dask at {client.scheduler.address}", file=sys.stderr)
    else:
        executor = make_executor(ref, jobs)
    bar = _progress_bar(sys.stderr.isatty() and not args.quiet, job.stats.files)

    def progress(result: Any, stats: Any) -> None:
        if bar is not None:
            bar.update(result.files)
            if stats.errors:
                bar.set_postfix(errors=stats.errors, refresh=False)

    previous = sigterm_as_interrupt()
    started = time.monotonic()
    earlier = job.stats.seconds
    try:
        stats = job.run(executor, progress)
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        print(
            f"tagger tag: interrupted after {job.stats.files} files; the state is saved: "
            "run the same command with --resume to continue",
            file=sys.stderr,
        )
        return 130
    except TaggerError:
        raise
    except Exception as exc:
        if bar is not None:
            bar.close()
        print(
            f"tagger tag: error: the run stopped: {type(exc).__name__}: {exc}\n"
            "  what was written is kept; fix the cause and run the same command with --resume",
            file=sys.stderr,
        )
        return 1
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    if bar is not None:
        bar.close()
    elapsed = earlier + (time.monotonic() - started)
    if stats.errors:
        print(_errors(stats, SHOWN_ERRORS), file=sys.stderr)
    if not args.quiet:
        if stats.files == 0:
            print(
                "tagger tag: warning: no input files found (check the PATHs and --include/--exclude)", file=sys.stderr
            )
        print(_summary(stats, args.output, elapsed), file=sys.stderr)
    return 1 if stats.errors else 0


def _positive_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tag",
        help="tag files and folders of articles into a JSONL, CSV or Parquet table",
        description="Tag .txt, .md, .html/.htm files and .jsonl/.csv tables of articles, walking folders "
        "recursively in a fixed order, and write one row per article and/or paragraph. "
        "Exit codes: 0 all tagged, 1 some files failed (see their error rows), 2 usage error, "
        "130 interrupted (run again with --resume).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (walked recursively)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file (.jsonl, .csv or .parquet)")
    p.add_argument("--level", choices=("article", "paragraph", "both"), default="article", help="rows to write")
    p.add_argument("--format", choices=("jsonl", "csv", "parquet"), default=None, help="default: from OUT's suffix")
    p.add_argument("--model", default=None, metavar="DIR", help="model directory (default: the shipped model)")
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        help="worker processes (-1: one per CPU; default 1; with --dask local: workers)",
    )
    p.add_argument("--include", action="append", default=[], metavar="GLOB", help="only files matching (repeatable)")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip files/folders (repeatable)")
    p.add_argument("--text-column", default="text", help="text field of .jsonl/.csv inputs (default: text)")
    p.add_argument("--id-column", default=None, help="id field of .jsonl/.csv inputs (default: id, else row number)")
    p.add_argument(
        "--fallback-encoding",
        default="cp1252",
        metavar="ENC",
        help="for files that are not UTF-8/UTF-16 and look like text (default: cp1252; cp1256 for Arabic)",
    )
    p.add_argument("--max-bytes", default="50MB", metavar="SIZE", help="larger files are error rows (default 50MB)")
    p.add_argument("--force", action="store_true", help="overwrite OUT, or discard an interrupted run")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run into the same OUT")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    p.add_argument(
        "--dask", metavar="ADDRESS", default=None, help="run on a Dask scheduler (tcp://host:8786) or 'local'"
    )
    p.add_argument(
        "--checkpoint-seconds",
        type=_positive_float,
        default=None,
        metavar="S",
        help="save the resume state about every S seconds (default 1; 10 for Parquet)",
    )
    p.add_argument("--chunk-files", type=_positive_int, default=64, metavar="N", help="files per worker task (64)")
    p.set_defaults(func=run)
