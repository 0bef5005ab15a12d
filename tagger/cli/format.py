"""Plain-text tables for the terminal."""

from __future__ import annotations

import shutil
import textwrap
from typing import Any

from ..model.results import ArticleResult, ParagraphResult


def _tag_text(value: str | list[str]) -> str:
    if isinstance(value, list):
        return ",".join(value) if value else "-"
    return value


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def format_article(result: ArticleResult, name: str = "") -> str:
    out = [f"== {name}" if name else "== article"]
    for task, value in result.tags.items():
        scores = result.scores[task]
        shown = value if isinstance(value, list) else [value]
        detail = ", ".join(f"{t} {scores[t]:.2f}" for t in shown) or "-"
        out.append(f"{task:>12}: {detail}")
    out.append("")
    out.append(format_paragraphs(result.paragraphs))
    return "\n".join(out)


def format_paragraphs(paragraphs: list[ParagraphResult]) -> str:
    if not paragraphs:
        return "(no paragraphs)"
    tasks = list(paragraphs[0].tags)
    width = max(30, shutil.get_terminal_size((120, 20)).columns - 12 - 22 * len(tasks))
    rows = [[str(p.index), *(_tag_text(p.tags[t]) for t in tasks), textwrap.shorten(p.text, width)] for p in paragraphs]
    return table(rows, ["#", *tasks, "text"])


def format_scores(scores: dict[str, Any]) -> str:
    """Per-tag precision/recall/F1 tables of a ``cv_scores`` block."""
    parts = []
    for task, block in scores.items():
        rows = [
            [tag, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s["support"])]
            for tag, s in block["per_tag"].items()
        ]
        summary = f"micro-F1 {block['micro_f1']:.3f}  macro-F1 {block['macro_f1']:.3f}"
        if "accuracy" in block:
            summary += f"  accuracy {block['accuracy']:.3f}"
        parts.append(f"{task}: {summary}\n" + table(rows, ["tag", "precision", "recall", "f1", "support"]))
    return "\n\n".join(parts)


def format_rule_choice(judged: dict[str, Any]) -> str:
    """The article rule kept per single-label task, beside each candidate's held-out scores."""
    lines = []
    for task, record in judged.items():
        ranked = sorted(record["held_out"].items(), key=lambda item: item[1], reverse=True)
        shown = ", ".join(f"{name} {macro:.3f}/{accuracy:.3f}" for name, (macro, accuracy) in ranked)
        lines.append(f"  {task}: kept {record['kept']} (held-out articles, macro-F1/accuracy: {shown})")
    return "\nArticle rules:\n" + "\n".join(lines) if lines else ""
