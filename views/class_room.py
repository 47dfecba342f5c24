"""The class together: the lecturer's room, on the projector.

The lecturer starts a room; the screen shows its code, a QR code of the join link and how many
phones are in it. The lecturer opens a question from the bank (core.questions: each answer is
computed by running its settings), the phones vote, the tally grows live; the lecturer may close
the vote for a discussion and open a second vote (peer instruction: the shift shows side by
side); Reveal plays the question's settings on the live charts and marks the right answer with
the share who got it. The class experiment hands each phone a learning rate (or a batch size)
across the stable edge; every phone's result lands here as one dot of a crowd-made sweep.

The lecturer's control is a secret, kept in this session and by this browser (ui.browser_id),
never on the page: a reload resumes the room; another device resumes it with the lecturer key,
shown only in a popover the lecturer opens on their own screen.
"""

import streamlit as st

from core import questions, rooms, settings
from core.problems import Problem
from core.run import Run
from core.settings import DEFAULTS
from ui import browser_id, class_figures, classroom, guard, i18n
from ui.classroom import call, is_problem, say
from ui.figure_style import flex_css, flex_item
from ui.i18n import _
from ui.landscape_figures import translated as landscape_words
from ui.player import Player, cached_data

LIVE_SECONDS = 1.0              # the projector's count, tally and dots: read this often
REVEAL = "class_revealed_run"   # session: {"question": id, "round": n, "settings": the last run's}
PENDING = "class_pending"       # session: {code: secret or None} for the browser to remember
PROBLEM = "class_problem"       # session: a refusal to say on the next run
QUESTION_IDS = tuple(q.id for q in questions.QUESTIONS) + ("next",)
CSS = """
.st-key-class_code .lrviz-room-code { font-size: clamp(3rem, 7vw, 7rem); font-weight: 700;
  letter-spacing: 0.12em; line-height: 1.1; font-family: "Source Code Pro", monospace; color: #222; }
.lrviz-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
.st-key-class_code .lrviz-room-code.lrviz-small { font-size: clamp(2rem, 4vw, 3rem); }
.st-key-class_count p { font-size: 1.6rem; }
.st-key-class_qr img { max-width: 320px; image-rendering: pixelated; }
/* the projector's first screen is for the class: a modest title */
.st-key-class_title h1 { font-size: 2rem; padding-top: 0; }
"""

i18n.picker()


def _remember(code, secret):
    st.session_state.setdefault(PENDING, {})[code] = secret


# ---- who is the lecturer -----------------------------------------------------------------------

def _resume_from_link():
    """?room=CODE&key=SECRET (the lecturer key's link, on a second device): resume the room, and
    take the key out of the address bar at once."""
    params = st.query_params
    if classroom.KEY_PARAM not in params:
        return
    secret = params.get(classroom.KEY_PARAM, "")[:200]
    code = rooms.normalise_code(params.get(classroom.ROOM_PARAM, "")[:40])
    del st.query_params[classroom.KEY_PARAM]
    _resume(code, secret)


def _resume(code, secret):
    ok = call("is_lecturer", code, secret) if code else False
    if is_problem(ok):                              # the store cannot be reached: say that
        st.session_state[PROBLEM] = ok
    elif ok is True:
        classroom.set_lecturer(code, secret)
        _remember(code, secret)
        st.query_params[classroom.ROOM_PARAM] = code
    else:
        st.session_state[PROBLEM] = Problem("room_not_lecturer", {"code": code or "—"})


def _resume_from_browser(held):
    """A reload: the room this browser started (the one in the link, else the newest), if live."""
    if classroom.lecturer() is not None or not held:
        return
    asked = rooms.normalise_code(st.query_params.get(classroom.ROOM_PARAM, "")[:40])
    for code in dict.fromkeys(([asked] if asked in held else []) + list(reversed(held))):
        ok = call("is_lecturer", code, held[code])
        room = call("room", code) if ok is True else None
        if is_problem(ok) or is_problem(room):      # the store cannot be reached: forget nothing
            return
        if ok is True and room is not None:
            classroom.set_lecturer(code, held[code])
            st.query_params[classroom.ROOM_PARAM] = code
            return
        _remember(code, None)                       # ended or expired: forget it


@guard.callback
def _start(browser):
    made = call("create_room", browser)
    if is_problem(made):
        st.session_state[PROBLEM] = made
        return
    classroom.set_lecturer(made.code, made.secret)
    _remember(made.code, made.secret)
    st.session_state.pop(REVEAL, None)
    st.query_params[classroom.ROOM_PARAM] = made.code


