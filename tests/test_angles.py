import numpy as np
import pytest

from formcheck.angles import ANGLE_NAMES, camera_side, compute_angles, facing_sign, signed_angle_deg
from tests.synthetic import Pose2D, side_view, squat_reps


def test_standing_is_straight():
    angles = compute_angles(side_view(Pose2D(), 5))
    assert np.allclose(angles["hip_deg"], 180.0)
    assert np.allclose(angles["knee_deg"], 180.0)
    assert np.allclose(angles["trunk_incline_deg"], 0.0)
    assert np.allclose(angles["neck_deg"], 0.0)
    assert np.allclose(angles["elbow_deg"], 180.0)
    assert np.allclose(angles["ankle_deg"], 100.0)


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("near", ["left", "right"])
def test_known_joint_angles_are_recovered_exactly(facing, near):
    pose = squat_reps(90)
    poses = side_view(pose, 90, facing=facing, near=near)
    angles = compute_angles(poses)
    assert angles.side == near
    assert angles.facing == facing
    for name, expected in pose.expected().items():
        np.testing.assert_allclose(angles[name], expected, atol=1e-3, err_msg=name)


@pytest.mark.parametrize(
    "pose, name, expected",
    [
        (Pose2D(trunk=-15.0), "hip_deg", 195.0),  # leaning back at lockout: hip extended past straight
        (Pose2D(trunk=-15.0), "trunk_incline_deg", -15.0),
        (Pose2D(shank=-5.0), "knee_deg", 185.0),  # knee pushed back: hyperextension reads above 180
        (Pose2D(neck=-25.0), "neck_deg", -25.0),  # head thrown back
        (Pose2D(neck=30.0), "neck_deg", 30.0),  # head dropped forward
        (Pose2D(trunk=60.0, thigh=-70.0, shank=20.0), "hip_deg", 50.0),  # deadlift set-up
    ],
)
def test_sign_conventions(pose, name, expected):
    angles = compute_angles(side_view(pose, 3, facing=-1))
    np.testing.assert_allclose(angles[name], expected, atol=1e-3)


def test_angles_are_taken_in_pixels_not_normalised_coordinates():
    # The synthetic lifter lives in a 1280x720-style pixel space; squashing x (as normalised
    # coordinates of a wide frame would) must change the trunk angle, so pixels are what we use.
    poses = side_view(Pose2D(trunk=45.0), 1)
    squashed = poses.replace(image_px=poses.image_px * np.array([720 / 1280, 1.0, 1.0], np.float32))
    assert compute_angles(poses)["trunk_incline_deg"][0] == pytest.approx(45.0, abs=1e-3)
    assert compute_angles(squashed)["trunk_incline_deg"][0] < 35.0


def test_missing_points_give_nan_not_numbers():
    poses = side_view(squat_reps(10), 10)
    image = poses.image_px.copy()
    image[3] = np.nan
    angles = compute_angles(poses.replace(image_px=image))
    for name in ANGLE_NAMES:
        assert np.isnan(angles[name][3])
        assert np.isfinite(angles[name][4])


def test_no_pose_at_all():
    poses = side_view(Pose2D(), 4)
    empty = poses.replace(image_px=np.full_like(poses.image_px, np.nan), visibility=np.full_like(poses.visibility, np.nan))
    angles = compute_angles(empty)
    assert angles.side is None
    assert all(np.isnan(angles[name]).all() for name in ANGLE_NAMES)


def test_signed_angle_direction():
    up, right = np.array([0.0, -1.0]), np.array([1.0, 0.0])
    assert signed_angle_deg(up, right) == pytest.approx(90.0)  # clockwise on screen
    assert signed_angle_deg(right, up) == pytest.approx(-90.0)


def test_side_and_facing_helpers():
    poses = side_view(Pose2D(), 3, facing=-1, near="right")
    assert camera_side(poses) == "right"
    assert facing_sign(poses, "right") == -1
