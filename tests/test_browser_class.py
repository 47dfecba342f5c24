"""The class together in real Chromium, one server: a lecturer's projector (1400 x 1000) and three
phones (390 x 844, mobile), each its own browser (its own localStorage, so its own anonymous id).

A whole peer-instruction cycle (join by link and by code, open, vote with the bars hidden, the
live count, discuss, second vote with a change of mind, reveal: the live charts play, the right
answer marked with the share, the phones told) and the class experiment (each phone trains its
handed lr, the projector shows its dots; the reveal's run still there when it has ended), in
English and in Chinese; then the lecturer's main page: a phone follows it (the lecturer's next lr
reaches it, Leave gives the student's own back) and "what happens next?" reaches the phones; and
what a student's browser cannot do on /class (no lecturer controls, a wrong key refused). The
tests find things by widget keys (`.st-key-<key>`) and numbers, not by words, except where they
check the language. Uses the shared server and Chromium of conftest; every wait is for a condition.
"""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from conftest import words
from test_browser import IDLE, assert_healthy, wait_js

pytestmark = pytest.mark.browser

LOCALES = [pytest.param("en", "en-US", id="en"), pytest.param("zh", "zh-CN", id="zh")]
PROJECTOR, PHONE = {"width": 1400, "height": 1000}, {"width": 390, "height": 844}
LECTURER_CONTROLS = ("class_question", "class_open", "class_discuss", "class_second", "class_reveal",
                     "class_next", "class_exp_start", "class_exp_stop", "class_lecturer_key")
# the dots drawn in the Plotly chart under `sel`: every trace's points (the 2/λ_max line is a shape)
DOTS = """() => {{ const gd = document.querySelector("{sel} .js-plotly-plot");
  return !!gd && !!gd.data && gd.data.filter(t => (t.mode || '').includes('markers'))
    .reduce((n, t) => n + (t.x ? t.x.length : 0), 0) === {n}; }}"""
LIVE = "window.LRViz.instances.class_lrviz.state"           # the reveal's live charts (prefix class_)
# the main page's lr, as its script writes it to the link
LR = "new URL(location).searchParams.get('lr')"


def lr(page):
    return page.evaluate(LR)


def key(name):
    return f".st-key-{name}"


def numbers(page, selector):
    """The integers in the first Markdown paragraph (not a heading) under `selector`, or None."""
    return page.evaluate("""sel => { const box = document.querySelector(sel);
      const p = box && box.querySelector("[data-testid='stMarkdown']");
      return p ? (p.innerText.match(/\\d+/g) || []).map(Number) : null; }""", selector)


def wait_numbers(page, selector, expected, timeout=30_000):
    """Wait until the first Markdown line under `selector` holds exactly these integers."""
    wait_js(page, f"""() => {{ const box = document.querySelector({json.dumps(selector)});
      const p = box && box.querySelector("[data-testid='stMarkdown']");
      return !!p && JSON.stringify((p.innerText.match(/\\d+/g) || []).map(Number))
        === {json.dumps(json.dumps(expected, separators=(",", ":")))}; }}""", timeout)


def figure(page, selector):
    """The data of the Plotly chart under `selector` as drawn: [{x, y, name}] per trace."""
    return page.evaluate("""sel => { const gd = document.querySelector(sel + ' .js-plotly-plot');
      return gd && gd.data ? gd.data.map(t => ({x: Array.from(t.x || []), y: Array.from(t.y || []),
                                               name: t.name, mode: t.mode})) : null; }""", selector)


def press(page, name):
    """Press the button of widget key `name` (the first shown)."""
    page.locator(f"{key(name)} button:visible").first.click()


@contextlib.contextmanager
def hall(browser, server, locale):
    """A projector and three phones, each a browser context of its own in `locale`."""
    contexts = []

    def tab(viewport, mobile):
        context = browser.new_context(viewport=viewport, base_url=server, locale=locale,
                                      is_mobile=mobile, has_touch=mobile)
        context.set_default_timeout(30_000)
        contexts.append(context)
        p = context.new_page()
        p.errors = []
        p.on("pageerror", lambda exc: p.errors.append(str(exc)))
        # the replicas that served its pages (through the deploy recipe, which names them)
        p.replicas = set()
        p.on("response", lambda r: r.request.resource_type == "document"
             and p.replicas.add(r.headers.get("x-lrviz-server")))
        return p

    try:
        yield tab(PROJECTOR, False), [tab(PHONE, True) for _ in range(3)]
    finally:
        for context in contexts:
            with contextlib.suppress(Exception):
                context.close()