@guard.callback
def _resume_typed():
    code = rooms.normalise_code(st.session_state.get("class_resume_code", "")[:40])
    secret = st.session_state.get("class_resume_key", "").strip()[:200]
    st.session_state["class_resume_key"] = ""
    if code is None:
        typed = st.session_state.get("class_resume_code", "")
        st.session_state[PROBLEM] = Problem("room_bad_code", {"length": rooms.CODE_LENGTH, "text": typed})
        return
    _resume(code, secret)


@guard.callback
def _end(lecturer):
    call("close_room", lecturer.code, lecturer.secret)
    _remember(lecturer.code, None)
    classroom.set_lecturer(None, None)
    st.session_state.pop(REVEAL, None)
    if classroom.ROOM_PARAM in st.query_params:
        del st.query_params[classroom.ROOM_PARAM]


# ---- the lecturer's actions ---------------------------------------------------------------------

def _act(method, *args, **kwargs):
    lec = classroom.lecturer()
    if lec is None:
        return
    problem = call(method, lec.code, lec.secret, *args, **kwargs)
    if problem is not None:
        st.session_state[PROBLEM] = problem


def main_page_settings():
    """The settings on this session's main page right now (its player's run, else the defaults)."""
    run, _step = Player().current()
    return dict(run.settings) if run is not None else dict(DEFAULTS)


@guard.callback
def _open(qid=None):
    qid = qid or st.session_state.get("class_question")
    if qid == "next":
        values = main_page_settings()
        st.session_state[classroom.NEXT_SETTINGS] = values
        _act("set_settings", settings.to_query(values))
    q = classroom.question(qid)
    if q is None:
        return
    st.session_state.pop(REVEAL, None)
    _act("open_question", q.id, choices=q.choices or None, bounds=q.bounds)


@guard.callback
def _phase(phase):
    _act("set_phase", phase)


@guard.callback
def _reveal(room_round):
    lec = classroom.lecturer()
    room = call("room", lec.code) if lec else None
    if not isinstance(room, rooms.Room) or room.question is None:
        return
    _act("set_phase", "revealed")
    q = classroom.question(room.question, room)
    runs = [dict(s) for s in q.settings]
    if q.page == "lesson":
        player = Player(prefix="class_", keys=False)
        compared = []
        for s in runs[:-1]:
            X, y, theory = cached_data(s["w"], s["b"], s["n"], s["noise"], s["seed"])
            run = Run({**DEFAULTS, **s}, data=(X, y), theory=theory)
            run.advance(run.total_steps)
            compared.append(run)
        player.restart(compared)
        player.press("train")
    st.session_state[REVEAL] = {"question": room.question, "round": room_round, "page": q.page, "runs": runs,
                                "settings": {**DEFAULTS, **runs[-1]} if q.page == "lesson" else runs[-1]}


@guard.callback
def _next():
    _act("close_question")
    st.session_state.pop(REVEAL, None)


@guard.callback
def _experiment():
    kind = st.session_state.get("class_exp_kind") or "lr"      # the segmented control: None if unset
    ex = questions.experiment(kind)
    _act("start_experiment", kind, list(ex.values))


@guard.callback
def _stop_experiment():
    _act("stop_experiment")


# ---- the page ---------------------------------------------------------------------------------

def _words():
    return {"first": _("first vote"), "second": _("second vote"), "votes": _("votes"),
            "answer": _("answer"), "value": _("the class's estimates")}


