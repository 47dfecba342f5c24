"""The class's pages as a user meets them (AppTest through app.py's navigation), in both languages:
/class, the lecturer's room on the projector, and /join, the student's phone page.

The browser's anonymous id comes from a component (ui/browser_id.py) that reports it as its state
on the page's second run; AppTest has no browser behind it, so a test gives the session that state
itself (`st.session_state["browser_id"] = {"id": ...}`), as the component would. The rooms live in
the server's embedded store (core.rooms.default_store()), which the tests read and, as a phone or a
lecturer elsewhere would, write directly.
"""

from __future__ import annotations

import re

import pytest
from conftest import open_page, words

from core import questions, rooms
from core.problems import MESSAGES, Problem

CLASS, JOIN = "views/class_room.py", "views/join.py"
LANGS = ["en", "zh"]
LECTURER_CONTROLS = ("class_question", "class_open", "class_discuss", "class_second", "class_reveal",
                     "class_next", "class_exp_kind", "class_exp_start", "class_exp_stop", "class_end")


@pytest.fixture(autouse=True)
def formats_in_the_tests_language(request, monkeypatch):
    """AppTest reads a selectbox's value by calling the page's format_func in the test's own
    thread, outside any script run, where ui.i18n speaks English: a Chinese page's options then
    never match (ValueError). Outside a script run, the test's language."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    import ui.i18n

    lang = getattr(request.node, "callspec", None) and request.node.callspec.params.get("lang")
    real = ui.i18n.language
    monkeypatch.setattr(ui.i18n, "language",
                        lambda: real() if get_script_run_ctx(suppress_warning=True) else (lang or "en"))


def store():
    return rooms.default_store()


def said(lang, problem):
    """A Problem as the page words it in `lang`."""
    return problem.words(words(lang))


def as_browser(at, browser=None):
    """The page after its browser id component has reported (its next run)."""
    at.session_state["browser_id"] = {"id": browser or rooms.new_client_id()}
    return at.run()


def open_as(page, lang, browser=None, **query):
    at = open_page(page, lang=lang, **query)
    assert not at.exception
    return as_browser(at, browser)


def lecturer_of(at):
    """The session's Lecturer (ui.classroom), or None."""
    return at.session_state["class_lecturer"] if "class_lecturer" in at.session_state else None


def keys(at):
    """The keys of every widget and keyed container on the page."""
    found, stack = set(), [at._tree]
    while stack:
        node = stack.pop()
        if getattr(node, "key", None):
            found.add(node.key)
        stack.extend(getattr(node, "children", {}).values())
    return found


def box(at, name):
    """The keyed container `name` (st.container(key=...)) of the page."""
    stack = [at._tree]
    while stack:
        node = stack.pop()
        if getattr(node, "type", None) == "flex_container" and getattr(node, "key", None) == name:
            return node
        stack.extend(getattr(node, "children", {}).values())
    raise AssertionError(f"no container {name}")


def numbers(text):
    return [int(n) for n in re.findall(r"\d+", text)]


def texts(elements):
    return [e.value for e in elements]


def page_text(at):
    """Everything the page sends to draw (each element's message), outside the lecturer-key
    popover; the browser-id component's data (what its browser keeps in localStorage, never
    drawn: the component is display: none) is listed apart."""
    shown, hidden, stack = [], [], [(at._tree, False)]
    while stack:
        node, inside = stack.pop()
        inside = inside or getattr(node, "type", None) == "popover"
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(node, "type", None) != "popover":
            (hidden if inside or getattr(node, "key", None) == "browser_id" else shown).append(str(proto))
        stack.extend((child, inside) for child in getattr(node, "children", {}).values())
    return "\n".join(shown), "\n".join(hidden)


def start_room(lang):
    """A lecturer's /class after Start: (AppTest, the session's Lecturer)."""
    at = open_as(CLASS, lang)
    at.button(key="class_start").click().run()
    assert not at.exception
    lec = lecturer_of(at)
    assert lec is not None
    return at, lec


