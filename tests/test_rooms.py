"""The class's rooms (core/rooms.py): every test runs against both stores, the embedded one and
Redis (Debian's /usr/bin/redis-server, started here on a free port, in memory only, and stopped
after). Without redis-server the Redis half skips, saying why; in CI (CI set) it fails.

Time is a fake clock the test moves: presence, expiry and rate limits are checked without waiting.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from core import rooms
from core.problems import MESSAGES, Problem
from core.rooms import LIMITS, Dot, MemoryStore, RedisStore, Room, Seat, new_client_id

REDIS_SERVER = "/usr/bin/redis-server"


class Clock:
    """A clock the test moves: store(clock=Clock()) reads it as time.time."""

    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server of this module's own, on a free port, nothing written to disk."""
    if not os.access(REDIS_SERVER, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"{REDIS_SERVER} is missing in CI: install Debian's redis-server (tests/run does)")
        pytest.skip(f"{REDIS_SERVER} is missing: install Debian's redis-server to test the Redis store")
    import redis

    port = _free_port()
    log = tmp_path_factory.mktemp("redis") / "redis.log"
    with open(log, "w") as out:
        server = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", str(log.parent)], stdout=out, stderr=out)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 60
    while True:                         # until it answers (or has died, or a minute is over)
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"redis-server did not start:\n{log.read_text()}")
            time.sleep(0.05)
    client.close()
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(params=["memory", "redis"])
def make(request, clock):
    """make(limits=LIMITS): a fresh, empty store of the parameter's kind on the fake clock.
    Each Redis store is a replica of its own (its own connection pool) on the one server."""
    if request.param == "memory":
        memory = []

        def make_memory(limits=LIMITS):
            if not memory:
                memory.append(MemoryStore(limits=limits, clock=clock))
            return memory[0]

        yield make_memory
        return
    import redis

    url = request.getfixturevalue("redis_url")
    clients = []

    def make_redis(limits=LIMITS):
        client = redis.Redis.from_url(url, decode_responses=True)
        if not clients:
            client.flushdb()
        clients.append(client)
        return RedisStore(client, limits=limits, clock=clock)

    yield make_redis
    for c in clients:
        c.close()


@pytest.fixture
def store(make):
    return make()


def students(k):
    return [new_client_id() for _ in range(k)]


def lecturer(store):
    """A new room and its secret."""
    created = store.create_room(new_client_id())
    assert isinstance(created, rooms.Created), created
    return created


def code_of(problem):
    return problem.code if isinstance(problem, Problem) else problem


# ---- codes and the lecturer's secret ---------------------------------------------------------

def test_the_alphabet_has_no_confusable_symbols_and_a_code_is_hard_to_guess():
    assert not set("0O1I") & set(rooms.ALPHABET)
    assert len(set(rooms.ALPHABET)) == len(rooms.ALPHABET) == 32
    assert len(rooms.ALPHABET) ** rooms.CODE_LENGTH > 10**9
    # a client gets joins_per_client tries a window: a day of trying hits one of 2000 live rooms
    # with a chance below 1 in 100
    tries, seconds = LIMITS.joins_per_client
    assert tries * 86400 / seconds * LIMITS.rooms / len(rooms.ALPHABET) ** rooms.CODE_LENGTH < 0.01


def test_a_typed_code_is_read_leniently_but_never_wrongly():
    assert rooms.normalise_code(" abc-def ") == "ABCDEF"
    assert rooms.normalise_code("ab cd ef") == "ABCDEF"
    for bad in ("ABCDE", "ABCDEFG", "ABCDE0", "ABCDEO", "ABCDE1", "ABCDEI", "", "ÄBCDEF"):
        assert rooms.normalise_code(bad) is None, bad


def test_a_new_room_has_a_code_of_the_alphabet_and_a_separate_secret(store):
    made = [lecturer(store) for _ in range(5)]
    for code, secret in made:
        assert rooms.normalise_code(code) == code
        assert len(secret) >= 32 and code not in secret
        room = store.room(code)
        assert isinstance(room, Room) and room.code == code and room.question is None and room.present == 0
    assert len({c for c, _s in made}) == len({s for _c, s in made}) == 5


