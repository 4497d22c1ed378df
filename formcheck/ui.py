"""Streamlit rendering of the review page's parts, shared by every page that shows a result.

`show_results(report, source)` draws one analysed set; the History page calls it with a stored
report (`report.read_json` or `Report.from_dict`) and no source. `threshold_panel(lift)` is the
sidebar's preset and single-limit controls. Everything here only lays out what formcheck.review
and formcheck.charts compute: no angle maths and no limits of its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from formcheck import charts, review, thresholds, verdict
from formcheck.faults import RULE_BY_NAME
from formcheck.report import Report

CAMERA_GUIDE = """**Filming for a good check**
- Side-on: camera at 90° to the lifter
- Whole body and the bar in frame, feet included
- Camera at hip height, 3–5 m away, held still
- One lifter in view"""

ABOUT = """**What the numbers mean.** Angles are measured in the 2-D picture, on the side of the body
nearest the camera. They are only faithful in a true side view: turn the camera and every angle
bends, so a clip filmed from the front or at a slant is flagged and its back angles are not scored.
The back's shape is read from its outline, which loose clothing can hide. *Score*: 100 minus
penalties for each fault (more) and warning (less) in a rep; the session score is the reps'
mean. A flag is a prompt to look at that frame, not a diagnosis. The limits are adjustable in the
sidebar; their defaults and sources are in `formcheck/thresholds.toml`.

**This is not medical advice.** Sharp or shooting pain, pain that radiates down a leg, numbness,
tingling or weakness need a doctor or physiotherapist, not a form tip."""

GALLERY_MAX = 12  # flagged stills drawn at once; the rest are reached through the frame viewer
STILL_PX = 640  # long side of a flagged still (cropped to the lifter)
VIEWER_PX = 720  # long side of the frame viewer's picture
# pictures are sized so a portrait clip does not fill three screens
VIDEO_MAX_HEIGHT_PX = 640
VIEWER_MAX_HEIGHT_PX = 600
STILL_MAX_HEIGHT_PX = 460
PAIR_PX = 720  # widest the best-against-worst pair is drawn (two stills side by side)


def _fit(image, max_height_px: int) -> int | str:
    """st.image width: the column's, unless that would make the picture taller than max_height_px."""
    h, w = image.shape[:2]
    return "stretch" if w / h >= 1.2 else int(max_height_px * w / h)


@st.cache_data(show_spinner=False, max_entries=256)
def _stills(path: str, scored: tuple[str, str], indices: tuple[int, ...], crop: bool, max_side_px: int,
            _source: review.Reviewed, _report: Report, _flags: tuple[dict, ...], outline_all: bool = False):
    """Stills cached by video, thresholds and frames (the underscored arguments are not hashed)."""
    return review.frames(_source, _report, list(indices), list(_flags), crop_to_body=crop, max_side_px=max_side_px,
                         outline_all=outline_all)


def threshold_panel(lift: str | None, key: str = "limits") -> thresholds.Thresholds:
    """Sidebar: a preset (lenient, standard, strict) and, for a known lift, each rule's warning
    and fault limit. Returns the thresholds in force; changing one re-runs the page, which
    re-scores from the cached measures."""
    st.sidebar.header("Thresholds")
    preset = st.sidebar.radio("Preset", thresholds.PRESETS, index=1, horizontal=True, key=f"{key}_preset",
                              help="How strict the limits are. 'standard' is formcheck/thresholds.toml.")
    limits = thresholds.preset(preset)
    if lift in thresholds.LIFT_TABLES:
        with st.sidebar.expander("Adjust single limits"):
            st.caption("Warning and fault limit of each check for this lift; changes apply at once.")
            for rule in (r for r in RULE_BY_NAME.values() if lift in r.lifts):
                st.markdown(f"**{review.rule_title(rule.name)}** ({rule.unit}, worse {rule.worse})")
                left, right = st.columns(2)
                for column, limit_key, label in ((left, rule.warn_key, "warn"), (right, rule.fault_key, "fault")):
                    default = limits.get(lift, limit_key)
                    # the preset is part of the widget key: a new preset resets the boxes to its values
                    value = column.number_input(label, value=default, key=f"{key}_{preset}_{limit_key}",
                                                step=1.0 if rule.unit == "deg" else 0.05, format="%g")
                    if value != default:
                        limits = limits.with_value(lift, limit_key, value)
    st.sidebar.caption(f"Thresholds version {limits.version}")
    return limits