# ---- both pages render ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", [CLASS, JOIN])
def test_the_class_pages_render_connecting_then_ready_in_both_languages(page, lang):
    at = open_page(page, lang=lang)
    assert not at.exception and not at.error and not at.warning
    assert at.query_params["lang"] == lang
    assert at.sidebar.button_group(key="lang_picker").value == lang
    title = "The class together" if page == CLASS else "Join the class"
    assert texts(at.title) == [words(lang)(title)]
    # the browser's id not reported yet: connecting, nothing to press
    assert texts(at.info) == [words(lang)("Connecting…")]
    assert not ({"class_start", "join_go"} & keys(at))
    at = as_browser(at)
    assert not at.exception and not at.error and not at.warning
    if page == CLASS:
        assert at.button(key="class_start").disabled is False
        assert {"class_resume_code", "class_resume_key", "class_resume"} <= keys(at)
        assert not (set(LECTURER_CONTROLS) & keys(at))
    else:
        assert {"join_code", "join_go"} <= keys(at)


# ---- the lecturer starts a room ---------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_start_makes_a_room_whose_secret_is_only_in_the_lecturer_key_popover(lang):
    at, lec = start_room(lang)
    room = store().room(lec.code)
    assert isinstance(room, rooms.Room) and room.code == lec.code
    assert store().is_lecturer(lec.code, lec.secret)
    assert at.query_params["room"] == lec.code and "key" not in at.query_params
    assert [h.proto.body for h in at.get("html") if lec.code in h.proto.body]            # the big code
    assert {"class_code", "class_qr", "class_count", "class_tally", "class_lecturer_key",
            "class_question", "class_open", "class_exp_start"} <= keys(at)
    shown, hidden = page_text(at)
    assert lec.code in shown
    assert lec.secret not in shown
    assert lec.secret in hidden            # the popover's link (the check above is not vacuous)
    popovers = at.get("popover")            # the lecturer key's, and ending the room's
    assert len(popovers) == 2
    assert [p for p in popovers if any(lec.secret in c.value for c in p.code)]


@pytest.mark.parametrize("lang", LANGS)
def test_a_lecturer_key_link_resumes_and_leaves_the_address_bar_a_wrong_one_is_refused(lang):
    _at, lec = start_room(lang)
    other = open_page(CLASS, lang=lang, room=lec.code, key="WRONG")
    assert not other.exception
    assert "key" not in other.query_params
    assert said(lang, Problem("room_not_lecturer", {"code": lec.code})) in texts(other.warning)
    other = as_browser(other)
    assert not (set(LECTURER_CONTROLS) & keys(other)) and lecturer_of(other) is None
    # the right key (a second device of the lecturer's): resumed, the key gone from the address
    second = open_page(CLASS, lang=lang, room=lec.code, key=lec.secret)
    assert not second.exception and "key" not in second.query_params
    assert lecturer_of(second) == lec
    assert {"class_open", "class_lecturer_key"} <= keys(as_browser(second))


def test_a_wrong_lecturer_key_is_still_refused_after_the_browser_reported():
    _at, lec = start_room("en")
    other = as_browser(open_page(CLASS, lang="en", room=lec.code, key="WRONG"))
    assert said("en", Problem("room_not_lecturer", {"code": lec.code})) in texts(other.warning)


@pytest.mark.parametrize("lang", LANGS)
def test_a_students_browser_on_the_class_page_gets_no_lecturer_controls(lang):
    _at, lec = start_room(lang)
    student = rooms.new_client_id()
    assert store().join(lec.code, student) is None
    at = open_as(CLASS, lang, browser=student, room=lec.code)
    assert not at.exception and not at.warning
    assert lecturer_of(at) is None
    assert not (set(LECTURER_CONTROLS) & keys(at))
    assert "class_start" in keys(at)              # their own room, if they like; not this one
    shown, hidden = page_text(at)
    assert lec.secret not in shown + hidden


