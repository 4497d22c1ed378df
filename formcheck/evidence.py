"""Evidence: what a rule measured, drawn on its flagged still, so the picture shows why it was
flagged and not only where.

- Lean (spine_hyperextension, forward_lean): the trunk line from hip to shoulder and the vertical
  through the hip, with the angle between them named.
- Bar drift (bar_far): the wrists' path since lift-off, where they were at lift-off, and the
  mid-foot line the bar should travel over.
- Hips first (hips_rise_early): the hip's and the shoulder's tracks from where the hips were
  lowest (the drive's start) to the flagged frame, each with how far it rose, in leg lengths.
The back's outline for the spine rules is drawn by render.draw_outline. Everything is in the
still's pixels; `track` holds the lifter's points over the frames a path needs.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from formcheck.landmarks import side_landmark

LEAN_RULES = ("spine_hyperextension", "forward_lean")
TRACK_RULES = ("bar_far", "hips_rise_early")  # rules whose evidence is a path over frames
WHITE = (255, 255, 255)


def _thick(image: np.ndarray) -> int:
    return max(int(round(max(image.shape[:2]) / 240)), 2)


def _xy(p) -> tuple[int, int]:
    return int(round(p[0])), int(round(p[1]))


def dashed(image: np.ndarray, a: np.ndarray, b: np.ndarray, colour, thick: int) -> None:
    """A dashed line from a to b, dashes 4 line widths long."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n = max(int(np.hypot(*(b - a)) / (4 * thick)), 1)
    for k in range(0, n, 2):
        cv2.line(image, _xy(a + (b - a) * k / n), _xy(a + (b - a) * min(k + 1, n) / n), colour, thick, cv2.LINE_AA)


def text_size(image: np.ndarray, points: np.ndarray) -> float:
    """The evidence's text size: sized to the lifter's height in the picture (a still cropped to
    the lifter and shown phone-wide gets large text; a whole frame with a small lifter keeps it
    small enough not to cover the body), never above the picture's width allows."""
    ys = points[:, 1][np.isfinite(points[:, 1])]
    body = float(np.ptp(ys)) if len(ys) >= 2 else float(image.shape[0])
    return float(np.clip(body / 560.0, 0.45, image.shape[1] / 640.0))


def label(image: np.ndarray, text: str, at, colour, size: float) -> None:
    """Text with a dark halo, kept inside the picture. A ° is drawn as a small ring: OpenCV's
    fonts have no degree sign."""
    thick = max(int(round(2 * size)), 1)
    ring = max(int(round(4 * size)), 2)
    pieces = text.split("°")
    widths = [cv2.getTextSize(p, cv2.FONT_HERSHEY_SIMPLEX, size, thick)[0][0] for p in pieces]
    h = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, size, thick)[0][1]
    total = sum(widths) + (len(pieces) - 1) * 3 * ring
    x0 = int(min(max(at[0], 4), image.shape[1] - total - 4))
    y = int(min(max(at[1], h + 4), image.shape[0] - 4))
    for c, t in (((0, 0, 0), thick + 3), (colour, thick)):
        x = x0
        for k, (piece, w) in enumerate(zip(pieces, widths)):
            cv2.putText(image, piece, (x, y), cv2.FONT_HERSHEY_SIMPLEX, size, c, t, cv2.LINE_AA)
            x += w
            if k < len(pieces) - 1:
                cv2.circle(image, (x + int(1.5 * ring), y - h + ring), ring, c, max(t - 1 if c == colour else t, 1),
                           cv2.LINE_AA)
                x += 3 * ring


def _polyline(image: np.ndarray, points: np.ndarray, colour, thick: int) -> None:
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) >= 2:
        pts = np.round(points).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(image, [pts], False, (0, 0, 0), thick + 2, cv2.LINE_AA)
        cv2.polylines(image, [pts], False, colour, thick, cv2.LINE_AA)


