"""Join the class: the student's page, made for a phone (no sidebar needed).

/join?room=CODE (the projector's QR code) joins at once; without it, a field for the code. Then
the page follows the room every few seconds: the open question with one button per answer (or a
slider for a number), the student's own vote, which they may change until the lecturer closes
the vote; after the reveal the right answer and how the class did; the class experiment (the
value this phone was handed, "Train with it", the dot it sent); and a link to follow the
lecturer's settings on the main page. The student is an anonymous id their browser keeps
(ui.browser_id): no name, no text.
"""

import time

import streamlit as st

from core import questions, rooms
from core.problems import Problem
from core.run import Run
from ui import browser_id, classroom, guard, i18n
from ui.classroom import call, is_problem, say
from ui.i18n import _

POLL_SECONDS = 3.0          # the live part's rerun: a new question reaches a phone within this (200 phones
                            # polling cost the server about a third of a core: BENCHMARKS.md)
SEEN_SECONDS = 15.0         # "still here" at most this often (the projector counts who is present)
JOINED = "join_room"        # session: the code this session has joined
MINE = "join_experiment"    # session: this phone's experiment run (round, value, result, diverged_at, ...)

# a phone's thumb: answers as tall, full-width buttons whose words wrap (never cut)
CSS = """
.st-key-join_vote button { min-height: 3.25rem; }
.st-key-join_vote button p { font-size: 1.1rem; white-space: normal; line-height: 1.3; }
.st-key-exp_run button, .st-key-join_go button, .st-key-vote_send button { min-height: 3rem; }
"""

st.set_page_config(initial_sidebar_state="collapsed")
st.html(f"<style>{CSS}</style>")
i18n.picker()
st.title(_("Join the class"))
browser, _held = browser_id.identity()


def _join(code):
    """Join room `code` (as typed); remember it in the session and the link."""
    problem = call("join", code, browser)
    if problem is not None:
        st.session_state[JOINED] = None
        return problem
    code = rooms.normalise_code(code)
    st.session_state[JOINED] = code
    st.session_state["join_seen"] = 0.0
    st.query_params[classroom.ROOM_PARAM] = code
    return None


@guard.callback
def _join_typed():
    st.session_state["join_problem"] = _join(st.session_state.get("join_code", ""))


def _code_form():
    """The code field, for a student who did not come by the link."""
    with st.form("join_form", border=False):
        st.text_input(_("Room code"), key="join_code", max_chars=12, placeholder="ABC234",
                      help=_("The six letters and digits on the projector"))
        st.form_submit_button(_("Join"), key="join_go", type="primary", on_click=_join_typed)


@guard.callback
def _vote(code, answer):
    problem = call("vote", code, browser, answer)
    st.session_state["join_vote_problem"] = problem


@guard.callback
def _vote_number(code):
    _vote(code, float(st.session_state["vote_number"]))


def _question(room):
    """The open question, its answers as buttons (or a slider), this phone's vote."""
    box = st.container(key="join_question")
    q = classroom.question(room.question, room)
    if room.question is None or q is None:
        box.info(_("Waiting for the lecturer's question…"), icon=":material/hourglass_empty:")
        return
    box.markdown(f"**{_('Question')}** · " + i18n.plain(classroom.question_text(room.question)))
    second = room.phase == "second_vote"
    mine = room.vote2 if second else room.vote
    first = room.vote
    if room.phase == "discussing":
        box.info(_("Discuss with your neighbour: why do you think so? A second vote follows."),
                 icon=":material/forum:")
    if room.phase == "revealed":
        _revealed(box, room, q)
        return
    voting = room.phase in ("voting", "second_vote")
    vote = st.container(key="join_vote")
    if second:
        vote.caption(_("Second vote, after the discussion: you may keep or change your answer."))
    if room.choices:
        for choice in room.choices:
            chosen = mine == choice
            vote.button(("✓ " if chosen else "") + classroom.choice_text(choice), key=f"vote_{choice}",
                        type="primary" if chosen else "secondary", width="stretch", disabled=not voting,
                        on_click=_vote, args=(room.code, choice))
    elif room.bounds:
        lo, hi = room.bounds
        start = float(mine) if isinstance(mine, float) else (lo + hi) / 2
        vote.slider(_("Your estimate"), min_value=float(lo), max_value=float(hi), value=start,
                    step=float(q.step or 0.01), key="vote_number", disabled=not voting)
        vote.button(_("Vote"), key="vote_send", type="primary", disabled=not voting,
                    on_click=_vote_number, args=(room.code,))
    if mine is not None:
        shown = classroom.choice_text(mine) if isinstance(mine, str) else classroom.number(mine)
        said = (_("Your vote: {answer}. You can change it until the vote closes.") if voting
                else _("Your vote: {answer}."))
        vote.success(said.format(answer=i18n.plain(shown)))
    elif first is not None and not voting:
        shown = classroom.choice_text(first) if isinstance(first, str) else classroom.number(first)
        vote.caption(_("Your first vote: {answer}.").format(answer=i18n.plain(shown)))
    problem = st.session_state.pop("join_vote_problem", None)
    if problem is not None:
        say(problem)


def _class_result(seat, answer):
    """(share of the class right, this phone's counted vote) once the answer is out: the class's
    last vote (the second where there was one). Read in full once per question (the votes are
    closed by then), not on every poll."""
    key = (seat.code, seat.round)
    kept = st.session_state.get("join_result")
    if kept and kept[0] == key:
        return kept[1]
    room = call("room", seat.code)
    if not isinstance(room, rooms.Room):
        return None, None
    votes = room.final_votes()          # the second vote where given, else the first
    result = (answer.share_right(votes), votes.get(browser))
    st.session_state["join_result"] = (key, result)
    return result