def test_only_the_secret_opens_the_lecturers_actions(store):
    code, secret = lecturer(store)
    other_code, other_secret = lecturer(store)
    browser = new_client_id()
    assert store.join(code, browser) is None
    assert store.is_lecturer(code, secret)
    for wrong in (other_secret, code, browser, secret[:-1], secret + "x", "", None):
        assert not store.is_lecturer(code, wrong), wrong
        assert code_of(store.open_question(code, wrong, "q", choices=("a", "b"))) == "room_not_lecturer"
        assert code_of(store.set_settings(code, wrong, {"lr": "9"})) == "room_not_lecturer"
        assert code_of(store.start_experiment(code, wrong, "lr", [0.1])) == "room_not_lecturer"
        assert code_of(store.close_room(code, wrong)) == "room_not_lecturer"
    room = store.room(code)
    assert (room.round, room.question, room.settings, room.experiment) == (0, None, {}, None)
    assert code_of(store.open_question("ZZZZZZ", secret, "q", choices=("a",))) == "room_unknown"


def test_the_store_keeps_no_secret_and_nothing_but_ids(make):
    store = make()
    code, secret = lecturer(store)
    browser = new_client_id()
    store.join(code, browser)
    store.open_question(code, secret, "q", choices=("a", "b"))
    store.vote(code, browser, "a")
    if isinstance(store, RedisStore):
        dump = " ".join(str(store.r.dump(k)) for k in store.r.keys("*"))
    else:
        dump = repr([vars(s) for s in store._rooms.values()])
    assert secret not in dump
    assert browser in dump and code in dump


# ---- joining, presence, expiry ---------------------------------------------------------------

def test_join_by_code_and_presence_counts_the_last_minute(store, clock):
    code, _secret = lecturer(store)
    a, b, c = students(3)
    assert store.join(code.lower(), a) is None          # typed on a phone
    assert store.join(code[:3] + "-" + code[3:], b) is None
    assert store.join(code, b) is None                  # again: still one member
    assert store.room(code).present == 2
    clock.advance(LIMITS.present_seconds - 1)
    assert store.seen(code, a) is None
    assert store.seen(code, c) is None                  # not a member: does not join
    clock.advance(2)
    assert store.room(code).present == 1                # b was not seen in the last minute
    assert code_of(store.join("ZZZZZZ", c)) == "room_unknown"
    assert code_of(store.join("nope", c)) == "room_bad_code"
    assert code_of(store.join(code, "not an id")) == "room_bad_client"


def test_a_room_expires_after_its_idle_hours_and_lives_while_used(store, clock):
    code, secret = lecturer(store)
    browser = new_client_id()
    store.join(code, browser)
    for _ in range(3):                      # used every few hours: lives on
        clock.advance(LIMITS.idle_seconds - 10)
        assert store.seen(code, browser) is None
        assert store.room(code) is not None
    clock.advance(LIMITS.idle_seconds + 1)
    assert store.room(code) is None
    assert not store.is_lecturer(code, secret)
    assert code_of(store.join(code, browser)) == "room_unknown"
    assert code_of(store.open_question(code, secret, "q", choices=("a",))) == "room_unknown"


def test_a_closed_room_is_gone(store):
    code, secret = lecturer(store)
    assert store.close_room(code, secret) is None
    assert store.room(code) is None
    assert code_of(store.join(code, new_client_id())) == "room_unknown"


# ---- votes -------------------------------------------------------------------------------------