def _tally(room, lec):
    """The open question on the projector: its text, the live count of votes, the bars."""
    box = st.container(key="class_tally")
    if room.question is None:
        box.info(_("No question is open. Choose one in the sidebar and press **Open the question**."),
                 icon=":material/quiz:")
        return
    q = classroom.question(room.question, room)
    box.subheader(i18n.plain(classroom.question_text(room.question)))
    votes, votes2 = len(room.votes), len(room.votes2)
    phase_words = {"voting": _("Voting"), "discussing": _("Discuss with your neighbour"),
                   "second_vote": _("Second vote"), "revealed": _("The answer")}
    line = [f"**{phase_words.get(room.phase, '')}**"]
    if room.phase in ("second_vote", "revealed") and votes2:
        line += [_("first vote: {votes} of {present}").format(votes=votes, present=room.present),
                 _("second vote: {votes}").format(votes=votes2)]
    else:
        line.append(_("Votes: {votes} of {present}").format(votes=votes, present=room.present))
    box.markdown(" · ".join(line))
    revealed = room.phase == "revealed"
    answer = q.answer() if revealed and q is not None else None
    second = room.phase in ("second_vote", "revealed") and bool(room.votes2)
    if room.phase in ("voting", "second_vote") and not revealed:
        # peer instruction: the class does not see the distribution until the vote has closed
        box.caption(_("The bars stay hidden while the class votes, so no one copies the crowd."))
        return
    if room.choices:
        labels = [classroom.choice_text(c) for c in room.choices]
        counts = room.tally()
        first = [counts[c] for c in room.choices]
        final = list(room.final_votes().values())
        again = [final.count(c) for c in room.choices] if second else None
        known = answer is not None and answer.choice in room.choices
        right = room.choices.index(answer.choice) if known else None
        fig = class_figures.tally_figure(labels, first, again, right, _words())
    else:
        fig = class_figures.number_figure(
            list(room.votes.values()), list(room.final_votes().values()) if second else None,
            answer.value if answer else None, answer.tolerance if answer else None, room.bounds or (0, 1),
            _words())
    box.plotly_chart(fig, config={"displayModeBar": False}, key="class_tally_chart")
    if second:
        box.caption(_("Second vote: a phone that did not vote again keeps its first answer."))
    if answer is not None:
        share = answer.share_right(room.votes)
        share2 = answer.share_right(room.final_votes()) if room.votes2 else None
        right_words = (classroom.choice_text(answer.choice) if answer.choice
                       else classroom.number(answer.value))
        if share2 is not None and share is not None:
            text = _("Right answer: **{answer}** · first vote {share} right, second vote {share2} "
                     "right.").format(
                answer=i18n.plain(right_words), share=f"{share:.0%}", share2=f"{share2:.0%}")
        elif share is not None:
            text = _("Right answer: **{answer}** · {share} of the class got it.").format(
                answer=i18n.plain(right_words), share=f"{share:.0%}")
        else:
            text = _("Right answer: **{answer}** · nobody voted.").format(answer=i18n.plain(right_words))
        box.success(text, icon=":material/check_circle:")


def _dots(room):
    if room.experiment is None:
        return
    box = st.container(key="class_dots")
    kind = room.experiment
    ex = questions.experiment(kind)
    box.subheader(_("The class experiment: each phone its own learning rate") if kind == "lr"
                  else _("The class experiment: each phone its own batch size"))
    dots = list(room.dots.values())
    blown = sum(1 for d in dots if d.diverged_at)
    box.markdown(_("Results: {count} · diverged: {blown}").format(count=len(dots), blown=blown))
    words = {"x": _("learning rate lr") if kind == "lr" else _("batch size"),
             "y": _("final loss") if kind == "lr" else _("noise of the loss curve"),
             "edge": _("stable bound 2/λ_max"), "diverged": _("diverged"), "floor": _("loss floor"),
             "theory": _("theory: √(2(n − B) / (B(n − 1)))")}
    if dots:
        fig = class_figures.dots_figure(kind, dots, ex.edge, words, spread=ex.values, floor=ex.floor,
                                        theory=ex.theory)
        box.plotly_chart(fig, config={"displayModeBar": False}, key="class_dots_chart")
        box.caption(_dots_in_words(kind, dots, ex))


def _dots_in_words(kind, dots, ex):
    """The sweep in one sentence (the chart's text equivalent, and what the class should see)."""
    fmt = classroom.number
    if kind == "lr":
        kept = [d.value for d in dots if not d.diverged_at]
        blown = [d.value for d in dots if d.diverged_at]
        return _("Largest lr that did not diverge: {kept}; smallest that diverged: {blown}; the core's "
                 "stable bound 2/λ_max = {edge}.").format(kept=fmt(max(kept)) if kept else "—",
                                                   blown=fmt(min(blown)) if blown else "—", edge=fmt(ex.edge))
    ran = sorted((d.value, d.result) for d in dots if d.result is not None)
    if not ran:
        return ""
    (b1, n1), (b2, n2) = ran[0], ran[-1]
    if b1 == b2:
        return _("Batch {b1}: noise {n1}. The noise falls like 1/√B, to 0 for the full batch.").format(
            b1=b1, n1=fmt(n1))
    return _("Batch {b1}: noise {n1}; batch {b2}: noise {n2}. The noise falls like 1/√B, to 0 for the "
             "full batch.").format(b1=b1, n1=fmt(n1), b2=b2, n2=fmt(n2))