def show_progress(progress: review.Progress) -> None:
    st.progress(progress.fraction, text=progress.text())


def show_results(report: Report, source: review.Reviewed | None = None, key: str = "results",
                 stills: dict[int, np.ndarray] | None = None, compare=None) -> None:
    """Draw one analysed set, top to bottom: warnings, the verdict with a card per rep, headline
    (lift, view, reps, score, flags), timeline chart, rep table, best rep against worst, gallery of
    flagged frames, frame viewer, annotated video, downloads.

    report: a scored Report (`review.rescore`, or a stored JSON read back with `Report.from_dict`).
    source: the analysed upload (`review.Reviewed`); it supplies the pictures. With None (a stored
        report whose video is not at hand) the same page is drawn without the frame viewer and video.
    key: prefix for the widget keys, so two results can share one page.
    stills: with no source, pictures for the gallery: peak frame -> RGB uint8 (height, width, 3),
        e.g. the thumbnails a saved session kept.
    compare: flag -> (the reference's still at the same hip angle, its caption) or None
        (ui_store.reference_stills): shown beside the flag's own still."""
    for warning in report.warnings:
        st.warning(warning, icon=":material/warning:")
    flags = review.flag_details(report)
    lifted = bool(report.lift) and report.lift != "none"
    if lifted:  # the verdict first: on a phone the five headline numbers below fill a screen
        with st.container(border=True, key=f"{key}_verdict"):
            st.markdown("**Verdict**  \n" + "  \n".join(
                verdict.sentences(report.faults, len(report.reps), report.assessment.get("relative"))))
            _rep_cards(report, key)
    cols = st.columns(5)
    cols[0].metric("Lift", report.lift if lifted else "none found")
    cols[1].metric("View", report.view or "unknown")
    cols[2].metric("Reps", len(report.reps))
    cols[3].metric("Session score", "-" if report.score is None else f"{report.score:.0f}/100")
    cols[4].metric("Flagged moments", len(flags))
    if not lifted:
        _downloads(report, None, key)
        return

    with st.container(key=f"{key}_timeline_part"):
        _timeline(report, key)
    if report.reps:
        st.subheader("Reps")
        st.dataframe(charts.rep_rows(report), hide_index=True, key=f"{key}_reps")

    scored = review.scored_key(report)
    if source:
        with st.container(key=f"{key}_compare"):
            _best_against_worst(report, source, scored, key)
    if flags:
        st.subheader("Where form broke down")
        shown = flags[:GALLERY_MAX]
        images = (_stills(str(source.path), scored, tuple(f["peak"] for f in shown), True, STILL_PX,
                          source, report, tuple(shown)) if source else stills or {})
        for n, flag in enumerate(shown):
            pair = compare(flag) if compare else None
            with st.container(border=True, key=f"{key}_flag_{n}"):
                if pair is None:
                    image_col, text_col = st.columns([2, 3], vertical_alignment="center")
                else:
                    image_col, ref_col, text_col = st.columns([2, 2, 2], vertical_alignment="center")
                    _still(ref_col, pair[0], pair[1])
                if flag["peak"] in images:
                    _still(image_col, images[flag["peak"]], "This rep" if pair else None)
                text_col.markdown(f"**{flag['title']}**  \n{flag['where']}  \n{flag['measured']}  \n"
                                  f"*{flag['cue']}*")
                if source:
                    text_col.button("Show in the frame viewer", key=f"{key}_show_{n}",
                                    on_click=_jump, args=(key, flag["peak"]))
        if len(flags) > GALLERY_MAX:
            st.caption(f"{len(flags) - GALLERY_MAX} more flagged moments: pick them in the frame viewer.")
    elif report.reps:
        st.success("No flagged moments at these thresholds.")

    video_path = None
    if source:
        with st.container(key=f"{key}_viewer"):
            _frame_viewer(report, source, flags, scored, key)
        video_path = _annotated_video(report, source, key)
    _downloads(report, video_path, key)