def test_a_vote_is_changed_not_repeated(store):
    code, secret = lecturer(store)
    a, b = students(2)
    store.open_question(code, secret, "lr_regime", choices=("smooth", "zigzag", "away"))
    for browser in (a, b):
        store.join(code, browser)
    assert store.vote(code, a, "smooth") is None
    assert store.vote(code, a, "zigzag") is None
    assert store.vote(code, a, "zigzag") is None
    assert store.vote(code, b, "zigzag") is None
    room = store.room(code)
    assert room.votes == {a: "zigzag", b: "zigzag"}
    assert room.tally() == {"smooth": 0, "zigzag": 2, "away": 0}
    assert code_of(store.vote(code, a, "sideways")) == "room_bad_answer"
    assert code_of(store.vote(code, a, 1.0)) == "room_bad_answer"
    assert code_of(store.vote(code, a, None)) == "room_bad_answer"
    assert store.room(code).votes[a] == "zigzag"


def test_the_second_vote_is_kept_apart_from_the_first(store):
    code, secret = lecturer(store)
    a, b = students(2)
    assert code_of(store.vote(code, a, "x")) == "room_no_question"
    store.open_question(code, secret, "q", choices=("x", "y"))
    store.vote(code, a, "x")
    store.vote(code, b, "x")
    assert store.set_phase(code, secret, "discussing") is None
    assert code_of(store.vote(code, a, "y")) == "room_voting_closed"
    assert store.set_phase(code, secret, "second_vote") is None
    store.vote(code, a, "y")
    room = store.room(code)
    assert room.phase == "second_vote"
    assert room.tally() == {"x": 2, "y": 0}
    assert room.tally(second=True) == {"x": 0, "y": 1}
    assert room.votes2 == {a: "y"}
    assert store.set_phase(code, secret, "revealed") is None
    assert code_of(store.vote(code, b, "y")) == "room_voting_closed"
    assert store.room(code).tally(second=True) == {"x": 0, "y": 1}


def test_a_question_moves_forward_only_and_the_next_one_starts_empty(store):
    code, secret = lecturer(store)
    a = new_client_id()
    assert store.set_phase(code, secret, "discussing") == Problem(
        "room_bad_phase", {"phase": None, "to": "discussing"})
    store.open_question(code, secret, "q1", choices=("x", "y"))
    store.vote(code, a, "x")
    assert store.set_phase(code, secret, "revealed") is None
    assert store.set_phase(code, secret, "voting") == Problem("room_bad_phase",
                                                              {"phase": "revealed", "to": "voting"})
    with pytest.raises(ValueError):
        store.set_phase(code, secret, "finished")
    assert store.close_question(code, secret) is None
    room = store.room(code)
    assert (room.question, room.phase, room.tally()) == (None, None, {"x": 1, "y": 0})     # still readable
    store.open_question(code, secret, "q2", bounds=(0.0, 2.0))
    room = store.room(code)
    assert (room.question, room.round, room.phase, room.votes, room.votes2) == ("q2", 2, "voting", {}, {})


def test_a_number_question_takes_numbers_in_its_bounds(store):
    code, secret = lecturer(store)
    a, b, c = students(3)
    store.open_question(code, secret, "noise_floor", bounds=(0.0, 2.0))
    assert store.vote(code, a, 0.5) is None
    assert store.vote(code, b, "1.25") is None
    assert store.vote(code, c, 2.0) is None
    for bad in (2.01, -0.1, "x", "nan", float("inf"), None, "smooth"):
        assert code_of(store.vote(code, c, bad)) == "room_bad_answer", bad
    room = store.room(code)
    assert room.votes == {a: 0.5, b: 1.25, c: 2.0}
    assert room.tally() == {} and room.bounds == (0.0, 2.0)


def test_open_question_refuses_what_the_ui_got_wrong(store):
    code, secret = lecturer(store)
    for kwargs in ({}, {"choices": ("a",), "bounds": (0, 1)}, {"choices": ("a", "a")},
                   {"choices": ("A b",)}, {"bounds": (1, 0)}, {"bounds": (0, float("inf"))}):
        with pytest.raises(ValueError):
            store.open_question(code, secret, "q", **kwargs)
    with pytest.raises(ValueError):
        store.open_question(code, secret, "Not an id", choices=("a",))


