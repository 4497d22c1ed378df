"""The review page with Streamlit's AppTest, in each state: empty, bad upload, analysing, analysed,
thresholds changed. The model runs once per test session on a real clip; the page's
`review.analyse` is then replaced by a function handing back that result, only for speed."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from formcheck import review, thresholds, verdict

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CLIP = "deadlift_side_bad_m01.mp4"  # side-view deadlift, 3.4 s, with a back-bend warning
FLAGGED_CLIP = "deadlift_side_good_01.mp4"  # side-view deadlift, 2 s, with two warnings at one frame
TIMEOUT_S = 120


@pytest.fixture(scope="session")
def real_reviewed(clip) -> review.Reviewed:
    path = clip(CLIP)
    return review.analyse(path, path.name)


@pytest.fixture(scope="session")
def flagged_reviewed(clip) -> review.Reviewed:
    path = clip(FLAGGED_CLIP)
    return review.analyse(path, path.name)


@pytest.fixture
def backend(monkeypatch, real_reviewed):
    """review.analyse replaced by the session's one real analysis; counts its calls."""
    return serve(monkeypatch, real_reviewed)


def serve(monkeypatch, real_reviewed: review.Reviewed) -> list:
    """review.analyse replaced by this real analysis; the list counts its calls."""
    calls = []

    def analyse(path, name, progress=None, **kwargs):
        calls.append(path)
        if progress:
            progress(real_reviewed.analysis.poses.n_frames, real_reviewed.analysis.poses.n_frames, 0.0)
        return dataclasses.replace(real_reviewed, path=Path(path), name=name)

    monkeypatch.setattr(review, "analyse", analyse)
    monkeypatch.setattr(review, "_JOBS", type(review._JOBS)())
    return calls


def run(at: AppTest) -> AppTest:
    at.run(timeout=TIMEOUT_S)
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, "video/mp4"))
    return run(at)


def test_empty_page_shows_uploader_guide_and_about():
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT_S))
    assert "200 MB" in at.file_uploader[0].label
    assert {".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv"} <= set(at.file_uploader[0].allowed_type)
    assert "Side-on" in at.info[0].value and "hip height" in at.info[0].value
    text = " ".join(m.value for m in at.markdown)
    assert "Upload a video" in text and "not medical advice" in text and "numbness" in text
    assert not at.metric and not at.error
    assert at.sidebar.radio[0].value == "standard"


@pytest.mark.parametrize("name, data", [
    ("squat.mp4", b"this is a text file, not a video" * 40),
    ("squat.mov", b""),
    ("squat.avi", b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(200)),  # an AVI header and no stream
])
def test_bad_upload_gives_a_sentence_not_a_traceback(backend, name, data):
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT_S))
    at = upload(at, name, data)
    assert len(at.error) == 1 and "cannot be analysed" in at.error[0].value
    assert "Traceback" not in at.error[0].value
    assert not at.metric and backend == []