def _still(column, image: np.ndarray, caption: str | None, width: int | str | None = None) -> None:
    """A still as the gallery shows it: no taller than STILL_MAX_HEIGHT_PX (or `width` wide)."""
    column.image(image, caption=caption, width=width or _fit(image, STILL_MAX_HEIGHT_PX))


def _timeline(report: Report, key: str) -> None:
    """The angle picker and the timeline of the angles picked."""
    st.subheader("Timeline")
    shown = st.multiselect("Angles on the chart", charts.measures(report), default=charts.default_measures(report),
                           key=f"{key}_angles", help="One angle reads best; its warning-to-fault band is drawn with it.")
    st.altair_chart(charts.timeline(report, shown), width="stretch", key=f"{key}_timeline")
    st.caption("Shaded spans: red = fault, amber = warning; a solid line in their colour: each flag's worst moment. "
               "Amber band with a red dashed edge: the warning-to-fault range of the angle it belongs to. Dashed grey "
               "lines: each rep's start, turn (labelled) and end. Gaps: frames where the lifter was not found or the "
               "points jumped to a pose no body makes.")


def _best_against_worst(report: Report, source: review.Reviewed, scored: tuple[str, str], key: str) -> None:
    """The best rep's still beside the worst rep's at the same point of the rep, both with the
    back's outline, and one slider moving both through the rep. Only for two reps or more."""
    pair = review.best_and_worst(report)
    if pair is None:
        return
    best, worst = pair
    st.subheader("Best rep against worst rep")
    percent = st.slider("Point in the rep (%)", 0, 100, 50, step=5, key=f"{key}_phase",
                        help="0 = start, 50 = the turn (bottom of a squat, lockout of a pull), 100 = end; "
                             "both stills move together.")
    frames = review.same_phase(source, [best, worst], percent)
    images = _stills(str(source.path), scored, tuple(frames), True, STILL_PX, source, report, (), True)
    # one row at any width, at most PAIR_PX wide: columns stack on a phone, and a horizontal
    # container wraps its second picture under the first once both have loaded at full size
    stills = st.container(horizontal=True, key=f"{key}_best_worst", width=PAIR_PX)
    st.html(f"<style>.st-key-{key}_best_worst {{flex-wrap: nowrap}} "
            f".st-key-{key}_best_worst > * {{flex: 1 1 0 !important; min-width: 0}}</style>")  # equal halves
    for rep, frame, word in ((best, frames[0], "Best"), (worst, frames[1], "Worst")):
        if frame in images:
            _still(stills, images[frame], f"{word}: rep {rep['index'] + 1}, score {rep['score']:.0f}, "
                                          f"{report.time_s[frame]:.2f} s", width="stretch")


def _annotated_video(report: Report, source: review.Reviewed, key: str):
    """The annotated video. It is drawn by itself the first time; for other thresholds (each
    change would mean encoding the whole clip again) the last one drawn stays on show, marked as
    such, until the lifter asks for a new one. Returns the path of the video for these
    thresholds, or None while an older one is on show (so it is not offered for download beside
    a report scored at other limits)."""
    st.subheader("Annotated video")
    last_key = f"{key}_video_{source.path}"
    path = review.annotated_video_path(report)
    last = st.session_state.get(last_key)
    if not path.is_file() and last is not None and Path(last).is_file():
        note = st.empty()
        if not st.button("Redraw it with these thresholds", key=f"{key}_redraw"):
            note.caption("This video was drawn with other thresholds: its colours and flags follow those.")
            path = Path(last)
    if not path.is_file():
        with st.spinner("Drawing the annotated video..."):
            path = review.annotated_video(source, report)
    st.session_state[last_key] = str(path)
    v = report.video  # width_px, height_px: the upright picture's
    st.video(str(path), width=int(min(900, VIDEO_MAX_HEIGHT_PX * v.width_px / max(v.height_px, 1))))
    return path if path == review.annotated_video_path(report) else None