def test_many_threads_voting_at_once_are_each_counted_once(make):
    """200 phones, each voting three times (changing its mind), all at once, through two
    replicas (two stores on the one Redis; for the embedded store, the one store twice)."""
    one, two = make(), make()
    code, secret = lecturer(one)
    phones = students(200)
    assert one.open_question(code, secret, "q", choices=("a", "b", "c")) is None
    start = threading.Barrier(20)

    def phone(i):
        if i < 20:
            start.wait()
        store = (one, two)[i % 2]
        assert store.join(code, phones[i]) is None
        for answer in ("a", "b", "abc"[i % 3]):
            assert (one, two)[(i + 1) % 2].vote(code, phones[i], answer) is None

    with ThreadPoolExecutor(20) as pool:
        list(pool.map(phone, range(200)))
    room = two.room(code)
    assert room.present == 200
    assert room.votes == {p: "abc"[i % 3] for i, p in enumerate(phones)}
    assert room.tally() == {"a": 67, "b": 67, "c": 66}


def test_a_full_room_says_so_and_joins_are_atomic(make, clock):
    store = make(LIMITS._replace(members=10))
    code, secret = lecturer(store)
    phones = students(40)
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda p: store.join(code, p), phones))
    joined = [p for p, r in zip(phones, results) if r is None]
    assert len(joined) == 10
    assert all(r == Problem("room_full", {"code": code, "limit": 10}) for r in results if r is not None)
    assert store.room(code).present == 10
    assert store.join(code, joined[0]) is None          # a member comes back: always in
    clock.advance(LIMITS.present_seconds + 1)           # they all left: room again
    assert store.join(code, phones[-1]) is None
    assert store.room(code).present == 1


def test_a_replica_that_dies_mid_vote_loses_no_vote_and_counts_none_twice(redis_url, clock):
    """Replica A's connections to Redis are cut again and again while 100 phones vote through
    it; a phone whose vote failed there votes again through replica B, as its page would after
    reconnecting. Every phone is counted, once, whether or not its first try had arrived."""
    import redis

    a_client = redis.Redis.from_url(redis_url, decode_responses=True, client_name="replica-a")
    b_client = redis.Redis.from_url(redis_url, decode_responses=True)
    killer = redis.Redis.from_url(redis_url, decode_responses=True)
    a_client.flushdb()
    a, b = RedisStore(a_client, clock=clock), RedisStore(b_client, clock=clock)
    code, secret = lecturer(a)
    a.open_question(code, secret, "q", choices=("x", "y"))
    phones, done, retried = students(100), threading.Event(), []

    def phone(p):
        try:
            assert a.vote(code, p, "x") is None
        except redis.ConnectionError:
            retried.append(p)
            assert b.vote(code, p, "x") is None

    def kill():
        while not done.is_set():
            for c in killer.client_list():
                if c.get("name") == "replica-a":
                    killer.client_kill_filter(_id=c["id"])

    cutter = threading.Thread(target=kill)
    cutter.start()
    try:
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(phone, phones))
    finally:
        done.set()
        cutter.join()
    for c in (a_client, b_client, killer):
        c.close()
    room = b.room(code)
    print(f"{len(retried)} of 100 votes failed on replica A and were sent again through B")
    assert room.votes == dict.fromkeys(phones, "x") and room.tally() == {"x": 100, "y": 0}


def test_the_redis_store_reloads_its_scripts_after_a_restart(redis_url, clock):
    import redis

    store = RedisStore(redis.Redis.from_url(redis_url, decode_responses=True), clock=clock)
    code, secret = lecturer(store)
    store.r.script_flush()                  # what a restarted Redis has forgotten
    assert store.open_question(code, secret, "q", choices=("x",)) is None
    assert store.vote(code, new_client_id(), "x") is None
    assert store.room(code).tally() == {"x": 1}
    store.r.close()


# ---- limits ------------------------------------------------------------------------------------

