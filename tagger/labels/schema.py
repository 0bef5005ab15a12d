"""The schema: which tasks a model predicts, their kind, and their allowed tags.

Nothing else in ``tagger`` knows tag names: everything is read from the schema,
so a user with other tasks or tags trains and predicts without code changes.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import SchemaError

__all__ = ["MULTI_LABEL", "SINGLE_LABEL", "Schema", "Task", "did_you_mean"]

MULTI_LABEL = "multi-label"
SINGLE_LABEL = "single-label"
TaskKind = Literal["multi-label", "single-label"]


def did_you_mean(value: str, choices: list[str] | tuple[str, ...]) -> str:
    """A ``did you mean 'x'?`` hint, or a list of the allowed values."""
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "allowed: " + ", ".join(repr(c) for c in choices)


@dataclass(frozen=True)
class Task:
    """One prediction task: a name, a kind, and its tags with a one-line meaning each.

    ``proper_names=False`` keeps the task's weights off proper names (words the labelled
    texts capitalise mid-sentence: places, people, outlets, the group's names): for a
    task whose tags are a judgement, such as a stance, the names in our labels are
    accidents of which stories we wrote, not evidence, and real pages mix them freely.
    """

    name: str
    kind: TaskKind
    tags: dict[str, str]
    description: str = ""
    proper_names: bool = True

    @property
    def multi_label(self) -> bool:
        return self.kind == MULTI_LABEL

    @property
    def tag_names(self) -> tuple[str, ...]:
        return tuple(self.tags)


@dataclass(frozen=True)
class Schema:
    """The tasks a label set and a model share."""

    tasks: tuple[Task, ...]
    name: str = "schema"
    description: str = ""
    _by_name: dict[str, Task] = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if not self.tasks:
            raise SchemaError("a schema needs at least one task")
        names = [t.name for t in self.tasks]
        if len(set(names)) != len(names):
            raise SchemaError(f"task names repeat in the schema: {names}")
        object.__setattr__(self, "_by_name", {t.name: t for t in self.tasks})

    def __getitem__(self, name: str) -> Task:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no task {name!r} in the schema; {did_you_mean(name, self.task_names)}") from None

    @property
    def task_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tasks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "tasks": [
                {
                    "name": t.name,
                    "kind": t.kind,
                    "description": t.description,
                    "tags": dict(t.tags),
                    **({} if t.proper_names else {"proper_names": False}),
                }
                for t in self.tasks
            ],
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "schema") -> Schema:
        """Build a schema from its JSON form, with errors that say what to fix."""
        if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
            raise SchemaError(f"{source}: expected an object with a list 'tasks'")
        tasks = []
        for i, raw in enumerate(data["tasks"]):
            where = f"{source}: task {i + 1}"
            if not isinstance(raw, dict):
                raise SchemaError(f"{where}: expected an object with name, kind and tags")
            name, kind, tags = raw.get("name"), raw.get("kind"), raw.get("tags")
            if not isinstance(name, str) or not name.isidentifier():
                raise SchemaError(f"{where}: 'name' must be an identifier such as 'topic', got {name!r}")
            if kind not in (MULTI_LABEL, SINGLE_LABEL):
                raise SchemaError(f"{where} ({name}): 'kind' must be '{MULTI_LABEL}' or '{SINGLE_LABEL}', got {kind!r}")
            if not isinstance(tags, dict) or not tags or not all(isinstance(k, str) for k in tags):
                raise SchemaError(f"{where} ({name}): 'tags' must map each tag to a one-line meaning")
            bad = [t for t in tags if not t or ";" in t or t != t.strip()]
            if bad:
                raise SchemaError(f"{where} ({name}): tags may not be empty, contain ';' or surrounding spaces: {bad}")
            if kind == SINGLE_LABEL and len(tags) < 2:
                raise SchemaError(f"{where} ({name}): a single-label task needs at least two tags")
            proper_names = raw.get("proper_names", True)
            if not isinstance(proper_names, bool):
                raise SchemaError(f"{where} ({name}): 'proper_names' must be true or false, got {proper_names!r}")
            tags_read = {str(k): str(v) for k, v in tags.items()}
            tasks.append(Task(name, kind, tags_read, str(raw.get("description", "")), proper_names))
        return cls(tuple(tasks), str(data.get("name", "schema")), str(data.get("description", "")))

    @classmethod
    def load(cls, path: str | Path) -> Schema:
        """Read a schema file (``schema.json``)."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SchemaError(
                f"{path}: no schema file; a labels folder needs schema.json (see labels/README.md)"
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SchemaError(f"{path}: not valid UTF-8 JSON: {exc}") from None
        return cls.from_dict(data, str(path))