def _jump(key: str, frame: int) -> None:
    st.session_state[f"{key}_frame"] = frame


def _step(key: str, last: int, delta: int) -> None:
    frame_key = f"{key}_frame"
    st.session_state[frame_key] = min(max(st.session_state[frame_key] + delta, 0), last)


def _to_flag(key: str, peaks: list[int], direction: int) -> None:
    """The nearest flagged moment before (direction -1) or after (+1) the frame on show."""
    here = st.session_state[f"{key}_frame"]
    ahead = [p for p in peaks if (p - here) * direction > 0]
    if ahead:
        _jump(key, min(ahead, key=lambda p: abs(p - here)))


def _jump_to_choice(key: str, flags: list[dict], labels: list[str]) -> None:
    chosen = st.session_state[f"{key}_flag"]
    if chosen in labels:
        _jump(key, flags[labels.index(chosen)]["peak"])


def _frame_viewer(report: Report, source: review.Reviewed, flags: list[dict], scored: tuple[str, str], key: str) -> None:
    st.subheader("Frame by frame")
    last = max(len(report.time_s) - 1, 0)
    frame_key = f"{key}_frame"
    if frame_key not in st.session_state or st.session_state[frame_key] > last:
        st.session_state[frame_key] = flags[0]["peak"] if flags else 0
    controls, picture = st.columns([2, 3])
    labels = [f"{f['title']} at {f['where']}" for f in flags]
    if labels:
        controls.selectbox("Jump to a flag", labels, index=None, placeholder="Choose a flagged moment",
                           key=f"{key}_flag", on_change=_jump_to_choice, args=(key, flags, labels))
    index = controls.slider("Frame", 0, last, key=frame_key)
    peaks = sorted({f["peak"] for f in flags})
    steps = controls.container(horizontal=True, key=f"{key}_steps")
    steps.button("◀ flag", key=f"{key}_flag_back", on_click=_to_flag, args=(key, peaks, -1),
                 disabled=not any(p < index for p in peaks), help="The flagged moment before this frame")
    steps.button("−1", key=f"{key}_back", on_click=_step, args=(key, last, -1), disabled=index <= 0,
                 help="One frame back")
    steps.button("+1", key=f"{key}_on", on_click=_step, args=(key, last, 1), disabled=index >= last,
                 help="One frame on")
    steps.button("flag ▶", key=f"{key}_flag_on", on_click=_to_flag, args=(key, peaks, 1),
                 disabled=not any(p > index for p in peaks), help="The flagged moment after this frame")
    status = report.frame_status[index] if index < len(report.frame_status) else {"status": "unscored"}
    controls.caption(f"{report.time_s[index]:.2f} s, frame {index} of {last}: {status['status']}")
    image = _stills(str(source.path), scored, (index,), False, VIEWER_PX, source, report,
                    tuple(f for f in flags if f["peak"] == index))
    if index in image:
        picture.image(image[index], width=_fit(image[index], VIEWER_MAX_HEIGHT_PX))
    if flags:
        _slow_motion(report, source, flags, index, controls, picture, key)


