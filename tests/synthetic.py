"""A synthetic side-view lifter: landmarks placed from known segment angles, so the expected
joint angles are exact. Used by the angle, filter, gap and lifter tests (no video, no model).

Segment inclines are measured from straight up, + towards the way the lifter faces:
shank (ankle->knee), thigh (knee->hip), trunk (hip->shoulder); neck_deg is the shoulder->ear
line against the trunk line; the arm hangs from the shoulder at `upper_arm_deg` from straight
down and bends at the elbow by `elbow_bend_deg`. The resulting joint angles follow formcheck's
conventions:
    knee_deg  = 180 - (shank - thigh)
    hip_deg   = 180 - (trunk - thigh)
    ankle_deg = 90 + foot_drop - shank
"""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck.landmarks import N_LANDMARKS, Landmark, Poses, side_landmark

SHANK_PX, THIGH_PX, TRUNK_PX, NECK_PX = 180.0, 190.0, 260.0, 70.0
UPPER_ARM_PX, FOREARM_PX, FOOT_PX, HEEL_PX = 130.0, 120.0, 70.0, 25.0
FOOT_DROP_DEG = 10.0  # toes a little lower than the ankle


@dataclasses.dataclass
class Pose2D:
    """Per-frame segment inclines in degrees: arrays of shape (frames,) or scalars."""

    shank: np.ndarray | float = 0.0
    thigh: np.ndarray | float = 0.0
    trunk: np.ndarray | float = 0.0
    neck: np.ndarray | float = 0.0
    upper_arm: np.ndarray | float = 0.0
    elbow_bend: np.ndarray | float = 0.0

    def expected(self) -> dict[str, np.ndarray]:
        b = {k: np.asarray(v, float) for k, v in dataclasses.asdict(self).items()}
        return {
            "trunk_incline_deg": b["trunk"],
            "hip_deg": 180.0 - (b["trunk"] - b["thigh"]),
            "knee_deg": 180.0 - (b["shank"] - b["thigh"]),
            "ankle_deg": 90.0 + FOOT_DROP_DEG - b["shank"],
            "neck_deg": b["neck"],
            "elbow_deg": 180.0 - np.abs(b["elbow_bend"]),
        }


def _dir(incline_deg: np.ndarray) -> np.ndarray:
    """Unit image vector (x, y down) at `incline_deg` from straight up, + towards +x."""
    r = np.radians(incline_deg)
    return np.stack([np.sin(r), -np.cos(r)], axis=-1)


def side_view(
    pose: Pose2D, n_frames: int, fps: float = 30.0, facing: int = 1, near: str = "left",
    ankle_px: tuple[float, float] = (640.0, 900.0), time_s: np.ndarray | None = None,
) -> Poses:
    """Poses of one lifter filmed side-on. `near` is the body side nearer the camera (visible);
    the far side is drawn 12 px behind with low visibility. facing=+1: the lifter faces image right."""
    b = {k: np.broadcast_to(np.asarray(v, float), (n_frames,)) for k, v in dataclasses.asdict(pose).items()}
    ankle = np.broadcast_to(np.asarray(ankle_px, float), (n_frames, 2))
    knee = ankle + SHANK_PX * _dir(b["shank"])
    hip = knee + THIGH_PX * _dir(b["thigh"])
    shoulder = hip + TRUNK_PX * _dir(b["trunk"])
    ear = shoulder + NECK_PX * _dir(b["trunk"] + b["neck"])
    elbow = shoulder + UPPER_ARM_PX * _dir(180.0 + b["upper_arm"])
    wrist = elbow + FOREARM_PX * _dir(180.0 + b["upper_arm"] + b["elbow_bend"])
    toe = ankle + FOOT_PX * _dir(np.full(n_frames, 90.0 + FOOT_DROP_DEG))
    heel = ankle + HEEL_PX * _dir(np.full(n_frames, -100.0))
    nose = ear + 30.0 * _dir(b["trunk"] + b["neck"] + 80.0)
    joints = {"shoulder": shoulder, "elbow": elbow, "wrist": wrist, "hip": hip, "knee": knee,
              "ankle": ankle, "heel": heel, "foot_index": toe, "ear": ear}

    image = np.zeros((n_frames, N_LANDMARKS, 3), np.float64)
    visibility = np.full((n_frames, N_LANDMARKS), 0.95)
    far = "right" if near == "left" else "left"
    for name, xy in joints.items():
        image[:, side_landmark(near, name), :2] = xy
        image[:, side_landmark(near, name), 2] = -40.0
        image[:, side_landmark(far, name), :2] = xy + [-12.0, -3.0]
        image[:, side_landmark(far, name), 2] = 40.0
        visibility[:, side_landmark(far, name)] = 0.3
    for lm in (Landmark.NOSE, Landmark.LEFT_EYE_INNER, Landmark.LEFT_EYE, Landmark.LEFT_EYE_OUTER,
               Landmark.RIGHT_EYE_INNER, Landmark.RIGHT_EYE, Landmark.RIGHT_EYE_OUTER,
               Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT):
        image[:, lm, :2] = nose
    for hand in ("pinky", "index", "thumb"):
        for s in ("left", "right"):
            image[:, side_landmark(s, hand), :2] = wrist
    if facing < 0:  # mirror the whole picture about the ankle
        image[..., 0] = 2 * ankle[:, None, 0] - image[..., 0]
    t = np.arange(n_frames) / fps if time_s is None else np.asarray(time_s, float)
    world = image.copy() / 500.0
    return Poses(
        image_px=image.astype(np.float32),
        visibility=visibility.astype(np.float32),
        presence=np.full((n_frames, N_LANDMARKS), 0.99, np.float32),
        world_m=world.astype(np.float32),
        time_s=t,
    )


def squat_reps(n_frames: int, fps: float = 30.0, reps: int = 2, depth: float = 1.0) -> Pose2D:
    """A squat: shank to 35 deg, thigh to -85 deg (about parallel), trunk to 40 deg at the bottom."""
    t = np.arange(n_frames) / fps
    phase = 0.5 - 0.5 * np.cos(2 * np.pi * reps * t / t[-1]) if n_frames > 1 else np.zeros(1)
    phase = depth * phase
    return Pose2D(shank=35.0 * phase, thigh=-85.0 * phase, trunk=40.0 * phase, neck=5.0, upper_arm=-70.0 * phase,
                  elbow_bend=20.0)
