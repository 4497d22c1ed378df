"""Ground-truth maths of the synthetic lifter (formcheck.synth.truth, .motion): known rotations
and known joint positions give known angles. numpy only: no torch, no anny, no rendering."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from formcheck import faults
from formcheck.synth import motion, truth
from formcheck.synth.truth import (
    FORWARD,
    LEFT,
    RIGHT,
    UP,
    Camera,
    flexion_deg,
    rotation,
)

ANGLES_TOL = 1e-6
PIXEL_TOL = 1e-4  # angles from float32 pixel coordinates (landmarks.Poses)


def test_rotation_about_the_lateral_axis_tips_up_towards_forward():
    r = rotation(LEFT, 90.0)
    np.testing.assert_allclose(r @ UP, FORWARD, atol=1e-12)
    np.testing.assert_allclose(r @ FORWARD, -UP, atol=1e-12)
    np.testing.assert_allclose(rotation(LEFT, 30.0) @ UP, [np.sin(np.radians(30)), np.cos(np.radians(30)), 0], atol=1e-12)


@pytest.mark.parametrize("angle", [0.0, 1e-4, 8.0, -25.0, 90.0, 179.0])
def test_rotation_vector_inverts_rotation(angle):
    axis = np.array([0.3, -0.5, 0.8]) / np.linalg.norm([0.3, -0.5, 0.8])
    rv = truth.rotation_vector(rotation(axis, angle))
    np.testing.assert_allclose(rv, np.radians(angle) * axis, atol=1e-9)


def _chain(rest: list[np.ndarray], deltas_deg: list[float], pelvis_deg: float = 0.0):
    """World orientations of a spine chain posed by rotating each bone about the lateral axis by
    its delta relative to its parent (the pelvis first), as a local-bone rig does."""
    world = []
    acc = rotation(LEFT, pelvis_deg)
    for r, d in zip(rest, deltas_deg):
        acc = acc @ rotation(LEFT, d)
        world.append(acc @ r)
    return rotation(LEFT, pelvis_deg), world


def test_five_spine_bones_at_8_degrees_each_flex_the_spine_40_degrees():
    # Rest orientations of a curved spine (sagittal curvature: rotations about the lateral axis).
    rest = [rotation(LEFT, a) for a in (20.0, -10.0, -2.0, 10.0, -13.0)]
    pelvis, world = _chain(rest, [8.0] * 5, pelvis_deg=35.0)
    np.testing.assert_allclose(flexion_deg(np.eye(3), pelvis, rest[-1], world[-1]), 40.0, atol=ANGLES_TOL)
    np.testing.assert_allclose(flexion_deg(np.eye(3), pelvis, rest[2], world[2]), 24.0, atol=ANGLES_TOL)
    np.testing.assert_allclose(flexion_deg(rest[2], world[2], rest[4], world[4]), 16.0, atol=ANGLES_TOL)


def test_flexion_ignores_pelvis_tilt_and_reads_extension_as_negative():
    rest = [np.eye(3)] * 3
    for tilt in (0.0, 45.0, -10.0):
        pelvis, world = _chain(rest, [-4.0, -4.0, -4.0], pelvis_deg=tilt)
        np.testing.assert_allclose(flexion_deg(np.eye(3), pelvis, rest[-1], world[-1]), -12.0, atol=ANGLES_TOL)


def test_flexion_is_the_sagittal_component_of_a_mixed_bend():
    # 20 deg of flexion with 10 deg of side bend about the forward axis, as one rotation vector.
    rv = np.radians(20.0) * LEFT + np.radians(10.0) * FORWARD
    angle = np.linalg.norm(rv)
    bent = rotation(rv / angle, np.degrees(angle))
    np.testing.assert_allclose(flexion_deg(np.eye(3), np.eye(3), np.eye(3), bent), 20.0, atol=ANGLES_TOL)
    # A pure twist about the vertical is no flexion.
    np.testing.assert_allclose(flexion_deg(np.eye(3), np.eye(3), np.eye(3), rotation(UP, 30.0)), 0.0, atol=ANGLES_TOL)


def _stick_figure(shank: float, thigh: float, trunk: float, side_offset: float = 0.15) -> dict[str, np.ndarray]:
    """World joints (1, 3) of a lifter from segment inclines (deg from up, + forward), one frame."""

    def seg(incline: float, length: float) -> np.ndarray:
        r = np.radians(incline)
        return length * np.array([np.sin(r), np.cos(r), 0.0])

    joints = {}
    for side, z in (("left", -side_offset), ("right", side_offset)):
        ankle = np.array([0.0, 0.08, z])
        knee = ankle + seg(shank, 0.42)
        hip = knee + seg(thigh, 0.42)
        shoulder = hip + seg(trunk, 0.5)
        pts = {"ankle": ankle, "knee": knee, "hip": hip, "shoulder": shoulder,
               "ear": shoulder + seg(trunk, 0.2), "heel": ankle + [-0.06, -0.06, 0], "foot_index": ankle + [0.18, -0.07, 0],
               "elbow": shoulder + seg(180.0, 0.28), "wrist": shoulder + seg(180.0, 0.55)}
        joints.update({f"{side}_{k}": v[None] for k, v in pts.items()})
    return joints


@pytest.mark.parametrize("near_side", ["left", "right"])
def test_true_side_view_reads_the_segment_angles(near_side):
    shank, thigh, trunk = 30.0, -70.0, 40.0
    joints = _stick_figure(shank, thigh, trunk)
    cam = Camera(width_px=960, height_px=540, yaw_deg=90.0, near_side=near_side, distance_m=3.0, height_m=0.9)
    gt = truth.ground_truth(joints, np.zeros(1), cam)
    for kind in ("image", "sagittal"):
        a = {k: float(v[0]) for k, v in gt[kind].items()}
        # Perspective: one side's points lie in a plane parallel to the image in a true side view,
        # so its angles are kept exactly (to Poses' float32 pixels).
        assert a["trunk_incline_deg"] == pytest.approx(trunk, abs=PIXEL_TOL)
        assert a["knee_deg"] == pytest.approx(180.0 - (shank - thigh), abs=PIXEL_TOL)
        assert a["hip_deg"] == pytest.approx(180.0 - (trunk - thigh), abs=PIXEL_TOL)
        assert a["neck_deg"] == pytest.approx(0.0, abs=PIXEL_TOL)
        assert a["elbow_deg"] == pytest.approx(180.0, abs=PIXEL_TOL)


def test_camera_facing_and_side():
    left = Camera(yaw_deg=90.0, near_side="left")
    right = Camera(yaw_deg=90.0, near_side="right")
    assert left.facing() == -1 and right.facing() == 1
    # The lifter's forward direction moves left/right across the image accordingly.
    for cam in (left, right):
        p = cam.project(np.array([[0.0, 0.9, 0.0], [0.5, 0.9, 0.0]]))
        assert np.sign(p[1, 0] - p[0, 0]) == cam.facing()
    centre = Camera(yaw_deg=90.0, near_side="left", height_m=0.9, target_m=(0.0, 0.9, 0.0))
    np.testing.assert_allclose(centre.project(np.array([0.0, 0.9, 0.0]))[:2], [320, 240], atol=1e-9)
    assert centre.basis()[0][2] < 0  # on the lifter's left


def test_oblique_view_shortens_the_image_angles_but_not_the_sagittal_truth():
    joints = _stick_figure(30.0, -70.0, 40.0)
    side = truth.ground_truth(joints, np.zeros(1), Camera(yaw_deg=90.0))
    oblique = truth.ground_truth(joints, np.zeros(1), Camera(yaw_deg=45.0))
    np.testing.assert_allclose(oblique["sagittal"]["knee_deg"], side["sagittal"]["knee_deg"], atol=1e-9)
    assert abs(float(oblique["image"]["knee_deg"][0]) - float(side["image"]["knee_deg"][0])) > 5.0


def test_motion_profiles_and_reps():
    p = motion.MotionParams(lift="squat", reps=3, fps=30.0, rep_s=2.0, hold_s=0.5, lumbar_peak_deg=15.0,
                            flexion_phase=0.5, flexion_width=0.2, trunk_bottom_deg=40.0)
    m = motion.generate(p)
    assert m.n_frames == 15 + 3 * (60 + 15) and len(m.reps) == 3
    for r in m.reps:
        assert m.depth[r.start] == pytest.approx(0.0) and m.depth[r.turn] == pytest.approx(1.0)
        assert m.lumbar_deg[r.turn] == pytest.approx(15.0) and m.lumbar_deg[r.start] == pytest.approx(0.0)
    # The pelvis is tipped by the trunk's incline less half the spine's flexion (motion doc).
    np.testing.assert_allclose(m.pelvis_deg, 40.0 * m.depth - 0.5 * (m.lumbar_deg + m.thoracic_deg))
    d = motion.generate(motion.MotionParams(lift="deadlift", reps=1, fps=30.0, rep_s=2.0, hold_s=0.5))
    assert d.depth[0] == 1.0 and d.depth[d.reps[0].turn] == pytest.approx(0.0)


def test_motion_rejects_bad_params():
    with pytest.raises(ValueError):
        motion.MotionParams(lift="bench")
    with pytest.raises(ValueError):
        motion.MotionParams(reps=0)


def test_hinge_for_bar_puts_hanging_arms_on_the_bar():
    seg = motion.Segments(shank_m=0.42, thigh_m=0.42, trunk_m=0.5, arm_m=0.6, ankle_height_m=0.08)
    thigh, trunk = motion.hinge_for_bar(seg, 15.0, 0.07, 0.225)
    s, t, k = np.radians([15.0, thigh, trunk])
    knee = np.array([0.42 * np.sin(s), 0.08 + 0.42 * np.cos(s)])
    hip = knee + 0.42 * np.array([np.sin(t), np.cos(t)])
    shoulder = hip + 0.5 * np.array([np.sin(k), np.cos(k)])
    np.testing.assert_allclose(shoulder - [0, 0.6], [0.07, 0.225], atol=1e-9)
    assert thigh < 0 < trunk < 90  # hips behind the knees, chest forward
    with pytest.raises(ValueError):
        motion.hinge_for_bar(seg, 15.0, 0.07, 3.0)


def test_landmark_array_places_points_by_mediapipe_index():
    arr = truth.landmark_array({"left_hip": np.array([[1.0, 2.0, 3.0]]), "right_knee": np.array([[4.0, 5.0, 6.0]])})
    assert arr.shape == (1, 33, 3)
    np.testing.assert_array_equal(arr[0, 23], [1, 2, 3])
    np.testing.assert_array_equal(arr[0, 26], [4, 5, 6])
    assert np.isnan(arr[0, 0]).all()


def test_right_axis_is_consistent():
    np.testing.assert_allclose(np.cross(FORWARD, UP), RIGHT)


def test_floor_polygon_is_cut_at_the_camera_near_plane():
    from formcheck.synth.render import clip_near

    square = np.array([[-3.0, 0, -3.0], [3.0, 0, -3.0], [3.0, 0, 3.0], [-3.0, 0, 3.0]])
    cam = Camera(yaw_deg=45.0, distance_m=3.0, height_m=0.9)
    cut = clip_near(square, cam, near_m=0.3)
    centre, _, _, view = cam.basis()
    assert len(cut) == 5  # one corner lies behind the camera and is cut off
    assert ((cut - centre) @ view >= 0.3 - 1e-9).all()
    assert (cam.project(cut)[:, 2] > 0).all()
    np.testing.assert_array_equal(clip_near(square, Camera(yaw_deg=90.0, distance_m=5.0)), square)


@pytest.mark.parametrize("lumbar, label", [(10.0, "ok"), (20.0, "warn"), (30.0, "fault")])
def test_fault_labels_follow_the_thresholds_on_the_sagittal_truth(lumbar, label):
    from formcheck.synth.clip import fault_labels

    m = motion.generate(motion.MotionParams(lift="squat", reps=1, lumbar_peak_deg=lumbar))
    frames = {"sagittal_trunk_incline_deg": 40.0 * m.depth, "sagittal_knee_deg": 180.0 - 75.0 * m.depth,
              "lumbar_flexion_deg": m.lumbar_deg,
              "trunk_incline_deg": 0.0 * m.depth}  # a front view's image angle: must not be used
    (rep,) = fault_labels("squat", m.reps, frames)
    assert rep["spine_flexion"]["label"] == label
    assert rep["spine_flexion"]["lumbar_max_deg"] == pytest.approx(lumbar)
    assert rep["depth"] == {"knee_bottom_deg": pytest.approx(105.0), "label": "fault"}
    assert rep["forward_lean"]["label"] == "ok"


def test_clip_specs_are_reproducible_and_sizes_multiples_of_16():
    from formcheck.synth.clip import sample_spec

    assert sample_spec(3, 5) == sample_spec(3, 5)
    assert sample_spec(3, 5) != sample_spec(3, 6)
    spec = sample_spec(1, 0, lift="squat", lumbar_deg=20.0, yaw_deg=45.0, plate_radius_m=0.0)
    assert (spec.motion.lift, spec.motion.lumbar_peak_deg, spec.camera.yaw_deg, spec.look.plate_radius_m) == ("squat", 20.0, 45.0, 0.0)
    with pytest.raises(ValueError, match="multiples of 16"):
        sample_spec(1, 0, size=(960, 540))


# Fault variants (benchset rows 31 on): hips rising early, camera shake, the extra truth labels.
SEG = motion.Segments(shank_m=0.40, thigh_m=0.39, trunk_m=0.43, arm_m=0.58, shank_rest_deg=5.2, thigh_rest_deg=-4.7,
                      trunk_rest_deg=1.2, ankle_height_m=0.07)  # a body's rest_segments, rounded


def _rise_params(lift: str, gain: float) -> motion.MotionParams:
    if lift == "deadlift":
        thigh, trunk = motion.hinge_for_bar(SEG, 15.0, 0.07, 0.225)
        return motion.MotionParams(lift="deadlift", reps=2, rep_s=2.6, down_fraction=0.45, hold_s=0.7,
                                   shank_bottom_deg=15.0, thigh_bottom_deg=thigh, trunk_bottom_deg=trunk,
                                   hips_rise_deg=gain)
    return motion.MotionParams(lift="squat", reps=2, rep_s=2.6, down_fraction=0.55, shank_bottom_deg=32.0,
                               thigh_bottom_deg=-80.0, trunk_bottom_deg=40.0, hips_rise_deg=gain)


def _chord_deg(m: motion.Motion) -> np.ndarray:
    """Hip -> shoulder incline from vertical (a side view's trunk angle) of a motion on SEG."""
    _, hip, shoulder = motion.chain_2d(SEG, m.shank_deg, m.thigh_deg, m.pelvis_deg)
    return np.degrees(np.arctan2(*(shoulder - hip).T))


@pytest.mark.parametrize("lift", ["deadlift", "squat"])
def test_hips_rising_early_gains_the_asked_trunk_inclination_in_the_first_half_of_the_drive(lift):
    good = motion.generate(dataclasses.replace(_rise_params(lift, 18.0), hips_rise_deg=0.0))
    bad = motion.generate(_rise_params(lift, 18.0), SEG)
    chord_good, chord_bad = _chord_deg(good), _chord_deg(bad)
    for rep in bad.reps:
        lo, hi = rep.drive(lift)
        assert faults.trunk_gain_first_half(chord_bad, lo, hi)[1] == pytest.approx(18.0, abs=0.1)
        assert faults.trunk_gain_first_half(chord_good, lo, hi)[1] == pytest.approx(0.0, abs=1e-9)
        # the same pose at both ends of the drive (the turn frame sits within a frame of the bottom)
        for i in (lo, hi):
            for name in ("shank_deg", "thigh_deg", "pelvis_deg"):
                assert getattr(bad, name)[i] == pytest.approx(getattr(good, name)[i], abs=0.05)
        # the hips rise as far as in a good rep while the shoulders lag: the chest stays down
        mid = lo + (hi - lo) // 3
        _, hip_b, sh_b = motion.chain_2d(SEG, bad.shank_deg, bad.thigh_deg, bad.pelvis_deg)
        _, hip_g, sh_g = motion.chain_2d(SEG, good.shank_deg, good.thigh_deg, good.pelvis_deg)
        assert hip_b[mid, 1] > hip_g[mid, 1] - 0.01 and sh_b[mid, 1] < sh_g[mid, 1] - 0.05
        # a deadlift's bar (hands under the shoulders) never sinks below where it left the floor
        if lift == "deadlift":
            assert (np.diff(sh_b[lo:hi + 1, 1]) > -1e-9).all()
    drive = np.zeros(bad.n_frames, bool)
    for rep in bad.reps:
        lo, hi = rep.drive(lift)
        drive[lo:hi + 1] = True
    for name in ("shank_deg", "thigh_deg", "pelvis_deg", "depth", "neck_deg"):
        np.testing.assert_array_equal(getattr(bad, name)[~drive], getattr(good, name)[~drive])
    assert np.abs(np.diff(bad.thigh_deg)).max() < 6.0  # smooth: no jump between frames


def test_hips_rising_early_needs_the_body_and_a_peak_in_the_first_half():
    with pytest.raises(ValueError, match="Segments"):
        motion.generate(_rise_params("squat", 10.0))
    with pytest.raises(ValueError):
        motion.MotionParams(hips_rise_deg=10.0, hips_rise_peak=0.7)
    with pytest.raises(ValueError):
        motion.MotionParams(hips_rise_deg=-5.0)


def test_trunk_gain_is_formchecks_hips_rise_early_measure():
    from types import SimpleNamespace

    from formcheck import thresholds
    from tests.synthetic import Pose2D, side_view

    rng = np.random.default_rng(3)
    trunk = np.cumsum(rng.normal(0, 2, 120)) + 40
    reps = [SimpleNamespace(index=0, start=5, turn=40, end=70, turn_kind="lockout"),
            SimpleNamespace(index=1, start=71, turn=90, end=118, turn_kind="bottom")]
    # hips held still: formcheck's drive starts where the truth's does (lift-off, the bottom)
    poses = side_view(Pose2D(thigh=-60.0, shank=20.0, trunk=trunk), 120)
    m = SimpleNamespace(angles={"trunk_incline_deg": trunk, "knee_deg": np.full(120, 120.0)}, reps=reps,
                        poses=poses, side="left", facing=1, seen=None)  # every point seen
    got = faults.moment_values(m, "squat", thresholds.load())["hips_rise_early"]
    ours = [faults.trunk_gain_first_half(trunk, 5, 40), faults.trunk_gain_first_half(trunk, 90, 118)]
    assert got == [(f, pytest.approx(v), k) for k, (f, v) in enumerate(ours)] and ours[0][1] > 0


def test_camera_shake_is_off_by_default_and_seeded_small_and_smooth():
    cam = Camera(width_px=1024, height_px=576)
    assert cam.per_frame(4) == [cam] * 4
    shaky = dataclasses.replace(cam, shake_mm=3.0, shake_deg=0.25, shake_seed=37)
    for a, b in zip(shaky.basis(), cam.basis()):  # the shaky camera's own basis is the steady one
        np.testing.assert_array_equal(a, b)
    offset, turn = truth.shake_path(200, 3.0, 0.25, 37)
    np.testing.assert_allclose(offset.std(0), 0.003, rtol=1e-9)
    np.testing.assert_allclose(turn.std(0), 0.25, rtol=1e-9)
    np.testing.assert_allclose(offset.mean(0), 0.0, atol=1e-12)
    assert np.abs(np.diff(turn, axis=0)).max() < 0.25  # a sway, not a flicker
    np.testing.assert_array_equal(truth.shake_path(200, 3.0, 0.25, 37)[1], turn)
    assert not np.array_equal(truth.shake_path(200, 3.0, 0.25, 38)[1], turn)
    frames = shaky.per_frame(200)
    assert len(frames) == 200 and frames[10].turn_deg == tuple(turn[10]) and frames[10].offset_m == tuple(offset[10])
    # A point 3.5 m away moves by about focal * angle: a few pixels, not tens.
    point = np.array([0.0, 0.9, 0.0])
    moved = np.array([c.project(point)[:2] for c in frames]) - cam.project(point)[:2]
    spread = np.hypot(*moved.T)
    assert 1.0 < spread.mean() < 12.0 and spread.max() < 30.0
    # the truth's image points use each frame's shaken camera
    joints = {"left_hip": np.tile(point, (200, 1)), "left_shoulder": np.tile(point + [0.1, 0.5, 0.0], (200, 1))}
    gt = truth.ground_truth(joints, np.arange(200) / 30.0, shaky, frames)
    np.testing.assert_allclose(gt["image_px"]["left_hip"][:, :2], cam.project(point)[:2] + moved, atol=1e-9)
    steady = truth.ground_truth(joints, np.arange(200) / 30.0, cam)
    assert np.ptp(steady["image_px"]["left_hip"][:, 0]) == 0.0


def _label_frames(m: motion.Motion, lumbar=None, neck=None) -> dict:
    chord = _chord_deg(m)
    return {"sagittal_trunk_incline_deg": chord, "sagittal_knee_deg": np.full(m.n_frames, 80.0),
            "sagittal_neck_deg": np.zeros(m.n_frames) if neck is None else neck,
            "lumbar_flexion_deg": m.lumbar_deg if lumbar is None else lumbar, "depth": m.depth,
            "trunk_incline_deg": np.zeros(m.n_frames),  # an image angle: must not be used
            "bar_forward_m": np.zeros(m.n_frames)}


@pytest.mark.parametrize("gain, label", [(0.0, "ok"), (12.0, "warn"), (18.0, "fault")])
def test_hips_rise_label_follows_the_thresholds(gain, label):
    from formcheck.synth.clip import fault_labels

    for lift in ("deadlift", "squat"):
        m = motion.generate(_rise_params(lift, gain), SEG)
        reps = fault_labels(lift, m.reps, _label_frames(m), extra=True)
        assert [r["hips_rise_early"]["label"] for r in reps] == [label, label]
        assert reps[0]["hips_rise_early"]["trunk_gain_deg"] == pytest.approx(gain, abs=0.1)
        base = fault_labels(lift, m.reps, _label_frames(m))
        assert "hips_rise_early" not in base[0] and "neck_misalignment" not in base[0]


def test_neck_lumbar_extension_and_bar_labels():
    from formcheck.synth.clip import fault_labels

    m = motion.generate(motion.MotionParams(lift="deadlift", reps=1, lockout_extension_deg=20.0, neck_bottom_deg=-50.0))
    frames = _label_frames(m, neck=m.neck_deg + 7.0)  # the standing neck angle is the baseline
    frames["bar_forward_m"] = 0.05 + 0.12 * np.exp(-(((np.arange(m.n_frames) - m.reps[0].turn + 10) / 5.0) ** 2))
    (rep,) = fault_labels("deadlift", m.reps, frames, extra=True, foot_length_m=0.25)
    assert rep["neck_misalignment"]["neck_change_deg"] == pytest.approx(50.0, abs=0.5)
    assert rep["neck_misalignment"]["label"] == "warn"
    assert rep["lumbar_extension"]["lumbar_extension_deg"] == pytest.approx(20.0) and rep["lumbar_extension"]["label"] == "warn"
    assert rep["bar_far"]["bar_ahead_foot"] == pytest.approx(0.48, abs=0.01) and rep["bar_far"]["label"] == "warn"
    assert rep["lockout_lean_back"]["label"] == "ok"
    (rep,) = fault_labels("deadlift", m.reps, frames, extra=True)
    assert rep["bar_far"]["label"] == "unknown"
    squat = motion.generate(motion.MotionParams(lift="squat", reps=1, neck_bottom_deg=-65.0))
    (rep,) = fault_labels("squat", squat.reps, _label_frames(squat, neck=squat.neck_deg), extra=True)
    assert rep["neck_misalignment"]["label"] == "fault" and "bar_far" not in rep and "lumbar_extension" not in rep


# The squat posture: chest up, hands on the bar (body._squat_arms); the numpy side of it.
def test_chest_up_extends_the_thoracic_spine_with_depth_and_keeps_the_trunk_chord():
    base = motion.MotionParams(lift="squat", reps=1, trunk_bottom_deg=40.0, lumbar_peak_deg=0.0)
    flat = motion.generate(base)
    up = motion.generate(dataclasses.replace(base, chest_up_deg=12.0))
    assert not flat.thoracic_deg.any()
    # Extension (negative thoracic flexion) that grows with depth: 0 standing, -12 at the bottom.
    np.testing.assert_allclose(up.thoracic_deg, -12.0 * up.depth)
    assert up.thoracic_deg[up.reps[0].turn] == pytest.approx(-12.0)
    # The pelvis tips 6 deg further at the bottom, so the hip->shoulder chord stays where the lift puts it.
    np.testing.assert_allclose(up.pelvis_deg, flat.pelvis_deg + 6.0 * up.depth)
    np.testing.assert_allclose(up.pelvis_deg + 0.5 * (up.lumbar_deg + up.thoracic_deg), 40.0 * up.depth)
    np.testing.assert_array_equal(up.lumbar_deg, flat.lumbar_deg)
    with pytest.raises(ValueError):
        motion.MotionParams(chest_up_deg=-5.0)  # a hunch is thoracic_peak_deg, not "chest up"
    with pytest.raises(ValueError):
        motion.MotionParams(grip_half_m=0.1)


def test_chest_up_is_not_a_spine_flexion_fault():
    from formcheck.synth.clip import fault_labels

    m = motion.generate(motion.MotionParams(lift="squat", reps=1, chest_up_deg=12.0))
    frames = {"sagittal_trunk_incline_deg": 40.0 * m.depth, "sagittal_knee_deg": 180.0 - 75.0 * m.depth,
              "lumbar_flexion_deg": m.lumbar_deg, "thoracic_flexion_deg": m.thoracic_deg,
              "spine_flexion_deg": m.lumbar_deg + m.thoracic_deg}
    # the chest-up posture is thoracic extension only: the lumbar spine stays neutral
    assert m.thoracic_deg.min() == pytest.approx(-12.0) and not m.lumbar_deg.any()
    (rep,) = fault_labels("squat", m.reps, frames)
    assert rep["spine_flexion"] == {"lumbar_max_deg": 0.0, "label": "ok"}


def test_squat_specs_draw_the_posture_and_deadlift_specs_leave_it_out():
    from formcheck.synth.clip import sample_spec

    for index in range(12):
        sq = sample_spec(1, index, lift="squat")
        assert -30.0 <= sq.motion.neck_bottom_deg <= -10.0  # head up against the trunk at the bottom
        assert 10.0 <= sq.motion.chest_up_deg <= 12.0 and 0.40 <= sq.motion.grip_half_m <= 0.50
        assert 10.0 <= sq.motion.shoulder_retract_deg <= 20.0 and sq.motion.shoulder_depress_deg == 10.0
        assert {"chest_up_deg", "grip_half_m", "shoulder_retract_deg"} <= set(sq.to_dict()["motion"])
        dl = sample_spec(1, index, lift="deadlift")
        assert not set(motion.LATER_FIELDS) & set(dl.to_dict()["motion"])
        assert dl.motion.chest_up_deg == 0.0
    # Asked thoracic flexion is measured from the rest posture: no chest up under it.
    assert sample_spec(1, 3, lift="squat", thoracic_deg=20.0).motion.chest_up_deg == 0.0
    a, b = sample_spec(1, 3, lift="squat"), sample_spec(1, 4, lift="squat")
    assert a.motion.grip_half_m != b.motion.grip_half_m
