"""Ground truth of a synthetic clip, in formcheck's conventions (numpy only).

World frame (the lifter frame), metres: X the way the lifter faces, Y up, Z the lifter's right.
The lateral axis of flexion points to the lifter's left (-Z): a positive rotation about it tips
"up" towards "forward", so + is flexion for the spine, the trunk and the head, as in angles.py.

Two kinds of joint-angle truth per frame:
- `image`: formcheck.angles.compute_angles on the posed joints projected through the camera, i.e.
  what a perfect 2-D tracker of those joints would read in that view (what formcheck should match);
- `sagittal`: the same angles on an orthographic side projection (the body's true sagittal-plane
  angles, whatever the camera), which differ from `image` when the camera is not side-on.
Spine flexion comes from the bone rotations, not from any picture: the change, from the rest
posture, of the upper bone's orientation relative to the lower one, as a rotation about the lateral
axis (exact for sagittal bending; for mixed bending it is the flexion component of the rotation
vector).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck.angles import compute_angles
from formcheck.landmarks import N_LANDMARKS, Poses, side_landmark

FORWARD, UP, RIGHT = np.eye(3)
LEFT = -RIGHT
# Points of MediaPipe's 33 that the ground truth uses, by formcheck's joint names.
POINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index", "ear")


def rotation(axis: np.ndarray, angle_deg: np.ndarray | float) -> np.ndarray:
    """Rotation matrices (..., 3, 3) by angle_deg about the unit `axis` (right-hand rule)."""
    a = np.asarray(axis, float) / np.linalg.norm(axis)
    t = np.radians(np.asarray(angle_deg, float))[..., None, None]
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(t) * k + (1 - np.cos(t)) * (k @ k)


def rotation_vector(r: np.ndarray) -> np.ndarray:
    """Axis * angle (radians) of rotation matrices (..., 3, 3) -> (..., 3). Angles below 180 deg."""
    r = np.asarray(r, float)
    cos = np.clip((np.trace(r, axis1=-2, axis2=-1) - 1.0) / 2.0, -1.0, 1.0)
    angle = np.arccos(cos)
    w = np.stack([r[..., 2, 1] - r[..., 1, 2], r[..., 0, 2] - r[..., 2, 0], r[..., 1, 0] - r[..., 0, 1]], -1)
    sin = np.sin(angle)[..., None]
    scale = np.where(sin > 1e-9, angle[..., None] / (2 * np.where(sin > 1e-9, sin, 1.0)), 0.5)
    return w * scale


def flexion_deg(lower_rest: np.ndarray, lower: np.ndarray, upper_rest: np.ndarray, upper: np.ndarray,
                lateral: np.ndarray = LEFT) -> np.ndarray:
    """Flexion between two bones from their world orientations (..., 3, 3), at rest and posed:
    the upper bone's change from rest relative to the lower bone's, about `lateral` (degrees,
    + flexion). Extension is negative."""
    d_lower = lower @ np.swapaxes(lower_rest, -1, -2)
    d_upper = upper @ np.swapaxes(upper_rest, -1, -2)
    relative = np.swapaxes(d_lower, -1, -2) @ d_upper
    return np.degrees(rotation_vector(relative) @ (np.asarray(lateral, float) / np.linalg.norm(lateral)))


@dataclasses.dataclass(frozen=True)
class Camera:
    """A pinhole camera on a tripod, aimed at `target_m` (world frame, see module doc).

    yaw_deg: 90 = true side view, 0 = in front of the lifter, 45/60 oblique. near_side: which
    side of the lifter the camera is on ('left' puts it on -Z). height_m: lens above the floor
    (y = 0 is the floor); distance_m: horizontal distance to the target; hfov_deg: horizontal
    field of view (a phone's main camera is ~65 deg).

    Camera shake (off at 0): `shake_mm` and `shake_deg` are the standard deviations, per axis, of
    a smooth seeded wobble of the lens position and of its aim (pan, tilt, roll); `per_frame(n)`
    gives the shaken camera of each frame (`offset_m`, `turn_deg` set), `shake_path` the wobble."""

    width_px: int = 640
    height_px: int = 480
    yaw_deg: float = 90.0
    near_side: str = "left"
    height_m: float = 0.9
    distance_m: float = 3.5
    hfov_deg: float = 60.0
    target_m: tuple[float, float, float] = (0.0, 0.9, 0.0)
    shake_mm: float = 0.0
    shake_deg: float = 0.0
    shake_seed: int = 0
    offset_m: tuple[float, float, float] = (0.0, 0.0, 0.0)  # this frame's lens displacement (world)
    turn_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)  # this frame's pan, tilt, roll

    @classmethod
    def from_dict(cls, d: dict) -> Camera:
        """The camera of a truth file's spec (JSON lists back to tuples)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    def moved(self, yaw_deg: float = 0.0, distance_m: float = 0.0, height_m: float = 0.0) -> Camera:
        """This camera put elsewhere, still aimed at `target_m`: turned `yaw_deg` further round the
        lifter (+ from the side towards behind them), `distance_m` further away and `height_m`
        higher (a tripod set up again for another session)."""
        return dataclasses.replace(self, yaw_deg=self.yaw_deg + yaw_deg, distance_m=self.distance_m + distance_m,
                                   height_m=self.height_m + height_m)

    @property
    def shaken(self) -> bool:
        return bool(self.shake_mm or self.shake_deg)

    @property
    def focal_px(self) -> float:
        return 0.5 * self.width_px / np.tan(np.radians(self.hfov_deg) / 2)

    def basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Camera centre and its right, down and viewing unit vectors (world frame)."""
        side = LEFT if self.near_side == "left" else RIGHT
        yaw = np.radians(self.yaw_deg)
        target = np.asarray(self.target_m, float)
        flat = np.cos(yaw) * FORWARD + np.sin(yaw) * side
        centre = target + self.distance_m * flat
        centre[1] = self.height_m
        view = target - centre
        view /= np.linalg.norm(view)
        right = np.cross(view, UP)
        right /= np.linalg.norm(right)
        down = np.cross(view, right)
        if any(self.offset_m) or any(self.turn_deg):  # a shaken frame (never for an unshaken camera)
            centre = centre + np.asarray(self.offset_m, float)
            pan, tilt, roll = self.turn_deg
            turn = rotation(down, pan) @ rotation(right, tilt) @ rotation(view, roll)
            right, down, view = turn @ right, turn @ down, turn @ view
        return centre, right, down, view

    def per_frame(self, n: int) -> list[Camera]:
        """The camera of each of n frames: itself n times without shake, else shaken (shake_path)."""
        if not self.shaken:
            return [self] * n
        offset, turn = shake_path(n, self.shake_mm, self.shake_deg, self.shake_seed)
        return [dataclasses.replace(self, shake_mm=0.0, shake_deg=0.0, offset_m=tuple(map(float, o)),
                                    turn_deg=tuple(map(float, t))) for o, t in zip(offset, turn)]

    def project(self, points_m: np.ndarray) -> np.ndarray:
        """(..., 3) world points -> (..., 3): x, y in pixels (y down) and depth in metres."""
        centre, right, down, view = self.basis()
        rel = np.asarray(points_m, float) - centre
        depth = rel @ view
        f = self.focal_px
        return np.stack([self.width_px / 2 + f * (rel @ right) / depth,
                         self.height_px / 2 + f * (rel @ down) / depth, depth], -1)

    def facing(self) -> int:
        """+1 if the lifter faces image right, -1 if left (front view: +1)."""
        return -1 if self.basis()[1] @ FORWARD < -1e-9 else 1


SHAKE_SMOOTH_FRAMES = 3.0  # Gaussian smoothing (SD, frames) of the wobble: a sway, not a flicker


def shake_path(n: int, shake_mm: float, shake_deg: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A smooth random camera wobble over n frames: lens offsets (n, 3) in metres and pan, tilt,
    roll (n, 3) in degrees. Gaussian noise smoothed over SHAKE_SMOOTH_FRAMES frames, then scaled
    so each axis has mean 0 and standard deviation shake_mm (mm) or shake_deg over the clip."""
    rng = np.random.default_rng([int(seed), 1013])
    pad = int(4 * SHAKE_SMOOTH_FRAMES)
    raw = rng.normal(size=(n + 2 * pad, 6))
    x = np.arange(-pad, pad + 1)
    kernel = np.exp(-0.5 * (x / SHAKE_SMOOTH_FRAMES) ** 2)
    smooth = np.stack([np.convolve(raw[:, j], kernel, mode="valid") for j in range(6)], -1)[:n]
    smooth = smooth - smooth.mean(0)
    sd = smooth.std(0)
    smooth = smooth / np.where(sd > 0, sd, 1.0)
    return smooth[:, :3] * shake_mm / 1000.0, smooth[:, 3:] * shake_deg


def side_projection(points_m: np.ndarray) -> np.ndarray:
    """Orthographic side view in 'pixels' of 1 mm: x = forward, y = down, depth = -Z."""
    p = np.asarray(points_m, float) * 1000.0
    return np.stack([p[..., 0], -p[..., 1], -p[..., 2]], -1)


def poses_from_points(points_px: dict[str, np.ndarray], time_s: np.ndarray) -> Poses:
    """Poses with the named points filled: keys like 'left_hip', values (frames, 3) (x, y, depth)."""
    poses = Poses.empty(time_s)
    image = poses.image_px.copy()
    for name, xyz in points_px.items():
        side, joint = name.split("_", 1)
        image[:, side_landmark(side, joint)] = xyz
    return poses.replace(image_px=image, visibility=np.where(np.isnan(image[..., 0]), np.nan, 1.0).astype(np.float32))


def joint_angles(points_px: dict[str, np.ndarray], time_s: np.ndarray, side: str, facing: int) -> dict[str, np.ndarray]:
    """formcheck's angles (angles.ANGLE_NAMES) of projected points on `side`, facing +1/-1."""
    return compute_angles(poses_from_points(points_px, time_s), side=side, facing=facing).values


def ground_truth(joints_m: dict[str, np.ndarray], time_s: np.ndarray, camera: Camera,
                 cameras: list[Camera] | None = None) -> dict[str, dict[str, np.ndarray]]:
    """joints_m: 'left_hip' etc. -> (frames, 3) world points. Returns {'image': angles in the
    camera's view, 'sagittal': true side-view angles, 'image_px': the projected points}.
    cameras: one per frame (a shaken camera, Camera.per_frame); default `camera` throughout."""
    if cameras is None:
        image_px = {k: camera.project(v) for k, v in joints_m.items()}
    else:
        image_px = {k: np.stack([c.project(p) for c, p in zip(cameras, np.asarray(v, float))]) for k, v in joints_m.items()}
    side_px = {k: side_projection(v) for k, v in joints_m.items()}
    side = camera.near_side
    return {
        "image": joint_angles(image_px, time_s, side, camera.facing()),
        "sagittal": joint_angles(side_px, time_s, side, 1),
        "image_px": image_px,
    }


def landmark_array(image_px: dict[str, np.ndarray]) -> np.ndarray:
    """{'left_hip': (frames, 3)} -> float32 (frames, 33, 3) in MediaPipe's order, NaN elsewhere."""
    n = len(next(iter(image_px.values())))
    out = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
    for name, xyz in image_px.items():
        side, joint = name.split("_", 1)
        out[:, side_landmark(side, joint)] = xyz
    return out
