"""Spine: measures of the back's shape, since the landmarks have no points on the spine.

(a) Baseline: the lifter's own neck angle and trunk chord while standing tall (frames in the
    'up' spells), so a lifter's natural posture is not a fault.
(b) Trunk geometry against it: the hip->shoulder chord over the thigh length. Rounding the back
    shortens the chord (shoulders roll towards the hips); a lean does not change it. It also
    shrinks when the trunk turns out of the image plane, so it is only read in a side view.
(c) Head and neck: `neck_deg` (ear against the trunk line) minus its standing value.
(d) Back contour: the bend of the back's outline from the segmentation mask (`contour`), measured
    on the frames inside reps that the mask sample took (`masks`: 10 a second; masks on every
    frame would cost the tracking pass half as much again). It has no standing
    baseline: standing, the arms beside the trunk are its outline (docs/scoring.md).

What each can see: (b) sees gross rounding of the whole trunk but is blind to a bend that keeps
the chord length (e.g. lower back flexed, upper back extended); (c) sees the head dropping or
being thrown back, not the cervical vertebrae; (d) sees the outline of the back, which loose
clothing, long hair or a plate in front of the back distort, is not measured where the arms lie
along the back (a back squat), and adds thoracic and lumbar bend into one number. None of them is
a measurement of vertebral angles.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from formcheck.contour import HOLLOW_STATIONS, back_profile, hollow
from formcheck.landmarks import Poses, side_landmark
from formcheck.masks import Masks
from formcheck.reps import Rep


@dataclasses.dataclass(frozen=True)
class SpineSettings:
    max_gap_s: float = 0.25  # contour values are interpolated across gaps up to this long


@dataclasses.dataclass(frozen=True)
class Spine:
    """Per-frame arrays (frames,), NaN where not measured.

    bend_deg: back-contour bend (+ rounded, - arched; judged against a straight outline, see
    docs/scoring.md); hollow: the lower back's hollow over the buttocks->upper-back line (smaller =
    flatter; contour.hollow); neck_change_deg: neck_deg minus its standing baseline; chord_change: hip->shoulder
    chord over thigh length, as a fraction of its standing value minus 1 (- = shortened).
    baseline: the standing values; contour_frames: frames the mask was measured on."""

    bend_deg: np.ndarray
    hollow: np.ndarray
    neck_change_deg: np.ndarray
    chord_change: np.ndarray
    baseline: dict
    contour_frames: list[int]

    def summary(self) -> dict:
        return {
            "baseline": {k: (None if v is None or not np.isfinite(v) else round(float(v), 2)) for k, v in self.baseline.items()},
            "contour_frames": len(self.contour_frames),
        }


def standing_frames(ext: np.ndarray, up: float) -> np.ndarray:
    """Frame indices where the lifter stands tall (extension at or above `up`)."""
    return np.flatnonzero(np.nan_to_num(ext, nan=-1.0) >= up)


def contour_frames(reps: list[Rep], masks: Masks) -> list[int]:
    """Frames to measure the back contour on: the sampled frames (`masks`) inside reps."""
    return [i for i in masks.samples if any(rep.start <= i <= rep.end for rep in reps)]


def arm_segments(points_px: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shoulder-elbow and elbow-wrist segments of both arms (pixels) from one frame's landmarks
    (33, >=2), where both ends are known."""
    out = []
    for side in ("left", "right"):
        joints = [points_px[side_landmark(side, j), :2].astype(np.float64) for j in ("shoulder", "elbow", "wrist")]
        out += [(a, b) for a, b in zip(joints, joints[1:]) if np.isfinite(a).all() and np.isfinite(b).all()]
    return out


def _sampled_trunk(masks: Masks, poses: Poses, side: str, index: int):
    """(mask, hip, shoulder, scale) on a frame the mask sample took, the points in the mask's
    pixels; None on other frames, without both points, or with no mask near the lifter's torso."""
    sample = masks.samples.get(index)
    if sample is None:
        return None
    hip, shoulder = (poses.image_px[index, side_landmark(side, j), :2].astype(np.float64) for j in ("hip", "shoulder"))
    if not (np.isfinite(hip).all() and np.isfinite(shoulder).all()):
        return None
    mask = sample.nearest((hip + shoulder) / 2)
    return None if mask is None else (mask, hip * sample.scale, shoulder * sample.scale, sample.scale)


