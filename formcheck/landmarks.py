"""Landmark indices and the `Poses` record that flows from the pose stage onwards.

MediaPipe PoseLandmarker (BlazePose GHUM) gives 33 landmarks per person. Image coordinates here
are pixels of the upright frame (rotation metadata already applied): x to the right, y down.
"""

from __future__ import annotations

import dataclasses
from enum import IntEnum

import numpy as np

N_LANDMARKS = 33


class Landmark(IntEnum):
    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


def side_landmark(side: str, joint: str) -> Landmark:
    """`side_landmark("left", "hip")` -> Landmark.LEFT_HIP."""
    return Landmark[f"{side.upper()}_{joint.upper()}"]


# Bones drawn by the renderer: (from, to) pairs of the body (face points are left out).
SKELETON: tuple[tuple[Landmark, Landmark], ...] = tuple(
    (side_landmark(s, a), side_landmark(s, b))
    for s in ("left", "right")
    for a, b in (
        ("shoulder", "elbow"), ("elbow", "wrist"), ("shoulder", "hip"), ("hip", "knee"),
        ("knee", "ankle"), ("ankle", "heel"), ("heel", "foot_index"), ("ankle", "foot_index"),
    )
) + (
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
)


@dataclasses.dataclass(frozen=True)
class Poses:
    """One person's landmarks over a whole clip; index i is frame i.

    image_px:   float32 (frames, 33, 3): x, y in pixels of the upright frame; z is MediaPipe's
                relative depth scaled by the frame width (smaller = nearer the camera).
    visibility: float32 (frames, 33), 0..1, how likely the point is visible (not occluded).
    presence:   float32 (frames, 33), 0..1, how likely the point is inside the frame.
    world_m:    float32 (frames, 33, 3): metric 3-D landmarks, origin between the hips.
    time_s:     float64 (frames,): presentation time of each frame, from the container.
    A frame without a pose is NaN in every array but time_s.
    """

    image_px: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world_m: np.ndarray
    time_s: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.time_s)
        expected = {
            "image_px": (n, N_LANDMARKS, 3),
            "visibility": (n, N_LANDMARKS),
            "presence": (n, N_LANDMARKS),
            "world_m": (n, N_LANDMARKS, 3),
        }
        for name, shape in expected.items():
            got = getattr(self, name).shape
            if got != shape:
                raise ValueError(f"Poses.{name} has shape {got}, expected {shape}")

    @property
    def n_frames(self) -> int:
        return len(self.time_s)

    @property
    def has_pose(self) -> np.ndarray:
        """bool (frames,): True where the pose model found the lifter."""
        return ~np.isnan(self.image_px[:, :, 0]).all(axis=1)

    @classmethod
    def empty(cls, time_s: np.ndarray) -> "Poses":
        n = len(time_s)
        nan = np.full((n, N_LANDMARKS), np.nan, np.float32)
        return cls(
            image_px=np.full((n, N_LANDMARKS, 3), np.nan, np.float32),
            visibility=nan.copy(),
            presence=nan.copy(),
            world_m=np.full((n, N_LANDMARKS, 3), np.nan, np.float32),
            time_s=np.asarray(time_s, np.float64),
        )

    def replace(self, **changes: np.ndarray) -> "Poses":
        return dataclasses.replace(self, **changes)

    def to_npz_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_npz_dict(cls, data) -> "Poses":
        return cls(**{f.name: np.asarray(data[f.name]) for f in dataclasses.fields(cls)})