@pytest.mark.real
def test_analysed_page_shows_headline_chart_table_gallery_and_video(monkeypatch, clip, flagged_reviewed):
    calls = serve(monkeypatch, flagged_reviewed)
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT_S))
    at = upload(at, FLAGGED_CLIP, clip(FLAGGED_CLIP).read_bytes())
    report = review.rescore(flagged_reviewed, thresholds.preset("standard"))
    flags = review.flag_details(report)
    assert flags, "the clip was chosen for its flags"
    shown = metrics(at)
    assert shown["Lift"] == "deadlift" and shown["View"] == report.view
    assert shown["Reps"] == str(len(report.reps)) and shown["Flagged moments"] == str(len(flags))
    assert shown["Session score"] == f"{report.score:.0f}/100"
    assert [h.value for h in at.subheader] == ["Timeline", "Reps", "Where form broke down", "Frame by frame",
                                               "Annotated video"]
    assert len(at.get("vega_lite_chart")) == 1
    table = at.dataframe[0].value
    assert list(table["rep"]) == [r["index"] + 1 for r in report.reps]
    assert "smallest hip angle (°)" in table and "largest back bend (°)" in table
    # one still per flag, plus the frame viewer's
    assert len(at.get("image")) == len(flags) + 1
    cards = " ".join(m.value for m in at.markdown)
    # the verdict first: one sentence per fault across the reps, above the timeline
    said = verdict.sentences(report.faults, len(report.reps))
    assert said and all(sentence in cards for sentence in said)
    # and a card per rep with its score
    for card in verdict.rep_cards(report.faults, report.reps):
        assert f"**Rep {card['rep']}** · {card['score']:.0f}/100" in cards
    assert [m.value for m in at.markdown].index(next(m.value for m in at.markdown if m.value.startswith("**Verdict**"))) \
        < [m.value for m in at.markdown].index(next(m.value for m in at.markdown if flags[0]["cue"] in m.value))
    for flag in flags:
        assert flag["title"] in cards and flag["cue"] in cards and flag["measured"] in cards
    assert len(at.get("video")) == 1
    assert [b.label for b in at.get("download_button")] == ["Annotated video (MP4)", "Report (JSON)",
                                                           "Per-frame data (CSV)"]
    # the frame viewer starts on the worst flag; choosing another flag moves it there
    assert at.slider[0].value == flags[0]["peak"]
    (jump,) = [box for box in at.selectbox if box.label == "Jump to a flag"]
    jump.select(jump.options[-1])
    run(at)
    assert at.slider[0].value == flags[-1]["peak"]
    # so does a flag's own button in the gallery
    buttons = [b for b in at.button if b.label == "Show in the frame viewer"]
    assert len(buttons) == len(flags)
    buttons[1].click()
    run(at)
    assert at.slider[0].value == flags[1]["peak"]
    # step one frame either way, and from flag to flag in time order
    button = {b.label: b for b in at.button}
    button["+1"].click()
    run(at)
    assert at.slider[0].value == flags[1]["peak"] + 1
    for _ in range(2):
        {b.label: b for b in at.button}["−1"].click()
        run(at)
    assert at.slider[0].value == flags[1]["peak"] - 1
    peaks = sorted({f["peak"] for f in flags})
    at.slider[0].set_value(0)
    run(at)
    assert {b.label: b for b in at.button}["◀ flag"].disabled
    for peak in peaks:
        {b.label: b for b in at.button}["flag ▶"].click()
        run(at)
        assert at.slider[0].value == peak
    assert {b.label: b for b in at.button}["flag ▶"].disabled
    at.slider[0].set_value(len(report.time_s) - 1)
    run(at)
    assert {b.label: b for b in at.button}["+1"].disabled
    for peak in reversed(peaks):
        {b.label: b for b in at.button}["◀ flag"].click()
        run(at)
        assert at.slider[0].value == peak
    assert calls == [calls[0]]  # the model ran once


@pytest.mark.real
def test_changing_thresholds_rescores_without_running_the_model(backend, clip, real_reviewed):
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT_S))
    at = upload(at, CLIP, clip(CLIP).read_bytes())
    standard = review.rescore(real_reviewed, thresholds.preset("standard"))
    strict_report = review.rescore(real_reviewed, thresholds.preset("strict"))
    review.annotated_video_path(strict_report).unlink(missing_ok=True)
    at.sidebar.radio[0].set_value("strict")
    run(at)
    assert metrics(at)["Flagged moments"] == str(len(review.flag_details(strict_report)))
    assert metrics(at)["Session score"] == f"{strict_report.score:.0f}/100"
    assert (strict_report.score, strict_report.faults) != (standard.score, standard.faults)  # a real change
    assert any("+strict" in c.value for c in at.sidebar.caption)
    # the video is not encoded again for every change: the standard one stays, marked, until asked for
    assert len(at.get("video")) == 1 and not review.annotated_video_path(strict_report).is_file()
    assert any("drawn with other thresholds" in c.value for c in at.caption)
    # ...and it is not offered for download beside a report scored at other limits
    assert "Annotated video (MP4)" not in [b.label for b in at.get("download_button")]
    next(b for b in at.button if b.label.startswith("Redraw")).click()
    run(at)
    assert review.annotated_video_path(strict_report).is_file()
    assert not any("drawn with other thresholds" in c.value for c in at.caption)
    assert "Annotated video (MP4)" in [b.label for b in at.get("download_button")]

    # one limit: a back-bend warning limit above the clip's largest bend removes its spine warnings
    at.sidebar.radio[0].set_value("standard")
    run(at)
    bends = [e["value"] for e in standard.faults if e["rule"] == "spine_flexion"]
    assert bends and all(e["severity"] == "warn" for e in standard.faults if e["rule"] == "spine_flexion")
    above = float(int(max(bends)) + 2)
    box = next(n for n in at.sidebar.number_input if n.key.endswith("_spine_flexion_warn_deg"))
    box.set_value(above)
    run(at)
    changed = thresholds.preset("standard").with_value("deadlift", "spine_flexion_warn_deg", above)
    expected = review.rescore(real_reviewed, changed)
    assert not [e for e in expected.faults if e["rule"] == "spine_flexion"]
    assert metrics(at)["Session score"] == f"{expected.score:.0f}/100"
    assert expected.score != standard.score
    assert any("+custom" in c.value for c in at.sidebar.caption)
    assert len(backend) == 1  # re-scored from the cached measures: no second analysis