def test_joins_per_client_are_limited_right_code_or_wrong(store, clock):
    code, _secret = lecturer(store)
    guesser = new_client_id()
    count, seconds = LIMITS.joins_per_client
    for i in range(count):
        assert code_of(store.join(f"ZZZZZ{rooms.ALPHABET[i]}", guesser)) in ("room_unknown", None)
    refused = store.join(code, guesser)
    assert code_of(refused) == "room_too_many" and 1 <= refused.params["seconds"] <= seconds
    assert store.join(code, new_client_id()) is None        # others are not held back
    clock.advance(seconds)
    assert store.join(code, guesser) is None


def test_votes_and_dots_per_client_are_limited(store, clock):
    code, secret = lecturer(store)
    phone = new_client_id()
    store.open_question(code, secret, "q", choices=("a", "b"))
    count, seconds = LIMITS.votes_per_client
    for i in range(count):
        assert store.vote(code, phone, "ab"[i % 2]) is None
    assert code_of(store.vote(code, phone, "a")) == "room_too_many"
    assert store.room(code).votes[phone] == "ab"[(count - 1) % 2]
    clock.advance(seconds)
    assert store.vote(code, phone, "a") is None
    store.start_experiment(code, secret, "lr", [0.1])
    count, seconds = LIMITS.dots_per_client
    for i in range(count):
        assert store.submit_dot(code, phone, 0.1, result=float(i)) is None
    assert code_of(store.submit_dot(code, phone, 0.1, result=1.0)) == "room_too_many"


def test_room_creation_is_limited_per_client_and_in_all(make, clock):
    store = make(LIMITS._replace(rooms=3))
    teacher = new_client_id()
    count, seconds = LIMITS.rooms_per_client
    for _ in range(3):
        assert isinstance(store.create_room(teacher), rooms.Created)
    assert store.create_room(new_client_id()) == Problem("rooms_full", {"limit": 3})
    for _ in range(count - 3):                              # refused, but counted
        assert code_of(store.create_room(teacher)) == "rooms_full"
    assert code_of(store.create_room(teacher)) == "room_too_many"
    assert code_of(store.create_room("bad id")) == "room_bad_client"
    clock.advance(LIMITS.idle_seconds + 1)                  # the three expired: room for more
    assert isinstance(store.create_room(new_client_id()), rooms.Created)


# ---- the class experiment and follow-the-lecturer -----------------------------------------------

