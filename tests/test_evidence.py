"""Evidence drawn on flagged stills (evidence.py): the trunk line and the vertical for lean, the
wrists' path and the mid-foot line for the bar, the hip and shoulder tracks for hips-first."""

from pathlib import Path

import numpy as np
import pytest

from formcheck import review, thresholds
from formcheck.evidence import draw_evidence, label
from formcheck.landmarks import N_LANDMARKS, side_landmark
from formcheck.render import render_frames

AMBER = (0, 190, 255)  # BGR, a warning's colour
REPO = Path(__file__).resolve().parent.parent


def _points(**joints) -> np.ndarray:
    points = np.full((N_LANDMARKS, 2), np.nan)
    for joint, xy in joints.items():
        points[side_landmark("left", joint)] = xy
    return points


def _is(image: np.ndarray, xy, colour) -> bool:
    x, y = xy
    return bool(np.abs(image[y - 1:y + 2, x - 1:x + 2].astype(int) - colour).sum(axis=2).min() < 60)


def test_lean_draws_the_trunk_line_and_the_vertical_through_the_hip():
    image = np.zeros((400, 400, 3), np.uint8)
    draw_evidence(image, _points(hip=(200, 300), shoulder=(150, 150)), None, "left",
                  {"rule": "spine_hyperextension", "value": -18.0}, AMBER)
    assert _is(image, (175, 225), AMBER)  # midway along the trunk line
    assert _is(image, (200, 290), (255, 255, 255)) or _is(image, (200, 280), (255, 255, 255))  # the dashed vertical
    assert not _is(image, (300, 225), AMBER)


def test_bar_drift_draws_the_wrists_path_and_mid_foot():
    image = np.zeros((400, 400, 3), np.uint8)
    track = np.full((11, N_LANDMARKS, 2), np.nan)
    track[:, side_landmark("left", "wrist")] = np.stack([np.linspace(200, 260, 11), np.linspace(300, 200, 11)], 1)
    points = _points(wrist=(260, 200), heel=(180, 380), foot_index=(240, 380))
    draw_evidence(image, points, track, "left", {"rule": "bar_far", "value": 0.7}, AMBER)
    assert _is(image, (230, 250), AMBER)  # on the path
    column = image[220:370, 208:213].reshape(-1, 3)
    assert (column == 255).all(axis=1).any()  # the white dashed mid-foot line at x = 210


def test_hips_first_draws_both_tracks_with_how_far_each_rose():
    image = np.zeros((400, 400, 3), np.uint8)
    track = np.full((10, N_LANDMARKS, 2), np.nan)
    for joint, y0, y1 in (("hip", 300, 200), ("shoulder", 150, 140)):
        track[:, side_landmark("left", joint)] = np.stack([np.full(10, 250.0 if joint == "hip" else 120.0),
                                                           np.linspace(y0, y1, 10)], 1)
    track[:, side_landmark("left", "knee")] = (330, 320)
    track[:, side_landmark("left", "ankle")] = (330, 380)
    draw_evidence(image, track[-1], track, "left", {"rule": "hips_rise_early", "value": 18.0}, AMBER)
    assert _is(image, (250, 250), AMBER) and _is(image, (120, 145), (255, 255, 255))


def test_label_stays_inside_the_picture():
    image = np.zeros((100, 200, 3), np.uint8)
    label(image, "hip 109°", (190, 50), (255, 255, 255), 0.5)
    assert image[:, :180].any() and not image[:, 199].any()


@pytest.mark.real
def test_a_real_flagged_still_draws_the_hips_track_from_the_drive_start():
    """The bundled sample (hips rising early, rendered): the track starts where the hips were
    lowest before the flag, and the still drawn with it differs below the hip from the same
    still without it."""
    path = REPO / "benchmarks" / "synthetic" / "synth_1_033_deadlift_yaw90_lumbar0_plate45_hipsrise18.mp4"
    reviewed = review.analyse(path, path.name)
    a = reviewed.analysis
    report = review.rescore(reviewed, thresholds.preset("standard"))
    (flag, *_) = [f for f in review.flag_details(report) if f["rule"] == "hips_rise_early"]
    frame, start = flag["peak"], review._track_from(a, report, flag)
    hip_y = a.poses.image_px[:, side_landmark(a.angles.side, "hip"), 1]
    assert start < frame and hip_y[start] > hip_y[frame] + 20  # lower in the picture, where the drive began
    check = {k: flag[k] for k in ("rule", "severity", "value", "limit", "unit")}
    drawn, full_px = {}, max(a.report.video.width_px, a.report.video.height_px)  # drawn at the video's own size
    for key, extra in (("track", {"track_from": start}), ("bare", {})):
        drawn[key] = render_frames(path, [frame], a.poses.image_px, a.angles.values, a.angles.side,
                                   checks={frame: {**check, **extra}}, max_side_px=full_px,
                                   time_s=a.poses.time_s)[frame]
    x, y = a.poses.image_px[frame, side_landmark(a.angles.side, "hip"), :2].astype(int)
    below = (slice(y + 40, int(hip_y[start]) + 5), slice(x - 10, x + 10))  # past the ring, along the track
    assert np.abs(drawn["track"][below].astype(int) - drawn["bare"][below]).sum() > 1000