@pytest.mark.real
def test_same_file_again_is_served_from_the_finished_job(backend, clip):
    data = clip(CLIP).read_bytes()
    first = upload(run(AppTest.from_file(APP, default_timeout=TIMEOUT_S)), "monday.mp4", data)
    second = upload(run(AppTest.from_file(APP, default_timeout=TIMEOUT_S)), "renamed.mov", data)
    assert metrics(first) == metrics(second)
    assert len(backend) == 1


def test_page_shows_progress_while_the_job_runs(monkeypatch):
    """The analysis runs in a thread: the page draws a progress bar with frames and time left,
    and polls until the job ends."""
    release = threading.Event()
    seen = threading.Event()

    def analyse(path, name, progress=None, **kwargs):
        progress(40, 160, 12.0)
        seen.set()
        release.wait(30)
        raise review.BadVideoError("no lifter found in this test")

    monkeypatch.setattr(review, "analyse", analyse)
    monkeypatch.setattr(review, "_JOBS", type(review._JOBS)())
    monkeypatch.setattr(review, "store_upload", lambda data, name: Path("/nonexistent") / "job.mp4")
    job = review.start(Path("/nonexistent") / "job.mp4", "job.mp4")
    assert seen.wait(10) and not job.done
    assert job.progress.text() == "Finding the lifter: frame 40 of 160, about 12 s left"
    assert job.progress.fraction == pytest.approx(0.25)
    assert review.start(Path("/nonexistent") / "job.mp4", "job.mp4") is job  # one job per file
    threading.Timer(2.0, release.set).start()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.file_uploader[0].set_value(("job.mp4", b"anything", "video/mp4"))
    at.run(timeout=30)  # polls (sleep, rerun) until the job fails, then shows why
    assert not at.exception
    assert "no lifter found in this test" in at.error[0].value
    assert review.start(Path("/nonexistent") / "job.mp4", "job.mp4") is not job  # a failed job is retried


def test_a_bad_file_is_checked_once_and_its_error_stays_on_later_reruns(monkeypatch):
    """A refused upload is read and checked once: touching a widget afterwards keeps its error on
    show without reading, hashing or checking the file again."""
    checked = []

    def store_upload(data, name):
        checked.append(name)
        raise review.BadVideoError(f"{name}: not a video in a supported format")

    monkeypatch.setattr(review, "store_upload", store_upload)
    monkeypatch.setattr(review, "_JOBS", type(review._JOBS)())
    at = upload(run(AppTest.from_file(APP, default_timeout=TIMEOUT_S)), "notes.mp4", b"text" * 100)
    assert "not a video in a supported format" in at.error[0].value and checked == ["notes.mp4"]
    at.sidebar.radio[0].set_value("strict")
    run(at)
    assert len(at.error) == 1 and "not a video in a supported format" in at.error[0].value
    assert checked == ["notes.mp4"] and not at.metric
    # another file is a new upload: checked afresh
    upload(at, "other.mp4", b"more text" * 100)
    assert checked == ["notes.mp4", "other.mp4"]


