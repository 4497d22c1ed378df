"""Lift: squat, deadlift, Romanian deadlift, or no lift at all.

- A lift is there when the lifter goes between standing and a low position (the `reps` spells)
  with the hips flexed (hip angle under 140 deg) and without walking away: the hips travel less
  than one leg length sideways across the move. The hip angle is read both in the image and in
  MediaPipe's metric world landmarks, and either one bent is enough: filmed from the front the
  hips flex towards the camera and the image angle stays near 180 deg (RESEARCH.md, "How accurate
  are angles from a single camera": camera angle matters more than anything else). Walking,
  waving or a person passing by is "no lift" and is not scored.
- Deadlift family: at the bottom the wrists hang at or below knee level - the hands hold a bar
  that starts at the floor. In a squat the hands are on the bar on the back, on a weight at the
  chest or held forward, well above the knees. (A bodyweight squat with the arms hanging down
  looks like a deadlift to this rule: override the lift for it.)
- Romanian deadlift: a deadlift-family clip that starts from the top - its first spell is
  standing, or the clip opens with the lifter still above the "down" line, on the way down - and
  whose bar stays at or above the knees. Anything else in the family is a (conventional)
  deadlift: its bar starts on the floor, so the clip opens at the bottom, or the lifter goes down
  to the bar to set up and pulls it from below the knees.
- Uncertain: a deadlift-family clip that starts from the top. Standing, going down and coming back
  up is an RDL, a deadlift set up from standing, or a bodyweight squat with the arms hanging: no
  posture or motion measure of these landmarks tells them apart on the labelled clips
  (docs/scoring.md, "Lift"). The call carries the reason; the page asks the user to check it.

No published cut-off exists for these numbers (RESEARCH.md has none for lift recognition); they
are set from the labelled clips with the margins given in docs/scoring.md.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from formcheck.landmarks import Landmark, Poses, side_landmark

LIFTS = ("squat", "deadlift", "rdl")
HINGED_HIP_DEG = 140.0  # labelled lifts bend the hips to 102 deg or less; walking stays above ~145 (image)
MAX_SIDEWAYS_LEG = 1.0  # hips moving further sideways than this during a move: walking, not lifting
WRIST_BELOW_KNEE_LEG = -0.3  # wrists lower than 0.3 leg lengths above the knees: hands on a floor bar
RDL_WRIST_ABOVE_KNEE_LEG = 0.0  # an RDL's bar stays at or above the knees
FROM_TOP_UNCERTAIN = ("the lifter starts standing and goes down with the hands below the knees: a deadlift set up "
                      "from standing, a Romanian deadlift and a squat with the arms hanging look alike here")


@dataclasses.dataclass(frozen=True)
class LiftCall:
    """kind: 'squat', 'deadlift', 'rdl' or 'none'; evidence: the measured values behind the call;
    uncertain: why the call may be wrong (None when the evidence is clear)."""

    kind: str
    evidence: dict
    uncertain: str | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "uncertain": self.uncertain,
                "evidence": {k: (None if v is None else round(float(v), 3)) for k, v in self.evidence.items()}}


def _mid(poses: Poses, a: Landmark, b: Landmark) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(poses.image_px[:, [a, b], :2], axis=1)


def leg_length_px(poses: Poses) -> float:
    """Median thigh + shank length over the clip (pixels), averaged over both legs."""
    hip = _mid(poses, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    knee = _mid(poses, Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE)
    ankle = _mid(poses, Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE)
    legs = np.linalg.norm(hip - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1)
    return float(np.nanmedian(legs)) if np.isfinite(legs).any() else float("nan")


def world_hip_deg(poses: Poses) -> np.ndarray:
    """float (frames,): the shoulder-hip-knee angle in the metric world landmarks (180 = straight),
    averaged over both sides. Unlike the image angle it does not depend on where the camera is."""
    world = poses.world_m.astype(np.float64)
    angles = []
    for side in ("left", "right"):
        hip = world[:, side_landmark(side, "hip")]
        u = world[:, side_landmark(side, "shoulder")] - hip
        v = world[:, side_landmark(side, "knee")] - hip
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = np.sum(u * v, axis=1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
        angles.append(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.stack(angles), axis=0)


def classify_lift(
    poses: Poses, hip_deg: np.ndarray, spells: list[tuple[int, int, int]]
) -> LiftCall:
    """poses: cleaned landmarks keeping hidden points; hip_deg: per-frame hip angle in the image;
    spells: the up/down spells from `reps.spells`."""
    leg = leg_length_px(poses)
    evidence: dict = {"leg_length_px": leg if np.isfinite(leg) else None}
    if not np.isfinite(leg) or leg <= 0:
        return LiftCall("none", {**evidence, "reason_no_legs": 1.0})
    hip = _mid(poses, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    flexed = np.fmin(np.asarray(hip_deg, np.float64), world_hip_deg(poses))  # either view of the hip bent
    moves = []
    for (s0, a0, b0), (s1, a1, b1) in zip(spells, spells[1:]):
        window = slice(a0, b1 + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sideways = (np.nanmax(hip[window, 0]) - np.nanmin(hip[window, 0])) / leg
            hinge = np.nanmin(flexed[window])
        if sideways <= MAX_SIDEWAYS_LEG and hinge <= HINGED_HIP_DEG:
            moves.append((s0, a0, b0, s1, a1, b1))
    evidence["moves"] = float(len(moves))
    if not moves:
        return LiftCall("none", evidence)
    down = np.zeros(poses.n_frames, bool)
    for s, a, b in spells:
        if s == -1:
            down[a:b + 1] = True
    wrist = _mid(poses, Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST)
    knee = _mid(poses, Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # + when the wrists are below the knees (image y grows downwards), in leg lengths
        wrist_below_knee = float(np.nanmedian((wrist[down, 1] - knee[down, 1]) / leg))
    evidence["wrist_below_knee_at_bottom_leg"] = wrist_below_knee
    if not np.isfinite(wrist_below_knee) or wrist_below_knee < WRIST_BELOW_KNEE_LEG:
        return LiftCall("squat", evidence)
    # From the top: the first spell is standing, or the first down spell begins after the clip's
    # first frame with the lifter - he was still above the down line, on his way down.
    seen = np.flatnonzero(poses.has_pose)
    from_top = spells[0][0] == 1 or (seen.size > 0 and spells[0][1] > seen[0])
    evidence["starts_from_top"] = float(from_top)
    if not from_top:
        return LiftCall("deadlift", evidence)
    kind = "rdl" if wrist_below_knee <= RDL_WRIST_ABOVE_KNEE_LEG else "deadlift"
    return LiftCall(kind, evidence, FROM_TOP_UNCERTAIN)