@pytest.mark.parametrize("lang", LANGS)
def test_resume_form_with_a_wrong_key_is_refused_and_a_bad_code_named(lang):
    _at, lec = start_room(lang)
    at = open_as(CLASS, lang)
    at.text_input(key="class_resume_code").input(lec.code.lower())
    at.text_input(key="class_resume_key").input("not-the-key")
    at.button(key="class_resume").click().run()
    assert not at.exception
    assert said(lang, Problem("room_not_lecturer", {"code": lec.code})) in texts(at.warning)
    assert lecturer_of(at) is None
    at.text_input(key="class_resume_code").input("BADCODE")
    at.button(key="class_resume").click().run()
    (warning,) = texts(at.warning)
    assert warning.startswith(words(lang)(MESSAGES["room_bad_code"]).split("{")[0])
    # and the right one resumes
    at.text_input(key="class_resume_code").input(lec.code)
    at.text_input(key="class_resume_key").input(lec.secret)
    at.button(key="class_resume").click().run()
    assert not at.exception
    assert len(at.warning) == len(at.get("popover")[0].warning) == 1       # the key's own caution only
    assert lecturer_of(at) == lec and "class_open" in keys(at)
    assert lec.secret not in page_text(at)[0]


# ---- a student joins ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_join_a_code_that_cannot_be_one_by_link_is_worded(lang):
    at = open_as(JOIN, lang, room="BADCODE")
    assert not at.exception and not at.error
    (warning,) = texts(at.warning)
    assert warning.startswith(words(lang)(MESSAGES["room_bad_code"]).split("{")[0]) and "BADCODE" in warning
    assert "room" not in at.query_params and {"join_code", "join_go"} <= keys(at)


@pytest.mark.parametrize("lang", LANGS)
def test_join_a_bad_or_unknown_code_is_worded(lang):
    at = open_as(JOIN, lang, room="BADCODE")
    assert not at.exception and not at.error
    assert {"join_code", "join_go"} <= keys(at)           # the student can type it again
    at.text_input(key="join_code").input("BAD-CODE")
    at.button(key="join_go").click().run()
    (warning,) = texts(at.warning)
    assert warning.startswith(words(lang)(MESSAGES["room_bad_code"]).split("{")[0]) and "BAD-CODE" in warning
    unknown = next(c for c in ("ZZZZZZ", "ZZZZZY", "ZZZZZX") if store().room(c) is None)
    at = open_as(JOIN, lang, room=unknown)
    assert not at.exception
    assert texts(at.warning) == [said(lang, Problem("room_unknown", {"code": unknown}))]
    assert {"join_code", "join_go"} <= keys(at)


@pytest.mark.parametrize("lang", LANGS)
def test_join_by_link_and_by_code_then_vote_and_change_it(lang):
    _at, lec = start_room(lang)
    by_link = rooms.new_client_id()
    phone = open_as(JOIN, lang, browser=by_link, room=lec.code)
    assert not phone.exception and not phone.warning
    assert texts(phone.info) == [words(lang)("Waiting for the lecturer's question…")]
    typed = open_as(JOIN, lang)
    typed.text_input(key="join_code").input(" " + lec.code.lower()[:3] + "-" + lec.code.lower()[3:])
    typed.button(key="join_go").click().run()
    assert not typed.exception and not typed.warning and typed.query_params["room"] == lec.code
    assert "join_question" in keys(typed)
    assert store().room(lec.code).present == 2
    assert store().open_question(lec.code, lec.secret, "lr_one", choices=["settles", "still_falling",
                                                                           "diverges"]) is None
    phone.run()
    assert {"vote_settles", "vote_still_falling", "vote_diverges", "join_vote"} <= keys(phone)
    phone.button(key="vote_diverges").click().run()
    phone.button(key="vote_settles").click().run()          # changed, not repeated
    assert not phone.exception and not phone.warning
    assert store().room(lec.code).votes == {by_link: "settles"}
    assert phone.button(key="vote_settles").proto.type == "primary"
    assert len(phone.success) == 1


