"""The HTML report opened in a real browser (headless Chromium): every figure is laid out and drawn.

Chromium loads the report from a file:// URL, with no server and no network.
A copy of the report gets a small script appended (the report itself has no
script) that measures each figure after layout: its on-screen box, and the
bounding boxes of the curves, threshold markers and matrix cells drawn in it.
``--dump-dom`` prints the page after that script ran.

Skipped only when no Chromium binary exists. CI installs it with
``apt-get update && apt-get install -y chromium``.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tagger.model.evaluate import evaluate, read_eval_labels
from tagger.report import write_report
from tests.test_eval import _test_labels

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM = os.environ.get("TAGGER_CHROMIUM") or next(filter(None, map(shutil.which, _CANDIDATES)), None)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium binary; install it with: apt-get update && apt-get install -y chromium"
)

_MEASURE = """
<script>
(function () {
  var out = [];
  document.querySelectorAll("figure.figure").forEach(function (figure) {
    var svg = figure.querySelector("svg");
    var box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    var shapes = [];
    if (svg) {
      svg.querySelectorAll("polyline.series, circle.marker, rect.cell").forEach(function (shape) {
        var b = shape.getBBox();
        shapes.push({kind: shape.tagName + "." + shape.getAttribute("class"), width: b.width, height: b.height});
      });
    }
    out.push({kind: figure.className, level: figure.dataset.level, task: figure.dataset.task,
              tag: figure.dataset.tag || null, support: Number(figure.dataset.support || 0),
              width: box.width, height: box.height, shapes: shapes,
              visible: getComputedStyle(figure).display !== "none"});
  });
  var pre = document.createElement("pre");
  pre.id = "render-check";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def _render(page: Path, profile: Path) -> str:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_report_figures_render_in_chromium(weather_model, tmp_path):
    model, _ = weather_model
    folder = _test_labels(tmp_path / "labels", texts=True)
    evaluation = evaluate(model, read_eval_labels(model, folder), folder / "texts")
    report = write_report(evaluation, tmp_path / "report.html", model_meta=model.meta, labels_path=folder)
    instrumented = tmp_path / "instrumented.html"
    text = report.read_text(encoding="utf-8")
    assert "<script>" not in text  # the report runs nothing itself
    instrumented.write_text(text.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")

    dom = _render(instrumented, tmp_path / "profile")
    found = re.search(r'<pre id="render-check">(.*?)</pre>', dom, re.S)
    assert found, "the measuring script did not run"
    figures = json.loads(html.unescape(found.group(1)))

    confusion = [f for f in figures if "confusion" in f["kind"]]
    curves = [f for f in figures if "pr-curve" in f["kind"]]
    assert {(f["level"], f["task"]) for f in confusion} == {("paragraph", "mood"), ("article", "mood")}
    expected = {
        (level, task, tag)
        for level in ("paragraph", "article")
        for task, tags in (("sky", ("rain", "sun", "wind")), ("mood", ("calm", "alarm")))
        for tag in tags
    }
    assert {(f["level"], f["task"], f["tag"]) for f in curves} == expected
    for figure in figures:
        assert figure["visible"] and figure["width"] > 150 and figure["height"] > 150, figure
    for figure in confusion:
        cells = [s for s in figure["shapes"] if s["kind"] == "rect.cell"]
        assert len(cells) == 4 and all(c["width"] > 10 and c["height"] > 10 for c in cells)
    assert sum(f["support"] > 0 for f in curves) >= 8
    for figure in (f for f in curves if f["support"] > 0):
        lines = [s for s in figure["shapes"] if s["kind"] == "polyline.series"]
        markers = [s for s in figure["shapes"] if s["kind"] == "circle.marker"]
        # the curve (and the dashed chance line) are drawn with a real extent, and the threshold is marked
        assert lines and max(s["width"] + s["height"] for s in lines) > 20, figure
        assert len(markers) == 1 and markers[0]["width"] > 3, figure
