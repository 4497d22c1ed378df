"""View: where the camera stands relative to the lifter (side, oblique or front).

The yaw of the lifter's shoulder and hip lines against the camera, from MediaPipe's metric world
landmarks: seen from the side, the left-right axis of the body points at the camera (yaw 90 deg);
from the front it lies across the picture (yaw 0). LABELS.md counts a camera within ~30 deg of
perpendicular to the sagittal plane as a side view, so: side >= 60 deg, oblique 30-60, front
< 30. The world depth axis is MediaPipe's least accurate one, so the median over the clip is used.
A rear view cannot be told from a front one by this measure and is reported as front.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from formcheck.landmarks import Landmark, Poses

SIDE_MIN_DEG = 60.0
OBLIQUE_MIN_DEG = 30.0

FILMING_ADVICE = (
    "Film side-on: camera at hip height, 3-5 m away, perpendicular to the lifter, with the whole "
    "body and the bar in frame."
)


@dataclasses.dataclass(frozen=True)
class View:
    """kind: 'side', 'oblique', 'front' or None (no pose); yaw_deg: 90 = true side view."""

    kind: str | None
    yaw_deg: float | None

    @property
    def spine_trusted(self) -> bool:
        """Spine and hinge angles are sagittal-plane angles: only a side view shows them."""
        return self.kind == "side"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "yaw_deg": None if self.yaw_deg is None else round(self.yaw_deg, 1)}


def body_yaw_deg(poses: Poses) -> np.ndarray:
    """float (frames,): yaw of the shoulder and hip lines in world coordinates, 0..90 deg."""
    world = poses.world_m
    yaws = []
    for left, right in ((Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), (Landmark.LEFT_HIP, Landmark.RIGHT_HIP)):
        axis = world[:, left] - world[:, right]
        yaws.append(np.degrees(np.arctan2(np.abs(axis[:, 2]), np.abs(axis[:, 0]))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.stack(yaws), axis=0)


def classify_view(poses: Poses) -> View:
    """The clip's view from the median body yaw over the frames with a pose."""
    yaw = body_yaw_deg(poses)
    if not np.isfinite(yaw).any():
        return View(None, None)
    median = float(np.nanmedian(yaw))
    kind = "side" if median >= SIDE_MIN_DEG else "oblique" if median >= OBLIQUE_MIN_DEG else "front"
    return View(kind, median)
