"""The History page (pages/history.py) and the review page's save form, with AppTest, on a
private data folder holding a session saved from a real analysis plus synthetic weeks."""

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from formcheck import review, sessions, thresholds
from formcheck.store import NewSession, Store
from tests.stored import scored_report, tiny_jpeg

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "history.py")
CLIP = "deadlift_side_roundback_01.mp4"
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def real(clip):
    """One real analysis (landmarks from the session cache when another test ran the model)."""
    path = clip(CLIP)
    reviewed = review.analyse(path, path.name)
    report = review.rescore(reviewed, thresholds.preset("standard"))
    assert report.lift == "deadlift" and report.faults
    return reviewed, report


@pytest.fixture
def filled(home, real):
    """Three weeks of synthetic deadlift sessions getting better, then the real one today, and a squat."""
    reviewed, report = real
    with Store() as store:
        for weeks_ago, faults in ((3, (("spine_flexion", "fault", 0), ("bar_far", "warn", 1))),
                                  (2, (("bar_far", "warn", 1),)), (1, ())):
            store.save(NewSession("Ada", scored_report("deadlift", faults=faults, seed=weeks_ago),
                                  TODAY - dt.timedelta(weeks=weeks_ago), 100.0 + weeks_ago, "kg",
                                  thumbnails={44 + 40 * f[2]: tiny_jpeg(n) for n, f in enumerate(faults)}))
        real_id = store.save(NewSession("Ada", report, TODAY, 225.0, "lb", 8.0, "the real clip",
                                        sessions.thumbnails(reviewed, report))).id
        store.save(NewSession("Ada", scored_report("squat"), TODAY, 80.0, "kg"))
        store.save(NewSession("Bo", scored_report("squat"), TODAY, 60.0, "kg"))
    return real_id, report


def _page():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.real
def test_history_page_shows_trend_faults_table_and_a_past_session(filled):
    real_id, report = filled
    at = _page()
    assert at.selectbox(key="athlete").options == ["Ada", "Bo"]
    at.selectbox(key="lift").set_value("deadlift").run()
    assert not at.exception
    assert [s.value for s in at.subheader][:4] == ["Form score", "Fault frequency per week",
                                                   "Back shape against the reference", "Sessions"]
    assert "Ada has no deadlift reference yet" in at.info[0].value
    assert len(at.get("vega_lite_chart")) >= 2  # score over weeks and fault frequency (+ the session timeline)
    assert "Trend" in at.caption[0].value and "points per week over 4 sessions" in at.caption[0].value
    table = at.dataframe[0].value
    assert list(table["id"]) == [real_id, 3, 2, 1] and list(table["load"])[:2] == ["225 lb", "101 kg"]
    # the newest session is opened by default: the stored report drawn without the model
    assert at.selectbox(key="past_pick").value.startswith(f"#{real_id} ")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Lift"] == "deadlift" and metrics["Reps"] == str(len(report.reps))
    assert metrics["Flagged moments"] == str(len(report.faults))
    assert len(at.get("image")) >= 1  # the kept thumbnails of the flagged frames


@pytest.mark.real
def test_compare_two_sessions(filled):
    real_id, report = filled
    at = _page()
    at.selectbox(key="lift").set_value("deadlift").run()
    assert at.selectbox(key="compare_b").value.startswith(f"#{real_id} ")
    at.selectbox(key="compare_a").set_value(at.selectbox(key="compare_a").options[3]).run()  # the oldest
    assert not at.exception
    tables = [d.value for d in at.dataframe]
    scores = next(t for t in tables if "measure" in t.columns).set_index("measure")
    assert scores.loc["session score", "B"] == report.score and scores.loc["flagged moments", "A"] == 2
    angles = next(t for t in tables if "phase" in t.columns)
    assert set(angles["phase"]) == {"start", "halfway to the turn", "turn", "halfway back", "end"}


@pytest.mark.real
def test_delete_from_the_page_removes_the_session_and_its_files(filled, home):
    real_id, _ = filled
    with Store() as store:
        uid = store.session(real_id).uid
    assert (home / "sessions" / uid).is_dir()
    at = _page()
    at.selectbox(key="lift").set_value("deadlift").run()
    at.button(key=f"past_delete_{real_id}").click().run()
    assert not at.exception
    with Store() as store:
        assert real_id not in [r.id for r in store.sessions()]
    assert not (home / "sessions" / uid).exists()


