"""Entry point of the ``tagger`` command (also ``python -m tagger``).

Each subcommand lives in its own module with a ``register(subparsers)``
function, parses its arguments and calls the same function Python users
import. User mistakes end in one clear line on stderr and an exit code:
0 success, 1 bad data (labels, model, input files), 2 usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import TaggerError
from . import check, curve, explain, import_, inspect, predict, rollback, suggest, tag, train
from . import eval as eval_

#: Subcommand modules, in the order ``tagger --help`` lists them.
COMMANDS = [predict, train, rollback, eval_, explain, inspect, curve, suggest, check, import_, tag]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tagger", description="Tag news articles and paragraphs by topic, stance and source type."
    )
    parser.add_argument("--version", action="version", version=f"tagger {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except TaggerError as exc:
        print(f"tagger: error: {exc}", file=sys.stderr)
        return 1
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"tagger: error: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tagger: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`tagger predict ... | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 0
