"""History page: one athlete's form across weeks, from saved sessions (no model runs here).

Top to bottom: athlete, lift and time span; form score per session with the weekly mean and the
trend line; fault frequency per week; the sessions table; one past session opened as the review
page showed it (also by link: ?session=ID); two sessions compared. Maths: formcheck.history;
storage: formcheck.store, seen through the signed-in viewer's rights (formcheck.access).
"""

import streamlit as st

from formcheck import history, thresholds, ui_login, ui_store

st.set_page_config(page_title="formcheck history", page_icon=":material/monitoring:", layout="wide")
ui_login.gate()  # with the login on: the sign-in form until somebody signs in (docs/login.md)
st.title("Form history")

store = ui_store.open_store()
if store is None:
    st.stop()
athletes = store.athletes()
if not athletes:
    st.info("No sessions saved yet. Analyse a set on the review page and use *Save this session*, "
            "or run `formcheck analyze VIDEO --athlete NAME`.")
    st.stop()
ui_store.follow_link(store)
st.session_state.setdefault("weeks", 12)

pick = st.columns([2, 1, 2])
athlete = pick[0].selectbox("Athlete", athletes, key="athlete")
lift = pick[1].selectbox("Lift", store.lifts(athlete), key="lift")
weeks = pick[2].select_slider("Weeks shown", (4, 8, 12, 26, 52, "all"), key="weeks")
records = store.sessions(athlete, lift, since=history.weeks_since(weeks))
if not records:
    latest = store.sessions(athlete, lift)[-1].recorded_on
    st.info(f"No {lift} sessions for {athlete} in the last {weeks} weeks (the latest is from {latest:%d %b %Y}): "
            "show more weeks.")
    st.stop()

st.subheader("Form score")
st.altair_chart(history.score_and_load_chart(records), width="stretch", key="score_chart")
trend = history.trend(records)
st.caption(("Trend " + trend.describe() + "." if trend else "A trend needs sessions on two days or more.")
           + " Dots: sessions; purple: weekly mean; red dashes: the trend line."
           + (" Brown squares, right-hand axis: the load on the bar." if any(r.load_kg is not None for r in records)
              else " Enter the load when saving a session to see it beside the score."))

st.subheader("Fault frequency per week")
faults = history.fault_frequency(records, store.fault_rows([r.id for r in records]))
if len(faults):
    st.altair_chart(history.fault_chart(faults), width="stretch")
    st.caption("Share of that week's reps in which each check fired (once per rep, warning or fault).")
else:
    st.success("No flagged moments in these sessions.")

reference = store.reference(athlete, lift)
st.subheader("Back shape against the reference")
if reference is None:
    st.info(f"{athlete} has no {lift} reference yet: open a session of good form below and make it the reference, "
            "and every session is charted against it here.")
else:
    deviation = history.reference_deviation(records, store.shapes([r.id for r in records]), reference,
                                            thresholds.load())
    if len(deviation):
        st.altair_chart(history.deviation_chart(deviation), width="stretch")
    st.caption(f"Each rep's back shape against the reference from {reference.recorded_on}, at the same hip angle: "
               "1 is the warning line (the reference's own rep-to-rep spread plus a margin). Sessions filmed from "
               "another angle or distance, or before shapes were kept, are left out.")

st.subheader("Sessions")
st.dataframe(history.session_rows(records), hide_index=True)

by_label = {ui_store.label(r): r for r in reversed(records)}
labels = list(by_label)
open_tab, compare_tab = st.tabs(["Open a session", "Compare two sessions"])
with open_tab:
    chosen = st.selectbox("Session", labels, key="past_pick")
    ui_store.link(by_label[chosen])
    ui_store.show_session(store, by_label[chosen], key="past")
with compare_tab:
    if len(labels) < 2:
        st.info("Save a second session to compare.")
    else:
        cols = st.columns(2)
        a = cols[0].selectbox("A (earlier)", labels, index=1, key="compare_a")
        b = cols[1].selectbox("B (later)", labels, index=0, key="compare_b")
        ui_store.show_comparison(store, by_label[a], by_label[b])
