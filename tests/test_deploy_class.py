"""The class together through the deploy recipe (issue 23, "One machine and many"): two replicas
behind deploy/haproxy.cfg (the local copy of tests/test_deploy.py) sharing one Redis, as
deploy/docker-compose.yml runs them (LRVIZ_ROOMS). Redis is a redis-server of this module's own
(tests/test_rooms.py's fixture: a free port, nothing written to disk).

`class_hall` is the fixture for browser tests where the lecturer and a student sit on different
replicas. Needs /usr/sbin/haproxy and /usr/bin/redis-server: skipped without them, except in CI.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import time
from typing import NamedTuple

import psutil
import pytest
from conftest import new_tab
from test_browser import assert_healthy
from test_browser_class import LOCALES, cycle
from test_deploy import ROOT, haproxy, served_by  # noqa: F401  (the fixture, shared)
from test_rooms import redis_url  # noqa: F401  (the fixture, shared)

from core import rooms

sys.path.insert(0, str(ROOT / "bench"))
from _balancer import Balancer  # noqa: E402
from _server import IDLE, Server  # noqa: E402


class Hall(NamedTuple):
    lb: Balancer            # lb.url: the hall's address; X-LRViz-Server names the replica
    replicas: tuple         # the Server of app1, app2 (HAProxy's names, in this order)
    redis_url: str

    def replica(self, name):
        """The Server HAProxy calls `name` ("app1", "app2")."""
        return self.replicas[int(name.removeprefix("app")) - 1]


@contextlib.contextmanager
def _hall(haproxy, redis_url):  # noqa: F811
    env = {rooms.ENV: redis_url}
    try:
        with Server(cwd=ROOT, env=env) as a, Server(cwd=ROOT, env=env) as b, \
                Balancer([a.port, b.port], haproxy=haproxy) as lb:
            yield Hall(lb, (a, b), redis_url)
    except RuntimeError as exc:          # a replica or haproxy did not come up: its log says why
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def class_hall(haproxy, redis_url):  # noqa: F811
    """Two replicas with LRVIZ_ROOMS on this module's Redis, and the balancer in front of them."""
    with _hall(haproxy, redis_url) as hall:
        yield hall


@pytest.fixture
def fragile_hall(haproxy, redis_url):  # noqa: F811
    """A hall of this test's own, for a test that kills one of its replicas."""
    with _hall(haproxy, redis_url) as hall:
        yield hall


def in_process(code, redis):
    """Run `code` in a new Python process with LRVIZ_ROOMS=redis (as a replica gets it): its
    stdout, parsed as JSON."""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env={"PATH": "/usr/bin:/bin", rooms.ENV: redis})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_replicas_share_one_room_store(class_hall):
    """Each replica's process is started with the compose file's variable, and what one process
    writes through core.rooms' default store another reads: a room, a question, a vote."""
    for replica in class_hall.replicas:
        assert psutil.Process(replica.proc.pid).environ().get(rooms.ENV) == class_hall.redis_url
    lecturer = in_process(
        "import json; from core import rooms; s = rooms.default_store(); "
        "c = s.create_room(rooms.new_client_id()); "
        "s.open_question(c.code, c.secret, 'q', choices=('a', 'b')); "
        "print(json.dumps([type(s).__name__, c.code, c.secret]))", class_hall.redis_url)
    kind, code, secret = lecturer
    assert kind == "RedisStore"
    student = rooms.new_client_id()
    assert in_process(
        "import json; from core import rooms; s = rooms.default_store(); "
        f"print(json.dumps([repr(s.join({code!r}, {student!r})), repr(s.vote({code!r}, {student!r}, 'b'))]))",
        class_hall.redis_url) == ["None", "None"]
    tally = in_process(
        "import json; from core import rooms; r = rooms.default_store().room(" + repr(code) + "); "
        "print(json.dumps([r.question, r.votes]))", class_hall.redis_url)
    assert tally == ["q", {student: "b"}]
    # and this process, on the same Redis, sees the same room
    room = rooms.store_from_env({rooms.ENV: class_hall.redis_url}).room(code)
    assert room.votes == {student: "b"} and rooms.store_from_env(
        {rooms.ENV: class_hall.redis_url}).is_lecturer(code, secret)


# ---- the class pages through the recipe: the lecturer and a phone on different replicas ---------

