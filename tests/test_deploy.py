"""The deploy recipe (deploy/haproxy.cfg) run here without Docker: two `streamlit run` replicas
behind Debian's haproxy, with the recipe's own cookie, balancing and checks (bench/_balancer.py
replaces only the docker DNS lines). Two browsers from one address, as a hall behind a NAT, must
land on different replicas and stay there. Needs /usr/sbin/haproxy (tests/run installs it):
skipped without it, except in CI where that is a failure.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from _balancer import HAPROXY, RECIPE, Balancer, check_config, local_config, sticky_get  # noqa: E402
from _server import IDLE, Server  # noqa: E402
from conftest import new_tab  # noqa: E402
from test_browser import CHARTS_LOADED, assert_healthy, button, wait_js  # noqa: E402

END_TEXT = "error in estimating w"


@pytest.fixture(scope="module")
def haproxy():
    if not os.path.exists(HAPROXY):
        if os.environ.get("CI"):
            pytest.fail(f"{HAPROXY} is missing in CI: install Debian's haproxy (tests/run does)")
        pytest.skip(f"{HAPROXY} is missing: install Debian's haproxy to test the deploy recipe")
    return HAPROXY


def test_haproxy_accepts_the_recipe(haproxy):
    ok, out = check_config(RECIPE, haproxy)
    assert ok, out
    assert "WARNING" not in out, out


def test_the_local_copy_is_the_recipe_with_local_servers(haproxy, tmp_path):
    recipe = RECIPE.read_text()
    local = local_config(recipe, [18501, 18502], 18080)
    lines = set(local.splitlines())
    for line in recipe.splitlines():
        code = line.split("#", 1)[0].strip()
        if code.startswith(("cookie ", "dynamic-cookie-key", "balance ", "timeout ", "option ",
                            "http-check ", "maxconn ")):
            assert line in lines, f"the local copy lost {line!r}"
    assert "    server app1 127.0.0.1:18501 check inter 2s fall 2 rise 2" in lines
    assert "    server app2 127.0.0.1:18502 check inter 2s fall 2 rise 2" in lines
    assert "    bind 127.0.0.1:18080" in lines
    assert not [ln for ln in lines if "resolvers" in ln.split("#")[0]]   # no section, no option
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(local)
    ok, out = check_config(cfg, haproxy)
    assert ok and "WARNING" not in out, out


@pytest.fixture(scope="module")
def hall(haproxy):
    """Two replicas and the balancer in front of them."""
    try:
        with Server(cwd=ROOT) as a, Server(cwd=ROOT) as b, Balancer([a.port, b.port], haproxy=haproxy) as lb:
            yield lb
    except RuntimeError as exc:          # a replica or haproxy did not come up: its log says why
        pytest.fail(str(exc))


def until(lb, expected, timeout=10):
    """Wait until HAProxy serves exactly `expected` streams per replica (the pages' websockets)."""
    end = time.monotonic() + timeout
    while (now := lb.current()) != expected and time.monotonic() < end:
        time.sleep(0.2)
    return now


def loaded(page, response):
    """The server that answered the page's load; waits until the page is idle with its charts."""
    page.wait_for_selector(IDLE, timeout=60_000)
    wait_js(page, CHARTS_LOADED, 30_000)
    return served_by(response)


def served_by(response):
    return response.headers["x-lrviz-server"]


def sticky(page, lb):
    return {c["name"]: c["value"] for c in page.context.cookies()}[lb.cookie]


@pytest.mark.browser
def test_two_browsers_from_one_address_land_on_two_replicas_and_stay(browser, hall):
    lb = hall
    log0 = lb.log_size()
    with new_tab(browser, lb.url) as a, new_tab(browser, lb.url) as b:
        first = {}
        for p in (a, b):
            first[p] = loaded(p, p.goto("/?speed=0"))
        # dealt out in turn, whatever the client address: one cookie and one replica each
        assert first[a] != first[b], first
        assert sticky(a, lb) != sticky(b, lb)
        assert until(lb, {first[a]: 1, first[b]: 1}) == {first[a]: 1, first[b]: 1}

        for p in (a, b):
            button(p, "Train").click()
        for p in (a, b):
            p.get_by_text(END_TEXT).wait_for(timeout=60_000)
            assert_healthy(p)

        # a reload keeps the browser on its replica: same cookie, same server, a new session there
        cookie = sticky(a, lb)
        assert loaded(a, a.reload()) == first[a]
        assert sticky(a, lb) == cookie
        assert sticky_get(lb.url + "/", cookie, lb.cookie) == (cookie, first[a])
        assert until(lb, {first[a]: 1, first[b]: 1}) == {first[a]: 1, first[b]: 1}
        button(a, "Train").click()
        a.get_by_text(END_TEXT).wait_for(timeout=60_000)
        assert_healthy(a)
    # every websocket (a's two, b's one; HAProxy logs each as it closes) went where its cookie said
    end = time.monotonic() + 10
    while len(streams := lb.requests(log0, "/_stcore/stream")) < 3 and time.monotonic() < end:
        time.sleep(0.2)
    assert len(streams) == 3, streams
    assert all(status == 101 and flags[0] == "V" for _, status, flags in streams), streams


@pytest.mark.browser
def test_an_upload_reaches_the_replica_that_holds_the_session(browser, hall, tmp_path):
    """The page "Your data" uploads with a PUT beside the websocket: it must go where the cookie
    says, to the replica whose session reads it, or the page would never see the file."""
    from test_browser_your_data import DRAWN, UPLOAD

    lb = hall
    log0 = lb.log_size()
    path = tmp_path / "hall.csv"
    path.write_text("x,y\n" + "\n".join(f"{i % 10},{3 * (i % 10) + 1}" for i in range(100)))
    with new_tab(browser, lb.url) as a, new_tab(browser, lb.url) as b:
        served = {}
        for p in (a, b):
            served[p] = served_by(p.goto("/"))          # a replica's first page is / (see app.py)
            p.wait_for_selector(IDLE, timeout=60_000)
        assert served[a] != served[b], served
        for p in (a, b):
            assert served_by(p.goto("/data?dataset=upload&speed=0")) == served[p]
            p.wait_for_selector(IDLE, timeout=60_000)
            p.locator(UPLOAD).set_input_files(str(path))
            wait_js(p, DRAWN, 30_000)
            button(p, "Train").click()
        for p in (a, b):
            p.get_by_text("epoch 5, loss").wait_for(timeout=60_000)
            assert_healthy(p)
    uploads = lb.requests(log0, "/_stcore/upload_file")
    assert len(uploads) == 2, uploads
    assert all(200 <= status < 300 and flags[0] == "V" for _, status, flags in uploads), uploads
    assert sorted(server for server, _, _ in uploads) == sorted(served.values()), (uploads, served)
