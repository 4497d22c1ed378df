"""Streamlit parts for saved sessions: the review page's "Save this session" form, a stored
session shown again without the model (also by link, ?session=ID), and two sessions side by side.
The History page (pages/history.py) and the review page (pages/review.py) only call these; the
numbers come from formcheck.history and formcheck.store. The store is opened for the signed-in
viewer (formcheck.access.ScopedStore): with the login on, everything here sees only the sessions
of the athletes that viewer may see."""

from __future__ import annotations

import os

import numpy as np
import streamlit as st
from PIL import Image

from formcheck import history, relative, review, sessions, ui, ui_login
from formcheck.access import ScopedStore
from formcheck.errors import FormcheckError
from formcheck.report import Report
from formcheck.relative import Reference
from formcheck.store import NewSession, SessionRecord, Store

RPE_CHOICES = ("-", 6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 10.0)
THUMB_COLUMNS = 4
NOBODY = "Not saved yet / anyone"
LINK = "session"  # the History page's query parameter: ?session=ID opens that session


@st.cache_resource(show_spinner=False)
def _store(url: str | None, home: str | None) -> Store:
    return Store(url=url, home=home)


@st.cache_data(show_spinner=False, max_entries=64)
def _report(_db: Store | ScopedStore, url: str, uid: str, session_id: int) -> Report:
    """A saved session's report, read from the database and parsed once rather than on every
    rerun of the page (a saved report never changes; its uid names it). Streamlit hands back a
    copy of the cached value each time."""
    return _db.report(session_id)


def _stored_report(store: Store | ScopedStore, record: SessionRecord) -> Report:
    return _report(store, str(store.url), record.uid, record.id)


def open_store() -> ScopedStore | None:
    """The store named by $FORMCHECK_DB_URL / $FORMCHECK_HOME (opened once per process), as the
    signed-in viewer may use it (after the sign-in form, when the login is on and nobody is
    signed in); None (with the reason shown) when it cannot be opened."""
    viewer = ui_login.current() or ui_login.sign_in()
    try:
        return ScopedStore(_store(os.environ.get("FORMCHECK_DB_URL"), os.environ.get("FORMCHECK_HOME")), viewer)
    except FormcheckError as exc:
        st.error(f"The session history cannot be opened: {exc}", icon=":material/error:")
        return None


def reference_picker(lift: str | None, key: str = "judge") -> tuple[str | None, Reference | None]:
    """'Whose set is this?': an athlete chosen here has this set judged against their reference
    for the lift (relative.py) and is the save form's athlete. (athlete or None, reference or None)."""
    store = open_store()
    if store is None or lift not in ("squat", "deadlift", "rdl"):
        return None, None
    names = store.athletes()
    if not names:
        return None, None
    own = store.viewer.role == "athlete"  # an athlete signed in: their own set, unless they say otherwise
    athlete = st.selectbox("Whose set is this?", [NOBODY, *names], index=1 if own else 0, key=f"{key}_athlete",
                           help="Judge each rep against this athlete's reference set as well as the limits "
                                "for everyone. Mark a set as the reference when you save it.")
    if athlete == NOBODY:
        return None, None
    reference = store.reference(athlete, lift)
    if reference is None:
        st.caption(f"{athlete} has no {lift} reference yet: the set is judged against the limits for everyone "
                   "(and, with 3 reps or more, against its own first reps).")
    return athlete, reference


def reference_stills(reference: Reference | None):
    """For the review page's gallery: a function from a flag judged against the reference to the
    reference's own still at the nearest hip angle (its phase stills, kept at save time, with the
    back's outline drawn) and a caption; None when there is nothing to show."""
    store = open_store() if reference is not None and reference.session_id is not None else None
    if store is None:
        return None
    files = _kept(store.files(reference.session_id), "phase")
    if not files:
        return None
    hip = _stored_report(store, store.session(reference.session_id)).angles["hip_deg"]

    def find(flag: dict) -> tuple[np.ndarray, str] | None:
        if flag.get("basis") != "reference" or flag.get("hip_deg") is None:
            return None
        near = min(files, key=lambda f: abs(hip[f["frame"]] - flag["hip_deg"]) if np.isfinite(hip[f["frame"]])
                   else np.inf)
        image = np.asarray(Image.open(near["path"]).convert("RGB"))
        return image, f"Your reference of {reference.recorded_on}, hip {hip[near['frame']]:.0f}°"

    return find


