"""Linear regression, step by step: the lesson's linear network trained live, one minibatch at a time.

The entry point: configures the app, decides the language and declares the pages. Each page is a
thin file in views/; what pages share lives in ui/.
"""

import streamlit as st

from ui import guard, i18n
from ui.i18n import _

# The pages live in views/, not pages/: Streamlit treats a folder named pages/ beside this file as
# the old multipage app until st.navigation below has run once, so a fresh server's first request
# for /backends answered "Page not found", and one naming a page file ran that page without this
# file (so without ui.guard). Their file names are unlike their URLs (/, /inside, /backends, ...).
# no page_title here: each page's title (in the session's language) names the browser tab.
# The language is decided here, before the page titles are written; each page draws the picker.
# Every page's body runs inside one handler (ui.guard): an exception ends as a short apology in
# the student's language with an error number, its traceback goes to the server's log.
st.set_page_config(page_icon="📉", layout="wide")
guard.hide_details()
with guard.page():
    i18n.language()
    st.navigation([
        st.Page("views/lesson.py", title=_("Linear regression, step by step"), icon=":material/show_chart:",
                default=True),
        st.Page("views/inside_step.py", title=_("One step, inside"), icon=":material/account_tree:",
                url_path="inside"),
        st.Page("views/numpy_mindspore.py", title=_("NumPy beside MindSpore"),
                icon=":material/compare_arrows:", url_path="backends"),
        st.Page("views/parabola_descent.py", title=_("The parabola y = x²/2"), icon=":material/timeline:",
                url_path="parabola"),
        st.Page("views/loss_landscape.py", title=_("The loss landscape"), icon=":material/landscape:",
                url_path="landscape"),
        st.Page("views/your_data.py", title=_("Your data"), icon=":material/upload_file:", url_path="data"),
        st.Page("views/class_room.py", title=_("The class together"), icon=":material/groups:",
                url_path="class"),
        st.Page("views/join.py", title=_("Join the class"), icon=":material/smartphone:", url_path="join"),
    ]).run()
