"""The real PoseLandmarker on real clips from ../shared/videos (copied to sample_videos/)."""

import json
import subprocess
import sys

import av
import numpy as np
import pytest

from formcheck.analysis import AnalysisSettings, analyze
from formcheck.landmarks import Landmark
from formcheck.pose import PoseSettings

pytestmark = pytest.mark.real

# Anatomically possible ranges for each angle (degrees), with room for 2-D projection error.
RANGES = {
    "trunk_incline_deg": (-60, 110), "hip_deg": (20, 240), "knee_deg": (20, 200),
    "ankle_deg": (40, 180), "neck_deg": (-100, 100), "elbow_deg": (0, 180),
}


@pytest.fixture(scope="module")
def squat(clip):
    return analyze(clip("squat_bw_side_unknown_t01.mp4"))


@pytest.fixture(scope="module")
def deadlift(clip):
    return analyze(clip("deadlift_side_good_01.mp4"))


@pytest.mark.parametrize("which", ["squat", "deadlift"])
def test_pose_found_and_angles_possible(which, request):
    result = request.getfixturevalue(which)
    report = result.report
    assert report.pose_fraction >= 0.9
    assert report.camera["side"] in ("left", "right")
    for name, (low, high) in RANGES.items():
        values = report.angles[name][np.isfinite(report.angles[name])]
        assert len(values) >= 0.8 * len(report.angles[name]), name
        assert low <= values.min() and values.max() <= high, (name, values.min(), values.max())


def test_squat_goes_down_and_up(squat):
    knee = squat.report.angles["knee_deg"]
    assert np.nanmax(knee) > 160  # standing
    assert np.nanmin(knee) < 110  # at least a half squat at the bottom


def test_deadlift_hinges(deadlift):
    hip, trunk = deadlift.report.angles["hip_deg"], deadlift.report.angles["trunk_incline_deg"]
    assert np.nanmin(hip) < 90 and np.nanmax(hip) > 160  # set-up hinge, then lockout
    assert np.nanmax(trunk) > 35  # leaning over the bar at the start


def test_rotated_portrait_clip_comes_out_upright(clip):
    result = analyze(clip("squat_bw_oblique_good_k01.mp4"))
    assert (result.report.video.width_px, result.report.video.height_px) == (480, 848)
    img = result.poses.image_px
    head_above_hips = img[:, Landmark.NOSE, 1] < np.nanmean(img[:, [Landmark.LEFT_HIP, Landmark.RIGHT_HIP], 1], axis=1)
    assert np.mean(head_above_hips[result.poses.has_pose]) > 0.95


def test_second_analysis_comes_from_the_cache(clip, tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_CACHE_DIR", str(tmp_path))  # empty: other tests filled the session's
    path = clip("deadlift_side_roundback_01.mp4")
    first = analyze(path)
    second = analyze(path)
    assert not first.from_cache and second.from_cache
    np.testing.assert_array_equal(first.raw.image_px, second.raw.image_px)
    other_model = analyze(path, AnalysisSettings(pose=PoseSettings(model="lite")))
    assert not other_model.from_cache


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning", "ignore:Mean of empty slice:RuntimeWarning")
def test_several_people_the_lifter_is_tracked_consistently(clip):
    result = analyze(clip("neg_people_walking_sports2d.mp4"))
    assert result.report.camera["people_max"] >= 2
    assert any("people were in view" in w for w in result.report.warnings)
    hips = np.nanmean(result.raw.image_px[:, [Landmark.LEFT_HIP, Landmark.RIGHT_HIP], :2], axis=1)
    height = np.nanmedian(np.nanmax(result.raw.image_px[..., 1], axis=1) - np.nanmin(result.raw.image_px[..., 1], axis=1))
    steps = np.linalg.norm(np.diff(hips, axis=0), axis=1)
    assert np.nanmax(steps) < 0.5 * height  # never jumps to another person between frames


def test_cli_writes_report_csv_and_playable_h264(clip, tmp_path):
    path = clip("deadlift_side_good_01.mp4")
    run = subprocess.run([sys.executable, "-m", "formcheck.cli", "analyze", str(path), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["video"]["frames"] == 62 and len(data["frames"]) == 62
    assert (tmp_path / "frames.csv").read_text().count("\n") == 63
    with av.open(str(tmp_path / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        frames = list(container.decode(stream))
    assert len(frames) == 62
    assert frames[-1].time == pytest.approx(61 / 30, abs=0.01)


def test_cli_says_when_the_lift_is_uncertain_and_takes_the_lift_given(clip, tmp_path):
    """A squat with the arms hanging reads as a deadlift: the CLI says it is not sure and how to
    correct it; with --lift squat it is scored as a squat and says nothing of the kind."""
    video = str(clip("squat_bw_oblique_unknown_k02.mp4"))
    outputs = []
    for lift in ("auto", "squat"):
        run = subprocess.run([sys.executable, "-m", "formcheck.cli", "analyze", video, "--no-video", "--lift", lift,
                              "--json", str(tmp_path / f"{lift}.json")], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    assert "deadlift, side view" in outputs[0] and "not sure it is a deadlift" in outputs[0] and "--lift" in outputs[0]
    assert "squat, side view" in outputs[1] and "not sure" not in outputs[1]
    assert json.loads((tmp_path / "auto.json").read_text())["assessment"]["lift"]["uncertain"]