def test_a_failed_analysis_is_not_run_again_on_later_reruns(monkeypatch):
    """Polling the job does not store the upload again, and once the analysis failed its error
    stays on show through later reruns without the analysis being started again."""
    stored, analysed = [], []

    def store_upload(data, name):
        stored.append(name)
        return Path("/nonexistent") / "failing.mp4"

    def analyse(path, name, progress=None, **kwargs):
        analysed.append(name)
        time.sleep(1.2)  # long enough for the page to poll a few times
        raise review.BadVideoError("no lifter found in this test")

    monkeypatch.setattr(review, "store_upload", store_upload)
    monkeypatch.setattr(review, "analyse", analyse)
    monkeypatch.setattr(review, "_JOBS", type(review._JOBS)())
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.file_uploader[0].set_value(("failing.mp4", b"anything", "video/mp4"))
    at.run(timeout=30)  # polls until the job fails
    assert not at.exception
    assert "no lifter found in this test" in at.error[0].value
    assert stored == ["failing.mp4"] and analysed == ["failing.mp4"]
    at.sidebar.radio[0].set_value("strict")
    run(at)
    run(at)
    assert len(at.error) == 1 and "no lifter found in this test" in at.error[0].value
    assert stored == ["failing.mp4"] and analysed == ["failing.mp4"]
    assert not at.metric and not at.get("progress")


def _stored_page(report_json: str):
    """A page as the History page draws it: stored reports shown again, no video, twice."""
    import json

    import streamlit as st

    from formcheck import ui
    from formcheck.report import Report

    report = Report.from_dict(json.loads(report_json))
    left, right = st.columns(2)
    with left:
        ui.show_results(report, None, key="a")
    with right:
        ui.show_results(report, None, key="b")


@pytest.mark.real
def test_stored_report_is_shown_again_without_video(real_reviewed):
    report = review.rescore(real_reviewed, thresholds.preset("standard"))
    at = AppTest.from_function(_stored_page, args=(review.report_json(report).decode(),), default_timeout=TIMEOUT_S)
    run(at)
    assert [m.value for m in at.metric if m.label == "Flagged moments"] == [str(len(report.faults))] * 2
    assert len(at.get("vega_lite_chart")) == 2 and len(at.dataframe) == 2
    assert not at.get("image") and not at.get("video")  # no pictures without the video
    cards = " ".join(m.value for m in at.markdown)
    assert report.faults and all(f["cue"] in cards for f in report.faults)
    assert len(at.get("download_button")) == 4  # JSON and CSV, each side


@pytest.mark.real
def test_timeline_marks_reps_limits_and_fault_spans(real_reviewed):
    from formcheck import charts

    report = review.rescore(real_reviewed, thresholds.preset("strict"))
    spec = charts.timeline(report, charts.measures(report)).to_dict()
    data = [row for rows in spec["datasets"].values() for row in rows]
    labels = {row.get("what") for row in data} | {row.get("label") for row in data}
    for rep in report.reps:
        assert {f"rep {rep['index'] + 1} start", f"rep {rep['index'] + 1} end"} <= labels
    # the band is drawn with the thresholds the report was scored with (strict here)
    assert "back-contour bend: warn 12°, fault 20°" in labels
    spans = [row for row in data if "severity" in row and "start" in row]
    assert len(spans) == len(report.faults)
    measures = {row.get("measure") for row in data}
    assert {"hip angle", "back-contour bend"} <= measures
    table = charts.rep_rows(report)
    assert len(table) == len(report.reps) and "depth: smallest knee angle (°)" not in table  # a deadlift


@pytest.mark.real
def test_an_uncertain_lift_is_said_and_the_user_can_pick_it(monkeypatch, clip):
    """A bodyweight squat with the arms hanging to the floor, read as a deadlift (the real model):
    the page says the call is uncertain; picking "squat" scores it as a squat."""
    path = clip("squat_bw_oblique_unknown_k02.mp4")
    reviewed = review.analyse(path, path.name)
    assert reviewed.assessment.lift.kind == "deadlift" and reviewed.assessment.lift.uncertain
    serve(monkeypatch, reviewed)
    at = upload(run(AppTest.from_file(APP, default_timeout=TIMEOUT_S)), path.name, path.read_bytes())
    assert any("not sure" in box.value for box in at.info)
    assert metrics(at)["Lift"] == "deadlift"
    (picker,) = [box for box in at.selectbox if box.label == "Lift"]
    picker.set_value("squat")
    at = run(at)
    shown = metrics(at)
    assert shown["Lift"] == "squat" and shown["Reps"] == "1"
    # the sidebar's single limits are the picked lift's (a squat's depth, no deadlift lift-off)
    limits = [box.key for box in at.sidebar.number_input]
    assert any(k.endswith("_depth_knee_warn_deg") for k in limits)
    assert not any(k.endswith("_liftoff_knee_warn_deg") for k in limits)