def save_form(reviewed: review.Reviewed, report: Report, key: str = "save", athlete: str | None = None) -> None:
    """'Save this session' under the results: athlete, date (from the video when it has one),
    load and unit, RPE, notes, keep-the-video, make-it-my-reference. Saves the report scored at
    these thresholds and thumbnails of its flagged frames."""
    with st.expander("Save this session", icon=":material/save:", expanded=bool(st.session_state.get(f"{key}_done"))):
        _save_form(reviewed, report, key, athlete)


def reference_button(store: Store | ScopedStore, record: SessionRecord, key: str) -> None:
    """Mark a saved session as its athlete's reference for its lift; a session whose own reps
    break the back's limits is refused until the user confirms (relative.reference_problems)."""
    current = store.references(record.athlete).get(record.lift)
    if current is not None and current.id == record.id:
        st.success(f"This is {record.athlete}'s {record.lift} reference: later sets are judged against it.",
                   icon=":material/verified:")
        if st.button("Stop using it as the reference", key=f"{key}_unref_{record.id}"):
            store.clear_reference(record.athlete, record.lift)
            st.rerun()
        return
    problems = relative.reference_problems(store.report_dict(record.id))
    if problems and problems[0].startswith("it has no"):
        st.caption(f"This session cannot be a reference: {problems[0]}.")
        return
    label = f"Make this {record.athlete}'s {record.lift} reference"
    if problems:
        st.warning(f"This set's own reps break the back's limits ({'; '.join(problems)}). A reference should be "
                   "a set you and your coach call good form: rounding in it would count as normal.",
                   icon=":material/warning:")
        label += " anyway"
    if st.button(label, key=f"{key}_ref_{record.id}", icon=":material/verified:"):
        store.set_reference(record.id)
        st.rerun()


def _save_form(reviewed: review.Reviewed, report: Report, key: str, athlete: str | None = None) -> None:
    if not report.lift or report.lift == "none":
        st.caption("Nothing to save: no lift was found in this clip.")
        return
    done = st.session_state.get(f"{key}_done")
    # saved already: this video scored with exactly these limits
    scored = review.scored_key(report)
    store = open_store()
    if store is None:
        return
    if done and done[0] == scored:
        st.success(f"Saved as session {done[1]} for {done[2]}. See it on the History page.",
                   icon=":material/check_circle:")
        reference_button(store, store.session(done[1]), key)
        return
    choices = store.viewer.athletes  # with the login on: the athletes this user may save for
    if choices is not None and not choices:
        st.caption("No athlete is assigned to you yet, so there is nobody to save this set for.")
        return
    if athlete and st.session_state.get(f"{key}_picked") != athlete:  # whose set it is, picked above
        st.session_state[f"{key}_athlete"] = st.session_state[f"{key}_picked"] = athlete
    with st.form(f"{key}_form", border=False):
        if choices is None:
            athlete = st.text_input("Athlete", key=f"{key}_athlete", max_chars=100,
                                    help="Known: " + (", ".join(store.athletes()) or "none yet"))
        else:
            athlete = st.selectbox("Athlete", choices, key=f"{key}_athlete", disabled=len(choices) == 1,
                                   help="Saved in this athlete's history: you may save for " + ", ".join(choices))
        date_col, load_col, unit_col, rpe_col = st.columns([2, 2, 1, 1])
        recorded_on = date_col.date_input("Date filmed", value=sessions.recorded_date(report), key=f"{key}_date",
                                          help="From the video's creation time when it has one; otherwise today.")
        load = load_col.number_input("Load on the bar", min_value=0.0, max_value=1999.0, value=None, step=2.5,
                                     key=f"{key}_load", placeholder="optional")
        unit = unit_col.radio("Unit", ("kg", "lb"), key=f"{key}_unit", horizontal=True)
        rpe = rpe_col.selectbox("RPE", RPE_CHOICES, key=f"{key}_rpe")
        notes = st.text_area("Notes", key=f"{key}_notes", height=68, placeholder="optional")
        keep = st.checkbox("Keep a copy of the video with the session", key=f"{key}_keep",
                           help="Off by default: only the report and small stills of the flagged moments are kept.")
        make_reference = st.checkbox(f"Make this set my {report.lift} reference", key=f"{key}_reference",
                                     help="Your best form: later sets are judged rep by rep against it, at the same "
                                          "hip angle, as well as against the limits for everyone.")
        submitted = st.form_submit_button("Save session", type="primary")
    if not submitted:
        return
    try:
        with st.spinner("Saving..."):
            saved = store.save(NewSession(
                athlete=athlete, report=report, recorded_on=recorded_on,
                load_value=None if load is None else float(load), load_unit=None if load is None else unit,
                rpe=None if rpe == "-" else float(rpe), notes=notes or "",
                thumbnails=sessions.thumbnails(reviewed, report), video=reviewed.path if keep else None,
                phase_stills=sessions.phase_stills(reviewed, report),
                video_name=reviewed.name))
    except FormcheckError as exc:
        st.error(f"Not saved: {exc}", icon=":material/error:")
        return
    st.session_state[f"{key}_done"] = (scored, saved.id, saved.athlete)
    if make_reference and not relative.reference_problems(report.to_dict(frames=False)):
        store.set_reference(saved.id)
    st.rerun()