PHONE = {"width": 390, "height": 844}
SHOTS = ROOT / "artifacts"
MY_VOTE = ".st-key-join_vote [data-testid='stBaseButton-primary']"     # the answer shown as this phone's
ROOM_CODE = re.compile(rf"\b[{rooms.ALPHABET}]{{{rooms.CODE_LENGTH}}}\b")


def start_room(lecturer, lb):
    """The lecturer opens /class and starts a room: (the replica serving them, the room's code)."""
    served = served_by(lecturer.goto("/class"))
    lecturer.wait_for_selector(IDLE, timeout=60_000)
    lecturer.locator(".st-key-class_start button").click()
    shown = lecturer.locator(".st-key-class_code .lrviz-room-code")
    shown.wait_for(timeout=60_000)
    found = ROOM_CODE.findall(shown.inner_text())        # (beside hidden words for screen readers)
    assert len(found) == 1, shown.inner_text()
    return served, found[0]


@contextlib.contextmanager
def phone_elsewhere(browser, lb, served, path, tries=4):
    """A phone's tab that opened `path` on the replica other than `served`: (page, its replica).
    New browsers are dealt out in turn, so the next one lands there; tried again if not."""
    for _ in range(tries):
        with new_tab(browser, lb.url, **PHONE) as p:
            where = served_by(p.goto(path))
            if where != served:
                p.wait_for_selector(IDLE, timeout=60_000)
                yield p, where
                return
    pytest.fail(f"{tries} new browsers all landed on {served}")


def votes_shown(lecturer, n):
    """The projector's count of votes, "Votes: n of m" (m phones present; read every second by
    its live part)."""
    lecturer.locator(".st-key-class_tally").get_by_text(re.compile(rf"\b{n} of \d+")).wait_for(
        timeout=60_000)


@pytest.mark.browser
def test_a_student_on_another_replica_joins_by_the_link_and_the_lecturer_sees_the_vote(browser, class_hall):
    lb = class_hall.lb
    with new_tab(browser, lb.url) as lecturer:
        served, code = start_room(lecturer, lb)
        with phone_elsewhere(browser, lb, served, f"/join?room={code}") as (student, where):
            assert where != served
            student.locator(".st-key-join_question").wait_for(timeout=60_000)     # waiting
            lecturer.locator(".st-key-class_open button").click()
            votes_shown(lecturer, 0)
            choice = student.locator(".st-key-join_vote button").first
            choice.wait_for(timeout=60_000)                     # the phone polls every 2 s
            choice.click()
            student.locator(MY_VOTE).wait_for(timeout=60_000)
            votes_shown(lecturer, 1)
            room = rooms.store_from_env({rooms.ENV: class_hall.redis_url}).room(code)
            assert len(room.votes) == 1
            for p in (lecturer, student):
                assert_healthy(p)


@pytest.mark.browser
def test_a_phone_joining_cold_by_the_link_downloads_under_1_2_mb(browser, class_hall):
    """Issue 23's page weight, as a phone meets it: the projector's link opened with an empty
    cache, the question's answers shown (bench/bench_weight.py; measured 1.15 MB, 2.93 MB without
    the recipe's page-weight rules)."""
    from bench_weight import cold_load, open_room

    code = open_room(class_hall.redis_url)
    by_kind, _, rows = cold_load(browser, f"{class_hall.lb.url}/join?room={code}")
    total = sum(by_kind.values())
    print(total, by_kind)
    assert total < 1_200_000, (total, by_kind)
    assert all(encoding == "gzip" for url, _, _, encoding in rows if "/static/js/" in url), rows


