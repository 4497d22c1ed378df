"""Back contour: how far the back's outline between shoulder and hip bends away from a straight
line, from PoseLandmarker's person segmentation mask.

The landmarks have no points on the spine; the hip->shoulder line only shows lean. The mask's
outline does show the back. Along the trunk (hip->shoulder chord) at stations from 25 % to 85 %
of its length - above the buttocks and below the neck - a ray is cast from the chord to the back
(away from the way the lifter faces) until the mask ends. The back edge points give a profile;
its largest distance from the straight line through its two ends is the sagitta s, and over the
chord length c the bend is

    bend_deg = 4 * atan(2 * s / c)   (exact for a circular arc: the angle the edge turns through)

+ = convex (rounded back, flexion), - = concave (arched, extension). A standing back has its own
S-shaped bend, but standing, the arms beside the trunk spoil the outline; so `spine_flexion` reads
the bend while the trunk is hinged, against a straight outline (docs/scoring.md).

Where an arm lies along the back (a bar on the back: elbows and hands behind the shoulders, or the
arms hanging beside the trunk while standing) the outline there is the arm's. An edge point closer
than ARM_CLEARANCE_CHORD to a shoulder-elbow or elbow-wrist segment is dropped; with fewer than
70 % of the stations left the bend is not measured (NaN) rather than read off the arm.

It cannot see through loose clothing, a plate or an arm in front of the back, and it measures the
outline, not the vertebrae: thoracic and lumbar flexion add up in one number.

The lower-back hollow (`hollow`) is a second reading of the same outline: the deepest point below
the straight line from the buttocks to the upper back, over that line's length. Lumbar flexion
flattens it. Between bodies it varies more than 15-30 deg of flexion changes it, so it is no use
against one limit; against the same lifter's own reps at the same hip angle it is
(docs/back-outline.md, docs/relative.md).
"""

from __future__ import annotations

import dataclasses

import numpy as np

STATIONS = np.linspace(0.25, 0.85, 13)  # fractions of the hip->shoulder chord
MASK_LEVEL = 0.5
MAX_RAY_CHORD = 0.8  # a back edge further than this from the chord is not the back
# An edge point this close to an arm segment (fraction of the chord) is the arm: about an upper
# arm's half-thickness (~5 cm) plus a margin, over a ~50 cm shoulder-hip chord.
ARM_CLEARANCE_CHORD = 0.12
# Stations of the hollow: from 10 % of the chord below the hip (the buttocks) up to the shoulder.
HOLLOW_STATIONS = np.round(np.arange(-0.10, 1.0001, 0.025), 3)
BUTTOCKS, UPPER_BACK = (-0.10, 0.30), (0.50, 1.00)  # where the hollow's line rests on the outline


@dataclasses.dataclass(frozen=True)
class BackProfile:
    """edge_px: (stations, 2) back edge points in pixels (NaN where not found);
    offsets_px: their distances from the chord; bend_deg: see module doc (NaN if unmeasurable)."""

    edge_px: np.ndarray
    offsets_px: np.ndarray
    bend_deg: float


def _distance_to_segment(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = float(np.clip((point - a) @ ab / max(float(ab @ ab), 1e-9), 0.0, 1.0))
    return float(np.linalg.norm(point - (a + t * ab)))


def back_profile(
    mask: np.ndarray, hip_px: np.ndarray, shoulder_px: np.ndarray, facing: int,
    arms_px: list[tuple[np.ndarray, np.ndarray]] = (), stations: np.ndarray = STATIONS,
) -> BackProfile:
    """mask: float (height, width) 0..1 person mask in the same pixels as the points.
    facing: +1 if the lifter faces image right (+x), -1 if left. arms_px: arm segments (end points
    in pixels); edge points on them are not the back (module doc). stations: fractions of the
    chord to cast rays from (STATIONS: those the bend is judged on)."""
    chord = shoulder_px - hip_px
    length = float(np.hypot(*chord))
    nan = BackProfile(np.full((len(stations), 2), np.nan), np.full(len(stations), np.nan), float("nan"))
    if not np.isfinite(length) or length < 10:
        return nan
    u = chord / length
    # Posterior normal: the lifter faces +x*facing; rotate the trunk direction away from it.
    posterior = np.array([u[1], -u[0]]) if facing > 0 else np.array([-u[1], u[0]])
    height, width = mask.shape
    steps = np.arange(0.0, MAX_RAY_CHORD * length, 1.0)
    offsets = np.full(len(stations), np.nan)
    edges = np.full((len(stations), 2), np.nan)
    for k, f in enumerate(stations):
        ray = hip_px + f * chord + steps[:, None] * posterior
        xi, yi = np.round(ray[:, 0]).astype(int), np.round(ray[:, 1]).astype(int)
        inside = (xi >= 0) & (xi < width) & (yi >= 0) & (yi < height)
        if not inside[0]:
            continue
        values = np.zeros(len(steps))
        values[inside] = mask[yi[inside], xi[inside]]
        outside = np.flatnonzero(values < MASK_LEVEL)
        if len(outside) == 0 or outside[0] == 0:
            continue  # the chord point itself is not on the person, or the edge is out of reach
        edge = ray[outside[0]]
        if any(_distance_to_segment(edge, a, b) < ARM_CLEARANCE_CHORD * length for a, b in arms_px):
            continue  # the outline here is an arm's
        offsets[k] = steps[outside[0]] - 0.5
        edges[k] = edge
    return BackProfile(edges, offsets, bend_deg(offsets, length, stations))


def bend_deg(offsets_px: np.ndarray, chord_px: float, stations: np.ndarray = STATIONS) -> float:
    """Signed bend of a profile of distances from the chord, measured at `stations` (see module doc).

    A parabola is fitted to all the edge points (least squares), so a single ragged point of the
    mask (it is upsampled from the model's 256x256 output) does not decide the result; its
    sagitta over the span is s = -c * span^2 / 4 for d(x) = a + b x + c x^2.
    """
    ok = np.isfinite(offsets_px)
    if ok.sum() < len(stations) * 0.7:
        return float("nan")
    x = stations[ok] * chord_px
    c = np.polyfit(x - x.mean(), offsets_px[ok], 2)[0]
    span = (stations[-1] - stations[0]) * chord_px
    sagitta = -c * span**2 / 4.0
    return float(np.degrees(4.0 * np.arctan(2.0 * sagitta / span)))


def hollow(offsets_px: np.ndarray, chord_px: float, stations: np.ndarray = HOLLOW_STATIONS) -> float:
    """The lower-back hollow of a profile taken at `stations` (module doc): the outline's deepest
    point below the line from its most posterior point over the buttocks to its most posterior
    point on the upper back, over that line's length; NaN when either end is not seen."""
    x = stations * chord_px
    ok = np.isfinite(offsets_px)
    low = np.flatnonzero(ok & (stations >= BUTTOCKS[0]) & (stations <= BUTTOCKS[1]))
    high = np.flatnonzero(ok & (stations >= UPPER_BACK[0]) & (stations <= UPPER_BACK[1]))
    if not len(low) or not len(high):
        return float("nan")
    a, b = low[np.argmax(offsets_px[low])], high[np.argmax(offsets_px[high])]
    between = np.arange(a, b + 1)
    line = np.interp(x[between], [x[a], x[b]], [offsets_px[a], offsets_px[b]])
    return float(np.nanmax(line - offsets_px[between]) / np.hypot(x[b] - x[a], offsets_px[b] - offsets_px[a]))