def _live():
    """The projector's live part: the phones present and the tally (a fragment, re-read every
    LIVE_SECONDS)."""
    lec = classroom.lecturer()
    if lec is None:
        return
    room = call("room", lec.code)
    if is_problem(room):
        say(room)
        return
    if room is None:
        st.warning(word_unknown(lec.code))
        return
    st.container(key="class_count").markdown(
        _("Phones in the room: **{present}**").format(present=room.present))
    _tally(room, lec)


def _live_dots():
    """The experiment's dots, below the reveal's run (a fragment of its own)."""
    lec = classroom.lecturer()
    room = call("room", lec.code) if lec else None
    if isinstance(room, rooms.Room):
        _dots(room)


def word_unknown(code):
    return i18n.word(Problem("room_unknown", {"code": code}))


def _question_label(qid):
    if qid == "next":
        return _("What happens next? (your main page's settings)")
    return classroom.question_text(qid)


def _kind_label(kind):
    return _("learning rate lr") if kind == "lr" else _("batch size")


def _controls(room):
    """The lecturer's buttons, in the sidebar: the main area is what the class sees (a lecturer who
    projects the whole screen may collapse the sidebar; the buttons give nothing away anyway)."""
    row = st.container(horizontal=True, vertical_alignment="bottom", gap="small", key="class_controls")
    phase = room.phase
    if phase in (None, "revealed"):
        row.selectbox(_("Question"), QUESTION_IDS, key="class_question", width="stretch",
                      format_func=_question_label)
        row.caption(_question_label(st.session_state.get("class_question") or QUESTION_IDS[0]))
        row.button(_("Open the question"), key="class_open", type="primary", icon=":material/how_to_vote:",
                   on_click=_open)
    if phase == "voting":
        row.button(_("Close the vote and discuss"), key="class_discuss", icon=":material/forum:",
                   on_click=_phase, args=("discussing",))
    if phase in ("voting", "discussing"):
        row.button(_("Second vote"), key="class_second", icon=":material/replay:", on_click=_phase,
                   args=("second_vote",))
    if phase in ("voting", "discussing", "second_vote"):
        row.button(_("Reveal"), key="class_reveal", type="primary", icon=":material/visibility:",
                   on_click=_reveal, args=(room.round,))
    if phase == "revealed":
        row.button(_("Next question"), key="class_next", icon=":material/skip_next:", on_click=_next)
    row2 = st.container(horizontal=True, vertical_alignment="bottom", gap="small", key="class_exp_controls")
    if room.experiment is None:
        row2.segmented_control(_("Class experiment"), ["lr", "batch_size"], key="class_exp_kind",
                               default="lr", format_func=_kind_label)
        row2.button(_("Start the experiment"), key="class_exp_start", icon=":material/science:",
                    on_click=_experiment)
    else:
        row2.button(_("End the experiment"), key="class_exp_stop", icon=":material/stop_circle:",
                    on_click=_stop_experiment)


def _lecturer_key(lec):
    """The lecturer key: only in a popover the lecturer opens on their own screen."""
    with st.container(key="class_lecturer_key"):
        with st.popover(_("Lecturer key"), icon=":material/key:"):
            st.warning(_("Anyone with this key controls the room. Open this on your own screen, not "
                         "while projecting."), icon=":material/warning:")
            st.markdown(_("On another device, open this link (or type the room code and the key under "
                          "**Resume a room from another device**):"))
            link = {classroom.ROOM_PARAM: lec.code, classroom.KEY_PARAM: lec.secret}
            st.code(classroom.page_url("class", **link), language=None)



def _end_room(lec):
    """Ending the room, behind a popover of its own: a click that cannot be undone asks twice."""
    with st.popover(_("End the room"), icon=":material/logout:"):
        st.markdown(_("The phones leave the room and its votes and dots are deleted. This cannot be "
                      "undone."))
        st.button(_("End the room now"), key="class_end", type="primary", on_click=_end, args=(lec,))


