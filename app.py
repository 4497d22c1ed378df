"""formcheck in the browser: the review page (pages/review.py), where a set is uploaded and its
flagged frames reviewed, and the History page (pages/history.py), form across weeks.

Run with `formcheck app` (or `streamlit run app.py`). The pages only call the library
(formcheck.review, formcheck.ui, formcheck.ui_store, formcheck.history): no angle maths, no limits.
With the login on (docs/login.md) each page shows only the sign-in form until somebody signs in;
the page asked for in the URL (e.g. /history?session=12) is kept and shown once they have.
"""

import streamlit as st

from formcheck import ui_login

st.set_page_config(page_title="formcheck", page_icon=":material/fitness_center:", layout="wide")
st.navigation([
    st.Page("pages/review.py", title="Review a set", icon=":material/videocam:", default=True),
    st.Page("pages/history.py", title="History", icon=":material/monitoring:"),
], position="sidebar" if ui_login.current() else "hidden").run()  # each page starts at ui_login.gate()
