import numpy as np
import pytest

from formcheck.landmarks import Landmark
from formcheck.lift import classify_lift, world_hip_deg
from formcheck.reps import spells, extension
from formcheck.view import FRONT_WIDTH_RATIO, View, classify_view
from tests.synthetic import TRUNK_PX, Pose2D, side_view, squat_reps


def _turned(world_yaw: float, image_yaw: float):
    """A standing lifter whose shoulder and hip lines are turned `world_yaw` from the camera in the
    world landmarks (40 cm apart) and `image_yaw` in the picture (apart by FRONT_WIDTH_RATIO *
    cos(yaw) of the shoulder-hip chord)."""
    poses = side_view(Pose2D(), 10)
    world, image = poses.world_m.copy(), poses.image_px.copy()
    rw, ri = np.radians(world_yaw), np.radians(image_yaw)
    for left, right in ((Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), (Landmark.LEFT_HIP, Landmark.RIGHT_HIP)):
        centre = (world[:, left] + world[:, right]) / 2
        world[:, left] = centre + 0.2 * np.array([np.cos(rw), 0, np.sin(rw)], np.float32)
        world[:, right] = centre - 0.2 * np.array([np.cos(rw), 0, np.sin(rw)], np.float32)
        middle = (image[:, left, 0] + image[:, right, 0]) / 2
        half = FRONT_WIDTH_RATIO * np.cos(ri) * TRUNK_PX / 2
        image[:, left, 0], image[:, right, 0] = middle + half, middle - half
        image[:, right, 1] = image[:, left, 1]
    return poses.replace(world_m=world, image_px=image)


@pytest.mark.parametrize("yaw, kind", [(90.0, "side"), (75.0, "side"), (45.0, "oblique"), (10.0, "front")])
def test_view_from_the_body_yaw(yaw, kind):
    view = classify_view(_turned(yaw, yaw))
    assert view.kind == kind and view.yaw_deg == pytest.approx(yaw, abs=0.5)
    assert view.world_yaw_deg == pytest.approx(yaw, abs=0.5) and view.image_yaw_deg == pytest.approx(yaw, abs=0.5)
    assert view.spine_trusted == (kind == "side")


def test_a_side_view_needs_the_picture_to_agree():
    """World landmarks read 65 deg (side), but shoulders and hips stand well apart across the
    picture (50 deg): the clip is oblique and its spine is not scored."""
    view = classify_view(_turned(65.0, 50.0))
    assert (view.kind, round(view.yaw_deg), round(view.world_yaw_deg)) == ("oblique", 50, 65)
    assert not view.spine_trusted
    assert classify_view(_turned(50.0, 70.0)).kind == "oblique"  # and the other way round


def _lift(pose: Pose2D, n: int):
    poses = side_view(pose, n)
    from formcheck.angles import compute_angles

    ext = extension(poses)
    t = poses.time_s
    return classify_lift(poses, compute_angles(poses)["hip_deg"], spells(ext, t))


def test_squat_with_the_hands_up_is_a_squat():
    pose = squat_reps(120, reps=2)
    pose.upper_arm = 120.0  # hands held forward at shoulder height (as on a bar on the back)
    assert _lift(pose, 120).kind == "squat"


def test_hinge_with_hanging_arms_to_the_floor_is_a_deadlift():
    n = 120
    phase = 0.5 - 0.5 * np.cos(2 * np.pi * 2 * np.arange(n) / (n - 1))
    pose = Pose2D(shank=15 * phase, thigh=-60 * phase, trunk=75 * phase)  # arms hang straight down
    call = _lift(pose, n)
    assert call.kind in ("deadlift", "rdl")
    assert call.evidence["wrist_below_knee_at_bottom_leg"] > -0.3


def test_standing_still_is_no_lift():
    assert _lift(Pose2D(), 60).kind == "none"


def _call(poses):
    from formcheck.angles import compute_angles

    return classify_lift(poses, compute_angles(poses)["hip_deg"], spells(extension(poses), poses.time_s))