@pytest.mark.parametrize("lang", LANGS)
def test_a_whole_cycle_the_projector_and_a_phone(lang):
    """Open, vote (the bars hidden), discuss, second vote, reveal (the right answer with its share
    on the projector and the phone); the class experiment: a phone trains, its dot is counted."""
    at, lec = start_room(lang)
    phones = [rooms.new_client_id() for _ in range(3)]
    for browser in phones:
        assert store().join(lec.code, browser) is None
    phone = open_as(JOIN, lang, browser=phones[0], room=lec.code)
    at.selectbox(key="class_question").select("lr_one")
    at.button(key="class_open").click().run()
    assert not at.exception and store().room(lec.code).question == "lr_one"
    phone.run()
    phone.button(key="vote_settles").click().run()
    store().vote(lec.code, phones[1], "diverges")
    store().vote(lec.code, phones[2], "diverges")
    at.run()
    assert not at.get("plotly_chart"), "the bars are hidden while the class votes"
    assert numbers(box(at, "class_tally").markdown[0].value) == [3, 3]           # 3 votes of 3 phones
    at.button(key="class_discuss").click().run()
    assert store().room(lec.code).phase == "discussing" and at.get("plotly_chart")       # first vote shown
    at.button(key="class_second").click().run()
    assert store().room(lec.code).phase == "second_vote" and not at.get("plotly_chart")
    store().vote(lec.code, phones[1], "settles")         # changed their mind
    store().vote(lec.code, phones[2], "diverges")        # kept theirs
    at.run()
    assert numbers(box(at, "class_tally").markdown[0].value) == [3, 3, 2]        # ... second vote: 2
    at.button(key="class_reveal").click().run()
    assert not at.exception and store().room(lec.code).phase == "revealed"
    answer = words(lang)(questions.CHOICES["settles"])
    (success,) = texts(at.success)
    # 1 of 3 first; second: phone 0 keeps "settles" (did not vote again), phone 1 changed to it
    assert "33%" in success and "67%" in success, success
    phone.run()
    assert not phone.exception
    assert any(answer in s for s in texts(phone.success)), texts(phone.success)
    assert answer in success
    # the class experiment
    at.segmented_control(key="class_exp_kind").set_value("lr")
    at.button(key="class_exp_start").click().run()
    assert store().room(lec.code).experiment == "lr"
    phone.run()
    phone.button(key="exp_run").click().run()
    assert not phone.exception
    dots = store().room(lec.code).dots
    assert list(dots) == [phones[0]]
    at.run()
    assert "class_dots" in keys(at) and len(at.get("plotly_chart")) == 2
    (results,) = box(at, "class_dots").markdown
    assert numbers(results.value) == [1, 0]                                  # 1 result, 0 diverged


def test_the_run_behind_the_answer_stays_after_the_reveal():
    at, lec = start_room("en")
    at.button(key="class_open").click().run()
    at.button(key="class_reveal").click().run()
    heading = words("en")("The run behind the answer")
    assert heading in texts(at.subheader)
    for _ in range(3):                  # the projector's fragment and the player rerun the page
        at.run()
        assert not at.exception and heading in texts(at.subheader)


# ---- the store unreachable ------------------------------------------------------------------

@pytest.fixture
def redis_down(monkeypatch):
    """core.rooms.default_store(): what LRVIZ_ROOMS makes of a Redis URL whose port nobody listens on."""
    import socket

    with socket.socket() as s:          # a free port, closed again
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = rooms.store_from_env({rooms.ENV: f"redis://127.0.0.1:{port}/0"})
    assert isinstance(dead, rooms.RedisStore)
    monkeypatch.setattr(rooms, "default_store", lambda: dead)
    return dead


@pytest.mark.parametrize("lang", LANGS)
def test_redis_unreachable_is_worded_on_both_pages_not_an_apology(lang, redis_down):
    down = said(lang, Problem("room_store_down", {}))
    at = open_as(CLASS, lang)
    at.button(key="class_start").click().run()
    assert not at.exception and not at.error
    assert down in texts(at.warning)
    assert lecturer_of(at) is None and "class_start" in keys(at)
    phone = open_as(JOIN, lang, room="ABCDEF")
    assert not phone.exception and not phone.error
    assert down in texts(phone.warning)


# ---- the main page: follow the lecturer, "what happens next?" ---------------------------------

LESSON = "views/lesson.py"


def lecturer_on_main_page(lang):
    """A lecturer who started a room on /class, then went to the main page (the same session)."""
    at, lec = start_room(lang)
    at.switch_page(LESSON).run()
    assert not at.exception
    return at, lec


