"""What the live charts are sent about the earlier runs kept to compare: decimated, labelled by
what differed."""

from __future__ import annotations

from core import settings as S
from core.run import Run
from ui import live


def small_run(**changes):
    values, _ = S.parse_settings({})
    run = Run(dict(values, **changes))
    run.advance(40)
    return run


def test_a_kept_run_is_decimated_and_labelled_by_what_differed():
    old = small_run(lr=0.1, batch_size=20)
    g = live.ghost(old, 1, points=25)
    assert len(g.x) == 25 and g.x[0] == 1 and g.x[-1] == 40
    assert len(g.w) == 2 and len(g.loss) == len(g.b) == 25
    assert g.bounds == [min(g.w[0] + g.w[1] + g.b), max(g.w[0] + g.w[1] + g.b)]
    now = small_run()
    assert live.ghost_label(g, now.settings) == "lr 0.1 · batch 20"
    assert live.ghost_label(g, old.settings) == "run 1, same settings"
    meta = live.meta(now, [g])
    assert meta["ghosts"][0]["label"] == "lr 0.1 · batch 20" and meta["ghosts"][0]["same_d"]
