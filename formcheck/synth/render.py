"""A small CPU renderer for the synthetic lifter: flat Lambert-shaded triangles drawn far to near
(painter's algorithm, back faces culled) with OpenCV, at 2x and downsampled for smooth edges;
a floor, a two-tone wall and a barbell; H.264 through formcheck.render.H264Writer.

The painter's order is per triangle (mean depth); a body mesh's triangles are small, so the
rare mis-ordered pair is a pixel-sized flaw, not a wrong silhouette. ~15k visible triangles take
a few tens of ms per frame at 640x480 (docs/synthetic.md has the measured speed).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np

from formcheck.synth.truth import Camera

SUPERSAMPLE = 2
BAR_LENGTH_M, BAR_RADIUS_M = 2.2, 0.014
PLATE_RADIUS_M, PLATE_WIDTH_M, PLATE_OFFSET_M = 0.225, 0.06, 0.75  # 20 kg plates, inside collar


@dataclasses.dataclass(frozen=True)
class Look:
    """Colours (BGR 0..255) and light. region order follows body.Posed.region."""

    skin: tuple[int, int, int] = (120, 150, 200)
    shirt: tuple[int, int, int] = (150, 70, 40)
    shorts: tuple[int, int, int] = (50, 50, 50)
    shoes: tuple[int, int, int] = (230, 230, 230)
    wall_top: tuple[int, int, int] = (200, 205, 210)
    wall_bottom: tuple[int, int, int] = (170, 175, 180)
    floor: tuple[int, int, int] = (90, 110, 130)
    bar: tuple[int, int, int] = (160, 160, 165)
    plate: tuple[int, int, int] = (40, 40, 40)
    plate_radius_m: float = PLATE_RADIUS_M  # 0 = an empty bar
    light_dir: tuple[float, float, float] = (0.4, 0.8, -0.45)  # towards the light, world frame
    ambient: float = 0.35
    noise_sd: float = 2.0  # sensor noise, grey levels

    def region_colours(self) -> np.ndarray:
        return np.array([self.skin, self.shirt, self.shorts, self.shoes], np.float32)


def _cylinder(centre: np.ndarray, half_length: float, radius: float, sides: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """A closed cylinder along Z: vertices (2*sides+2, 3) and triangles (4*sides, 3)."""
    t = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    ring = np.stack([radius * np.cos(t), radius * np.sin(t), np.zeros(sides)], -1)
    v = np.concatenate([ring - [0, 0, half_length], ring + [0, 0, half_length],
                        [[0, 0, -half_length], [0, 0, half_length]]]) + centre
    i = np.arange(sides)
    j = (i + 1) % sides
    faces = np.concatenate([
        np.stack([i, j, sides + j], -1), np.stack([i, sides + j, sides + i], -1),
        np.stack([np.full(sides, 2 * sides), j, i], -1), np.stack([np.full(sides, 2 * sides + 1), sides + i, sides + j], -1),
    ])
    return v, faces


def barbell(centre_m: np.ndarray, plate_radius_m: float = PLATE_RADIUS_M) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Bar and two plates around `centre_m` (3,), the bar along Z: (vertices, faces, part)."""
    parts = [(*_cylinder(centre_m, BAR_LENGTH_M / 2, BAR_RADIUS_M), "bar")]
    if plate_radius_m > 0:
        for sign in (-1.0, 1.0):
            c = centre_m + [0, 0, sign * (PLATE_OFFSET_M + PLATE_WIDTH_M / 2)]
            parts.append((*_cylinder(c, PLATE_WIDTH_M / 2, plate_radius_m, 32), "plate"))
    return parts


def _background(camera: Camera, look: Look, scale: int) -> np.ndarray:
    w, h = camera.width_px * scale, camera.height_px * scale
    ramp = np.linspace(0.0, 1.0, h)[:, None, None]
    img = (1 - ramp) * np.array(look.wall_top) + ramp * np.array(look.wall_bottom)
    img = np.broadcast_to(img, (h, w, 3)).astype(np.uint8).copy()
    floor = clip_near(np.array([[-3.0, 0, -3.0], [3.0, 0, -3.0], [3.0, 0, 3.0], [-3.0, 0, 3.0]]), camera)
    if len(floor) >= 3:
        px = camera.project(floor)
        cv2.fillConvexPoly(img, np.round(px[:, :2] * scale * 4).astype(np.int32), look.floor, cv2.LINE_AA, shift=2)
    return img