def _front_view(poses, half_px=60.0, half_m=0.12):
    """The same lifter filmed from the front: forward becomes depth (world z), the image keeps only
    heights, and the left and right points sit half_px / half_m either side of the midline."""
    image, world = poses.image_px.copy(), poses.world_m.copy()
    mid_x = poses.image_px[:, Landmark.LEFT_ANKLE, 0].copy()
    world[..., 2] = poses.world_m[..., 0]
    for lm in Landmark:
        sign = -1.0 if lm.name.startswith("LEFT") else 1.0 if lm.name.startswith("RIGHT") else 0.0
        image[:, lm, 0] = mid_x + sign * half_px
        world[:, lm, 0] = sign * half_m
    return poses.replace(image_px=image, world_m=world)


def test_world_hip_angle_is_the_shoulder_hip_knee_angle():
    # hip angle = 180 - (trunk - thigh) = 180 - (60 + 30) = 90 (tests/synthetic.py)
    poses = side_view(Pose2D(trunk=60.0, thigh=-30.0), 3)
    assert world_hip_deg(poses) == pytest.approx([90.0] * 3, abs=1e-3)


def test_front_view_squat_is_found_from_the_world_hip_angle():
    n = 120
    poses = _front_view(side_view(squat_reps(n, reps=2), n))
    from formcheck.angles import compute_angles

    # from the front the image hip angle stays straight; only the world landmarks see the hips bend
    assert np.nanmin(compute_angles(poses)["hip_deg"]) == pytest.approx(180.0, abs=0.5)
    assert np.nanmin(world_hip_deg(poses)) == pytest.approx(55.0, abs=0.5)  # 180 - (40 + 85)
    call = _call(poses)
    assert call.kind == "squat" and call.evidence["moves"] == 4.0


def test_squat_while_walking_away_is_no_lift():
    n = 120
    walk = np.stack([640.0 + 1500.0 * np.arange(n) / (n - 1), np.full(n, 900.0)], axis=1)  # ~1.6 legs a move
    assert _call(side_view(squat_reps(n, reps=2), n, ankle_px=walk)).kind == "none"


def _soft_knee_hinge(n: int, opening_rad: float):
    """Two hinges with soft knees (shank 5, thigh -15, trunk 70 deg at the bottom), arms hanging:
    the wrists stay above the knees. opening_rad: where in the cycle the clip opens (0 = standing)."""
    phase = 0.5 - 0.5 * np.cos(2 * np.pi * 2 * np.arange(n) / (n - 1) + opening_rad)
    return side_view(Pose2D(shank=5 * phase, thigh=-15 * phase, trunk=70 * phase), n)


def test_hinge_that_opens_on_the_way_down_is_an_rdl():
    poses = _soft_knee_hinge(120, 1.8)
    ext = extension(poses)
    assert 0.82 < ext[0] < 0.92 and ext[1] < ext[0]  # between the rep lines, going down
    assert spells(ext, poses.time_s)[0][:2] == (-1, 4)  # so the first spell is "down", from frame 4
    call = _call(poses)
    assert call.kind == "rdl" and call.evidence["starts_from_top"] == 1.0
    assert call.evidence["wrist_below_knee_at_bottom_leg"] == pytest.approx(-0.14, abs=0.01)


def test_the_same_hinge_opening_at_the_bottom_is_a_deadlift():
    call = _call(_soft_knee_hinge(120, np.pi))
    assert call.kind == "deadlift" and call.evidence["starts_from_top"] == 0.0


def test_a_hinge_from_the_top_is_an_uncertain_call():
    """Standing, down with the hands below the knees, and up: an RDL, a deadlift set up from
    standing or a squat with hanging arms; the call says it may be wrong. From the floor it is sure."""
    call = _call(_soft_knee_hinge(120, 1.8))
    assert call.kind == "rdl" and "squat" in call.uncertain and call.to_dict()["uncertain"] == call.uncertain
    assert _call(_soft_knee_hinge(120, np.pi)).uncertain is None


def test_view_advice_says_how_far_and_which_way():
    chest = View("oblique", 50.0, sees="front").advice()
    assert "about 40° off side-on" in chest and "chest" in chest and "away from the way the lifter faces" in chest
    assert "23 % small" in chest  # 1 - sin(50 deg)
    assert "towards the way the lifter faces" in View("front", 10.0, sees="back").advice()
    assert "walk it" not in View("oblique", 50.0).advice()  # which face is seen is unknown
    assert View("side", 85.0, sees="front").advice() == ""