def start_room(lec, lang):
    """Start a room on the projector: (code, secret) — the secret from the lecturer's own
    browser's localStorage, where ui/browser_id.py keeps it."""
    lec.goto(f"/class?lang={lang}")
    lec.wait_for_selector(IDLE, timeout=60_000)
    lec.locator(f"{key('class_start')} button:not([disabled])").click()
    lec.wait_for_selector(".lrviz-room-code")
    shown = lec.inner_text(".lrviz-room-code")              # "Room code:" for screen readers, the code
    code = shown.split()[-1]
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{6}", code), shown
    wait_js(lec, f"(localStorage.getItem('lrviz.rooms') || '').includes({json.dumps(code)})", 30_000)
    secret = dict(json.loads(lec.evaluate("localStorage.getItem('lrviz.rooms')")))[code]
    return code, secret


def join(phones, code, lang):
    """The first phone by the link (the QR code's), the others by typing the code."""
    for i, p in enumerate(phones):
        if i == 0:
            p.goto(f"/join?room={code}&lang={lang}")
        else:
            p.goto(f"/join?lang={lang}")
            p.locator(f"{key('join_code')} input").fill(code.lower() if i == 1 else f"{code[:3]}-{code[3:]}")
            press(p, "join_go")
        p.wait_for_selector(key("join_question"))
        assert f"room={code}" in p.url


def vote(p, choice):
    """Vote on a phone, and wait until the phone shows it as this phone's vote."""
    p.locator(f"{key('vote_' + choice)} button:not([disabled])").click()
    wait_js(p, f"""() => {{ const b = document.querySelector("{key('vote_' + choice)} button");
      return b && b.getAttribute('data-testid') === 'stBaseButton-primary'; }}""", 30_000)


def bars_hidden(lec):
    return lec.locator(f"{key('class_tally')} .js-plotly-plot").count() == 0


@pytest.mark.parametrize("lang, locale", LOCALES)
def test_a_peer_instruction_cycle_and_the_class_experiment_with_three_phones(browser, server, lang, locale):
    cycle(browser, server, lang, locale)