def _revealed(box, room, q):
    """After the reveal: the right answer, this phone's vote, how the class did."""
    answer = q.answer()
    right = classroom.choice_text(answer.choice) if answer.choice else classroom.number(answer.value)
    box.success(_("The answer: **{answer}**. The projector shows the run.").format(answer=i18n.plain(right)),
                icon=":material/check_circle:")
    share, mine = _class_result(room, answer)
    if mine is not None:
        box.markdown(_("You were right.") if answer.is_right(mine)
                     else _("Not this time: see the run on the projector."))
    if share is not None:
        box.caption(_("{share} of the class got it right.").format(share=f"{share:.0%}"))


def _train(code, value):
    """Train this phone's run with its value, to the end, and send its dot."""
    room = call("seat", code, browser)
    if value is None or room is None or is_problem(room) or room.experiment is None:
        return
    kind = room.experiment
    ex = questions.experiment(kind)
    run = Run({**ex.settings, kind: value})
    run.advance(run.total_steps)
    result, diverged_at = questions.dot_result(kind, run)
    problem = call("submit_dot", code, browser, value, result=result, diverged_at=diverged_at)
    st.session_state[MINE] = {"round": room.experiment_round, "value": value, "result": result,
                              "diverged_at": diverged_at, "problem": problem}


@guard.callback
def _train_chosen(code):
    _train(code, st.session_state.get("exp_value"))


def _experiment(room):
    """The class experiment on this phone: its handed value, Train, its result."""
    if room.experiment is None:
        return
    box = st.container(key="join_experiment", border=True)
    kind = room.experiment
    box.subheader(_("The class experiment"))
    mine = st.session_state.get(MINE) or {}
    if mine.get("round") != room.experiment_round:
        mine = {}
    handed = st.session_state.get("join_handed")
    if not handed or handed[0] != room.experiment_round:
        got = call("handout", room.code, browser)
        if is_problem(got):
            say(got)
            return
        handed = (room.experiment_round, got)
        st.session_state["join_handed"] = handed
        st.session_state["exp_value"] = got           # the slider starts at the value handed out
    value = handed[1]
    label = _("learning rate lr") if kind == "lr" else _("batch size")
    box.markdown(_("You were handed {what} = **{value}**. Train the lesson's model with it (or pick "
                   "another value first); your result joins the class's on the projector.").format(
        what=label, value=f"{value:g}"))
    stops = sorted(set(questions.experiment(kind).values) | {value})
    if st.session_state.get("exp_value") not in stops:
        st.session_state["exp_value"] = value
    box.select_slider(label, stops, key="exp_value", format_func=lambda v: f"{v:g}")
    box.button(_("Train with it"), key="exp_run", type="primary", icon=":material/play_arrow:",
               on_click=_train_chosen, args=(room.code,))
    if "result" in mine or "diverged_at" in mine:
        ran = f"{mine['value']:g}"
        if mine.get("diverged_at"):
            box.error(_("{what} = {value}: your run diverged at step {step}, the loss blew up.").format(
                what=label, value=ran, step=mine["diverged_at"]))
        elif kind == "lr":
            box.success(_("{what} = {value}: your final loss is {loss}.").format(
                what=label, value=ran, loss=classroom.number(mine["result"])))
        else:
            box.success(_("{what} = {value}: your loss curve's noise is {noise} (the minibatch loss's "
                          "spread around the full-data loss).").format(
                what=label, value=ran, noise=classroom.number(mine["result"])))
        if mine.get("problem") is not None:
            say(mine["problem"])


def _follow(room):
    st.link_button(_("Follow the lecturer on the main page"), icon=":material/visibility:",
                   url=classroom.page_url("", **{classroom.FOLLOW_PARAM: room.code}),
                   help=_("Your main page takes the lecturer's settings, and keeps them in step until "
                          "you leave."))


def _live():
    code = st.session_state.get(JOINED)
    room = call("seat", code, browser)            # this phone's view: small, whatever the class's size
    if is_problem(room):
        say(room)
        return
    if room is None:
        st.session_state[JOINED] = None
        say(Problem("room_unknown", {"code": code}))
        return
    now = time.time()
    if now - st.session_state.get("join_seen", 0.0) >= SEEN_SECONDS:
        st.session_state["join_seen"] = now
        call("seen", code, browser)
    st.caption(_("Room **{code}** · you are anonymous: only your answers are sent.").format(code=code))
    _question(room)
    _experiment(room)
    if room.settings:
        _follow(room)


if browser is None:
    st.info(_("Connecting…"), icon=":material/hourglass_empty:")
else:
    asked = st.query_params.get(classroom.ROOM_PARAM)
    if asked and rooms.normalise_code(asked[:40]) is None:      # a link whose code cannot be one
        del st.query_params[classroom.ROOM_PARAM]
        say(Problem("room_bad_code", {"length": rooms.CODE_LENGTH, "text": asked}))
    elif asked and st.session_state.get(JOINED) != rooms.normalise_code(asked[:40]):
        problem = _join(asked)
        if problem is not None:
            say(problem)
            if classroom.ROOM_PARAM in st.query_params:
                del st.query_params[classroom.ROOM_PARAM]
    problem = st.session_state.pop("join_problem", None)
    if problem is not None:
        say(problem)
    if st.session_state.get(JOINED):
        st.fragment(guard.guarded(_live), run_every=POLL_SECONDS)()
    else:
        _code_form()
