"""The review page: upload a squat or deadlift video, review where form broke down.

Served by app.py (`formcheck app`). Top to bottom: the uploader, the analysis
(a background job the page polls, so it stays responsive), the thresholds, the results. The
page only calls the library (formcheck.review, formcheck.ui): no angle maths, no limits here.
"""

import time

import streamlit as st

from formcheck import review, ui, ui_store
from formcheck.errors import FormcheckError

POLL_S = 0.5  # how often the progress bar is refreshed while the model runs

st.title("formcheck")
st.caption("Squat and deadlift form review from a phone video")

left, right = st.columns([3, 2])
uploaded = left.file_uploader(
    f"Your lift video: {', '.join(review.EXTENSIONS)}, up to {review.MAX_UPLOAD_MB} MB",
    type=list(review.EXTENSIONS),
    help="One set, filmed side-on. The file's content is checked, not its name.",
)
right.info(ui.CAMERA_GUIDE)

job, reviewed, error = None, st.session_state.get("reviewed"), None
if uploaded is None:
    reviewed = None
elif reviewed is None or st.session_state.get("upload_id") != uploaded.file_id:
    try:
        job = review.start(review.store_upload(uploaded.getvalue(), uploaded.name), uploaded.name)
        # a file analysed before is done at once: no progress bar flashes by
        reviewed = job.result() if job.wait(0.3) else None
    except FormcheckError as exc:
        reviewed, error = None, exc
st.session_state["reviewed"] = reviewed
st.session_state["upload_id"] = uploaded.file_id if uploaded is not None and reviewed is not None else None

limits = ui.threshold_panel(reviewed.assessment.lift.kind if reviewed else None)

if job is not None and reviewed is None and error is None:
    ui.show_progress(job.progress)
    st.caption("The page stays usable meanwhile: read the notes below or set the thresholds.")
    st.markdown(ui.ABOUT)
    time.sleep(POLL_S)
    st.rerun()
if error is not None:
    st.error(f"This file cannot be analysed. {error}. Try the MP4 or MOV straight from the phone's camera, "
             "filmed as the guide says.", icon=":material/block:")
if reviewed is None:
    st.markdown("Upload a video of one set to see each rep's score and the frames where form broke down.")
    st.markdown(ui.ABOUT)
    st.stop()

report = review.rescore(reviewed, limits)
ui.show_results(report, reviewed)
ui_store.save_form(reviewed, report)
with st.expander("About these numbers, and when to see a professional"):
    st.markdown(ui.ABOUT)