def _lean(image: np.ndarray, points: np.ndarray, side: str, check: dict, colour, size: float) -> None:
    hip, shoulder = points[side_landmark(side, "hip")], points[side_landmark(side, "shoulder")]
    if not np.isfinite([hip, shoulder]).all():
        return
    thick = _thick(image)
    length = float(np.hypot(*(shoulder - hip)))
    dashed(image, hip, hip - (0, length), WHITE, thick)
    cv2.line(image, _xy(hip), _xy(shoulder), (0, 0, 0), thick + 4, cv2.LINE_AA)
    cv2.line(image, _xy(hip), _xy(shoulder), colour, thick + 2, cv2.LINE_AA)
    value = float(check["value"])
    label(image, f"trunk {abs(value):.0f}° {'back' if value < 0 else 'forward'}", shoulder + (6 * thick, -2 * thick),
          colour, size)


def _bar(image: np.ndarray, points: np.ndarray, track: np.ndarray, side: str, check: dict, colour,
         size: float) -> None:
    wrist, heel, toe = (side_landmark(side, j) for j in ("wrist", "heel", "foot_index"))
    thick = _thick(image)
    path = track[:, wrist]
    _polyline(image, path, colour, thick)
    start = path[np.isfinite(path).all(axis=1)][:1]
    if len(start):
        cv2.circle(image, _xy(start[0]), 2 * thick, WHITE, thick, cv2.LINE_AA)
    midfoot = (points[heel] + points[toe]) / 2
    if np.isfinite(midfoot).all():
        top = min(float(np.nanmin(path[:, 1])) if np.isfinite(path).any() else midfoot[1], midfoot[1]) - 4 * thick
        dashed(image, midfoot, (midfoot[0], top), WHITE, thick)
        label(image, "mid-foot", (midfoot[0] + 2 * thick, top + 6 * thick), WHITE, size)
    if np.isfinite(points[wrist]).all():
        label(image, f"bar {float(check['value']):.2f} foot ahead of lift-off", points[wrist] + (4 * thick, -4 * thick),
              colour, size)


def _leg_px(track: np.ndarray, side: str) -> float:
    """The leg's length (thigh + shank) in the still's pixels, the median over the track's frames
    (NaN when the knee or ankle was never placed)."""
    hip, knee, ankle = (track[:, side_landmark(side, j)] for j in ("hip", "knee", "ankle"))
    legs = np.linalg.norm(hip - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1)
    return float(np.nanmedian(legs)) if np.isfinite(legs).any() else float("nan")


def _rise(image: np.ndarray, track: np.ndarray, side: str, colour, size: float) -> None:
    thick = _thick(image)
    leg = _leg_px(track, side)
    for joint, name, c in (("hip", "hips", colour), ("shoulder", "shoulders", WHITE)):
        path = track[:, side_landmark(side, joint)]
        seen = path[np.isfinite(path).all(axis=1)]
        if len(seen) < 2:
            continue
        _polyline(image, path, c, thick)
        cv2.circle(image, _xy(seen[0]), 2 * thick, c, thick, cv2.LINE_AA)
        rose = (seen[0, 1] - seen[-1, 1]) / leg
        said = f"{name} {'up' if rose >= 0 else 'down'} {abs(rose):.2f} leg" if math.isfinite(rose) else name
        # beside where the track starts, below it for the hips and above for the shoulders, clear of its ring
        label(image, said, seen[0] + (3 * thick, 8 * thick if joint == "hip" else -4 * thick), c, size)


def draw_evidence(image: np.ndarray, points: np.ndarray, track: np.ndarray | None, side: str | None, check: dict,
                  colour) -> np.ndarray:
    """Draw the evidence of check's rule (module doc) on `image` (BGR, in place). points: (33, 2)
    this frame's landmarks in the image's pixels; track: (frames, 33, 2) the landmarks from the
    rep's start to this frame, for the rules in TRACK_RULES (None: their paths are not drawn)."""
    if side is None:
        return image
    rule, size = check.get("rule"), text_size(image, points)
    if rule in LEAN_RULES:
        _lean(image, points, side, check, colour, size)
    elif rule == "bar_far" and track is not None:
        _bar(image, points, track, side, check, colour, size)
    elif rule == "hips_rise_early" and track is not None:
        _rise(image, track, side, colour, size)
    return image