@pytest.mark.parametrize("lang", LANGS)
def test_a_follower_takes_the_lecturers_settings_until_leave(lang):
    at, lec = lecturer_on_main_page(lang)
    at.sidebar.select_slider(key="ctl_lr").set_value(0.1).run()
    assert store().room(lec.code).settings["lr"] == "0.1"
    student = open_page(None, lang=lang, follow=lec.code)
    assert not student.exception and not student.warning
    assert student.sidebar.select_slider(key="ctl_lr").value == 0.1
    assert {"follow_banner", "follow_leave"} <= keys(student) and student.query_params["follow"] == lec.code
    assert lec.code in box(student, "follow_banner").info[0].value
    assert "ask_next" not in keys(student)                  # a student asks the class nothing
    # the lecturer changes it: the follower's next run (its poll) has it
    at.sidebar.select_slider(key="ctl_lr").set_value(0.3).run()
    student.run()
    assert student.sidebar.select_slider(key="ctl_lr").value == 0.3
    assert student.query_params["lr"] == "0.3"
    # Leave: the student's own settings back, the lecturer's next change no longer followed
    student.button(key="follow_leave").click().run()
    assert not student.exception and "follow" not in student.query_params
    assert student.sidebar.select_slider(key="ctl_lr").value == 0.03 and "follow_banner" not in keys(student)
    at.sidebar.select_slider(key="ctl_lr").set_value(0.01).run()
    student.run()
    assert student.sidebar.select_slider(key="ctl_lr").value == 0.03


@pytest.mark.parametrize("lang", LANGS)
def test_following_an_unknown_room_is_worded_and_the_page_is_the_students_own(lang):
    unknown = next(c for c in ("ZZZZZW", "ZZZZZV", "ZZZZZU") if store().room(c) is None)
    student = open_page(None, lang=lang, follow=unknown)
    assert not student.exception
    assert said(lang, Problem("room_unknown", {"code": unknown})) in texts(student.warning)
    assert "follow" not in student.query_params and "follow_banner" not in keys(student)
    assert student.sidebar.select_slider(key="ctl_lr").value == 0.03


@pytest.mark.parametrize("lang", LANGS)
def test_what_happens_next_asks_the_class_about_the_lecturers_own_settings(lang):
    at, lec = lecturer_on_main_page(lang)
    at.sidebar.select_slider(key="ctl_lr").set_value(1.0).run()
    phone_id = rooms.new_client_id()
    phone = open_as(JOIN, lang, browser=phone_id, room=lec.code)
    at.button(key="ask_next").click().run()
    assert not at.exception and not at.warning
    room = store().room(lec.code)
    assert room.question == "next" and room.phase == "voting" and room.choices == questions.OUTCOME
    phone.run()
    assert {f"vote_{c}" for c in questions.OUTCOME} <= keys(phone)
    phone.button(key="vote_diverges").click().run()
    assert store().room(lec.code).votes == {phone_id: "diverges"}
    # on the class page: the question about these settings, revealed with the core's answer
    at.switch_page(CLASS).run()
    assert not at.exception
    values = at.session_state["class_next"]
    assert values["lr"] == 1.0
    right = questions.next_question(values).answer().choice
    at.button(key="class_reveal").click().run()
    assert not at.exception
    (success,) = texts(box(at, "class_tally").success)
    assert words(lang)(questions.CHOICES[right]) in success
    assert ("100%" if right == "diverges" else "0%") in success


@pytest.mark.parametrize("lang", LANGS)
def test_a_number_question_is_voted_on_a_slider_and_revealed_with_its_value(lang):
    at, lec = start_room(lang)
    phone_id = rooms.new_client_id()
    phone = open_as(JOIN, lang, browser=phone_id, room=lec.code)
    at.selectbox(key="class_question").select("noise_floor")
    at.button(key="class_open").click().run()
    q = questions.BY_ID["noise_floor"]
    assert store().room(lec.code).bounds == q.bounds
    phone.run()
    phone.slider(key="vote_number").set_value(0.5).run()
    phone.button(key="vote_send").click().run()
    assert not phone.exception and store().room(lec.code).votes == {phone_id: 0.5}
    at.button(key="class_reveal").click().run()
    assert not at.exception and at.get("plotly_chart")
    (success,) = texts(box(at, "class_tally").success)
    assert "100%" in success                        # σ²/2 = 0.5, within the tolerance
    phone.run()
    assert not phone.exception and phone.success
