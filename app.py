"""formcheck review page: upload a squat or deadlift video, review where form broke down.

Run with `streamlit run app.py` (or `formcheck app`). The page only calls the library
(formcheck.review, charts, thresholds): no angle maths and no limits live here.
"""

import streamlit as st

from formcheck import charts, review, thresholds
from formcheck.errors import FormcheckError
from formcheck.faults import RULE_BY_NAME

CAMERA_GUIDE = """**Filming for a good check**
- Side-on: camera at 90° to the lifter
- Whole body and the bar in frame
- Camera at hip height, 3–5 m away, still
- One lifter in view"""

ABOUT = """**What the numbers mean.** Angles are measured in the 2-D picture, on the side of the body
nearest the camera. They are only faithful in a true side view: turn the camera and every angle
bends. The back's shape is read from its outline, which loose clothing can hide. A flag is a
prompt to look at the frame, not a diagnosis. Limits and their sources: `formcheck/thresholds.toml`.

**This is not medical advice.** Sharp or shooting pain, pain that radiates down a leg, numbness,
tingling or weakness need a doctor or physiotherapist, not a form tip."""


@st.cache_data(show_spinner=False, max_entries=64)
def stills(path: str, indices: tuple[int, ...], limits_key: str, _reviewed, _report):
    return review.frames(_reviewed, _report, list(indices))


def sidebar_thresholds(lift: str | None) -> thresholds.Thresholds:
    st.sidebar.header("Thresholds")
    preset = st.sidebar.radio("Preset", thresholds.PRESETS, index=1, horizontal=True)
    limits = thresholds.preset(preset)
    if lift in ("squat", "deadlift", "rdl"):
        with st.sidebar.expander("Adjust single limits"):
            for rule in (r for r in RULE_BY_NAME.values() if lift in r.lifts):
                value = st.number_input(f"{rule.name.replace('_', ' ')}: fault limit ({rule.unit})",
                                        value=limits.get(lift, rule.fault_key), key=f"limit_{rule.fault_key}")
                if value != limits.get(lift, rule.fault_key):
                    limits = limits.with_value(lift, rule.fault_key, value)
    st.sidebar.caption(f"Thresholds version {limits.version}")
    return limits


st.set_page_config(page_title="formcheck", page_icon="🏋️", layout="wide")
st.title("formcheck")
st.caption("Squat and deadlift form review from a phone video")

left, right = st.columns([3, 2])
uploaded = left.file_uploader(
    f"Your lift video ({', '.join(review.EXTENSIONS)}; up to {review.MAX_UPLOAD_MB} MB)",
    type=list(review.EXTENSIONS),
)
right.info(CAMERA_GUIDE)

reviewed = st.session_state.get("reviewed")
if uploaded is not None:
    try:
        path = review.store_upload(uploaded.getvalue(), uploaded.name)
        if reviewed is None or reviewed.path != path:
            bar = st.progress(0.0, text="Finding the lifter...")
            reviewed = review.analyse(
                path, uploaded.name,
                progress=lambda done, total, left_s: bar.progress(
                    min(done / max(total, 1), 1.0),
                    text=f"Analysing frame {done} of {total}" + (f", about {left_s:.0f} s left" if left_s == left_s else "")),
            )
            bar.empty()
            st.session_state["reviewed"] = reviewed
    except FormcheckError as exc:
        st.error(f"This file cannot be analysed: {exc}. Try an MP4 or MOV straight from the phone's camera.")
        reviewed = None
        st.session_state.pop("reviewed", None)
else:
    reviewed = None
    st.session_state.pop("reviewed", None)

limits = sidebar_thresholds(reviewed.assessment.lift.kind if reviewed else None)

if reviewed is None:
    st.markdown("Upload a video of one set to see each rep's score and the frames where form broke down.")
    st.markdown(ABOUT)
    st.stop()

report = review.rescore(reviewed, limits)
for warning in report.warnings:
    st.warning(warning)

flags = review.flag_details(report)
cols = st.columns(5)
cols[0].metric("Lift", report.lift or "-")
cols[1].metric("View", report.view or "-")
cols[2].metric("Reps", len(report.reps))
cols[3].metric("Session score", "-" if report.score is None else f"{report.score:.0f}/100")
cols[4].metric("Flagged moments", len(flags))

if report.lift and report.lift != "none":
    st.subheader("Timeline")
    st.altair_chart(charts.timeline(report, limits), width="stretch")
    if report.reps:
        st.subheader("Reps")
        st.dataframe(charts.rep_rows(report), hide_index=True)

    limits_key = str(sorted(limits.to_dict().items()))
    if flags:
        st.subheader("Where form broke down")
        images = stills(str(reviewed.path), tuple(f["peak"] for f in flags), limits_key, reviewed, report)
        for flag in flags:
            image_col, text_col = st.columns([3, 2])
            image_col.image(images[flag["peak"]], caption=f"{flag['title']} at {flag['where']}")
            text_col.markdown(f"**{flag['title']}**  \n{flag['where']}  \n{flag['measured']}  \n*{flag['cue']}*")

    st.subheader("Frame by frame")
    choices = ["-"] + [f"{f['title']} at {f['where']}" for f in flags]
    chosen = st.selectbox("Jump to a flag", choices)
    start = flags[choices.index(chosen) - 1]["peak"] if chosen != "-" else 0
    index = st.slider("Frame", 0, len(report.time_s) - 1, start)
    st.image(stills(str(reviewed.path), (index,), limits_key, reviewed, report)[index])

    st.subheader("Annotated video")
    with st.spinner("Drawing the annotated video..."):
        video_path = review.annotated_video(reviewed, report)
    st.video(str(video_path))
    downloads = st.columns(3)
    downloads[0].download_button("Annotated video (MP4)", video_path.read_bytes(), "formcheck_annotated.mp4", "video/mp4")
    downloads[1].download_button("Report (JSON)", review.report_json(report), "formcheck_report.json", "application/json")
    downloads[2].download_button("Per-frame data (CSV)", review.report_csv(report), "formcheck_frames.csv", "text/csv")

with st.expander("About these numbers"):
    st.markdown(ABOUT)