@pytest.mark.browser
def test_a_student_whose_replica_dies_mid_vote_comes_back_through_the_other(browser, fragile_hall):
    """The student's replica is killed while the vote is open: HAProxy sends the phone's page to
    the other replica (option redispatch), where it is the same browser (its id in localStorage):
    its vote is still there, counted once, and it can still change it."""
    hall = fragile_hall
    lb = hall.lb
    with new_tab(browser, lb.url) as lecturer:
        served, code = start_room(lecturer, lb)
        with phone_elsewhere(browser, lb, served, f"/join?room={code}") as (student, where):
            student.locator(".st-key-join_question").wait_for(timeout=60_000)     # waiting
            lecturer.locator(".st-key-class_open button").click()
            buttons = student.locator(".st-key-join_vote button")
            buttons.first.wait_for(timeout=60_000)
            buttons.first.click()
            student.locator(MY_VOTE).wait_for(timeout=60_000)
            votes_shown(lecturer, 1)
            store = rooms.store_from_env({rooms.ENV: hall.redis_url})
            (browser_id, first), = store.room(code).votes.items()
            assert student.evaluate("() => localStorage.getItem('lrviz.browser')") == browser_id

            hall.replica(where).stop()                          # the student's replica dies
            end = time.monotonic() + 60
            while lb.status().get(where) == "UP" and time.monotonic() < end:
                time.sleep(0.2)
            assert lb.status()[where] != "UP"
            # the page reconnects through the balancer to the other replica: a new session there,
            # the same browser, its vote shown as its own
            student.locator(MY_VOTE).wait_for(timeout=90_000)
            end = time.monotonic() + 30
            while lb.current().get(served) != 2 and time.monotonic() < end:
                time.sleep(0.2)
            assert lb.current()[served] == 2, lb.current()          # both websockets on the survivor
            # still one vote, the same; changed through the other replica, still one
            assert store.room(code).votes == {browser_id: first}
            other = student.locator(".st-key-join_vote button").nth(1)
            other.click()
            end = time.monotonic() + 30
            while store.room(code).votes.get(browser_id) == first and time.monotonic() < end:
                time.sleep(0.2)
            votes = store.room(code).votes
            assert len(votes) == 1 and votes[browser_id] != first, votes
            votes_shown(lecturer, 1)
            SHOTS.mkdir(exist_ok=True)
            student.screenshot(path=str(SHOTS / "join_after_its_replica_died.png"))
            for p in (lecturer, student):
                assert_healthy(p)


@pytest.mark.browser
def test_the_projector_whose_replica_dies_resumes_its_room_through_the_other(browser, fragile_hall):
    """The lecturer's replica is killed with a vote in: the projector's page reconnects through
    the other replica, where its new session resumes the room from the lecturer's browser (the
    secret kept in localStorage), still counts the vote, and can still act as the lecturer."""
    hall = fragile_hall
    lb = hall.lb
    with new_tab(browser, lb.url) as lecturer:
        served, code = start_room(lecturer, lb)
        with phone_elsewhere(browser, lb, served, f"/join?room={code}") as (student, where):
            student.locator(".st-key-join_question").wait_for(timeout=60_000)
            lecturer.locator(".st-key-class_open button").click()
            buttons = student.locator(".st-key-join_vote button")
            buttons.first.wait_for(timeout=60_000)
            buttons.first.click()
            votes_shown(lecturer, 1)
            store = rooms.store_from_env({rooms.ENV: hall.redis_url})
            assert store.room(code).phase == "voting"

            hall.replica(served).stop()                         # the projector's replica dies
            end = time.monotonic() + 60
            while lb.status().get(served) == "UP" and time.monotonic() < end:
                time.sleep(0.2)
            assert lb.status()[served] != "UP"
            end = time.monotonic() + 90
            while lb.current().get(where) != 2 and time.monotonic() < end:
                time.sleep(0.2)
            assert lb.current()[where] == 2, lb.current()           # both websockets on the survivor
            # the new session there is the lecturer's: closing the vote reaches the room
            discuss = lecturer.locator(".st-key-class_discuss button")
            end = time.monotonic() + 60
            while store.room(code).phase == "voting" and time.monotonic() < end:
                if discuss.is_enabled():
                    discuss.click()
                time.sleep(1)
            assert store.room(code).phase == "discussing"
            assert len(store.room(code).votes) == 1
            votes_shown(lecturer, 1)
            SHOTS.mkdir(exist_ok=True)
            lecturer.screenshot(path=str(SHOTS / "class_after_its_replica_died.png"))
            for p in (lecturer, student):
                assert_healthy(p)


@pytest.mark.browser
@pytest.mark.parametrize("lang, locale", LOCALES)
def test_a_whole_cycle_and_the_experiment_with_the_class_spread_over_two_replicas(browser, class_hall, lang,
                                                                                  locale):
    """tests/test_browser_class.py's whole cycle (peer instruction, reveal, the experiment's dots,
    follow, what happens next, a student's browser refused) through the recipe: new browsers are
    dealt out in turn, so the projector and the phones sit on both replicas, sharing Redis."""
    lecturer, phones = cycle(browser, class_hall.lb.url, lang, locale)
    assert len(lecturer) == 1 and None not in lecturer, lecturer
    assert any(p - lecturer for p in phones), (lecturer, phones)      # some phone on the other replica
