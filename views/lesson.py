"""Linear regression, step by step: the lesson's run, live.

A thin page: settings from the sidebar (seeded once from the URL), one player for the run, the
live charts, and the panels: the current step as the lesson's equations, the result, export.
"""

import streamlit as st

from ui import classroom, controls, exercises, i18n, live, panels
from ui.i18n import _
from ui.player import Player

i18n.picker()
controls.PAGE.init()
follow_problem = classroom.follow(controls.PAGE)        # /?follow=CODE: the lecturer's settings
settings, problems = controls.sidebar()
following = classroom.follow_code()
query = controls.PAGE.sync(settings, extra={classroom.FOLLOW_PARAM: following} if following else None)
classroom.share(controls.PAGE, settings)                # a lecturer's settings, for the followers

if settings["present"]:                     # a projector: the sidebar out of the way
    st.set_page_config(initial_sidebar_state="collapsed")
st.title(_("Linear regression, step by step"))
st.container(key="intro").markdown(_(
    "Data **y = Xw + b + noise**; the model **ŷ = Xw + b** learns its weights w and bias b by "
    "minibatch SGD on the squared loss (ŷ − y)²/2. Press **Train** and watch the loss fall, the parameters "
    "find the true values, and the same learning rate at work on **y = x²/2**."))
controls.PAGE.show_warnings(problems)
controls.PAGE.forget_problems()             # the link's problems are said once, on the first run
if follow_problem is not None:
    classroom.say(follow_problem)
classroom.follow_banner(controls.PAGE)
missing = live.check_static_assets()
if missing:
    st.error(missing)

player = Player()
exercises.buttons(player)
classroom.ask_button(settings)
run = player.show(settings, messages=lambda: exercises.show(player))
st.caption(_("Stable learning rates — y = x²/2: lr < 2 · these data (full batch, 2/λ_max): lr < {max_lr} · "
             "now lr = {lr}.").format(max_lr=f"{run.theory.max_stable_lr:.3g}", lr=f"{run.settings['lr']:g}"))
if panels.stability_note(run):
    st.caption(panels.stability_note(run))
panels.show_results(run)
player.show_step()
with st.expander(_("Export")):
    panels.export_buttons(run, run.settings, query, player.ghosts)
