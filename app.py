"""formcheck in the browser: the review page (pages/review.py), where a set is uploaded and its
flagged frames reviewed, and the History page (pages/history.py), form across weeks.

Run with `formcheck app` (or `streamlit run app.py`). The pages only call the library
(formcheck.review, formcheck.ui, formcheck.ui_store, formcheck.history): no angle maths, no limits.
"""

import streamlit as st

st.set_page_config(page_title="formcheck", page_icon=":material/fitness_center:", layout="wide")
st.navigation([
    st.Page("pages/review.py", title="Review a set", icon=":material/videocam:", default=True),
    st.Page("pages/history.py", title="History", icon=":material/monitoring:"),
]).run()