def contour_measures(masks: Masks, frames: list[int], poses: Poses, side: str,
                     facing: int) -> tuple[dict[int, float], dict[int, float]]:
    """(bend, lower-back hollow) per frame, from the sampled mask whose torso centre is nearest
    the lifter's (contour.back_profile; the hollow's outline keeps arm points: they lie above it)."""
    bends, hollows = {}, {}
    for index in frames:
        trunk = _sampled_trunk(masks, poses, side, index)
        if trunk is None:
            continue
        mask, hip, shoulder, s = trunk
        arms = [(a * s, b * s) for a, b in arm_segments(poses.image_px[index])]
        bends[index] = back_profile(mask, hip, shoulder, facing, arms).bend_deg
        dense = back_profile(mask, hip, shoulder, facing, stations=HOLLOW_STATIONS)
        hollows[index] = hollow(dense.offsets_px, float(np.linalg.norm(shoulder - hip)))
    return bends, hollows


def outline_px(masks: Masks, poses: Poses, side: str, facing: int, index: int) -> np.ndarray | None:
    """The back's outline on a frame the mask sample took: edge points (k, 2) in image pixels
    from the buttocks up to the shoulder (contour.HOLLOW_STATIONS, where found); None on other
    frames or where no outline is read. What the stills draw for the spine rules."""
    trunk = _sampled_trunk(masks, poses, side, index)
    if trunk is None:
        return None
    mask, hip, shoulder, s = trunk
    edge = back_profile(mask, hip, shoulder, facing, stations=HOLLOW_STATIONS).edge_px / s
    edge = edge[np.isfinite(edge).all(axis=1)]
    return edge if len(edge) >= 3 else None


def _interpolate(values: dict[int, float], time_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Samples -> (frames,): each sample is the median of itself and its neighbours (within
    max_gap_s), so one ragged mask does not make an event; gaps up to max_gap_s are interpolated."""
    out = np.full(len(time_s), np.nan)
    known = sorted(i for i, v in values.items() if np.isfinite(v))
    raw = dict(values)
    values = {}
    for k, i in enumerate(known):
        near = [raw[j] for j in known[max(k - 1, 0):k + 2] if abs(time_s[j] - time_s[i]) <= max_gap_s]
        values[i] = float(np.median(near))
    for i in known:
        out[i] = values[i]
    for a, b in zip(known, known[1:]):
        if b - a > 1 and time_s[b] - time_s[a] <= max_gap_s:
            out[a + 1:b] = np.interp(time_s[a + 1:b], [time_s[a], time_s[b]], [values[a], values[b]])
    return out


def measure(
    poses: Poses, angles: dict[str, np.ndarray], side: str, standing: np.ndarray, bends: dict[int, float],
    settings: SpineSettings = SpineSettings(), hollows: dict[int, float] | None = None,
) -> Spine:
    """Combine the standing baseline with the per-frame measures (see module doc)."""
    t = poses.time_s
    bend = _interpolate(bends, t, settings.max_gap_s)
    hollow_ = _interpolate(hollows or {}, t, settings.max_gap_s)
    hip = poses.image_px[:, side_landmark(side, "hip"), :2]
    chord = np.linalg.norm(poses.image_px[:, side_landmark(side, "shoulder"), :2] - hip, axis=1)
    thigh = np.linalg.norm(poses.image_px[:, side_landmark(side, "knee"), :2] - hip, axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ratio = chord / np.nanmedian(thigh)

        def base(values: np.ndarray) -> float:
            picked = values[standing] if len(standing) else values[:0]
            return float(np.nanmedian(picked)) if np.isfinite(picked).any() else float("nan")

        baseline = {
            "neck_deg": base(angles["neck_deg"]),
            "chord_thigh_ratio": base(ratio),
        }
    return Spine(
        bend_deg=bend,
        hollow=hollow_,
        neck_change_deg=angles["neck_deg"] - baseline["neck_deg"],
        chord_change=ratio / baseline["chord_thigh_ratio"] - 1.0,
        baseline=baseline,
        contour_frames=sorted(bends),
    )
