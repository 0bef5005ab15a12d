"""The evaluation report: one self-contained HTML file, readable in any browser with no server.

No script, no external style sheet, font or image: the figures are inline SVG
(:mod:`tagger.report.svg`), the styles one ``<style>`` block. The evaluation
itself is embedded as JSON (``<script type="application/json"
id="evaluation-data">``, data only, never run) so the file is also a record.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from html import escape
from pathlib import Path
from typing import Any

from .._version import __version__
from ..storage.atomic import atomic_write_text
from .svg import PALETTE, Marker, Series, heatmap, line_chart

__all__ = ["render_report", "write_report"]

_LEVELS = {"paragraph": "Paragraph level", "article": "Article level"}
_RULES = {
    "threshold": "the tag's tuned threshold",
    "argmax": "the most probable tag wins (argmax)",
    "article rule": "the article rules (from the paragraphs' tags)",
}

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1180px;
       padding: 0 16px; color: #1d1d1d; line-height: 1.4; }
h1 { font-size: 1.5em; margin-bottom: 4px; } h2 { margin-top: 2em; border-bottom: 2px solid #ddd; }
h3 { margin-top: 1.6em; } .muted { color: #666; } code { background: #f3f3f3; padding: 0 3px; }
table { border-collapse: collapse; margin: 8px 0 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e5e5e5; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f6f6f6; }
td.low { color: #b00020; font-weight: 600; }
table.summary th:nth-child(2), table.summary td:nth-child(2) { text-align: left; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 10px 0; }
dl.meta dt { color: #666; } dl.meta dd { margin: 0; }
.grid { display: flex; flex-wrap: wrap; gap: 10px; }
figure { margin: 0 0 10px; padding: 6px; width: fit-content; border: 1px solid #eee; border-radius: 4px; }
figcaption { font-size: 0.85em; color: #555; max-width: 262px; }
figure.confusion figcaption { max-width: 420px; }
@media print { figure { break-inside: avoid; } }
"""


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _summary_table(evaluation: dict[str, Any]) -> str:
    rows = []
    for level, heading in _LEVELS.items():
        for task, block in evaluation.get(level, {}).items():
            rows.append(
                f"<tr><td>{escape(heading.split()[0])}</td><td>{escape(task)}</td>"
                f"<td>{_f(block['micro_f1'])}</td><td>{_f(block['macro_f1'])}</td>"
                f"<td>{_f(block.get('accuracy'))}</td></tr>"
            )
    return (
        '<table class="summary"><thead><tr><th>level</th><th>task</th><th>micro-F1</th><th>macro-F1</th>'
        "<th>accuracy</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _operating_text(point: dict[str, Any]) -> str:
    if point.get("threshold") is not None:
        return f"threshold {point['threshold']:.3f}"
    return {"argmax": "argmax", "article rule": "article rule"}.get(point.get("rule", ""), "")


def _tag_table(block: dict[str, Any]) -> str:
    rows = []
    for tag, s in block["per_tag"].items():
        curve = block.get("curves", {}).get(tag, {})
        low = ' class="low"' if s["support"] and s["f1"] < 0.5 else ""
        rows.append(
            f"<tr><td>{escape(tag)}</td><td>{_f(s['precision'])}</td><td>{_f(s['recall'])}</td>"
            f"<td{low}>{_f(s['f1'])}</td><td>{s['support']}</td><td>{_f(curve.get('average_precision'))}</td>"
            f"<td>{escape(_operating_text(curve.get('operating_point', {})))}</td></tr>"
        )
    return (
        '<table class="per-tag"><thead><tr><th>tag</th><th>precision</th><th>recall</th><th>F1</th>'
        "<th>support</th><th>average precision</th><th>operating point</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _pr_figure(level: str, task: str, tag: str, curve: dict[str, Any], n_items: int, support: int) -> str:
    point = curve["operating_point"]
    series, markers, note = [], [], ""
    if curve["recall"]:
        series.append(Series("precision-recall", curve["recall"], curve["precision"], PALETTE[0]))
        if n_items:
            base = support / n_items
            series.append(Series(f"chance ({base:.2f})", [0.0, 1.0], [base, base], "#999999", dashed=True))
        if point["rule"] == "threshold":
            label = f"t={point['threshold']:.2f}"
        else:
            label = point["rule"]
        markers.append(
            Marker(
                point["recall"],
                point["precision"],
                label,
                PALETTE[1],
                f"operating point ({_RULES.get(point['rule'], point['rule'])}): "
                f"precision {point['precision']:.3f}, recall {point['recall']:.3f}",
            )
        )
    else:
        note = "no labelled example"
    svg = line_chart(series, title=tag, x_label="recall", y_label="precision", markers=markers, note=note)
    ap = curve.get("average_precision")
    caption = f"{escape(task)} · {escape(tag)}: support {support}"
    if ap is not None:
        caption += (
            f", average precision {ap:.3f}; dot: {escape(_RULES.get(point['rule'], point['rule']))} "
            f"(P {point['precision']:.2f}, R {point['recall']:.2f})"
        )
    return (
        f'<figure class="figure pr-curve" data-level="{escape(level)}" data-task="{escape(task)}" '
        f'data-tag="{escape(tag)}" data-support="{support}">{svg}<figcaption>{caption}</figcaption></figure>'
    )


def _confusion_figure(level: str, task: str, confusion: dict[str, Any]) -> str:
    svg = heatmap(confusion["tags"], confusion["matrix"], title=f"{task}: confusion matrix")
    return (
        f'<figure class="figure confusion" data-level="{escape(level)}" data-task="{escape(task)}">{svg}'
        "<figcaption>Rows: the labelled tag; columns: the predicted tag. Shade: the share of the row; "
        "the diagonal holds the correct predictions.</figcaption></figure>"
    )


def _level_section(level: str, blocks: dict[str, Any], n_items: int) -> str:
    out = [f'<section class="level" id="level-{level}"><h2>{_LEVELS[level]}</h2>']
    if level == "article":
        out.append(
            '<p class="muted">Articles are tagged as in real use: from their raw text when the labels folder has '
            "it, split into paragraphs, then the article rules.</p>"
        )
    for task, block in blocks.items():
        summary = f"micro-F1 {_f(block['micro_f1'])} · macro-F1 {_f(block['macro_f1'])}"
        if "accuracy" in block:
            summary += f" · accuracy {_f(block['accuracy'])}"
        out.append(f'<h3 id="{escape(level)}-{escape(task)}">{escape(task)}</h3><p>{summary}</p>')
        out.append(_tag_table(block))
        if "confusion" in block:
            out.append(_confusion_figure(level, task, block["confusion"]))
            out.append("<h4>Precision-recall curves, one tag against the others</h4>")
        else:
            out.append("<h4>Precision-recall curves</h4>")
        figures = [
            _pr_figure(level, task, tag, curve, n_items, block["per_tag"][tag]["support"])
            for tag, curve in block.get("curves", {}).items()
        ]
        out.append('<div class="grid">' + "".join(figures) + "</div>")
    out.append("</section>")
    return "".join(out)


def render_report(
    evaluation: dict[str, Any],
    *,
    model_meta: dict[str, Any] | None = None,
    labels_path: str | os.PathLike[str] | None = None,
    title: str | None = None,
) -> str:
    """The HTML text of a report on ``evaluation`` (the dict :func:`tagger.model.evaluate.evaluate` returns)."""
    meta = model_meta or {}
    model_id = meta.get("model_id", "unsaved model")
    title = title or f"Evaluation of {model_id}"
    counts = evaluation.get("counts", {})
    generated = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    facts = [
        ("model", model_id),
        ("model created", meta.get("created", "")),
        ("labels", str(labels_path) if labels_path is not None else ""),
        ("paragraphs", counts.get("paragraphs", "")),
        ("articles", counts.get("articles", "")),
        ("article labels", counts.get("article_labels", "")),
        ("articles tagged from raw text", counts.get("article_raw_texts", "")),
        ("report written", f"{generated} by tagger {__version__}"),
    ]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in facts if v != "")
    sections = []
    for level, n_items in (("paragraph", counts.get("paragraphs", 0)), ("article", counts.get("article_labels", 0))):
        if evaluation.get(level):
            sections.append(_level_section(level, evaluation[level], int(n_items or 0)))
    if not evaluation.get("article"):
        sections.append('<p class="muted">The labels folder has no article labels: no article-level scores.</p>')
    data = json.dumps(evaluation, ensure_ascii=False, sort_keys=False).replace("</", "<\\/")
    notes = (
        "<h2>How to read this</h2><ul>"
        "<li><b>Precision</b>: of the items given a tag, the share that carry it; <b>recall</b>: of the items "
        "that carry it, the share found; <b>F1</b>: their harmonic mean; <b>support</b>: labelled items with "
        "the tag.</li>"
        "<li><b>Micro-F1</b> pools every decision; <b>macro-F1</b> averages the tags' F1, so rare tags count as "
        "much as common ones. <b>Accuracy</b>: the share of items whose tag (single-label) or whole tag set "
        "(multi-label) is right.</li>"
        "<li>A precision-recall curve shows what each cut-off on the tag's score would give. The dot is where the "
        "model operates: a multi-label tag's tuned threshold, the argmax of a single-label task, or the article "
        "rules at article level (which need not lie on the curve). The dashed line is a random ranking.</li>"
        "</ul>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{escape(title)}</h1><dl class="meta">{dl}</dl>'
        f"<h2>Summary</h2>{_summary_table(evaluation)}"
        + "".join(sections)
        + notes
        + f'<script type="application/json" id="evaluation-data">{data}</script>'
        + "</body></html>\n"
    )


def write_report(
    evaluation: dict[str, Any],
    path: str | os.PathLike[str],
    *,
    model_meta: dict[str, Any] | None = None,
    labels_path: str | os.PathLike[str] | None = None,
    title: str | None = None,
) -> Path:
    """Write the HTML report to ``path`` atomically and return the path.

    >>> from tagger.model.evaluate import evaluate, read_eval_labels  # doctest: +SKIP
    >>> model = tagger.load("models/mine")  # doctest: +SKIP
    >>> write_report(evaluate(model, read_eval_labels(model, "testset")), "report.html")  # doctest: +SKIP
    """
    html = render_report(evaluation, model_meta=model_meta, labels_path=labels_path, title=title)
    return atomic_write_text(path, html)
