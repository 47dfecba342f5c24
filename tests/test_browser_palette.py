"""The live charts in the palette's colours, each series named on the chart: the parameters at
their lines' ends (moved by the frames' own drawing, fastDraw, where Plotly itself puts them), the
compared runs at theirs."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402
from test_browser import assert_healthy, button, frames, open_app, wait_js  # noqa: E402
from test_browser_hall import next_lr, train_to_end  # noqa: E402

from ui import palette  # noqa: E402

pytestmark = pytest.mark.browser

# the names' text elements in a chart: [text, x, y (px in the page), fill colour]
NAMES = """name => Array.from(document.querySelectorAll('.lrviz-' + name + ' .scatterlayer .textpoint text'))
  .map(t => { const r = t.getBoundingClientRect();
              return [t.textContent, r.left + r.width / 2, r.top + r.height / 2,
                      getComputedStyle(t).fill]; })"""


# the loss chart's notes (the compared runs' names, the noise floor's note), each box with its
# background: [text, left, top, right, bottom] in page px
LOSS_NOTES = """() => Array.from(document.querySelectorAll('.lrviz-loss .annotation-text-g'))
  .map(g => { const r = g.getBoundingClientRect();
              return [g.textContent, r.left, r.top, r.right, r.bottom]; })"""
# the points a line trace of the loss chart is drawn through, in page px: every px along its path,
# and its markers' boxes as [left, top, right, bottom]
DRAWN = """name => {
  const g = Array.from(document.querySelectorAll('.lrviz-loss .scatterlayer .trace'))
    .find(g => g.__data__ && g.__data__[0] && g.__data__[0].trace.name === name);
  if (!g) return null;
  const points = [];
  g.querySelectorAll('path.js-line').forEach(p => {
    const m = p.getScreenCTM(), n = p.getTotalLength();
    for (let s = 0; s <= n; s += 1) {
      const q = p.getPointAtLength(s);
      points.push(new DOMPoint(q.x, q.y).matrixTransform(m));
    }
  });
  const markers = Array.from(g.querySelectorAll('path.point')).map(e => { const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; });
  return {points: points.map(q => [q.x, q.y]), markers: markers};
}"""


LAID = ("(d => d.__laid && d._fullLayout && Math.abs(d.__laid.h - d._fullLayout._size.h) < 1"
        " && Math.abs(d.__laid.w - d._fullLayout._size.w) < 1)(window.LRViz.state.plots.loss)")


def assert_loss_notes_apart(page):
    """No two notes on the loss chart overlap, and the noise floor's note is off the full-data
    loss line (its drawn path and its markers). Returns the notes' texts."""
    # the notes are laid out for the plot area Plotly drew last (it may grow a legend row)
    wait_js(page, LAID, 30_000)
    words = page.evaluate("window.LRViz.state.meta.words")
    boxes = page.evaluate(LOSS_NOTES)
    for i, a in enumerate(boxes):
        assert a[3] > a[1] and a[4] > a[2], a
        for b in boxes[i + 1:]:
            assert a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2], (a, b)
    floor = [b for b in boxes if b[0] == words["floor"]]
    assert len(floor) == 1, boxes
    _, left, top, right, bottom = floor[0]
    line = page.evaluate(f"({DRAWN})({words['epoch_loss']!r})")
    assert line and len(line["points"]) > 10 and line["markers"], line
    for x, y in line["points"]:
        assert not (left <= x <= right and top <= y <= bottom), (floor[0], x, y)
    for m in line["markers"]:
        assert m[2] <= left or right <= m[0] or m[3] <= top or bottom <= m[1], (floor[0], m)
    return [b[0] for b in boxes]


def rgb(hex_colour):
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))


def test_the_parameters_are_named_at_their_lines_ends_while_they_move(page):
    open_app(page, "/?speed=100")
    button(page, "Train").click()
    wait_js(page, "window.LRViz.state.painted > 60 && window.LRViz.stats.fast > 60", 30_000)
    page.evaluate("(() => { const S = window.LRViz.state; "
                  "S.hold = {shown: S.painted, t: performance.now() + 1e9, nonce: 'test'}; })()")
    frames(page)                        # the held step drawn by the frames' own drawing
    fast = page.evaluate(f"({NAMES})('params')")
    assert [n[0] for n in fast] == ["w₁", "w₂", "b"], fast
    # in their lines' hues, dark enough for text (palette.PARAMS_TEXT)
    assert [n[3] for n in fast] == [rgb(c) for c in (*palette.PARAMS_TEXT[:2], palette.B)]
    # each name sits just right of its line's last vertex (the step the charts show)
    ends = page.evaluate("""Array.from(document.querySelectorAll('.lrviz-params .scatterlayer .trace'))
      .map(g => g.querySelector('path.js-line')).filter(p => p && p.getAttribute('d'))
      .slice(-3).map(p => { const n = p.getTotalLength(), q = p.getPointAtLength(n),
                            m = p.getScreenCTM(); return [q.x * m.a + m.e, q.y * m.d + m.f]; })""")
    for (text, x, y, _), (ex, ey) in zip(fast, ends):
        assert 0 < x - ex < 40 and abs(y - ey) < 30, (text, x, y, ex, ey)
    page.evaluate("Plotly.redraw(window.LRViz.state.plots.params)")
    frames(page)
    plotly = page.evaluate(f"({NAMES})('params')")
    for a, b in zip(fast, plotly):
        assert a[0] == b[0] and abs(a[1] - b[1]) < 1.5 and abs(a[2] - b[2]) < 1.5, (a, b)
    assert_healthy(page)


def test_compared_runs_are_grey_dashed_and_named(page):
    open_app(page, "/?speed=0")
    for i in range(3):
        if i:
            next_lr(page)
        train_to_end(page)
    dashes = page.evaluate("Array.from(document.querySelectorAll('.lrviz-loss .scatterlayer .trace'))"
                           ".map(g => g.querySelector('path.js-line')).filter(Boolean)"
                           ".map(p => [p.style.stroke, p.style.strokeDasharray])")
    ghosts = [d for d in dashes if d[0] == rgb(palette.COMPARED)]
    assert len(ghosts) == 2 and len({d[1] for d in ghosts}) == 2 and all(d[1] for d in ghosts), dashes
    # each named at its line's end on a background, no name over another or over the floor's note
    names = assert_loss_notes_apart(page)
    assert sorted(names) == ["lr 0.03", "lr 0.05", "noise floor σ²/2"], names
    assert_healthy(page)
