"""Small hand-written SVG charts: line charts with marked points, and heatmaps.

Why not matplotlib: the report and the learning-curve plot need two chart
kinds only; writing them as SVG text keeps ``tagger`` free of a plotting
dependency, makes the report a single small file whose figures are text (they
scale, print, and can be searched and tested in the DOM), and gives byte-equal
output for equal input. Every label is escaped: tag names come from the user's
schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

__all__ = ["PALETTE", "Marker", "Series", "heatmap", "line_chart"]

#: Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933")
_FONT = 11


def _text_width(text: str, size: float = _FONT) -> float:
    """Rough width of ``text``: a sans-serif glyph is about 0.62 em wide on average."""
    return len(text) * 0.62 * size


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass
class Series:
    """One line: its name (legend), points, colour and whether it is dashed."""

    name: str
    xs: Sequence[float]
    ys: Sequence[float]
    color: str = PALETTE[0]
    dashed: bool = False
    points: bool = False  # draw a dot at every point (short series such as a learning curve)


@dataclass
class Marker:
    """A highlighted point with a short label, e.g. a chosen threshold."""

    x: float
    y: float
    label: str
    color: str = "#D55E00"
    title: str = ""


@dataclass
class _Frame:
    width: float
    height: float
    left: float = 42
    right: float = 14
    top: float = 26
    bottom: float = 36
    x_range: tuple[float, float] = (0.0, 1.0)
    y_range: tuple[float, float] = (0.0, 1.0)
    extra: list[str] = field(default_factory=list)

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    def px(self, x: float) -> float:
        x0, x1 = self.x_range
        return self.left + (x - x0) / (x1 - x0) * self.plot_w

    def py(self, y: float) -> float:
        y0, y1 = self.y_range
        return self.top + (1 - (y - y0) / (y1 - y0)) * self.plot_h


def _svg_open(width: float, height: float, label: str, kind: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {escape(kind)}" role="img" '
        f'aria-label="{escape(label)}" width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" font-family="sans-serif" font-size="{_FONT}">'
        f"<title>{escape(label)}</title>"
    )


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    markers: Sequence[Marker] = (),
    x_ticks: Sequence[tuple[float, str]] | None = None,
    y_ticks: Sequence[tuple[float, str]] | None = None,
    x_range: tuple[float, float] = (0.0, 1.0),
    y_range: tuple[float, float] = (0.0, 1.0),
    width: float = 262,
    height: float = 220,
    kind: str = "line-chart",
    note: str = "",
) -> str:
    """An SVG line chart: axes with ticks and grid, one polyline per series, labelled markers, a legend.

    ``note`` is drawn in grey in the middle of the plot (e.g. "no labelled example").
    """
    legend_rows = len(series) if len(series) > 1 else 0
    frame = _Frame(width, height + 15 * legend_rows, x_range=x_range, y_range=y_range)
    frame.bottom += 15 * legend_rows
    ticks = [(v / 5, f"{v / 5:.1f}") for v in range(6)]
    x_ticks = ticks if x_ticks is None else x_ticks
    y_ticks = ticks if y_ticks is None else y_ticks
    parts = [_svg_open(frame.width, frame.height, title, kind)]
    parts.append(
        f'<text x="{_num(frame.width / 2)}" y="15" text-anchor="middle" font-weight="bold">{escape(title)}</text>'
    )
    # grid and ticks
    for value, text in x_ticks:
        x = frame.px(value)
        parts.append(
            f'<line x1="{_num(x)}" y1="{_num(frame.top)}" x2="{_num(x)}" y2="{_num(frame.top + frame.plot_h)}" '
            'stroke="#e3e3e3"/>'
        )
        parts.append(
            f'<text x="{_num(x)}" y="{_num(frame.top + frame.plot_h + 13)}" text-anchor="middle" '
            f'fill="#444">{escape(text)}</text>'
        )
    for value, text in y_ticks:
        y = frame.py(value)
        parts.append(
            f'<line x1="{_num(frame.left)}" y1="{_num(y)}" x2="{_num(frame.left + frame.plot_w)}" y2="{_num(y)}" '
            'stroke="#e3e3e3"/>'
        )
        parts.append(
            f'<text x="{_num(frame.left - 4)}" y="{_num(y + 4)}" text-anchor="end" fill="#444">{escape(text)}</text>'
        )
    parts.append(
        f'<rect x="{_num(frame.left)}" y="{_num(frame.top)}" width="{_num(frame.plot_w)}" '
        f'height="{_num(frame.plot_h)}" fill="none" stroke="#888"/>'
    )
    parts.append(
        f'<text x="{_num(frame.left + frame.plot_w / 2)}" y="{_num(frame.top + frame.plot_h + 28)}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    cy = frame.top + frame.plot_h / 2
    parts.append(
        f'<text x="11" y="{_num(cy)}" text-anchor="middle" transform="rotate(-90 11 {_num(cy)})">'
        f"{escape(y_label)}</text>"
    )
    if note:
        parts.append(
            f'<text x="{_num(frame.left + frame.plot_w / 2)}" y="{_num(cy)}" text-anchor="middle" '
            f'fill="#888">{escape(note)}</text>'
        )
    for line in series:
        if not len(line.xs):
            continue
        coords = " ".join(f"{_num(frame.px(x))},{_num(frame.py(y))}" for x, y in zip(line.xs, line.ys))
        dash = ' stroke-dasharray="5 3"' if line.dashed else ""
        parts.append(
            f'<polyline class="series" points="{coords}" fill="none" stroke="{line.color}" stroke-width="1.8"'
            f"{dash}><title>{escape(line.name)}</title></polyline>"
        )
        if line.points:
            for x, y in zip(line.xs, line.ys):
                parts.append(
                    f'<circle cx="{_num(frame.px(x))}" cy="{_num(frame.py(y))}" r="2.6" fill="{line.color}">'
                    f"<title>{escape(line.name)}: {y:.3f}</title></circle>"
                )
    for mark in markers:
        x, y = frame.px(mark.x), frame.py(mark.y)
        parts.append(
            f'<circle class="marker" cx="{_num(x)}" cy="{_num(y)}" r="4.5" fill="{mark.color}" stroke="#fff" '
            f'stroke-width="1.2"><title>{escape(mark.title or mark.label)}</title></circle>'
        )
        # Put the label on the side of the point with room for it.
        anchor, dx = ("end", -7) if x > frame.left + frame.plot_w * 0.6 else ("start", 7)
        dy = 14 if y < frame.top + 16 else -7
        parts.append(
            f'<text x="{_num(x + dx)}" y="{_num(y + dy)}" text-anchor="{anchor}" fill="{mark.color}" '
            f'font-weight="bold" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(mark.label)}</text>'
        )
    for i, line in enumerate(series if legend_rows else ()):
        y = frame.top + frame.plot_h + 44 + 15 * i
        dash = ' stroke-dasharray="5 3"' if line.dashed else ""
        parts.append(
            f'<line x1="{_num(frame.left)}" y1="{_num(y - 4)}" x2="{_num(frame.left + 18)}" y2="{_num(y - 4)}" '
            f'stroke="{line.color}" stroke-width="2"{dash}/>'
        )
        parts.append(f'<text x="{_num(frame.left + 24)}" y="{_num(y)}">{escape(line.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _blend(share: float) -> str:
    """White to dark blue."""
    low, high = (255, 255, 255), (11, 79, 138)
    rgb = (round(a + (b - a) * share) for a, b in zip(low, high))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def heatmap(
    tags: Sequence[str],
    matrix: Sequence[Sequence[int]],
    *,
    title: str,
    row_title: str = "labelled tag (rows)",
    col_title: str = "predicted tag (columns)",
) -> str:
    """A confusion matrix: counts in cells, shaded by their share of the row (the labelled tag)."""
    n = len(tags)
    cell = max(26.0, min(48.0, 300.0 / max(n, 1)))
    longest = max((_text_width(t) for t in tags), default=0.0)
    left = longest + 30
    top = 30.0
    grid = cell * n
    bottom = longest * 0.72 + 34
    width = max(left + grid + 16, _text_width(title, _FONT) + 20)
    height = top + grid + bottom
    parts = [_svg_open(width, height, title, "heatmap")]
    parts.append(f'<text x="{_num(width / 2)}" y="15" text-anchor="middle" font-weight="bold">{escape(title)}</text>')
    for i, row in enumerate(matrix):
        total = sum(row)
        for j, count in enumerate(row):
            share = count / total if total else 0.0
            x, y = left + j * cell, top + i * cell
            tip = f"labelled {tags[i]}, predicted {tags[j]}: {count}" + (f" ({share:.0%} of the row)" if total else "")
            parts.append(
                f'<rect class="cell" x="{_num(x)}" y="{_num(y)}" width="{_num(cell)}" height="{_num(cell)}" '
                f'fill="{_blend(share)}" stroke="{"#333" if i == j else "#ccc"}"><title>{escape(tip)}</title></rect>'
            )
            parts.append(
                f'<text x="{_num(x + cell / 2)}" y="{_num(y + cell / 2 + 4)}" text-anchor="middle" '
                f'fill="{"#fff" if share > 0.5 else "#222"}">{count}</text>'
            )
    for i, tag in enumerate(tags):
        y = top + i * cell + cell / 2 + 4
        parts.append(f'<text x="{_num(left - 6)}" y="{_num(y)}" text-anchor="end">{escape(tag)}</text>')
        x = left + i * cell + cell / 2
        yb = top + grid + 8
        parts.append(
            f'<text x="{_num(x)}" y="{_num(yb)}" text-anchor="end" dominant-baseline="middle" '
            f'transform="rotate(-45 {_num(x)} {_num(yb)})">{escape(tag)}</text>'
        )
    parts.append(
        f'<text x="{_num(left + grid / 2)}" y="{_num(height - 6)}" text-anchor="middle" fill="#444">'
        f"{escape(col_title)}</text>"
    )
    cy = top + grid / 2
    parts.append(
        f'<text x="11" y="{_num(cy)}" text-anchor="middle" fill="#444" transform="rotate(-90 11 {_num(cy)})">'
        f"{escape(row_title)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
