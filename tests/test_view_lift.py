import numpy as np
import pytest

from formcheck.landmarks import Landmark
from formcheck.lift import classify_lift
from formcheck.reps import spells, extension
from formcheck.view import classify_view
from tests.synthetic import Pose2D, side_view, squat_reps


@pytest.mark.parametrize("yaw, kind", [(90.0, "side"), (75.0, "side"), (45.0, "oblique"), (10.0, "front")])
def test_view_from_the_body_yaw(yaw, kind):
    poses = side_view(Pose2D(), 10)
    world = poses.world_m.copy()
    half = 0.2  # 40 cm between the shoulders and between the hips
    r = np.radians(yaw)
    for left, right in ((Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), (Landmark.LEFT_HIP, Landmark.RIGHT_HIP)):
        centre = (world[:, left] + world[:, right]) / 2
        world[:, left] = centre + half * np.array([np.cos(r), 0, np.sin(r)], np.float32)
        world[:, right] = centre - half * np.array([np.cos(r), 0, np.sin(r)], np.float32)
    view = classify_view(poses.replace(world_m=world))
    assert view.kind == kind and view.yaw_deg == pytest.approx(yaw, abs=0.5)
    assert view.spine_trusted == (kind == "side")


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