def follow_link(store: ScopedStore) -> None:
    """?session=ID in the URL: pick that session's athlete, lift and every week on the History
    page so it is the one opened, once per link. A session the viewer may not see (or no such
    session) is refused with the reason, and the page goes on with the viewer's own sessions."""
    value = st.query_params.get(LINK)
    if value is None or st.session_state.get("linked") == value:
        return
    st.session_state["linked"] = value
    if not value.isdigit():
        st.error(f"?{LINK}={value}: a session is linked by its number, e.g. ?{LINK}=12", icon=":material/link_off:")
        return
    try:
        record = store.session(int(value))
    except FormcheckError as exc:
        st.error(f"{exc}.", icon=":material/lock:")
        return
    st.session_state.update(athlete=record.athlete, lift=record.lift, weeks="all", past_pick=label(record))


def link(record: SessionRecord) -> None:
    """Keep the session on show in the URL (?session=ID), so the address opens it again."""
    st.query_params[LINK] = st.session_state["linked"] = str(record.id)


def label(record: SessionRecord) -> str:
    score = "-" if record.score is None else f"{record.score:.0f}"
    load = f" · {record.load}" if record.load else ""
    return f"#{record.id} {record.recorded_on:%a %d %b %Y} · score {score}{load}"


def _kept(files: list[dict], kind: str) -> list[dict]:
    """The files of one kind ('thumbnail' or 'video') among a session's `Store.files`, that are
    still on disk."""
    return [f for f in files if f["kind"] == kind and f["path"].is_file()]


def _thumbnails(store: Store | ScopedStore, record: SessionRecord, report: Report,
                columns: int = THUMB_COLUMNS) -> None:
    files = _kept(store.files(record.id), "thumbnail")
    if not files:
        st.caption("No flagged frames were kept for this session.")
        return
    by_peak = {}
    for flag in review.flag_details(report):
        by_peak.setdefault(flag["peak"], flag)
    cols = st.columns(columns)
    for n, f in enumerate(files):
        flag = by_peak.get(f["frame"])
        caption = f"{flag['title']} at {flag['where']}" if flag else f"frame {f['frame']}"
        cols[n % columns].image(str(f["path"]), caption=caption, width="stretch")


def _stored_stills(files: list[dict]) -> dict[int, np.ndarray]:
    """The kept thumbnails among a session's files as RGB arrays, by frame."""
    return {f["frame"]: np.asarray(Image.open(f["path"]).convert("RGB")) for f in _kept(files, "thumbnail")}


