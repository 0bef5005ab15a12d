"""Reports a person opens: the HTML evaluation report and SVG plots (no plotting dependency)."""

from __future__ import annotations

from .html import render_report, write_report

__all__ = ["render_report", "write_report"]
