"""Render: draw the skeleton and angle readouts on frames, and write an H.264 MP4 browsers play.

OpenCV's pip wheels cannot encode H.264 and browsers do not play the `mp4v` they write, so the
video is encoded with PyAV (FFmpeg's libx264, yuv420p, moov atom first for streaming). Frames
keep their original timestamps, so a variable-frame-rate clip stays in sync.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from formcheck.angles import ANGLE_NAMES
from formcheck.errors import BadVideoError
from formcheck.evidence import dashed, draw_evidence, label
from formcheck.faults import RULE_BY_NAME
from formcheck.landmarks import SKELETON, side_landmark
from formcheck.video import VideoReader, prefetch

_LABELS = {
    "trunk_incline_deg": "trunk", "hip_deg": "hip", "knee_deg": "knee",
    "ankle_deg": "ankle", "neck_deg": "neck", "elbow_deg": "elbow",
}
# Where each joint angle is written on the body.
_ANGLE_AT = {"hip_deg": "hip", "knee_deg": "knee", "elbow_deg": "elbow", "ankle_deg": "ankle"}
_TIME_BASE = Fraction(1, 90000)


@dataclasses.dataclass(frozen=True)
class SkeletonAnnotator:
    """Style only; `annotate` draws one frame. Colours are BGR."""

    near_bgr: tuple[int, int, int] = (0, 200, 255)  # amber: the side that is measured, not scored
    status_bgr: tuple[tuple[str, tuple[int, int, int]], ...] = (
        ("ok", (80, 200, 80)), ("warn", (0, 200, 255)), ("fault", (60, 60, 255)),
    )
    far_bgr: tuple[int, int, int] = (150, 150, 150)
    joint_bgr: tuple[int, int, int] = (255, 255, 255)
    text_bgr: tuple[int, int, int] = (255, 255, 255)
    angle_text: float = 0.6  # size of the joint angles written on the body, at scale 1 (a 720 px short side)
    panel: bool = True  # the corner box listing every angle
    panel_text: float = 0.55  # its text size, at scale 1

    def annotate(
        self, image: np.ndarray, points_px: np.ndarray, angles: dict[str, float], side: str | None,
        caption: str = "", status: dict | None = None,
    ) -> np.ndarray:
        """image: uint8 BGR (h, w, 3), drawn on in place and returned.
        points_px: (33, 2+) landmark pixels in this image's scale, NaN where unknown.
        status: the report's frame entry {status, check}: colours the measured side (green ok,
        amber warn, red fault) and names the rule, its value and its limit."""
        colours = dict(self.status_bgr)
        state = (status or {}).get("status", "unscored")
        near_bgr = colours.get(state, self.near_bgr)
        # text and lines grow with the image, but mostly with its short side: a portrait frame is
        # shown narrow, and text sized by its height alone would cover half of it
        scale = max(min(image.shape[:2]) / 720.0, max(image.shape[:2]) / 960.0, 0.5)
        thick = max(int(round(3 * scale)), 1)

        def pt(index: int) -> tuple[int, int] | None:
            x, y = points_px[index, 0], points_px[index, 1]
            return None if not (math.isfinite(x) and math.isfinite(y)) else (int(round(x)), int(round(y)))

        for a, b in SKELETON:
            pa, pb = pt(a), pt(b)
            if pa and pb:
                near = side is not None and a.name.startswith(side.upper()) and b.name.startswith(side.upper())
                cv2.line(image, pa, pb, near_bgr if near else self.far_bgr, thick if near else max(thick // 2, 1), cv2.LINE_AA)
        if side is not None:
            for joint in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index", "ear"):
                p = pt(side_landmark(side, joint))
                if p:
                    cv2.circle(image, p, thick + 2, self.joint_bgr, -1, cv2.LINE_AA)
            for name, joint in _ANGLE_AT.items():
                p, value = pt(side_landmark(side, joint)), angles.get(name)
                if p and value is not None and math.isfinite(value):
                    label(image, f"{_LABELS[name]} {value:.0f}°", (p[0] + 8 * thick, p[1]), self.text_bgr,
                          self.angle_text * scale)
        if not self.panel:
            return image
        lines = [caption] if caption else []
        lines += [
            f"{_LABELS[name]:<6}{angles[name]:6.0f} deg" if angles.get(name) is not None and math.isfinite(angles[name])
            else f"{_LABELS[name]:<6}     -"
            for name in ANGLE_NAMES
        ]
        check = (status or {}).get("check")
        flagged = state in ("warn", "fault") and bool(check)
        if flagged:
            lines.append(f"{state.upper()} {check['rule']}")
            unit = _unit(check)
            lines.append(f"  {check['value']:.3g} {unit} vs limit {check['limit']:.3g} {unit}")
        _panel(image, lines, self.panel_text * scale, self.text_bgr, highlight=colours.get(state) if flagged else None)
        return image


def _panel(image: np.ndarray, lines: list[str], size: float, colour, highlight=None) -> None:
    """A translucent box in the top-left corner holding one reading per line; with `highlight`,
    the last two lines (a warning or fault) are written in that colour."""
    line_h = int(32 * size)
    width = int(max(len(line) for line in lines) * 19 * size) + 16
    height = line_h * len(lines) + 12
    box = image[0:height, 0:width]
    box[:] = (box * 0.45).astype(np.uint8)
    for i, line in enumerate(lines):
        ink = highlight if highlight is not None and i >= len(lines) - 2 else colour
        cv2.putText(image, line, (8, (i + 1) * line_h), cv2.FONT_HERSHEY_SIMPLEX, size, ink,
                    max(int(round(1.6 * size)), 1), cv2.LINE_AA)


class H264Writer:
    """Write BGR frames with their own timestamps to an H.264 MP4 (yuv420p, +faststart).

    The file is written under a temporary name and moved into place when closed, so a crash
    never leaves a half-written video at `path`.
    """

    def __init__(self, path: str | os.PathLike, width_px: int, height_px: int, fps: float, crf: int = 23):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(self.path.stem + ".part.mp4")
        self._container = av.open(str(self._tmp), "w", options={"movflags": "+faststart"})
        self._stream = self._container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        self._stream.width, self._stream.height = width_px, height_px
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = _TIME_BASE
        self._stream.codec_context.time_base = _TIME_BASE
        self._stream.options = {"crf": str(crf), "preset": "veryfast"}
        self._last_pts = -1

    def write(self, bgr: np.ndarray, time_s: float) -> None:
        frame = av.VideoFrame.from_ndarray(bgr, format="bgr24")
        pts = max(int(round(time_s / _TIME_BASE)), self._last_pts + 1)
        frame.pts, frame.time_base = pts, _TIME_BASE
        self._last_pts = pts
        self._container.mux(self._stream.encode(frame))

    def close(self) -> Path:
        self._container.mux(self._stream.encode(None))
        self._container.close()
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        self._container.close()
        self._tmp.unlink(missing_ok=True)


def output_size(width_px: int, height_px: int, max_side_px: int) -> tuple[int, int]:
    """Scaled size with the long side at most max_side_px, both even (yuv420p needs it)."""
    factor = min(1.0, max_side_px / max(width_px, height_px))
    return (max(2, int(width_px * factor) // 2 * 2), max(2, int(height_px * factor) // 2 * 2))


def render_video(
    video_path: str | os.PathLike, points_px: np.ndarray, angles: dict[str, np.ndarray], side: str | None,
    out_path: str | os.PathLike, max_side_px: int = 1280,
    progress: Callable[[int, int], None] | None = None, annotator: SkeletonAnnotator = SkeletonAnnotator(),
    statuses: list[dict] | None = None,
) -> Path:
    """Decode the clip again, draw each frame's skeleton and angles, encode H.264.

    points_px: float (frames, 33, 2+) in the source's upright pixels; angles: name -> (frames,);
    statuses: the report's per-frame {status, check}, if it was scored.
    """
    n = len(points_px)
    with VideoReader(video_path) as reader:
        writer = None
        frames = prefetch(reader.frames("bgr24"))
        try:
            for frame in frames:
                image = frame.image
                if writer is None:
                    size = output_size(image.shape[1], image.shape[0], max_side_px)
                    factor = size[0] / image.shape[1]
                    writer = H264Writer(out_path, size[0], size[1], reader.nominal_fps or 30.0)
                if (image.shape[1], image.shape[0]) != size:
                    image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
                i = frame.index
                pts = points_px[i, :, :2] * factor if i < n else np.full((33, 2), np.nan)
                values = {name: float(angles[name][i]) if i < n else math.nan for name in ANGLE_NAMES}
                annotator.annotate(image, pts, values, side, caption=f"{frame.time_s:6.2f} s  #{i}",
                                   status=statuses[i] if statuses and i < len(statuses) else None)
                writer.write(image, frame.time_s)
                if progress:
                    progress(i + 1, n)
        except BaseException:
            frames.close()
            if writer is not None:
                writer.abort()
            raise
        frames.close()
    return writer.close()


# The joint each rule is judged at, ringed on a flagged still (the back: midway shoulder-hip).
RULE_JOINT = {
    "spine_flexion": ("shoulder", "hip"), "spine_hyperextension": ("hip",), "neck_misalignment": ("ear",),
    "hips_rise_early": ("hip",), "hips_too_low": ("knee",), "bar_far": ("wrist",), "arm_bend": ("elbow",),
    "heel_lift": ("heel",), "depth_shallow": ("knee",), "forward_lean": ("hip",), "knee_valgus": ("knee",),
}
_UNIT_TEXT = {"deg": "deg", "foot lengths": "foot"}


def _unit(check: dict) -> str:
    """The short unit of a check ({rule, value, limit[, unit]}), from its rule when not given."""
    unit = check.get("unit") or getattr(RULE_BY_NAME.get(check.get("rule")), "unit", "")
    return _UNIT_TEXT.get(unit, unit)


def _joint_point(points_px: np.ndarray, side: str | None, rule: str) -> tuple[int, int] | None:
    if side is None or rule not in RULE_JOINT:
        return None
    xy = np.array([points_px[side_landmark(side, joint), :2] for joint in RULE_JOINT[rule]], np.float64)
    if not np.isfinite(xy).all():
        return None
    x, y = xy.mean(axis=0)
    return int(round(x)), int(round(y))


def body_box(points_px: np.ndarray, width_px: int, height_px: int, margin: float = 0.3) -> tuple[int, int, int, int] | None:
    """x0, y0, x1, y1 of the landmarks' bounding box grown by `margin` of its size on each side,
    clipped to the image; None when too few landmarks are known."""
    xy = points_px[:, :2]
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) < 8:
        return None
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    pad = margin * max(x1 - x0, y1 - y0)
    box = (int(max(0, x0 - pad)), int(max(0, y0 - pad)), int(min(width_px, x1 + pad)), int(min(height_px, y1 + pad)))
    return box if box[2] - box[0] >= 32 and box[3] - box[1] >= 32 else None


def _flag_bgr(check: dict) -> tuple[int, int, int]:
    return (60, 60, 255) if check.get("severity") == "fault" else (0, 190, 255)


def ring_joint(image: np.ndarray, points_px: np.ndarray, side: str | None, check: dict) -> np.ndarray:
    """Ring the joint the check's rule is judged at (drawn before the readouts, which stay on top)."""
    p = _joint_point(points_px, side, check["rule"])
    if p is not None:
        r = max(int(image.shape[1] * 0.045), 10)
        cv2.circle(image, p, r, (0, 0, 0), max(r // 4, 3) + 2, cv2.LINE_AA)
        cv2.circle(image, p, r, _flag_bgr(check), max(r // 4, 3), cv2.LINE_AA)
    return image


OUTLINE_BGR = (255, 255, 0)  # cyan: the back's outline as the mask reads it


def draw_outline(image: np.ndarray, edge_px: np.ndarray) -> np.ndarray:
    """The back's outline (cyan) and the straight line between its ends (white, dashed): the
    bend and the lower-back hollow are read between the two."""
    h, w = image.shape[:2]
    thick = max(int(round(max(h, w) / 240)), 2)
    pts = np.round(edge_px).astype(np.int32)
    cv2.polylines(image, [pts.reshape(-1, 1, 2)], False, (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.polylines(image, [pts.reshape(-1, 1, 2)], False, OUTLINE_BGR, thick, cv2.LINE_AA)
    dashed(image, edge_px[0], edge_px[-1], (255, 255, 255), thick)
    return image


def draw_flag(image: np.ndarray, check: dict) -> np.ndarray:
    """A banner across the bottom of the image: 'FAULT spine flexion 27.9 deg, limit 26 deg'.
    check: {rule, severity, value, limit, unit}. The text is sized to the image's width, so the
    banner reads the same at any resolution."""
    h, w = image.shape[:2]
    colour = _flag_bgr(check)
    unit = _unit(check)
    value, limit = f"{check['value']:.3g}", f"{check['limit']:.3g}"
    against = {"reference": " more than reference", "set": " more than first reps"}.get(check.get("basis"), "")
    text = (f"{check.get('severity', 'warn').upper()}  {check['rule'].replace('_', ' ')}  {value} {unit}{against}, "
            f"limit {limit} {unit}")
    size = 1.0
    while size > 0.3 and cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, size, 2)[0][0] > w - 24:
        size -= 0.05
    size = min(size, w / 640.0)
    thick = max(int(round(2 * size)), 1)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, size, thick)
    bar_h = th + base + 16
    image[h - bar_h:h] = (image[h - bar_h:h] * 0.25).astype(np.uint8)
    cv2.rectangle(image, (0, h - bar_h), (8, h), colour, -1)
    cv2.putText(image, text, (16, h - base - 8), cv2.FONT_HERSHEY_SIMPLEX, size, colour, thick, cv2.LINE_AA)
    return image


def render_frames(video_path: str | os.PathLike, indices: list[int], points_px: np.ndarray,
                  angles: dict[str, np.ndarray], side: str | None, **drawing) -> dict[int, np.ndarray]:
    """Annotated RGB stills of the given frames (one decoding pass): frame index -> (h, w, 3)
    uint8. `drawing`: the keyword arguments of `annotated_frames`."""
    return {i: cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
            for i, _, image in annotated_frames(video_path, indices, points_px, angles, side, **drawing)}


def render_clip(video_path: str | os.PathLike, indices: list[int], points_px: np.ndarray,
                angles: dict[str, np.ndarray], side: str | None, out_path: str | os.PathLike,
                fps: float, slowdown: float = 4.0, **drawing) -> Path:
    """An H.264 clip of the given (consecutive) frames, annotated as the stills are, played
    `slowdown` times slower than filmed: each frame keeps its own spacing in time, stretched.
    fps: the clip's frame rate (the written stream's nominal rate is fps / slowdown).
    `drawing`: the keyword arguments of `annotated_frames` except crop_to_body (a clip keeps one
    frame size)."""
    writer, t0 = None, None
    try:
        for _, time_s, image in annotated_frames(video_path, indices, points_px, angles, side, **drawing):
            image = image[:image.shape[0] // 2 * 2, :image.shape[1] // 2 * 2]  # yuv420p needs even sides
            if writer is None:
                writer = H264Writer(out_path, image.shape[1], image.shape[0], fps / slowdown)
                t0 = time_s
            writer.write(np.ascontiguousarray(image), (time_s - t0) * slowdown)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is None:
        raise BadVideoError(f"{video_path}: none of frames {min(indices)}-{max(indices)} could be decoded")
    return writer.close()


def annotated_frames(
    video_path: str | os.PathLike, indices: list[int], points_px: np.ndarray, angles: dict[str, np.ndarray],
    side: str | None, statuses: list[dict] | None = None, max_side_px: int = 960,
    annotator: SkeletonAnnotator = SkeletonAnnotator(), checks: dict[int, dict] | None = None,
    crop_to_body: bool = False, time_s: np.ndarray | None = None, outlines: dict[int, np.ndarray] | None = None,
) -> Iterator[tuple[int, float, np.ndarray]]:
    """(frame index, time in s, annotated BGR picture) of the given frames, in order, from one
    decoding pass; long side <= max_side_px.

    time_s: the clip's timeline (a report's), if known: the reader then seeks to the frames
    rather than decoding the clip from its start (VideoReader.frames_at).

    checks: frame index -> {rule, severity, value, limit, unit}: the flag a still illustrates,
    drawn as a ringed joint and a banner (frames without one get no banner).
    crop_to_body: cut the frame down to the lifter (with a margin) before scaling, so the body
    and its readouts fill the still.
    outlines: frame index -> the back's outline (k, 2) in image pixels (spine.outline_px), drawn
    with the straight line between its ends: what the spine rules measure. A check's other
    evidence (evidence.py) is drawn too; `track_from` in a check: the frame its path starts at."""
    wanted = set(indices)
    done = 0
    with VideoReader(video_path) as reader:
        stream = reader.frames("bgr24") if time_s is None else reader.frames_at(wanted, time_s, "bgr24")
        for frame in stream:
            if frame.index not in wanted:
                continue
            i = frame.index
            image = frame.image
            points = points_px[i, :, :2].astype(np.float64)
            box = body_box(points, image.shape[1], image.shape[0]) if crop_to_body else None
            if box is not None:
                image = image[box[1]:box[3], box[0]:box[2]]
                points = points - (box[0], box[1])
            # upscale a small crop too, so the text keeps one size on screen
            factor = max_side_px / max(image.shape[:2])
            size = (max(2, int(image.shape[1] * factor)), max(2, int(image.shape[0] * factor)))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)
            points = points * factor
            offset = np.array((box[0], box[1]) if box is not None else (0, 0), np.float64)
            if outlines and outlines.get(i) is not None:
                edge = (outlines[i] - offset) * factor
                draw_outline(image, edge)
            values = {name: float(angles[name][i]) for name in ANGLE_NAMES}
            status = statuses[i] if statuses else None
            check = (checks or {}).get(i)
            if check is not None:
                ring_joint(image, points, side, check)
                lo = check.get("track_from")
                track = None if lo is None else (points_px[lo:i + 1, :, :2] - offset) * factor
                draw_evidence(image, points, track, side, check, _flag_bgr(check))
            annotator.annotate(image, points, values, side, caption=f"{frame.time_s:6.2f} s  #{i}",
                               status={"status": status["status"], "check": None} if status else None)
            if check is not None:
                draw_flag(image, check)
            yield i, frame.time_s, image
            done += 1
            if done == len(wanted):
                break
