"""The live charts in the palette's colours, each series named on the chart: the parameters at
their lines' ends (moved by the frames' own drawing, fastDraw, where Plotly itself puts them), the
compared runs at theirs."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_browser import assert_healthy, button, open_app, wait_js  # noqa: E402
from test_browser_hall import next_lr, train_to_end  # noqa: E402

from ui import palette  # noqa: E402

# the names' text elements in a chart: [text, x, y (px in the page), fill colour]
NAMES = """name => Array.from(document.querySelectorAll('.lrviz-' + name + ' .scatterlayer .textpoint text'))
  .map(t => { const r = t.getBoundingClientRect();
              return [t.textContent, r.left + r.width / 2, r.top + r.height / 2,
                      getComputedStyle(t).fill]; })"""


def rgb(hex_colour):
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))


def test_the_parameters_are_named_at_their_lines_ends_while_they_move(page):
    open_app(page, "/?speed=100")
    button(page, "Train").click()
    wait_js(page, "window.LRViz.state.painted > 60 && window.LRViz.stats.fast > 60", 30_000)
    page.evaluate("(() => { const S = window.LRViz.state; "
                  "S.hold = {shown: S.painted, t: performance.now() + 1e9, nonce: 'test'}; })()")
    page.wait_for_timeout(300)
    fast = page.evaluate(f"({NAMES})('params')")
    assert [n[0] for n in fast] == ["w₁", "w₂", "b"], fast
    assert [n[3] for n in fast] == [rgb(palette.W1), rgb(palette.W2), rgb(palette.B)]
    # each name sits just right of its line's last vertex (the step the charts show)
    ends = page.evaluate("""Array.from(document.querySelectorAll('.lrviz-params .scatterlayer .trace'))
      .map(g => g.querySelector('path.js-line')).filter(p => p && p.getAttribute('d'))
      .slice(-3).map(p => { const n = p.getTotalLength(), q = p.getPointAtLength(n),
                            m = p.getScreenCTM(); return [q.x * m.a + m.e, q.y * m.d + m.f]; })""")
    for (text, x, y, _), (ex, ey) in zip(fast, ends):
        assert 0 < x - ex < 40 and abs(y - ey) < 30, (text, x, y, ex, ey)
    page.evaluate("Plotly.redraw(window.LRViz.state.plots.params)")
    page.wait_for_timeout(300)
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
    names = page.evaluate(f"({NAMES})('loss')")
    assert [n[0] for n in names] == ["lr 0.03", "lr 0.05"], names
    assert abs(names[0][2] - names[1][2]) > 10           # never on top of each other
    assert_healthy(page)
