"""Faults: named rules with documented thresholds (`thresholds.toml`), applied frame by frame.

Each rule gives, per frame, a measured value (NaN where it does not apply) compared with a warn
and a fault limit; `worse` says which way is bad. A fault event is a run of frames at warn or
worse lasting at least `min_event_s` (one noisy frame never makes an event), with a start, a peak,
an end, a severity and the rep it falls in. It is a fault only if the fault level is held for
`min_fault_s` (longer: a fault needs more evidence than a warning), else a warning, so a spike to
fault level inside a warning leaves it a warning; the peak is the worst frame at that level.
Rules about one moment of a rep (depth at the bottom, hip height at lift-off, hips rising in the
first half of the drive) give one value per rep, at that frame.

Spine and hinge rules need a side view; knee valgus needs a front view. Rules whose view is
missing are not scored, and the report says so.

Evidence: a frame counts for a rule only where the model saw the points the rule reads (`reads`:
raw visibility at least the filter's `min_visibility`). The filter fills short gaps and smooths,
so without this a head the model lost for a second, or a foot behind a plate, would be judged on
made-up points. A rule whose fault-level calls did not reach a precision of 0.8 on the labelled
calibration clips (docs/scoring.md, "Which rules can call a fault") is capped at a warning
(`cap`): it is shown as something to look at, not counted as a fault. Against the lifter's own
reference (relative.py) the cap does not apply.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from formcheck.angles import signed_angle_deg
from formcheck.filtering import runs
from formcheck.landmarks import Landmark, Poses, side_landmark
from formcheck.lift import leg_length_px
from formcheck.reps import Rep
from formcheck.thresholds import Thresholds

SEVERITIES = ("ok", "warn", "fault")


@dataclasses.dataclass(frozen=True)
class Rule:
    name: str
    lifts: tuple[str, ...]
    view: str  # "side" or "front": the view the rule can be judged from
    warn_key: str
    fault_key: str
    worse: str  # "above" or "below": which side of the limit is bad
    unit: str
    cue: str
    reads: tuple[str, ...] = ("shoulder", "hip")  # joints (side_landmark names) the measure reads
    cap: str = "fault"  # the highest severity an absolute reading can reach ("warn": an observation)


RULES: tuple[Rule, ...] = (
    Rule("spine_flexion", ("deadlift", "rdl", "squat"), "side", "spine_flexion_warn_deg", "spine_flexion_fault_deg",
         "above", "deg", "Brace before you move and keep your chest proud: the back stays as flat as at the start."),
    # Capped: the trunk line reads 23-29 deg behind vertical on six good outdoor lockouts and 25 deg
    # on the one labelled lean-back; only against the lifter's own lockout can it be a fault.
    Rule("spine_hyperextension", ("deadlift", "rdl"), "side", "lockout_lean_back_warn_deg",
         "lockout_lean_back_fault_deg", "below", "deg",
         "Finish tall by squeezing the glutes: stand straight, don't lean back.", cap="warn"),
    Rule("neck_misalignment", ("deadlift", "rdl", "squat"), "side", "neck_change_warn_deg", "neck_change_fault_deg",
         "above", "deg", "Keep the head in line with the back: eyes a few metres ahead on the floor.",
         reads=("ear", "shoulder", "hip")),
    # Capped: its two fault-level calls on real clips are on clips whose labels say the hips and
    # shoulders rise together.
    Rule("hips_rise_early", ("deadlift", "rdl", "squat"), "side", "hips_rise_trunk_gain_warn_deg",
         "hips_rise_trunk_gain_fault_deg", "above", "deg", "Drive the chest and hips up together.", cap="warn"),
    Rule("hips_too_low", ("deadlift",), "side", "liftoff_knee_warn_deg", "liftoff_knee_fault_deg", "below", "deg",
         "Set the hips higher: shins nearly vertical, shoulders just ahead of the bar.",
         reads=("shoulder", "hip", "knee", "ankle")),
    Rule("bar_far", ("deadlift", "rdl"), "side", "bar_ahead_warn_foot", "bar_ahead_fault_foot", "above", "foot lengths",
         "Keep the bar close: drag it up the shins and thighs, over mid-foot.", reads=("wrist", "heel", "foot_index")),
    Rule("arm_bend", ("deadlift", "rdl"), "side", "elbow_warn_deg", "elbow_fault_deg", "below", "deg",
         "Arms are hooks: keep the elbows straight and pull with the legs and hips.",
         reads=("shoulder", "elbow", "wrist")),
    # Capped: the model's heel and toe points move with the shin and jump where a plate hides the
    # foot; its fault-level calls on real clips fell on clips without a heel lift.
    Rule("heel_lift", ("deadlift", "rdl", "squat"), "side", "heel_rise_warn_foot", "heel_rise_fault_foot", "above",
         "foot lengths", "Keep the whole foot down: weight over mid-foot.", reads=("heel", "foot_index"), cap="warn"),
    Rule("depth_shallow", ("squat",), "side", "depth_knee_warn_deg", "depth_knee_fault_deg", "above", "deg",
         "Sit deeper: hip crease below the top of the knee.", reads=("hip", "knee", "ankle")),
    Rule("forward_lean", ("squat",), "side", "forward_lean_warn_deg", "forward_lean_fault_deg", "above", "deg",
         "Keep the chest up and push the knees forward as you sit down."),
    Rule("knee_valgus", ("squat",), "front", "knee_valgus_warn_deg", "knee_valgus_fault_deg", "above", "deg",
         "Push the knees out over the toes.", reads=()),  # both legs, from points that keep hidden ones
)
RULE_BY_NAME = {rule.name: rule for rule in RULES}
MOMENT_RULES = {"hips_rise_early", "hips_too_low", "depth_shallow"}


@dataclasses.dataclass(frozen=True)
class FaultEvent:
    rule: str
    start: int
    peak: int
    end: int
    severity: str
    value: float
    limit: float
    rep: int | None
    time_s: float
    # 'absolute': value against the rule's limit; 'reference' / 'set': value is how much worse the
    # rep reads than the lifter's reference or the set's first reps (relative.py), and `detail`
    # holds the measure, its unit, the hip angle, this rep's and the baseline's values.
    basis: str = "absolute"
    detail: dict | None = None

    def to_dict(self) -> dict:
        rule = RULE_BY_NAME[self.rule]
        out = {
            "rule": self.rule, "start": self.start, "peak": self.peak, "end": self.end,
            "severity": self.severity, "value": round(self.value, 2), "limit": round(self.limit, 2),
            "unit": rule.unit, "rep": self.rep, "time_s": round(self.time_s, 3), "cue": rule.cue, "basis": self.basis,
        }
        if self.detail:
            out.update({k: self.detail[k] for k in ("measure", "unit", "hip_deg", "rep_value", "baseline_value")})
        return out


@dataclasses.dataclass(frozen=True)
class Measures:
    """Inputs of the rules. poses: cleaned landmarks; angles: name -> (frames,);
    side/facing: as in `angles`; spine_bend_deg: back-contour bend (frames,);
    neck_change_deg: neck angle minus its standing value; standing: frame indices standing tall."""

    poses: Poses
    angles: dict[str, np.ndarray]
    side: str
    facing: int
    reps: list[Rep]
    spine_bend_deg: np.ndarray
    neck_change_deg: np.ndarray
    standing: np.ndarray
    down: np.ndarray  # bool (frames,): in a 'down' spell
    seen: np.ndarray | None = None  # bool (frames, landmarks): the model saw the point; None: all


def seen_points(raw: Poses, min_visibility: float) -> np.ndarray:
    """bool (frames, landmarks): points the model gave with visibility at least min_visibility
    (the filter's own cut), before any gap filling or smoothing."""
    return np.asarray(raw.visibility >= min_visibility)


def _seen(m: Measures, joints: tuple[str, ...]) -> np.ndarray:
    """bool (frames,): every joint the rule reads was seen on the lifter's side."""
    if m.seen is None or not joints:
        return np.ones(m.poses.n_frames, bool)
    return np.all([m.seen[:, side_landmark(m.side, j)] for j in joints], axis=0)


def severity(value: np.ndarray, warn: float, fault: float, worse: str) -> np.ndarray:
    """int8 (frames,): 0 ok, 1 warn, 2 fault, -1 not applicable (NaN)."""
    sign = 1.0 if worse == "above" else -1.0
    out = np.where(sign * value >= sign * fault, 2, np.where(sign * value >= sign * warn, 1, 0)).astype(np.int8)
    out[~np.isfinite(value)] = -1
    return out


def _in_reps(n: int, reps: list[Rep], part: str = "all") -> np.ndarray:
    mask = np.zeros(n, bool)
    for rep in reps:
        if part == "all":
            mask[rep.start:rep.end + 1] = True
        elif part == "concentric":
            lo, hi = (rep.start, rep.turn) if rep.turn_kind == "lockout" else (rep.turn, rep.end)
            mask[lo:hi + 1] = True
    return mask


def _point(m: Measures, joint: str) -> np.ndarray:
    xy = m.poses.image_px[:, side_landmark(m.side, joint), :2].astype(np.float64)
    return np.stack([xy[:, 0] * m.facing, xy[:, 1]], axis=1)


def _foot_length(m: Measures) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmedian(np.linalg.norm(_point(m, "foot_index") - _point(m, "heel"), axis=1)))


