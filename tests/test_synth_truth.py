"""Ground-truth maths of the synthetic lifter (formcheck.synth.truth, .motion): known rotations
and known joint positions give known angles. numpy only: no torch, no anny, no rendering."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.synth import motion, truth
from formcheck.synth.truth import FORWARD, LEFT, RIGHT, UP, Camera, flexion_deg, rotation

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