@pytest.mark.real
def test_edit_details_from_the_page(filled):
    real_id, _ = filled
    at = _page()
    at.selectbox(key="lift").set_value("deadlift").run()
    at.date_input(key="past_edit_date").set_value(TODAY - dt.timedelta(days=1))
    at.number_input(key="past_edit_load").set_value(230.0)
    at.selectbox(key="past_edit_rpe").set_value(9.0)
    at.text_area(key="past_edit_notes").input("a real clip, corrected")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception
    with Store() as store:
        r = store.session(real_id)
        assert (r.recorded_on, r.load, r.rpe, r.notes) == (TODAY - dt.timedelta(days=1), "230 lb", 9.0,
                                                           "a real clip, corrected")


def test_empty_history_says_how_to_save(home):
    at = _page()
    assert "No sessions saved yet" in at.info[0].value


def test_unopenable_database_is_one_message(home, monkeypatch):
    monkeypatch.setenv("FORMCHECK_DB_URL", "postgresql://nobody@127.0.0.1:1/none")
    at = _page()
    assert "The session history cannot be opened" in at.error[0].value


SAVE_SCRIPT = """
import os
from pathlib import Path
from formcheck import review, thresholds, ui_store
path = Path(os.environ["FORMCHECK_TEST_CLIP"])
reviewed = review.analyse(path, path.name)
ui_store.save_form(reviewed, review.rescore(reviewed, thresholds.preset("standard")))
"""