def _reveal_run():
    """The reveal's run, live on the projector's charts."""
    reveal = st.session_state.get(REVEAL)
    if not reveal:
        return
    st.subheader(_("The run behind the answer"))
    if reveal.get("page") != "lesson":
        words = landscape_words(_)
        # side by side where each gets 440 px, else one above the other (a 1024-px projector)
        row = st.container(horizontal=True, gap="medium", key="class_valleys")
        st.html(flex_css(*[(flex_item("class_valleys", f"class_valley_{i}"), 1, 440)
                           for i in range(len(reveal["runs"]))]))
        for i, run in enumerate(reveal["runs"]):
            with row.container(key=f"class_valley_{i}"):
                head = (_("**Standardised features**, lr = {lr}") if run.get("std") else
                        _("**Raw features** (valley stretched by k = {k}), lr = {lr}"))
                st.markdown(head.format(k=f"{run['k']:g}", lr=f"{run['lr']:g}"))
                st.plotly_chart(class_figures.landscape_figure(run, words), config={"displayModeBar": False},
                                key=f"class_reveal_landscape_{int(bool(run.get('std')))}")
        s = reveal["settings"]
        query = {k: s[k] for k in ("k", "lr", "std", "steps") if k in s}
        st.link_button(_("Open it on the loss-landscape page"), icon=":material/landscape:",
                       url=classroom.page_url("landscape", **query))
        return
    Player(prefix="class_", keys=False).show({**reveal["settings"], "present": 1})


def _join_card(code, big):
    """How to join, on the projector: big while the class comes in, a strip once a question or the
    experiment needs the screen."""
    url = classroom.join_url(code)
    how = _("Join on your phone: scan the QR code, or open **{url}** and type this code:").format(
        url=i18n.plain(classroom.page_url("join")))
    left, right = st.columns([2, 1] if big else [6, 1], vertical_alignment="center")
    with left.container(key="class_code"):
        st.markdown(how)
        size = "" if big else " lrviz-small"
        # the code is ours (rooms.ALPHABET only): no user text reaches this HTML
        st.html(f'<div class="lrviz-room-code{size}"><span class="lrviz-sr">{_("Room code")}: </span>'
                f'{code}</div>')
    with right.container(key="class_qr"):
        label = _("QR code of the join link {url}").format(url=url)
        st.image(classroom.qr_png(url), width="stretch" if big else 120, alt=label,
                 caption=_("Scan to join") if big else None)


def _no_room(browser):
    st.markdown(_("Start a room and the class joins from their phones: by the QR code or the room "
                  "code. You ask a question, everyone votes, the tally grows live; **Reveal** runs the "
                  "settings on the charts. No names are asked, nothing personal is kept."))
    st.button(_("Start a room"), key="class_start", type="primary", icon=":material/groups:",
              disabled=browser is None, on_click=_start, args=(browser,))
    with st.expander(_("Resume a room from another device")):
        with st.form("class_resume_form", border=False):
            st.text_input(_("Room code"), key="class_resume_code", max_chars=12)
            st.text_input(_("Lecturer key"), key="class_resume_key", type="password", max_chars=200)
            st.form_submit_button(_("Resume"), key="class_resume", on_click=_resume_typed)


st.html(f"<style>{CSS}</style>")
st.container(key="class_title").title(_("The class together"))
_resume_from_link()
pending = st.session_state.pop(PENDING, None)
browser, held = browser_id.identity(remember=pending, rooms=True)
_resume_from_browser(held)
lec = classroom.lecturer()
# said until the browser has reported its id (its report reruns the page at once: a refusal said
# on the run before would vanish in a blink)
problem = st.session_state.pop(PROBLEM, None) if browser or lec else st.session_state.get(PROBLEM)
if problem is not None:
    say(problem)
if browser is None and lec is None:
    st.info(_("Connecting…"), icon=":material/hourglass_empty:")
elif lec is None:
    _no_room(browser)
else:
    room = call("room", lec.code)
    if is_problem(room):
        say(room)
    elif room is None:
        st.warning(word_unknown(lec.code))
        classroom.set_lecturer(None, None)
        st.session_state[PENDING] = {lec.code: None}
        _no_room(browser)
    else:
        with st.sidebar:
            st.subheader(_("Your room {code}").format(code=lec.code))
            _controls(room)
            _lecturer_key(lec)
            _end_room(lec)
        _join_card(lec.code, big=room.question is None and room.experiment is None)
        st.fragment(guard.guarded(_live), run_every=LIVE_SECONDS)()
        _reveal_run()                           # the run behind the answer, under the tally
        if room.experiment is not None:
            st.fragment(guard.guarded(_live_dots), run_every=LIVE_SECONDS)()
