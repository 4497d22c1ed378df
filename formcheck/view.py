"""View: where the camera stands relative to the lifter (side, oblique or front).

The yaw of the lifter's shoulder and hip lines against the camera: seen from the side, the
left-right axis of the body points at the camera (yaw 90 deg); from the front it lies across the
picture (yaw 0). LABELS.md counts a camera within ~30 deg of perpendicular to the sagittal plane
as a side view, so: side >= 60 deg, oblique 30-60, front < 30. It is read twice:
- world: from MediaPipe's metric world landmarks. Their depth axis is the model's least accurate
  one (median over the clip); on the shared clips it reads 64-68 deg both for the labelled side
  views bad_m01-m06 and for the labelled oblique unknown_s01.
- image: how far apart the left and right shoulders and hips are across the picture, over the
  shoulder-hip chord, while the trunk is seen at full length: 0 from the side, about
  FRONT_WIDTH_RATIO from the front (0.38-0.62, median 0.52, on eleven front-view clips: seven
  real, two of them no lift, and four rendered), so yaw = arccos(ratio / FRONT_WIDTH_RATIO). It reads 50 deg for unknown_s01 and
  67-70 deg for bad_m01-m06. A body's own proportions move it by about 5 deg near 60 deg.
The view takes the smaller of the two: a clip counts as side-on only when both say so.
A rear view cannot be told from a front one by these measures and is reported as front.

Which face of the body the camera sees (`sees`): the nose nearer the camera than the shoulders'
midpoint in the world landmarks (their depth axis: smaller is nearer) is the chest, farther is
the back. On the shared clips the nose sits 0.03-0.27 m nearer on the five front and two
front-oblique views, 0.06-0.11 m farther on the three rear-oblique ones. It turns "not side-on"
into advice: which way to walk the camera round the lifter, and how far.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from formcheck.landmarks import Landmark, Poses

SIDE_MIN_DEG = 60.0
OBLIQUE_MIN_DEG = 30.0
# Shoulder and hip separation across the picture over the shoulder-hip chord in a front view:
# between the front-view clips' median (0.52) and a body's proportions (MediaPipe's points ~35 cm
# apart at the shoulders, ~25 cm at the hips, over a ~52 cm chord: 0.58).
FRONT_WIDTH_RATIO = 0.55
FULL_TRUNK = 0.8  # frames with the chord at least this share of its 90th percentile: not foreshortened

FILMING_ADVICE = (
    "Film side-on: camera at hip height, 3-5 m away, perpendicular to the lifter, with the whole "
    "body and the bar in frame."
)


@dataclasses.dataclass(frozen=True)
class View:
    """kind: 'side', 'oblique', 'front' or None (no pose); yaw_deg: 90 = true side view."""

    kind: str | None
    yaw_deg: float | None
    world_yaw_deg: float | None = None
    image_yaw_deg: float | None = None
    sees: str | None = None  # "front" (the chest) or "back" of the lifter; None when unknown

    @property
    def spine_trusted(self) -> bool:
        """Spine and hinge angles are sagittal-plane angles: only a side view shows them."""
        return self.kind == "side"

    def to_dict(self) -> dict:
        def r(v: float | None) -> float | None:
            return None if v is None or not np.isfinite(v) else round(float(v), 1)

        return {"kind": self.kind, "yaw_deg": r(self.yaw_deg), "world_yaw_deg": r(self.world_yaw_deg),
                "image_yaw_deg": r(self.image_yaw_deg), "sees": self.sees}

    def advice(self) -> str:
        """How far from side-on the camera is, and which way to move it (empty for a side view)."""
        if self.kind in (None, "side") or self.yaw_deg is None:
            return ""
        off = 90.0 - self.yaw_deg
        towards = {"front": "away from the way the lifter faces", "back": "towards the way the lifter faces"}
        where = (f"The camera sees the lifter's {'chest' if self.sees == 'front' else 'back'}: walk it about "
                 f"{off:.0f}° round the lifter, {towards[self.sees]}, until it looks straight at the lifter's side. "
                 if self.sees else "")
        return (f"This is not a side view: the camera is about {off:.0f}° off side-on ({self.kind}). {where}"
                f"Spine and hip-hinge angles are not scored from here: turned this far they would read "
                f"{_foreshortened(self.yaw_deg):.0f} % small. {FILMING_ADVICE}")


def _foreshortened(yaw_deg: float) -> float:
    """How much smaller a sagittal-plane lean of the body reads at this yaw, in percent: its
    sideways component shrinks by sin(yaw) (90 = side-on: 0 %)."""
    return 100.0 * (1.0 - np.sin(np.radians(yaw_deg)))


def camera_sees(poses: Poses) -> str | None:
    """'front' or 'back' (module doc); None without world landmarks for the nose and shoulders."""
    z = poses.world_m[..., 2].astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        nearer = float(np.nanmedian(z[:, Landmark.NOSE] - (z[:, Landmark.LEFT_SHOULDER] + z[:, Landmark.RIGHT_SHOULDER]) / 2))
    return None if not np.isfinite(nearer) else "front" if nearer < 0 else "back"


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


def image_yaw_deg(poses: Poses) -> float:
    """Yaw from the picture (module doc): median over the frames where the trunk is seen at full
    length; NaN without such frames."""
    px = poses.image_px[..., :2].astype(np.float64)
    shoulders = px[:, [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]]
    hips = px[:, [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]]
    apart = (np.abs(shoulders[:, 0, 0] - shoulders[:, 1, 0]) + np.abs(hips[:, 0, 0] - hips[:, 1, 0])) / 2
    chord = np.linalg.norm(shoulders.mean(1) - hips.mean(1), axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        full = chord >= FULL_TRUNK * np.nanpercentile(chord, 90)
        ratio = float(np.nanmedian(apart[full] / chord[full]))
    if not np.isfinite(ratio):
        return float("nan")
    return float(np.degrees(np.arccos(min(ratio / FRONT_WIDTH_RATIO, 1.0))))


def classify_view(poses: Poses) -> View:
    """The clip's view from the smaller of the world and image yaws (module doc)."""
    yaw = body_yaw_deg(poses)
    if not np.isfinite(yaw).any():
        return View(None, None)
    world = float(np.nanmedian(yaw))
    image = image_yaw_deg(poses)
    combined = float(np.nanmin([world, image]))
    kind = "side" if combined >= SIDE_MIN_DEG else "oblique" if combined >= OBLIQUE_MIN_DEG else "front"
    return View(kind, combined, world, image, camera_sees(poses))