def hinged_in_reps(m: Measures, lift: str, thresholds: Thresholds) -> np.ndarray:
    """bool (frames,): inside a rep with the trunk hinged, where the back contour is read."""
    hinged = np.abs(m.angles["trunk_incline_deg"]) >= thresholds.get(lift, "hinged_trunk_deg")
    return _in_reps(m.poses.n_frames, m.reps) & hinged


def frame_values(m: Measures, lift: str, thresholds: Thresholds) -> dict[str, np.ndarray]:
    """Per-frame measured value of every frame rule that applies to `lift` (NaN elsewhere)."""
    n = m.poses.n_frames
    in_rep = _in_reps(n, m.reps)
    trunk = m.angles["trunk_incline_deg"]
    nan = np.full(n, np.nan)
    out: dict[str, np.ndarray] = {}
    out["spine_flexion"] = np.where(hinged_in_reps(m, lift, thresholds), m.spine_bend_deg, nan)
    out["neck_misalignment"] = np.where(in_rep, np.abs(m.neck_change_deg), nan)
    foot = _foot_length(m)
    if lift in ("deadlift", "rdl"):
        after_lockout = np.zeros(n, bool)
        for rep in m.reps:
            if rep.turn_kind == "lockout":
                after_lockout[rep.turn:rep.end + 1] = True
        # Lean-back at lockout: the trunk behind vertical. (Measured against the lifter's own
        # standing trunk it flagged more good clips, not fewer: docs/scoring.md.)
        out["spine_hyperextension"] = np.where(after_lockout & ~m.down, trunk, nan)
        # The bar drifting forward: wrists ahead of mid-foot, against where they were at lift-off
        # (the shoulders' lift-off: measured from the hips' drive start it flagged two good clips,
        # whose lifters draw the bar in as they set the pull, docs/scoring.md).
        midfoot = (_point(m, "heel")[:, 0] + _point(m, "foot_index")[:, 0]) / 2
        ahead = (_point(m, "wrist")[:, 0] - midfoot) / foot
        drift = np.full(n, np.nan)
        for rep in m.reps:
            lo, hi = (rep.start, rep.turn) if rep.turn_kind == "lockout" else (rep.start, rep.end)
            drift[lo:hi + 1] = ahead[lo:hi + 1] - ahead[lo]
        out["bar_far"] = drift
        out["arm_bend"] = np.where(_in_reps(n, m.reps, "concentric"), m.angles["elbow_deg"], nan)
    # Heel rise: the heel->toe line tilting up at the heel, against its standing tilt (foot
    # lengths), read only while the toe stays at its standing height (else the whole foot moved).
    # A toe on the floor cannot sink below it: the part of the tilt that comes from the toe point
    # reading lower than standing is the model's error (its foot points turn with the shin in a
    # deep squat), not a heel rising, and is left out.
    toe_y = _point(m, "foot_index")[:, 1] / foot
    heel_y = _point(m, "heel")[:, 1] / foot
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        standing_toe, standing_heel = (np.nanmedian(v[m.standing]) if len(m.standing) else np.nan for v in (toe_y, heel_y))
    toe_change = toe_y - standing_toe  # + lower in the picture
    toe_down = np.abs(toe_change) <= thresholds.get(lift, "heel_lift_toe_still_foot")
    rise = np.fmin(toe_change, 0.0) - (heel_y - standing_heel)
    out["heel_lift"] = np.where(in_rep & toe_down, rise, nan)
    if lift == "squat":
        out["forward_lean"] = np.where(in_rep & m.down, trunk, nan)
    return {name: np.where(_seen(m, RULE_BY_NAME[name].reads), value, nan) for name, value in out.items()}


