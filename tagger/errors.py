"""Exceptions and warnings a caller of ``tagger`` may want to catch.

Each subclasses the built-in exception a caller would already catch
(``ValueError``), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass


class TaggerError(Exception):
    """Base class of every error raised on purpose by ``tagger``."""


@dataclass(frozen=True)
class Problem:
    """One problem in one label file: where it is, what is wrong, how to fix it."""

    path: str
    line: int | None
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        return f"{text} ({self.fix})" if self.fix else text


class LabelError(TaggerError, ValueError):
    """Label files that cannot be trained on. ``problems`` lists every one found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:25])
        more = len(self.problems) - 25
        if more > 0:
            shown += f"\n  ... and {more} more"
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{len(self.problems)} {noun} in the label files:\n{shown}")


class SchemaError(TaggerError, ValueError):
    """A schema file that does not declare tasks the way ``labels/README.md`` says."""


class ModelError(TaggerError, ValueError):
    """A model directory that cannot be loaded: missing, foreign, tampered or too new."""


class ModelVersionWarning(UserWarning):
    """The model was trained with other library versions; predictions may differ."""
