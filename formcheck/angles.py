"""Angles per frame, in degrees, on the side of the body that faces the camera, in pixel space.

Conventions (all angles are measured in the image, after mirroring x so the lifter faces +x):

| name               | what                                   | 0 / 180 means                 | sign / direction                      |
|--------------------|----------------------------------------|-------------------------------|---------------------------------------|
| trunk_incline_deg  | hip->shoulder line against vertical    | 0 = upright                   | + leaning forward, - leaning back     |
| hip_deg            | shoulder-hip-knee internal angle       | 180 = trunk in line with thigh| < 180 flexed (hinged), > 180 extended |
| knee_deg           | hip-knee-ankle internal angle          | 180 = straight leg            | < 180 flexed, > 180 hyperextended     |
| ankle_deg          | knee-ankle-toe internal angle          | ~ 100-110 standing            | smaller = more dorsiflexion           |
| neck_deg           | shoulder->ear line against trunk line  | 0 = ear on the trunk line     | + head forward/down, - head back      |
| elbow_deg          | shoulder-elbow-wrist internal angle    | 180 = straight arm            | unsigned, 0..180                      |

Pixel coordinates are used, not MediaPipe's normalised ones: normalised x and y are scaled by
different amounts on a non-square frame, which skews every angle. A 2-D angle is the projection
of the true 3-D angle onto the image plane: it is only faithful in a true side view.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck.landmarks import Landmark, Poses, side_landmark

ANGLE_NAMES = ("trunk_incline_deg", "hip_deg", "knee_deg", "ankle_deg", "neck_deg", "elbow_deg")

# Joint angles by name: (a, b, c, kind). The angle sits at b. "flexion" angles run from 0 to
# 360 so that flexion reads below 180 and over-extension above it; "unsigned" are 0..180.
_JOINTS: dict[str, tuple[str, str, str, str]] = {
    "hip_deg": ("shoulder", "hip", "knee", "flexion"),
    "knee_deg": ("ankle", "knee", "hip", "flexion"),
    "ankle_deg": ("knee", "ankle", "foot_index", "flexion"),
    "elbow_deg": ("shoulder", "elbow", "wrist", "unsigned"),
}
_SIDE_POINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")


def signed_angle_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle from u to v in degrees, (-180, 180], for (..., 2) arrays of image vectors (y down).

    Positive when v lies clockwise of u on the screen.
    """
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = u[..., 0] * v[..., 0] + u[..., 1] * v[..., 1]
    return np.degrees(np.arctan2(cross, dot))


def incline_deg(vector: np.ndarray) -> np.ndarray:
    """Angle of an image vector from straight up, + towards +x. (..., 2) -> (...)."""
    return np.degrees(np.arctan2(vector[..., 0], -vector[..., 1]))


def camera_side(poses: Poses) -> str | None:
    """'left' or 'right': the body side nearer the camera, over the whole clip.

    The near side's points are more often visible; MediaPipe's depth z (smaller = nearer) breaks
    ties. Deciding once per clip avoids the left/right swaps that per-frame choices suffer.
    """
    score = {}
    for side in ("left", "right"):
        idx = [side_landmark(side, p) for p in _SIDE_POINTS]
        vis = poses.visibility[:, idx]
        z = poses.image_px[:, idx, 2]
        if np.isnan(vis).all():
            return None
        depth = float(np.nanmean(z)) if np.isfinite(z).any() else np.inf
        score[side] = (float(np.nanmean(vis)), -depth)
    return max(score, key=score.get)


def facing_sign(poses: Poses, side: str) -> int:
    """+1 if the lifter faces +x (right in the image), -1 if -x: from heel->toe, else nose vs ears."""
    heel = poses.image_px[:, side_landmark(side, "heel"), 0]
    toe = poses.image_px[:, side_landmark(side, "foot_index"), 0]
    foot = toe - heel
    if np.isfinite(foot).any() and abs(np.nanmedian(foot)) > 1e-6:
        return 1 if np.nanmedian(foot) > 0 else -1
    ears = np.nanmean(poses.image_px[:, [Landmark.LEFT_EAR, Landmark.RIGHT_EAR], 0], axis=1)
    nose = poses.image_px[:, Landmark.NOSE, 0] - ears
    return 1 if np.nanmedian(nose) >= 0 else -1


@dataclasses.dataclass(frozen=True)
class Angles:
    """values: name -> float (frames,) in degrees, NaN where a point is missing.
    side: the body side measured ('left'/'right'); facing: +1 lifter faces image right, -1 left."""

    values: dict[str, np.ndarray]
    side: str | None
    facing: int

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]


def compute_angles(poses: Poses, side: str | None = None, facing: int | None = None) -> Angles:
    """Every angle in ANGLE_NAMES for every frame (see the module docstring for conventions)."""
    n = poses.n_frames
    side = side or camera_side(poses)
    if side is None:
        return Angles({name: np.full(n, np.nan) for name in ANGLE_NAMES}, None, 1)
    facing = facing or facing_sign(poses, side)
    xy = poses.image_px[..., :2].astype(np.float64).copy()
    xy[..., 0] *= facing

    def point(joint: str) -> np.ndarray:
        return xy[:, side_landmark(side, joint)]

    values: dict[str, np.ndarray] = {}
    trunk = incline_deg(point("shoulder") - point("hip"))
    values["trunk_incline_deg"] = trunk
    for name, (a, b, c, kind) in _JOINTS.items():
        angle = signed_angle_deg(point(a) - point(b), point(c) - point(b))
        values[name] = np.abs(angle) if kind == "unsigned" else np.mod(angle, 360.0)
    head = incline_deg(point("ear") - point("shoulder"))
    values["neck_deg"] = (head - trunk + 180.0) % 360.0 - 180.0
    return Angles({name: values[name] for name in ANGLE_NAMES}, side, facing)


# What a body can do, in this module's conventions (degrees): a frame with an angle outside its
# range is a mis-tracked frame (a landmark jumped to the wrong limb or side), not a posture.
# Hip: flexion to about 120-130 deg with the knee bent (internal angle ~50; a 2-D deep squat
# with the trunk forward reads down to ~40) and extension to ~20 deg past straight (AAOS norms
# give 10-20). Knee: flexion to ~140-150 deg (internal ~30) and hyperextension of a few
# degrees (10 is already unusual). Trunk: leaning back past 45 deg or forward past 110 deg is
# not a squat or a hinge. (The ankle is left out: the toe point is often hidden by a plate.)
PLAUSIBLE_DEG: dict[str, tuple[float, float]] = {
    "trunk_incline_deg": (-45.0, 110.0),
    "hip_deg": (30.0, 200.0),
    "knee_deg": (30.0, 190.0),
}


def plausible(values: dict[str, np.ndarray]) -> np.ndarray:
    """bool (frames,): True where every angle in PLAUSIBLE_DEG that `values` holds is inside its
    range or unmeasured (NaN). values: name -> float (frames,) degrees, e.g. `Angles.values`."""
    n = len(next(iter(values.values()))) if values else 0
    ok = np.ones(n, bool)
    for name, (low, high) in PLAUSIBLE_DEG.items():
        if name in values:
            angle = np.asarray(values[name], np.float64)
            with np.errstate(invalid="ignore"):
                ok &= ~((angle < low) | (angle > high))
    return ok