@pytest.mark.real
def test_save_form_saves_the_reviewed_set(home, real, clip, monkeypatch):
    reviewed, report = real
    monkeypatch.setenv("FORMCHECK_TEST_CLIP", str(clip(CLIP)))
    at = AppTest.from_string(SAVE_SCRIPT, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.date_input(key="save_date").value == sessions.recorded_date(report)
    submit = next(b for b in at.button if b.label == "Save session")
    submit.click().run()
    assert "athlete's name is empty" in at.error[0].value  # nothing typed yet
    at.text_input(key="save_athlete").input("Kim")
    at.number_input(key="save_load").set_value(142.5)
    at.radio(key="save_unit").set_value("kg")
    at.selectbox(key="save_rpe").set_value(8.5)
    at.text_area(key="save_notes").input("paused reps")
    at.checkbox(key="save_keep").check()
    next(b for b in at.button if b.label == "Save session").click().run()
    assert not at.exception and "Saved as session 1 for Kim" in at.success[0].value
    with Store() as store:
        (saved,) = store.sessions()
        assert (saved.athlete, saved.load, saved.rpe, saved.notes) == ("Kim", "142.5 kg", 8.5, "paused reps")
        files = store.files(saved.id)
        assert [f["kind"] for f in files].count("video") == 1 and len(files) > 1
        assert store.report_dict(saved.id)["faults"] == report.to_dict()["faults"]
        assert store.check() == []
    at.run()  # a re-run does not save twice
    with Store() as store:
        assert len(store.sessions()) == 1


def test_old_sessions_outside_the_span_are_pointed_to(home):
    with Store() as store:
        store.save(NewSession("Old", scored_report("squat"), dt.date(2023, 1, 5), 60.0, "kg"))
    at = _page()
    assert "the latest is from 05 Jan 2023" in at.info[0].value
    at.select_slider(key="weeks").set_value("all").run()
    assert [s.value for s in at.subheader][:1] == ["Form score"] and len(at.dataframe[0].value) == 1


def _one_session(session_id: int):
    from formcheck import ui_store
    from formcheck.store import Store

    with Store() as store:
        ui_store.show_session(store, store.session(session_id))


def test_a_past_session_shows_its_kept_stills_and_video_from_one_listing_of_its_files(home, tmp_path, monkeypatch):
    from tests.media import write_video

    report = scored_report("squat", faults=(("forward_lean", "warn", 0), ("forward_lean", "fault", 1)))
    with Store() as store:
        saved = store.save(NewSession("Ada", report, TODAY, 80.0, "kg", thumbnails={24: tiny_jpeg(1), 64: tiny_jpeg(2)},
                                      video=write_video(tmp_path / "set.mp4", n=5)))
    listed = []
    files = Store.files

    def counting(self, session_id):
        listed.append(session_id)
        return files(self, session_id)

    monkeypatch.setattr(Store, "files", counting)
    at = AppTest.from_function(_one_session, args=(saved.id,), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("image")) == 2 and len(at.get("video")) == 1  # both stills and the kept video
    assert listed == [saved.id]  # the session's files are listed once


REFERENCE_SCRIPT = """
import os
from pathlib import Path
import streamlit as st
from formcheck import review, thresholds, ui_store, verdict
path = Path(os.environ["FORMCHECK_TEST_CLIP"])
reviewed = review.analyse(path, path.name)
athlete, reference = ui_store.reference_picker(reviewed.assessment.lift.kind)
report = review.rescore(reviewed, thresholds.preset("standard"), reference)
st.markdown(" ".join(verdict.sentences(report.faults, len(report.reps), report.assessment.get("relative"))))
ui_store.save_form(reviewed, report, athlete=athlete)
"""


def _reference_page(clip_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_TEST_CLIP", str(clip_path))
    at = AppTest.from_string(REFERENCE_SCRIPT, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.real
def test_a_reference_saved_from_the_page_judges_the_next_set_after_a_restart(home, clip, monkeypatch):
    at = _reference_page(clip("deadlift_side_good_01.mp4"), monkeypatch)
    at.text_input(key="save_athlete").input("Kim")
    at.checkbox(key="save_reference").check()
    next(b for b in at.button if b.label == "Save session").click().run()
    assert not at.exception and "Saved as session 1 for Kim" in at.success[0].value
    assert "This is Kim's deadlift reference" in at.success[1].value
    with Store() as store:  # the stills a later set's flags are shown beside
        phases = [f for f in store.files(1) if f["kind"] == "phase"]
        assert phases and all(f["path"].read_bytes()[:3] == b"\xff\xd8\xff" for f in phases)
    # a new page (a restart: the reference comes from the database), the rounded set of the same lifter
    at = _reference_page(clip("deadlift_side_roundback_01.mp4"), monkeypatch)
    assert at.selectbox(key="judge_athlete").options == [ui_store_nobody(), "Kim"]
    at.selectbox(key="judge_athlete").set_value("Kim").run()
    text = at.markdown[0].value
    assert "Rounded back (fault)" in text and "than your reference" in text
    assert "compared with your reference from" in text
    # saving it as a reference too is refused until confirmed: its own rep is rounded
    assert at.text_input(key="save_athlete").value == "Kim"
    at.checkbox(key="save_reference").check()
    next(b for b in at.button if b.label == "Save session").click().run()
    assert "Saved as session 2 for Kim" in at.success[0].value
    assert "break the back's limits (spine_flexion (fault) on rep 1)" in at.warning[0].value
    with Store() as store:
        assert store.reference("Kim", "deadlift").session_uid == store.session(1).uid
    next(b for b in at.button if b.label == "Make this Kim's deadlift reference anyway").click().run()
    with Store() as store:
        assert store.reference("Kim", "deadlift").session_uid == store.session(2).uid


def ui_store_nobody():
    from formcheck.ui_store import NOBODY

    return NOBODY


@pytest.mark.real
def test_history_page_sets_and_clears_a_reference(filled):
    real_id, _ = filled
    at = _page()
    at.selectbox(key="lift").set_value("deadlift").run()
    old = next(o for o in at.selectbox(key="past_pick").options if o.startswith("#1 "))
    at.selectbox(key="past_pick").set_value(old).run()  # saved without a back shape
    assert "cannot be a reference" in " ".join(c.value for c in at.caption)
    label = next(o for o in at.selectbox(key="past_pick").options if o.startswith(f"#{real_id} "))
    at.selectbox(key="past_pick").set_value(label).run()
    assert "break the back's limits" in at.warning[-1].value
    next(b for b in at.button if b.label == "Make this Ada's deadlift reference anyway").click().run()
    assert not at.exception and "This is Ada's deadlift reference" in " ".join(s.value for s in at.success)
    with Store() as store:
        assert store.references("Ada")["deadlift"].id == real_id
    # the chart of every session against it: the reference's own reps sit at 0
    assert "Each rep's back shape against the reference from" in " ".join(c.value for c in at.caption)
    next(b for b in at.button if b.label == "Stop using it as the reference").click().run()
    with Store() as store:
        assert store.references("Ada") == {}
