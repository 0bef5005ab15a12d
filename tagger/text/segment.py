"""Split an article into paragraphs, the way the labelling guide defines them.

A paragraph is a unit the page sets apart:

* blocks are separated by blank lines (a line of only white space counts as blank);
* inside a block whose lines are hard-wrapped at a fixed width (no line longer
  than about 100 characters, some ending mid-sentence) the lines join into one
  paragraph, except that a bulleted line starts a new one;
* otherwise each line of the block is its own paragraph, except that a line cut
  mid-sentence by a hard wrap runs on into the next line;
* white space is folded: runs of spaces, tabs and no-break spaces become one space.

Each paragraph keeps its character span in the original text, so callers can
point back into the file (``text[start:end]`` covers the paragraph's lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Segment", "fold_whitespace", "split_paragraphs"]

#: Lines longer than this are never taken as part of a hard-wrapped block.
WRAP_WIDTH = 100

# str.split() with no argument splits on every Unicode space, no-break spaces
# included; U+FEFF (a BOM, or a zero-width no-break space) is folded as well.
_BULLET = re.compile(r"^\s*(?:[-*+•·▪◦‣●■–—]|\d{1,3}[.)])\s+\S")
# A line "ends a sentence" on terminal punctuation, possibly followed by
# closing quotes or brackets. Anything else (a word, a comma) ends mid-sentence.
_SENTENCE_END = re.compile(r"""[.!?:;…]["'”’»)\]]*$|["”’»]$""")


@dataclass(frozen=True)
class Segment:
    """One paragraph: its folded text and its ``[start, end)`` span in the original."""

    text: str
    start: int
    end: int


def fold_whitespace(text: str) -> str:
    """Collapse every run of white space (no-break spaces included) to one space."""
    return " ".join(text.replace("\ufeff", " ").split())


@dataclass(frozen=True)
class _Line:
    text: str  # the line without its line break, white space folded
    start: int
    end: int  # offset just past the last non-space character


def _lines(text: str) -> list[_Line | None]:
    """The text's lines with their offsets; ``None`` marks a blank line."""
    lines: list[_Line | None] = []
    offset = 0
    for raw in text.splitlines(keepends=True):
        start, offset = offset, offset + len(raw)
        words = raw.replace("\ufeff", " ").split()
        if not words:
            lines.append(None)
            continue
        content = raw.replace("\ufeff", " ")
        lead = len(content) - len(content.lstrip())
        lines.append(_Line(" ".join(words), start + lead, start + len(content.rstrip())))
    return lines


def _blocks(lines: list[_Line | None]) -> list[list[_Line]]:
    blocks: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        if line is None:
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _ends_mid_sentence(line: str) -> bool:
    return not _SENTENCE_END.search(line)


def _is_bullet(line: str) -> bool:
    return bool(_BULLET.match(line))


def _is_hard_wrapped(block: list[_Line]) -> bool:
    """True when the block's lines look cut at a fixed width rather than set apart."""
    if len(block) < 2:
        return False
    if any(len(line.text) > WRAP_WIDTH for line in block):
        return False
    return any(_ends_mid_sentence(line.text) for line in block[:-1])


def _join(lines: list[_Line]) -> Segment:
    return Segment(" ".join(line.text for line in lines), lines[0].start, lines[-1].end)


def _split_block(block: list[_Line]) -> list[Segment]:
    groups: list[list[_Line]] = []
    if _is_hard_wrapped(block):
        for line in block:
            if not groups or _is_bullet(line.text):
                groups.append([line])
            else:
                groups[-1].append(line)
    else:
        for line in block:
            runs_on = (
                groups
                and _ends_mid_sentence(groups[-1][-1].text)
                and line.text[:1].islower()
                and not _is_bullet(line.text)
            )
            if runs_on:
                groups[-1].append(line)
            else:
                groups.append([line])
    return [_join(group) for group in groups]


def split_paragraphs(text: str) -> list[Segment]:
    """Split ``text`` into paragraphs with their spans.

    >>> [s.text for s in split_paragraphs("BAGHDAD (Wire) -- Forces moved\\nnorth on Monday.\\n\\nPhoto: a convoy")]
    ['BAGHDAD (Wire) -- Forces moved north on Monday.', 'Photo: a convoy']
    """
    if not isinstance(text, str):
        raise TypeError(f"split_paragraphs expects str, got {type(text).__name__}")
    segments: list[Segment] = []
    for block in _blocks(_lines(text)):
        segments.extend(_split_block(block))
    return segments