def _slow_motion(report: Report, source: review.Reviewed, flags: list[dict], index: int, controls, picture,
                 key: str) -> None:
    """A button playing the seconds around the flag nearest the frame on show at quarter speed;
    the clip stays on show (looping) until another flag's is asked for."""
    nearest = min(flags, key=lambda f: (abs(f["peak"] - index), f["peak"]))
    slow_key = f"{key}_slow"
    controls.button(f"¼ speed, flag at {nearest['time_s']:.2f} s", key=f"{key}_slow_play",
                    on_click=_remember, args=(slow_key, nearest["peak"]), icon=":material/slow_motion_video:")
    peak = st.session_state.get(slow_key)
    flag = next((f for f in flags if f["peak"] == peak), None)
    if flag is None:
        return
    with st.spinner("Drawing the slow-motion clip..."):
        path = review.slow_clip(source, report, flag)
    v = report.video
    picture.video(str(path), autoplay=True, loop=True, muted=True,
                  width=int(min(VIEWER_PX, VIEWER_MAX_HEIGHT_PX * v.width_px / max(v.height_px, 1))))
    picture.caption(f"{flag['title']} at {flag['where']}: from {review.SLOW_BEFORE_S:g} s before to "
                    f"{review.SLOW_AFTER_S:g} s after, at ¼ speed.")


def _remember(state_key: str, value) -> None:
    st.session_state[state_key] = value


REP_CARDS_PER_ROW = 6
_LEVEL_COLOUR = {"fault": "red", "warning": "orange", "clean": "green"}


def _rep_cards(report: Report, key: str) -> None:
    """A strip of cards, one per rep: score, worst level (coloured), the faults on it."""
    cards = verdict.rep_cards(report.faults, report.reps)
    for first in range(0, len(cards), REP_CARDS_PER_ROW):
        columns = st.columns(min(len(cards), REP_CARDS_PER_ROW))  # no empty columns (they stack on a phone)
        for column, card in zip(columns, cards[first:first + REP_CARDS_PER_ROW]):
            with column.container(border=True, key=f"{key}_rep_card_{card['rep']}"):
                score = "-" if card["score"] is None else f"{card['score']:.0f}/100"
                worst = "" if card["worst_time_s"] is None else f" at {card['worst_time_s']:.1f} s"
                st.markdown(f"**Rep {card['rep']}** · {score}  \n"
                            f":{_LEVEL_COLOUR[card['level']]}[{card['level']}{worst}]  \n"
                            + ("  \n".join(card["faults"]) or "no flags"))


def _downloads(report: Report, video_path, key: str) -> None:
    """The files are made when a button is pressed, not on every re-run of the page."""
    columns = st.columns(3)
    if video_path is not None:
        columns[0].download_button("Annotated video (MP4)", video_path.read_bytes, "formcheck_annotated.mp4",
                                   "video/mp4", key=f"{key}_dl_video", on_click="ignore")
    columns[1].download_button("Report (JSON)", lambda: review.report_json(report), "formcheck_report.json",
                               "application/json", key=f"{key}_dl_json", on_click="ignore")
    columns[2].download_button("Per-frame data (CSV)", lambda: review.report_csv(report), "formcheck_frames.csv",
                               "text/csv", key=f"{key}_dl_csv", on_click="ignore")


LIFT_NAMES = {"squat": "Squat", "deadlift": "Deadlift", "rdl": "Romanian deadlift"}


def lift_picker(call, key: str) -> str | None:
    """The lift as read from the motion, with a box to correct it: said out loud where the call is
    uncertain (lift.py) or no lift was found. Returns the lift the user picked, or None to keep the
    call. call: the assessment's LiftCall."""
    picked_key = f"lift_pick_{key}"
    options = ["as read"] + list(LIFT_NAMES)
    if call.uncertain:
        st.info(f"Read as a **{LIFT_NAMES.get(call.kind, call.kind).lower()}**, but not sure: {call.uncertain}. "
                "If that is the wrong lift, pick the right one below.", icon=":material/help:")
    elif call.kind == "none":
        st.info("No squat or deadlift was found. If there is one, pick it below to score it anyway.",
                icon=":material/help:")
    choice = st.selectbox("Lift", options, key=picked_key,
                          format_func=lambda o: f"{LIFT_NAMES.get(call.kind, 'No lift')} (as read from the motion)"
                          if o == "as read" else LIFT_NAMES[o],
                          help="The lift decides which rules apply. The CLI has --lift for the same.")
    return None if choice == "as read" else choice
