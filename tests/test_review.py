"""What the review page relies on, without the model: uploads checked by content, the analysis job,
flagged-still drawing and the `formcheck app` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck import cli, render, review
from formcheck.errors import BadVideoError, FormcheckError
from tests.media import write_video


@pytest.mark.parametrize("suffix, codec, kind", [
    ("mp4", "libx264", "mp4"), ("mov", "libx264", "mp4"), ("m4v", "libx264", "mp4"),
    ("mkv", "libx264", "matroska"), ("webm", "libvpx-vp9", "matroska"), ("avi", "mjpeg", "avi"),
])
def test_every_accepted_container_is_recognised_by_its_first_bytes(tmp_path, suffix, codec, kind):
    path = write_video(tmp_path / f"clip.{suffix}", codec=codec, n=5)
    assert review.sniff_container(path.read_bytes()[:16]) == kind
    assert suffix in review.EXTENSIONS


@pytest.mark.parametrize("head", [b"", b"hello world, no video", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"RIFF\x00\x00\x00\x00WAVE"])
def test_other_bytes_are_not_a_container(head):
    assert review.sniff_container(head) is None


def test_upload_is_judged_by_content_not_name(tmp_path):
    data = write_video(tmp_path / "real.mp4", n=5).read_bytes()
    stored = review.store_upload(data, "holiday.avi")  # the name lies; the bytes are an MP4
    assert stored.suffix == ".mp4" and stored.read_bytes() == data
    assert review.store_upload(data, "other name.mkv") == stored  # same bytes, same file: the cache key
    with pytest.raises(BadVideoError, match="not a video in a supported format"):
        review.store_upload(b"just text" * 100, "squat.mp4")
    with pytest.raises(BadVideoError, match="empty"):
        review.store_upload(b"", "squat.mp4")


def test_upload_over_the_limit_is_refused(tmp_path, monkeypatch):
    data = write_video(tmp_path / "real.mp4", n=5).read_bytes()
    monkeypatch.setattr(review, "MAX_UPLOAD_MB", len(data) / 1024 / 1024 / 2)
    with pytest.raises(BadVideoError, match="larger than"):
        review.store_upload(data, "big.mp4")


def test_upload_limit_matches_the_server_setting():
    config = (Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text()
    assert f"maxUploadSize = {review.MAX_UPLOAD_MB}" in config


@pytest.mark.parametrize("progress, text", [
    (review.Progress(), "Loading the pose model and opening the video..."),
    (review.Progress(0, 90, float("nan"), "Finding the lifter"), "Finding the lifter: frame 0 of 90"),
    (review.Progress(30, 90, 8.4, "Finding the lifter"), "Finding the lifter: frame 30 of 90, about 8 s left"),
    (review.Progress(90, 90, 0.0, "Measuring the back's outline"), "Measuring the back's outline..."),
])
def test_progress_text(progress, text):
    assert progress.text() == text
    assert 0.0 <= progress.fraction <= 1.0


def test_a_bug_in_the_analysis_reaches_the_page_as_a_sentence(monkeypatch):
    def analyse(path, name, progress=None, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(review, "analyse", analyse)
    monkeypatch.setattr(review, "_JOBS", type(review._JOBS)())
    job = review.start(Path("/nonexistent/a.mp4"), "a.mp4")
    assert job.wait(10)
    with pytest.raises(FormcheckError, match="failed unexpectedly \\(ZeroDivisionError\\)"):
        job.result()


def test_scored_key_is_the_video_the_thresholds_in_any_key_order_and_the_reference():
    import dataclasses

    from formcheck import thresholds
    from tests.stored import scored_report

    report = scored_report()
    limits = report.assessment["thresholds"]
    assert review.scored_key(report) == (report.video.sha256, json.dumps([limits, None], sort_keys=True))
    shuffled = dataclasses.replace(report, assessment={"thresholds": dict(reversed(list(limits.items())))})
    assert review.scored_key(shuffled) == review.scored_key(report)
    strict = dataclasses.replace(report, assessment={"thresholds": thresholds.preset("strict").to_dict()})
    assert review.scored_key(strict)[0] == report.video.sha256
    assert review.scored_key(strict) != review.scored_key(report)
    other_video = dataclasses.replace(report, video=dataclasses.replace(report.video, sha256="f" * 64))
    assert review.scored_key(other_video) != review.scored_key(report)
    judged = dataclasses.replace(report, reference={"session_uid": "u1", "recorded_on": "2026-11-02"})
    assert review.scored_key(judged) != review.scored_key(report)


def test_finished_jobs_are_kept_up_to_a_bound(monkeypatch):
    monkeypatch.setattr(review, "analyse", lambda path, name, progress=None, **kwargs: name)
    monkeypatch.setattr(review, "_JOBS", type(review._JOBS)())
    jobs = [review.start(Path(f"/nonexistent/{i}.mp4"), str(i)) for i in range(review.KEEP_JOBS + 3)]
    for job in jobs:
        job.wait(10)
    review.start(Path("/nonexistent/last.mp4"), "last").wait(10)
    assert len(review._JOBS) <= review.KEEP_JOBS + 1
    assert review.start(Path("/nonexistent/last.mp4"), "again").result() == "last"  # served, not re-run


def _standing_person(width_px: int, height_px: int) -> np.ndarray:
    """(33, 2) landmark pixels of a person standing in the middle, right side towards the camera."""
    points = np.full((33, 2), np.nan)
    rng = np.random.default_rng(1)
    points[11:33] = np.column_stack([rng.uniform(0.45, 0.55, 22) * width_px, np.linspace(0.2, 0.9, 22) * height_px])
    return points


def test_body_box_holds_the_person_with_a_margin_and_stays_in_the_image():
    points = _standing_person(1920, 1080)
    x0, y0, x1, y1 = render.body_box(points, 1920, 1080)
    assert x0 < np.nanmin(points[:, 0]) and x1 > np.nanmax(points[:, 0])
    assert 0 <= y0 < np.nanmin(points[:, 1]) and np.nanmax(points[:, 1]) < y1 <= 1080
    assert render.body_box(np.full((33, 2), np.nan), 1920, 1080) is None


@pytest.mark.parametrize("severity, bgr", [("fault", (60, 60, 255)), ("warn", (0, 190, 255))])
def test_flag_banner_is_written_across_the_bottom_in_the_severity_colour(severity, bgr):
    image = np.full((400, 300, 3), 200, np.uint8)
    check = {"rule": "spine_flexion", "severity": severity, "value": 27.9, "limit": 26.0, "unit": "deg"}
    render.draw_flag(image, check)
    bottom, top = image[-40:], image[:300]
    assert (bottom.reshape(-1, 3) == bgr).all(axis=1).any()  # the coloured edge and text
    assert (bottom < 100).all(axis=2).mean() > 0.5  # darkened behind the text
    assert (top == 200).all()  # nothing drawn above it


def test_ring_is_drawn_at_the_rules_joint():
    image = np.zeros((400, 400, 3), np.uint8)
    points = np.full((33, 2), np.nan)
    points[14] = (200, 200)  # RIGHT_ELBOW
    render.ring_joint(image, points, "right", {"rule": "arm_bend", "severity": "fault"})
    r = int(400 * 0.045)
    assert (image[200, 200 + r] == (60, 60, 255)).all()
    assert (image[200, 200] == 0).all()  # a ring, not a disc
    blank = np.zeros_like(image)
    render.ring_joint(blank, points, "right", {"rule": "heel_lift", "severity": "fault"})  # heel unknown
    assert not blank.any()


def test_app_command_runs_streamlit_on_the_review_page():
    args = cli.build_parser().parse_args(["app", "--port", "8600", "--address", "127.0.0.1"])
    command = cli.app_command(args)
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(command[4]) == Path(__file__).resolve().parent.parent / "app.py" and Path(command[4]).is_file()
    assert command[5:9] == ["--server.port", "8600", "--server.address", "127.0.0.1"]
    assert f"--server.maxUploadSize={review.MAX_UPLOAD_MB}" in command


def test_app_with_a_bad_port_exits_2(capsys):
    assert cli.main(["app", "--port", "70000"]) == cli.EXIT_BAD_INPUT
