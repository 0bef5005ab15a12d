"""Label schema and label files."""

from .files import LabelSet, read_labels
from .schema import Schema, Task

__all__ = ["LabelSet", "Schema", "Task", "read_labels"]
