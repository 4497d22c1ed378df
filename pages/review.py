"""The review page: upload a squat or deadlift video, review where form broke down.

Served by app.py (`formcheck app`). Top to bottom: the uploader, the analysis
(a background job the page polls, so it stays responsive), the thresholds, the results. The
page only calls the library (formcheck.review, formcheck.ui, formcheck.ui_store): no angle maths,
no limits here.
"""

import time

import streamlit as st

from formcheck import review, ui, ui_login, ui_store
from formcheck.errors import FormcheckError

POLL_S = 0.5  # how often the progress bar is refreshed while the model runs

ui_login.gate()  # with the login on: the sign-in form until somebody signs in (docs/login.md)

st.title("formcheck")
st.caption("Squat and deadlift form review from a phone video")

left, right = st.columns([3, 2])
uploaded = left.file_uploader(
    f"Your lift video: {', '.join(review.EXTENSIONS)}, up to {review.MAX_UPLOAD_MB} MB",
    type=list(review.EXTENSIONS),
    help="One set, filmed side-on. The file's content is checked, not its name.",
)
right.info(ui.CAMERA_GUIDE)

# The upload's state, kept across reruns: its file id, the analysis job, the result or the error.
# The file is read, hashed, checked and handed to a job only when a new file is uploaded; the
# reruns that follow (polling, widget changes) only look at the job. A failed file keeps its error
# on show and is not analysed again until another file is uploaded.
if uploaded is None:
    st.session_state.pop("upload", None)
    current = {"job": None, "reviewed": None, "error": None}
else:
    current = st.session_state.get("upload")
    fresh = current is None or current["file_id"] != uploaded.file_id
    if fresh:
        current = {"file_id": uploaded.file_id, "job": None, "reviewed": None, "error": None}
        st.session_state["upload"] = current
        try:
            current["job"] = review.start(review.store_upload(uploaded.getvalue(), uploaded.name), uploaded.name)
        except FormcheckError as exc:
            current["error"] = exc
    job = current["job"]
    # a file analysed before is done at once: no progress bar flashes by
    if job is not None and job.wait(0.3 if fresh else 0):
        try:
            current["reviewed"] = job.result()
        except FormcheckError as exc:
            current["error"] = exc
        current["job"] = None
job, reviewed, error = current["job"], current["reviewed"], current["error"]

if reviewed is not None:
    # A lift the user picked is assessed once (the back's outline is read again) and kept with the
    # upload; the sidebar's limits are then that lift's.
    picked = ui.lift_picker(reviewed.assessment.lift, current["file_id"])
    if picked not in current.setdefault("by_lift", {}):
        current["by_lift"][picked] = review.with_lift(reviewed, picked)
    reviewed = current["by_lift"][picked]
limits = ui.threshold_panel(reviewed.assessment.lift.kind if reviewed else None)

if job is not None:
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

athlete, reference = ui_store.reference_picker(reviewed.assessment.lift.kind)
report = review.rescore(reviewed, limits, reference)
ui.show_results(report, reviewed, compare=ui_store.reference_stills(reference))
ui_store.save_form(reviewed, report, athlete=athlete)
with st.expander("About these numbers, and when to see a professional"):
    st.markdown(ui.ABOUT)