def test_the_experiment_hands_out_its_spread_and_keeps_one_dot_per_phone(store):
    code, secret = lecturer(store)
    spread = [0.01, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    phones = students(10)
    assert code_of(store.handout(code, phones[0])) == "room_no_experiment"
    assert store.start_experiment(code, secret, "lr", spread) is None
    handed = [store.handout(code, p) for p in phones]
    assert handed == [spread[i] for i in rooms.handout_order(8)] + [spread[0], spread[4]]
    assert store.handout(code, phones[3]) == handed[3]     # asking again hands out nothing new
    assert store.submit_dot(code, phones[0], handed[0], result=0.25) is None
    assert store.submit_dot(code, phones[1], 2.7, diverged_at=12) is None     # picked its own
    assert store.submit_dot(code, phones[0], handed[0], result=0.125) is None  # re-ran
    room = store.room(code)
    assert (room.experiment, room.values) == ("lr", tuple(spread))
    assert room.dots == {phones[0]: rooms.Dot(handed[0], 0.125, None), phones[1]: rooms.Dot(2.7, None, 12)}
    for value, result, step in ((0.0, 1.0, None), (11.0, 1.0, None), (0.1, None, None), (0.1, 1.0, 3),
                                (0.1, -1.0, None), (0.1, float("nan"), None), (0.1, None, 0),
                                (0.1, None, True)):
        assert code_of(store.submit_dot(code, phones[2], value, result, step)) in (
            "room_bad_value", "room_bad_result"), (value, result, step)
    assert store.start_experiment(code, secret, "batch_size", [1, 10, 100]) is None
    room = store.room(code)
    assert (room.experiment, room.values, room.dots) == ("batch_size", (1, 10, 100), {})
    assert room.experiment_round == 2
    assert store.handout(code, phones[0]) == 1
    assert code_of(store.submit_dot(code, phones[0], 2.5, result=0.1)) == "room_bad_value"
    assert store.submit_dot(code, phones[0], 10, result=0.1) is None
    assert store.room(code).dots[phones[0]] == rooms.Dot(10, 0.1, None)
    assert store.stop_experiment(code, secret) is None
    assert code_of(store.submit_dot(code, phones[0], 10, result=0.1)) == "room_no_experiment"
    with pytest.raises(ValueError):
        store.start_experiment(code, secret, "epochs", [1, 2])
    with pytest.raises(ValueError):
        store.start_experiment(code, secret, "lr", [])


def test_handouts_at_once_follow_the_order_exactly(make):
    one, two = make(), make()
    code, secret = lecturer(one)
    spread = [0.01 * 2**i for i in range(8)]
    one.start_experiment(code, secret, "lr", spread)
    phones = students(48)
    with ThreadPoolExecutor(16) as pool:
        handed = list(pool.map(lambda ip: (one, two)[ip[0] % 2].handout(code, ip[1]), enumerate(phones)))
    assert sorted(handed) == sorted(spread * 6)         # each value to exactly 6 of 48 phones


def test_handout_order_covers_the_spread_from_the_first_phones():
    assert rooms.handout_order(1) == (0,)
    assert rooms.handout_order(8) == (0, 4, 2, 6, 1, 5, 3, 7)
    for count in (2, 5, 12, 16, 17):
        order = rooms.handout_order(count)
        assert sorted(order) == list(range(count))
        first = sorted(order[:4])           # 4 phones: a value from each quarter of the spread
        assert first[0] == 0 and first[-1] >= count / 2


def test_the_lecturers_settings_are_there_to_follow(store):
    code, secret = lecturer(store)
    query = {"lr": "0.3", "batch_size": "10", "w": "2,-3.4"}
    assert store.set_settings(code, secret, query) is None
    assert store.room(code).settings == query
    assert store.set_settings(code, secret, {"lr": "1"}) is None
    assert store.room(code).settings == {"lr": "1"}
    for bad in ({"Bad key": "1"}, {"lr": "9" * 301}, {f"k{i}": "1" for i in range(41)}):
        with pytest.raises(ValueError):
            store.set_settings(code, secret, bad)


# ---- the choice of store -------------------------------------------------------------------------

def test_one_environment_variable_chooses_the_store():
    assert isinstance(rooms.store_from_env({}), MemoryStore)
    assert isinstance(rooms.store_from_env({rooms.ENV: " "}), MemoryStore)
    store = rooms.store_from_env({rooms.ENV: "redis://127.0.0.1:1/0"})     # connects on first use
    assert isinstance(store, RedisStore)
    with pytest.raises(ValueError, match=rooms.ENV):
        rooms.store_from_env({rooms.ENV: "memcached://x"})


def test_every_refusal_is_a_problem_the_ui_can_word(make):
    """One of each refusal, from the store: each a Problem whose English words format."""
    store = make(LIMITS._replace(members=1, rooms=1, joins_per_client=(1, 60)))
    code, secret = lecturer(store)
    a, b, c, d = students(4)
    store.join(code, a)
    seen = [store.create_room(new_client_id()), store.join(code, b), store.join("ZZ", c),
            store.join("ZZZZZZ", d), store.join(code, "?"), store.open_question(code, a, "q", choices=("x",)),
            store.vote(code, a, "x"), store.set_phase(code, secret, "revealed"), store.handout(code, a)]
    store.open_question(code, secret, "q", choices=("x",))
    seen.append(store.vote(code, a, "y"))
    store.set_phase(code, secret, "revealed")
    seen.append(store.vote(code, a, "x"))
    store.start_experiment(code, secret, "lr", [0.1])
    seen += [store.submit_dot(code, a, 99.0, result=1.0), store.submit_dot(code, a, 0.1)]
    seen.append(next(p for p in (store.vote(code, a, "x") for _ in range(99)) if p.code == "room_too_many"))
    assert all(isinstance(p, Problem) for p in seen), seen
    # room_store_down is the pages' (ui.classroom.call: Redis unreachable), tests/test_class_pages.py
    assert {p.code for p in seen} == {c for c in MESSAGES if c.startswith("room")} - {"room_store_down"}
    for p in seen:
        assert p.english() and "{" not in p.english()


def test_a_seat_is_the_room_as_one_phone_sees_it(store, clock):
    """seat(): the phone's poll, on both stores equal to what room() says of that browser, and
    nothing of anyone else's."""
    code, secret = lecturer(store)
    a, b, c = students(3)
    for x in (a, b, c):
        store.join(code, x)

    def same(browser):
        room, seat = store.room(code), store.seat(code, browser)
        assert (seat.code, seat.question, seat.round, seat.phase, seat.choices, seat.bounds) == \
            (room.code, room.question, room.round, room.phase, room.choices, room.bounds)
        assert (seat.experiment, seat.experiment_round, seat.settings) == \
            (room.experiment, room.experiment_round, room.settings)
        assert seat.vote == room.votes.get(browser) and seat.vote2 == room.votes2.get(browser)
        assert seat.dot == room.dots.get(browser)
        assert set(Seat._fields) == {"code", "question", "round", "phase", "choices", "bounds", "vote",
                                     "vote2", "experiment", "experiment_round", "dot", "settings"}
        return seat

    assert same(a).question is None and same(a).vote is None
    store.open_question(code, secret, "lr_one", choices=("settles", "diverges"))
    store.vote(code, a, "settles")
    store.vote(code, b, "diverges")
    assert same(a).vote == "settles" and same(b).vote == "diverges" and same(c).vote is None
    store.set_phase(code, secret, "second_vote")
    store.vote(code, a, "diverges")
    assert same(a).vote == "settles" and same(a).vote2 == "diverges"
    store.open_question(code, secret, "w1_epoch", bounds=(0.0, 3.0))
    store.vote(code, c, 1.5)
    assert same(c).vote == 1.5 and same(c).bounds == (0.0, 3.0) and same(a).vote is None
    store.start_experiment(code, secret, "lr", [0.01, 0.1])
    store.submit_dot(code, b, 0.1, result=0.002)
    assert same(b).dot == Dot(0.1, 0.002, None) and same(a).dot is None
    store.set_settings(code, secret, {"lr": "0.3"})
    assert same(a).settings == {"lr": "0.3"}
    assert store.seat(code, "not an id") is not None and store.seat(code, "not an id").vote is None
    assert store.seat("ZZZZZZ", a) is None and store.seat("bad", a) is None
    clock.now += LIMITS.idle_seconds + 1                   # expired
    assert store.seat(code, a) is None


def test_the_final_votes_carry_a_first_vote_not_given_again(store):
    """Peer instruction's second vote: who votes again counts with the new answer, who does not
    keeps their first; nobody counts twice."""
    code, secret = lecturer(store)
    a, b, c = students(3)
    store.open_question(code, secret, "lr_one", choices=("settles", "diverges"))
    for x, answer in ((a, "settles"), (b, "diverges"), (c, "diverges")):
        store.join(code, x)
        store.vote(code, x, answer)
    assert store.room(code).final_votes() == {a: "settles", b: "diverges", c: "diverges"}
    store.set_phase(code, secret, "second_vote")
    store.vote(code, b, "settles")
    room = store.room(code)
    assert room.final_votes() == {a: "settles", b: "settles", c: "diverges"}
    assert room.votes == {a: "settles", b: "diverges", c: "diverges"} and room.votes2 == {b: "settles"}