def clip_near(polygon_m: np.ndarray, camera: Camera, near_m: float = 0.3) -> np.ndarray:
    """A convex world polygon (k, 3) cut to the part at least near_m in front of the camera
    (one Sutherland-Hodgman pass), so a floor that runs past the camera still projects."""
    centre, _, _, view = camera.basis()
    depth = (polygon_m - centre) @ view - near_m
    out = []
    for i in range(len(polygon_m)):
        a, b = polygon_m[i], polygon_m[(i + 1) % len(polygon_m)]
        da, db = depth[i], depth[(i + 1) % len(polygon_m)]
        if da >= 0:
            out.append(a)
        if (da >= 0) != (db >= 0):
            out.append(a + (b - a) * da / (da - db))
    return np.array(out).reshape(-1, 3)


def draw(img: np.ndarray, camera: Camera, vertices: np.ndarray, faces: np.ndarray, colours: np.ndarray,
         look: Look, scale: int) -> None:
    """Draw triangles (world vertices (V, 3), faces (F, 3), base colours (F, 3)) into img."""
    centre = camera.basis()[0]
    tri = vertices[faces]  # (F, 3, 3)
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-12
    facing_camera = np.einsum("fi,fi->f", normal, tri.mean(1) - centre) < 0
    light = np.asarray(look.light_dir, float)
    light /= np.linalg.norm(light)
    shade = look.ambient + (1 - look.ambient) * np.clip(normal @ light, 0.0, 1.0)
    px = camera.project(tri.reshape(-1, 3)).reshape(-1, 3, 3)
    keep = facing_camera & (px[:, :, 2] > 0.05).all(1)
    order = np.flatnonzero(keep)[np.argsort(-px[keep, :, 2].mean(1))]
    pts = np.round(px[order, :, :2] * (scale * 4)).astype(np.int32)
    col = np.clip(colours[order] * shade[order, None], 0, 255).astype(np.int32).tolist()
    for p, c in zip(pts, col):
        cv2.fillConvexPoly(img, p, c, cv2.LINE_8, shift=2)


def render_frame(camera: Camera, look: Look, vertices: np.ndarray, faces: np.ndarray, face_colours: np.ndarray,
                 bar_centre_m: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """One BGR frame (height_px, width_px, 3) of the posed body and the bar."""
    s = SUPERSAMPLE
    img = _background(camera, look, s)
    verts, tris, cols = [vertices], [faces], [face_colours]
    offset = len(vertices)
    if bar_centre_m is not None:
        for v, f, part in barbell(bar_centre_m, look.plate_radius_m):
            verts.append(v)
            tris.append(f + offset)
            cols.append(np.tile(np.array(look.bar if part == "bar" else look.plate, np.float32), (len(f), 1)))
            offset += len(v)
    draw(img, camera, np.concatenate(verts), np.concatenate(tris), np.concatenate(cols), look, s)
    img = cv2.resize(img, (camera.width_px, camera.height_px), interpolation=cv2.INTER_AREA)
    if look.noise_sd > 0:
        img = np.clip(img + rng.normal(0, look.noise_sd, img.shape), 0, 255).astype(np.uint8)
    return img


def face_colours(region: np.ndarray, faces: np.ndarray, look: Look) -> np.ndarray:
    """Base colour per face from the first vertex's clothing region."""
    return look.region_colours()[region[faces[:, 0]]]


def write_clip(path: str | Path, frames, fps: float, width_px: int, height_px: int, crf: int = 23) -> Path:
    """Encode BGR frames (an iterable) to H.264 MP4 at a constant `fps`.

    Give sizes in multiples of 16 (clip.sample_spec insists): at 960x540 the same frames encoded
    to different bytes now and then (about one try in three), at 960x528 and 1024x576 they never did
    (13 tries), so a clip is reproducible byte for byte only at such sizes."""
    from formcheck.render import H264Writer

    writer = H264Writer(path, width_px, height_px, fps, crf=crf)
    try:
        for i, frame in enumerate(frames):
            writer.write(frame, i / fps)
    except BaseException:
        writer.abort()
        raise
    return writer.close()
