import numpy as np
import pytest

from formcheck.angles import compute_angles
from formcheck.filtering import FilterSettings, clean, drop_hidden, fill_gaps, lowpass
from formcheck.landmarks import Landmark
from tests.synthetic import side_view, squat_reps


def _sine(fps: float, seconds: float, hz: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(int(round(seconds * fps))) / fps
    return t, np.sin(2 * np.pi * hz * t)


def _gain(fps: float, hz: float, cutoff: float = 6.0) -> float:
    t, y = _sine(fps, 6.0, hz)
    out = lowpass(y, t, cutoff)
    middle = slice(len(t) // 4, 3 * len(t) // 4)  # away from the ends
    return float(np.std(out[middle]) / np.std(y[middle]))


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
def test_cutoff_is_in_hertz_so_frame_rates_agree(fps):
    assert _gain(fps, 1.0) == pytest.approx(1.0, abs=0.01)  # lift motion passes
    assert _gain(fps, 10.0 if fps > 24 else 9.0) < 0.2  # jitter is removed


def test_same_cutoff_same_result_at_30_and_60_fps():
    # filtfilt squares the Butterworth response: exactly half the amplitude at the cut-off.
    assert _gain(30.0, 6.0) == pytest.approx(0.5, abs=0.01)
    assert _gain(60.0, 6.0) == pytest.approx(0.5, abs=0.01)
    assert _gain(30.0, 4.0) == pytest.approx(_gain(60.0, 4.0), abs=0.02)


def test_zero_phase_keeps_the_peak_where_it_was():
    t = np.arange(300) / 60.0
    y = np.exp(-((t - 2.5) ** 2) / (2 * 0.25**2))  # a smooth bump peaking at 2.5 s
    noisy = y + 0.05 * np.sin(2 * np.pi * 20 * t)
    out = lowpass(noisy, t, 6.0)
    assert t[np.argmax(out)] == pytest.approx(2.5, abs=1 / 60)
    assert np.max(np.abs(out - y)[30:-30]) < 0.01


def test_short_gaps_are_filled_long_gaps_stay():
    t = np.arange(60) / 30.0
    y = 2.0 * t + 1.0
    holes = y.copy()
    holes[10:14] = np.nan  # 4 frames: the gap spans 5 intervals = 0.167 s
    holes[30:45] = np.nan  # 15 frames = 0.53 s
    out = fill_gaps(holes, t, max_gap_s=0.25)
    np.testing.assert_allclose(out[10:14], y[10:14])
    assert np.isnan(out[30:45]).all()


def test_leading_and_trailing_gaps_are_not_invented():
    t = np.arange(20) / 30.0
    y = t.copy()
    y[:3] = np.nan
    y[-2:] = np.nan
    out = fill_gaps(y, t, max_gap_s=10.0)
    assert np.isnan(out[:3]).all() and np.isnan(out[-2:]).all()


def test_lowpass_keeps_gaps_and_filters_each_run():
    t, y = _sine(30.0, 4.0, 1.0)
    y[50:70] = np.nan
    out = lowpass(y, t, 6.0)
    assert np.isnan(out[50:70]).all()
    assert np.isfinite(out[:50]).all() and np.isfinite(out[70:]).all()


def test_variable_frame_rate_is_filtered_on_real_time():
    rng = np.random.default_rng(1)
    t = np.cumsum(rng.uniform(1 / 40, 1 / 20, 200))
    y = np.sin(2 * np.pi * 0.8 * t)
    out = lowpass(y, t, 6.0)
    assert np.max(np.abs(out - y)[20:-20]) < 0.02


def test_hidden_points_are_dropped():
    poses = side_view(squat_reps(30), 30)
    vis = poses.visibility.copy()
    vis[5, Landmark.LEFT_KNEE] = 0.2
    out = drop_hidden(poses.replace(visibility=vis), 0.5)
    assert np.isnan(out.image_px[5, Landmark.LEFT_KNEE]).all()
    assert np.isfinite(out.image_px[5, Landmark.LEFT_HIP]).all()


def test_clean_removes_jitter_from_angles():
    n = 150
    pose = squat_reps(n, reps=2)
    poses = side_view(pose, n)
    rng = np.random.default_rng(0)
    noisy = poses.replace(image_px=poses.image_px + rng.normal(0, 3.0, poses.image_px.shape).astype(np.float32))
    truth = pose.expected()["knee_deg"]
    raw_err = np.nanmean(np.abs(compute_angles(noisy)["knee_deg"] - truth))
    clean_err = np.nanmean(np.abs(compute_angles(clean(noisy, FilterSettings()))["knee_deg"] - truth))
    # White pixel noise at 30 fps: a 6 Hz cut-off removes about 60 % of its power (std x ~0.65).
    assert clean_err < 0.75 * raw_err