def knee_inward_deg(poses: Poses) -> np.ndarray:
    """Front view: how far the worse knee sits inside the line from its hip to its ankle, as the
    frontal-plane projection angle 180 - (hip-knee-ankle angle), + towards the other leg (caving
    in), - outside the line (knees out), per frame. A wide stance with the knees over the feet
    reads 0, where the knee gap is still smaller than the ankle gap."""
    px = poses.image_px[..., :2].astype(np.float64)
    mid_x = (px[:, Landmark.LEFT_HIP, 0] + px[:, Landmark.RIGHT_HIP, 0]) / 2
    legs = []
    for side in ("left", "right"):
        hip, knee, ankle = (px[:, side_landmark(side, j)] for j in ("hip", "knee", "ankle"))
        thigh, leg = knee - hip, ankle - hip
        with np.errstate(invalid="ignore", divide="ignore"):
            along = np.sum(thigh * leg, 1) / np.sum(leg**2, 1)
        on_line_x = hip[:, 0] + along * leg[:, 0]
        inward = np.sign(np.abs(on_line_x - mid_x) - np.abs(knee[:, 0] - mid_x))
        legs.append(inward * np.abs(signed_angle_deg(thigh, ankle - knee)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(np.stack(legs), axis=0)


DRIVE_LOOKBACK_S = 1.0  # the hips start the drive at most this long before the shoulders follow
HIP_STILL_LEG = 0.01  # hips within this (leg lengths) of their lowest have not started to rise
SET_STILL_S = 0.2  # a deadlift's set position: the hips held this long ...
SET_STILL_LEG = 0.02  # ... within this range (leg lengths; above landmark jitter)


def drive_start(hip_y: np.ndarray, time_s: np.ndarray, leg_px: float, shoulders_up: int, earliest: int,
                from_floor: bool) -> int:
    """The frame the drive starts, at or before `shoulders_up` (where the rep signal, which follows
    the shoulders, starts rising). When the hips shoot up first the shoulders stay down, so that
    signal starts late, after the fault. hip_y: the hip's image height per frame (larger is
    lower); leg_px: the leg length. Looking back at most DRIVE_LOOKBACK_S and not before
    `earliest` (the previous rep's end, or the rep's own start):
    - out of a squat's or RDL's bottom: the last frame the hips are at their lowest;
    - off the floor (deadlift): the end of the last set position (hips held still for SET_STILL_S),
      so hips raised into the set position and held there are setting up, not the drive; with no
      such hold in reach, `shoulders_up`."""
    t = time_s
    first = max(earliest, int(np.searchsorted(t, t[shoulders_up] - DRIVE_LOOKBACK_S - 1e-9)))
    window = hip_y[first:shoulders_up + 1]
    if not (np.isfinite(window).any() and np.isfinite(leg_px)):
        return shoulders_up
    if not from_floor:
        return first + int(np.flatnonzero(window >= np.nanmax(window) - HIP_STILL_LEG * leg_px)[-1])
    hold = max(int(round(SET_STILL_S / np.median(np.diff(t)))), 1) if len(t) > 1 else 1
    for end in range(shoulders_up, first + hold - 1, -1):
        held = hip_y[end - hold + 1:end + 1]
        if np.isfinite(held).all() and np.ptp(held) <= SET_STILL_LEG * leg_px:
            return end
    return shoulders_up


def drive_starts(m: Measures) -> list[int]:
    """drive_start of every rep: off the floor for a pull (not before the previous rep's end), out
    of the bottom for a squat or RDL (not before the rep's start)."""
    hip_y, t, leg = _point(m, "hip")[:, 1], m.poses.time_s, leg_length_px(m.poses)
    out = []
    for k, rep in enumerate(m.reps):
        if rep.turn_kind == "lockout":
            out.append(drive_start(hip_y, t, leg, rep.start, m.reps[k - 1].end if k else 0, from_floor=True))
        else:
            out.append(drive_start(hip_y, t, leg, rep.turn, rep.start, from_floor=False))
    return out


def trunk_gain_first_half(trunk_deg: np.ndarray, start: int, end: int) -> tuple[int, float]:
    """The hips_rise_early measure on a drive from frame `start` (the drive's start) to `end`
    (lockout / the top): (frame, the largest trunk inclination in the first half of the drive
    less the inclination at its start); NaN when not measurable. The synthetic truth labels the
    fault with this same function."""
    trunk_deg = np.asarray(trunk_deg, float)
    first_half = trunk_deg[start:start + max((end - start) // 2, 1) + 1]
    if not np.isfinite(first_half).any() or not np.isfinite(trunk_deg[start]):
        return start, float("nan")
    peak = start + int(np.nanargmax(first_half))
    return peak, float(trunk_deg[peak] - trunk_deg[start])


def moment_values(m: Measures, lift: str, thresholds: Thresholds) -> dict[str, list[tuple[int, float, int]]]:
    """(frame, value, rep index) per rep for the one-moment rules. The rep is the one measured,
    even where the frame lies just before its start (the drive can start before the rep signal)."""
    knee, trunk = m.angles["knee_deg"], m.angles["trunk_incline_deg"]
    out: dict[str, list[tuple[int, float, int]]] = {"hips_rise_early": []}
    if lift == "squat":
        out["depth_shallow"] = []
    if lift == "deadlift":
        out["hips_too_low"] = []
    for rep, lo in zip(m.reps, drive_starts(m)):
        hi = rep.turn if rep.turn_kind == "lockout" else rep.end
        peak, gain = trunk_gain_first_half(trunk, lo, hi)
        if np.isfinite(gain):
            out["hips_rise_early"].append((peak, gain, rep.index))
        if lift == "squat":
            window = knee[rep.start:rep.end + 1]
            if np.isfinite(window).any():
                bottom = rep.start + int(np.nanargmin(window))
                out["depth_shallow"].append((bottom, float(knee[bottom]), rep.index))
        if lift == "deadlift" and np.isfinite(knee[rep.start]):
            out["hips_too_low"].append((rep.start, float(knee[rep.start]), rep.index))
    for name, items in out.items():
        seen = _seen(m, RULE_BY_NAME[name].reads)
        out[name] = [(frame, value if seen[frame] else float("nan"), rep) for frame, value, rep in items]
    return out


def liftoff_upright(m: Measures, frame: int, lift: str, thresholds: Thresholds) -> int:
    """How squat-like the trunk is at lift-off, as the highest severity hips_too_low may take
    there: 0 hinged (a hinged start with bent knees is fine), 1 upright enough for a warning,
    2 upright beyond the angle error (a fault needs the trunk clearly upright)."""
    trunk = m.angles["trunk_incline_deg"][frame]
    if not trunk <= thresholds.get(lift, "liftoff_trunk_max_deg"):
        return 0
    return 2 if trunk <= thresholds.get(lift, "liftoff_trunk_fault_max_deg") else 1


def _rep_of(frame: int, reps: list[Rep]) -> int | None:
    for rep in reps:
        if rep.start <= frame <= rep.end:
            return rep.index
    return None


def _held_runs(level_of: np.ndarray, time_s: np.ndarray, min_s: float, level: int) -> list[tuple[int, int]]:
    """Runs of frames at `level` or worse that last at least min_s."""
    dt = time_s[1] - time_s[0] if len(time_s) > 1 else 0.0
    return [(a, b) for a, b in runs(level_of >= level) if time_s[b - 1] - time_s[a] + dt >= min_s - 1e-9]


def held_severity(raw: np.ndarray, time_s: np.ndarray, min_s: float, min_fault_s: float) -> np.ndarray:
    """Per-frame severity as the events see it (module doc): warn only inside a run at warn or
    worse lasting min_s, fault only inside a run at fault level lasting min_fault_s; -1 stays
    not applicable, everything else is ok."""
    held = np.where(raw >= 0, 0, -1).astype(np.int8)
    for a, b in _held_runs(raw, time_s, min_s, 1):
        held[a:b] = 1
    for a, b in _held_runs(raw, time_s, min_fault_s, 2):
        held[a:b] = np.where(held[a:b] == 1, 2, held[a:b])
    return held


def rule_severities(values: dict[str, np.ndarray], time_s: np.ndarray, lift: str,
                    thresholds: Thresholds) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per frame rule: (raw severity of each frame, held severity) - see module doc. The rule's cap
    is applied where events and frame statuses are made, so a capped event still peaks where the
    fault level was held, not at a passing spike."""
    min_s, min_fault_s = thresholds.get(lift, "min_event_s"), thresholds.get(lift, "min_fault_s")
    out = {}
    for name, value in values.items():
        rule = RULE_BY_NAME[name]
        raw = severity(value, thresholds.get(lift, rule.warn_key), thresholds.get(lift, rule.fault_key), rule.worse)
        out[name] = (raw, held_severity(raw, time_s, min_s, min_fault_s))
    return out


def find_events(
    values: dict[str, np.ndarray], moments: dict[str, list[tuple[int, float, int]]], m: Measures, lift: str,
    thresholds: Thresholds, severities: dict[str, tuple[np.ndarray, np.ndarray]],
) -> list[FaultEvent]:
    """Events of the frame rules (see module doc) and of the one-moment rules. severities: from
    rule_severities, the same that frame_status is given."""
    t = m.poses.time_s
    events: list[FaultEvent] = []
    for name, value in values.items():
        rule = RULE_BY_NAME[name]
        warn, fault = thresholds.get(lift, rule.warn_key), thresholds.get(lift, rule.fault_key)
        raw, held = severities[name]
        worse = value * (1 if rule.worse == "above" else -1)
        for start, stop in runs(held >= 1):
            level = int(held[start:stop].max())
            # The worst frame held at that level itself: a warning's peak is not a passing
            # fault-level spike, and a fault's peak is not a spike outside its held fault stretch.
            at_level = (raw[start:stop] == level) & (held[start:stop] == level)
            peak = int(start + np.argmax(np.where(at_level, worse[start:stop], -np.inf)))
            shown = min(level, SEVERITIES.index(rule.cap))
            events.append(FaultEvent(name, int(start), peak, int(stop - 1), SEVERITIES[shown], float(value[peak]),
                                     fault if shown == 2 else warn, _rep_of(peak, m.reps), float(t[peak])))
    for name, items in moments.items():
        rule = RULE_BY_NAME[name]
        warn, fault = thresholds.get(lift, rule.warn_key), thresholds.get(lift, rule.fault_key)
        for frame, value, rep in items:
            level = min(int(severity(np.array([value]), warn, fault, rule.worse)[0]), SEVERITIES.index(rule.cap))
            if name == "hips_too_low":
                level = min(level, liftoff_upright(m, frame, lift, thresholds))
            if level >= 1:
                events.append(FaultEvent(name, frame, frame, frame, SEVERITIES[level], value,
                                         fault if level == 2 else warn, rep, float(t[frame])))
    return sorted(events, key=lambda e: (e.start, e.rule))


def frame_status(values: dict[str, np.ndarray], events: list[FaultEvent], pose: np.ndarray, lift: str,
                 thresholds: Thresholds, severities: dict[str, tuple[np.ndarray, np.ndarray]]) -> list[dict]:
    """Per frame: status (ok, warn, fault, unscored) and the worst check with its value and limit.
    Statuses are the held severities (rule_severities), so a frame agrees with its event."""
    n = len(pose)
    out: list[dict] = []
    worst = np.full(n, -1, np.int8)
    check: list[dict | None] = [None] * n
    for name, value in values.items():
        rule = RULE_BY_NAME[name]
        warn, fault = thresholds.get(lift, rule.warn_key), thresholds.get(lift, rule.fault_key)
        held = np.minimum(severities[name][1], SEVERITIES.index(rule.cap))
        for i in np.flatnonzero(held > worst):
            worst[i] = held[i]
            check[i] = {"rule": name, "value": round(float(value[i]), 2), "limit": fault if held[i] == 2 else warn}
    for e in events:
        if e.start == e.end:  # one-moment rules mark their frame
            level = SEVERITIES.index(e.severity)
            if level > worst[e.peak]:
                worst[e.peak] = level
                check[e.peak] = {"rule": e.rule, "value": round(e.value, 2), "limit": e.limit}
    for i in range(n):
        status = "unscored" if not pose[i] or worst[i] < 0 else SEVERITIES[worst[i]]
        out.append({"status": status, "check": check[i] if status != "unscored" else None})
    return out