def cycle(browser, server, lang, locale):
    """The whole cycle on the app at `server` (one server here; two replicas behind the deploy
    recipe in tests/test_deploy_class.py). Returns the replicas that served the projector and
    each phone (None where nothing named one)."""
    with hall(browser, server, locale) as (lec, phones):
        code, secret = start_room(lec, lang)
        # the secret is nowhere on the projected page nor in its address
        assert secret not in lec.inner_text("body") and secret not in lec.url
        assert secret not in lec.locator(key("class_code")).inner_html()
        # the language: the page's title in the link's language (the catalogue's words for it)
        assert lec.inner_text("h1") == words(lang)("The class together")

        join(phones, code, lang)
        wait_js(lec, f"/\\b3\\b/.test(document.querySelector('{key('class_count')}').innerText)", 30_000)
        assert phones[0].inner_text("h1") == words(lang)("Join the class")

        # open the first question (the selectbox's first: lr = 1.0, it settles)
        press(lec, "class_open")
        for p in phones:
            p.wait_for_selector(f"{key('vote_settles')} button:not([disabled])")
        vote(phones[0], "settles")
        vote(phones[1], "diverges")
        vote(phones[2], "still_falling")
        wait_numbers(lec, key("class_tally"), [3, 3])              # 3 votes of 3 phones
        assert bars_hidden(lec), "the bars show while the class votes"

        press(lec, "class_discuss")
        lec.wait_for_selector(f"{key('class_tally')} .js-plotly-plot")          # the first vote's bars
        (first,) = figure(lec, key("class_tally"))
        assert sorted(first["x"]) == [1, 1, 1], first
        phones[1].wait_for_selector(f"{key('vote_settles')} button[disabled]")   # the vote is closed

        press(lec, "class_second")
        lec.wait_for_selector(key("class_reveal"))
        wait_js(lec, "!document.querySelector(\"" + key("class_tally") + " .js-plotly-plot\")", 30_000)
        vote(phones[1], "settles")                     # changed their mind after the discussion
        wait_numbers(lec, key("class_tally"), [3, 3, 1])           # ... second vote: 1
        assert bars_hidden(lec)

        press(lec, "class_reveal")
        wait_js(lec, f"{LIVE}.painted > 5", 60_000)                # the run plays on the live charts
        alert = lec.locator(f"{key('class_tally')} [data-testid='stAlertContentSuccess']")
        alert.wait_for()
        shares = re.findall(r"\d+%", alert.inner_text())
        assert shares == ["33%", "67%"], shares     # 1 of 3 first; second: 1 changed, 1 kept "settles"
        traces = figure(lec, key("class_tally"))
        assert len(traces) == 2                                     # first and second vote side by side
        marked = [i for i, label in enumerate(traces[0]["y"]) if label.startswith("✓")]
        assert marked == [0], traces[0]["y"]                        # "settles", the first choice
        for p in phones:
            p.wait_for_selector(f"{key('join_question')} [data-testid='stAlertContentSuccess']")
        assert "67%" in phones[0].inner_text(key("join_question"))
        right = traces[0]["y"][0].removeprefix("✓ ").replace("<br>", " ")
        assert right.split()[0] in phones[2].inner_text(key("join_question")), right

        # the class experiment: each phone trains its handed lr, the projector's dots
        press(lec, "class_exp_start")
        for p in phones:
            p.wait_for_selector(f"{key('exp_run')} button")
            press(p, "exp_run")
            p.wait_for_selector(f"{key('join_experiment')} [data-testid='stAlert']")
        wait_js(lec, DOTS.format(sel=key("class_dots"), n=3), 30_000)
        assert numbers(lec, key("class_dots"))[0] == 3                 # "3 results in"
        dots = [t for t in figure(lec, key("class_dots")) if "markers" in (t["mode"] or "")]
        handed = sorted(x for t in dots for x in t["x"])
        assert len(set(handed)) == 3, handed                        # three different learning rates
        # the reveal's run played to its end and is still on the projector (the page's rerun at
        # the run's end once dropped it)
        wait_js(lec, f"{LIVE}.status === 'done' && {LIVE}.painted === {LIVE}.n", 60_000)
        lec.wait_for_selector(IDLE)
        assert lec.evaluate(f"{LIVE}.node.isConnected && !!document.querySelector('.lrviz-loss')")

        # follow the lecturer: the lecturer's main page (the same session: the sidebar's link)
        lec.locator("[data-testid='stSidebarNav'] a").first.click()
        lec.wait_for_selector(key("ask_next"))
        follower = phones[0]
        link = follower.locator(f"a[href*='follow={code}']:visible")
        link.wait_for()
        follower.goto(link.get_attribute("href"))
        follower.wait_for_selector(key("follow_banner"))
        wait_js(follower, f"{LR} === {json.dumps(lr(lec))}", 30_000)
        before = lr(lec)
        lec.locator(f"{key('ctl_lr')} input[type=range]").press("ArrowRight")       # the next lr
        wait_js(lec, f"{LR} !== {json.dumps(before)}", 30_000)
        changed = lr(lec)
        wait_js(follower, f"{LR} === {json.dumps(changed)}", 30_000)          # followed, by its poll
        press(follower, "follow_leave")
        left = f"!document.querySelector('{key('follow_banner')}') && !location.search.includes('follow=')"
        wait_js(follower, left, 30_000)
        own = lr(follower)
        assert own != changed, own
        lec.locator(f"{key('ctl_lr')} input[type=range]").press("ArrowRight")
        wait_js(lec, f"{LR} !== {json.dumps(changed)}", 30_000)
        # "what happens next?": a question about the lecturer's settings reaches the phones
        press(lec, "ask_next")
        phones[1].wait_for_selector(f"{key('vote_diverges')} button:not([disabled])")
        assert lr(follower) == own                              # left: no longer follows

        # a student's browser on /class: no lecturer controls; a wrong key is refused
        student = phones[2]
        student.goto(f"/class?room={code}&lang={lang}")
        student.locator(f"{key('class_start')} button:not([disabled])").wait_for()
        assert not [k for k in LECTURER_CONTROLS if student.locator(key(k)).count()]
        student.goto(f"/class?room={code}&key=WRONG&lang={lang}")
        student.locator(f"{key('class_start')} button:not([disabled])").wait_for()
        assert "key=" not in student.url
        refusal = student.locator("[data-testid='stAlertContentWarning']").filter(has_text=code)
        refusal.wait_for()                          # worded, naming the room, and it stays
        student.wait_for_selector(IDLE)
        assert refusal.count() == 1
        assert not [k for k in LECTURER_CONTROLS if student.locator(key(k)).count()]
        assert secret not in student.inner_text("body")
        for p in [lec, *phones]:
            assert_healthy(p)
        return lec.replicas, [p.replicas for p in phones]