def show_session(store: Store | ScopedStore, record: SessionRecord, key: str = "past") -> None:
    """A saved session as the review page showed it, from the stored report (no model, no
    video needed), its flagged moments with the stills kept at save time, its kept video; and
    its edit and delete buttons."""
    report = _stored_report(store, record)
    files = store.files(record.id)
    st.markdown(f"**{record.athlete}**, {record.lift}, filmed {record.recorded_on:%A %d %B %Y}"
                + (f", {record.load}" if record.load else "") + (f", RPE {record.rpe:g}" if record.rpe else "")
                + f" · thresholds {record.thresholds_version or '-'} · {record.video_name}")
    if record.notes:
        st.caption(record.notes)
    ui.show_results(report, None, key=key, stills=_stored_stills(files))
    video = next(iter(_kept(files, "video")), None)
    if video:
        st.video(str(video["path"]))
    reference_button(store, record, key)
    _edit_form(store, record, key)
    with st.popover("Delete this session"):
        st.write("The session, its stills and any kept video are removed for good.")
        if st.button("Delete", key=f"{key}_delete_{record.id}", type="primary"):
            store.delete(record.id)
            st.session_state.pop(f"{key}_pick", None)
            st.rerun()


def _edit_form(store: Store | ScopedStore, record: SessionRecord, key: str) -> None:
    """Correct what was typed at save time: date filmed, load, RPE, notes."""
    with st.popover("Edit details"):
        with st.form(f"{key}_edit_{record.id}", border=False):
            recorded_on = st.date_input("Date filmed", value=record.recorded_on, key=f"{key}_edit_date")
            load_col, unit_col = st.columns(2)
            load = load_col.number_input("Load on the bar", min_value=0.0, max_value=1999.0, value=record.load_value,
                                         step=2.5, key=f"{key}_edit_load", placeholder="none")
            unit = unit_col.radio("Unit", ("kg", "lb"), index=0 if record.load_unit != "lb" else 1, horizontal=True,
                                  key=f"{key}_edit_unit")
            rpe = st.selectbox("RPE", RPE_CHOICES, key=f"{key}_edit_rpe",
                               index=RPE_CHOICES.index(record.rpe) if record.rpe in RPE_CHOICES else 0)
            notes = st.text_area("Notes", value=record.notes, key=f"{key}_edit_notes", height=68)
            if not st.form_submit_button("Save changes"):
                return
        try:
            store.update(record.id, recorded_on=recorded_on, load_value=None if load is None else float(load),
                         load_unit=None if load is None else unit, rpe=None if rpe == "-" else float(rpe),
                         notes=notes or "")
        except FormcheckError as exc:
            st.error(f"Not changed: {exc}", icon=":material/error:")
            return
        st.rerun()


def show_comparison(store: Store | ScopedStore, a: SessionRecord, b: SessionRecord) -> None:
    """Two sessions side by side: scores, angles at matching rep phases, the flagged frames."""
    ra, rb = _stored_report(store, a), _stored_report(store, b)
    result = history.compare(ra, rb)
    st.markdown(f"**A** = {label(a)}  \n**B** = {label(b)}")
    left, right = st.columns([2, 3])
    left.dataframe(result["scores"], hide_index=True)
    angles = result["angles"]
    if len(angles):
        rep = right.selectbox("Rep", sorted(set(angles["rep"]), key=lambda r: (r == "mean", r)),
                              key="compare_rep", help="'mean' averages each phase over the reps")
        table = angles[angles["rep"] == rep].drop(columns="rep")
        table["angle"] = table["angle"].str.replace("_deg", " (°)").str.replace("_", " ")
        right.dataframe(table, hide_index=True, height=min(38 * (len(table) + 1), 600))
        right.caption("Phases: each rep's start, half-way to the turn (bottom of a squat, lockout of a pull), "
                      "the turn, half-way back, the end. B - A > 0: larger in B.")
    else:
        right.info("No rep to compare in one of the sessions.")
    col_a, col_b = st.columns(2)
    for col, record, report, name in ((col_a, a, ra, "A"), (col_b, b, rb, "B")):
        with col:
            st.markdown(f"**{name}: flagged frames** ({len(report.faults)})")
            _thumbnails(store, record, report, columns=2)
