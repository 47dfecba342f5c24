"""The class together through the deploy recipe (issue 23, "One machine and many"): two replicas
behind deploy/haproxy.cfg (the local copy of tests/test_deploy.py) sharing one Redis, as
deploy/docker-compose.yml runs them (LRVIZ_ROOMS). Redis is a redis-server of this module's own
(tests/test_rooms.py's fixture: a free port, nothing written to disk).

`class_hall` is the fixture for browser tests where the lecturer and a student sit on different
replicas. Needs /usr/sbin/haproxy and /usr/bin/redis-server: skipped without them, except in CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import NamedTuple

import psutil
import pytest
from test_deploy import ROOT, haproxy  # noqa: F401  (the fixture, shared)
from test_rooms import redis_url  # noqa: F401  (the fixture, shared)

from core import rooms

sys.path.insert(0, str(ROOT / "bench"))
from _balancer import Balancer  # noqa: E402
from _server import Server  # noqa: E402


class Hall(NamedTuple):
    lb: Balancer            # lb.url: the hall's address; X-LRViz-Server names the replica
    replicas: tuple         # the Server of app1, app2 (HAProxy's names, in this order)
    redis_url: str

    def replica(self, name):
        """The Server HAProxy calls `name` ("app1", "app2")."""
        return self.replicas[int(name.removeprefix("app")) - 1]


@pytest.fixture(scope="module")
def class_hall(haproxy, redis_url):  # noqa: F811
    """Two replicas with LRVIZ_ROOMS on this module's Redis, and the balancer in front of them."""
    env = {rooms.ENV: redis_url}
    try:
        with Server(cwd=ROOT, env=env) as a, Server(cwd=ROOT, env=env) as b, \
                Balancer([a.port, b.port], haproxy=haproxy) as lb:
            yield Hall(lb, (a, b), redis_url)
    except RuntimeError as exc:          # a replica or haproxy did not come up: its log says why
        pytest.fail(str(exc))


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
