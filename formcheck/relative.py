"""Relative judgment: each rep's back shape against the lifter's own neutral at the same point of
the lift - a saved reference session of theirs, or, without one, the set's own first reps.

One limit for every body flags good backs and misses rounded ones (docs/relative.md): how an
outline looks differs more between bodies, clothes and cameras than 15-30 deg of lumbar flexion
changes it. Against the same lifter, those cancel.

Shape (`rep_shapes`, stored with every session): per rep and per shape measure, the median of the
measure over the rep's frames in each hip-angle bin (PHASE_EDGES_DEG), so reps of other tempo or
depth are compared at the same hip angle, not the same time; and the rep's lockout lean-back.
The measures (MEASURES): the back outline's bend (deg, + rounder), the lower back's hollow (% of
the buttocks->upper-back line, smaller = flatter) and the hip->shoulder chord (% change against
standing, - = shoulders rolled in).

Comparison (`compare`): a measure's deviation in a bin is how much worse the rep reads than the
baseline reps' mean there; it counts where two neighbouring bins both deviate (one bin is one
ragged mask), and is judged against margin + spread_x times the baseline's own rep-to-rep spread
(never less than the measure's noise floor). Limits live in thresholds.toml [common]
(relative_*), with their reasoning.

Comparable (`comparable`): a reference from another camera angle, distance or body proportions in
the picture (another lens, another lifter) is refused with the reason, and the set is its own
baseline instead.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from formcheck.faults import SEVERITIES, FaultEvent
from formcheck.landmarks import Poses, side_landmark
from formcheck.reps import Rep
from formcheck.thresholds import Thresholds

SHAPE_VERSION = 1
PHASE_EDGES_DEG = np.arange(40.0, 181.0, 10.0)  # hip angle: 180 standing, ~60 at a deadlift's floor


@dataclasses.dataclass(frozen=True)
class ShapeMeasure:
    name: str
    worse: int  # +1: larger is worse (rounder); -1: smaller is worse
    key: str  # thresholds: relative_<key>_warn_<unit>, _fault_<unit>, _floor_<unit>
    key_unit: str
    label: str  # what a sentence calls it
    worse_word: str  # "9 deg rounder", "2 % flatter"
    unit: str


MEASURES = (
    ShapeMeasure("bend_deg", +1, "bend", "deg", "back outline", "rounder", "deg"),
    ShapeMeasure("hollow_pct", -1, "hollow", "pct", "lower-back curve", "flatter", "% of back length"),
    ShapeMeasure("chord_pct", -1, "chord", "pct", "shoulder-to-hip distance", "shorter", "% of trunk length"),
)
MEASURE_BY_NAME = {m.name: m for m in MEASURES}
BASES = ("reference", "set", "absolute")


def _nan_stat(fn, values: np.ndarray, **kw) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(fn(values, **kw)) if np.isfinite(values).any() else float("nan")


def _r(value: float, digits: int = 2) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def binned(hip_deg: np.ndarray, values: np.ndarray, frames: slice) -> list[float | None]:
    """Median of `values` over the frames in `frames` whose hip angle falls in each phase bin."""
    hip, v = hip_deg[frames], values[frames]
    which = np.digitize(hip, PHASE_EDGES_DEG) - 1
    out = []
    for k in range(len(PHASE_EDGES_DEG) - 1):
        picked = v[(which == k) & np.isfinite(v) & np.isfinite(hip)]
        out.append(_r(float(np.median(picked)), 3) if len(picked) else None)
    return out


def camera(poses: Poses, side: str, standing: np.ndarray, view: dict, chord_thigh_ratio: float,
           frame_diagonal_px: float) -> dict:
    """What makes two sessions comparable: the view and yaw, the lifter's thigh length standing
    over the frame's diagonal (distance and zoom, whatever the rotation), the trunk chord over the
    thigh (body in the picture: another lifter, a higher or lower camera, another lens)."""
    hip = poses.image_px[:, side_landmark(side, "hip"), :2]
    thigh = np.linalg.norm(poses.image_px[:, side_landmark(side, "knee"), :2] - hip, axis=1)
    standing_thigh = _nan_stat(np.nanmedian, thigh[standing]) if len(standing) else float("nan")
    return {"view": view.get("kind"), "yaw_deg": view.get("yaw_deg"),
            "thigh_frame": _r(standing_thigh / frame_diagonal_px, 4),
            "trunk_thigh": _r(chord_thigh_ratio, 4)}


def rep_shapes(reps: list[Rep], hip_deg: np.ndarray, series: dict[str, np.ndarray],
               lean_back_deg: np.ndarray | None) -> list[dict]:
    """Per rep: the binned shape measures (`series`: name in MEASURES -> per-frame values) and the
    lockout lean-back (the smallest trunk inclination after lockout; None for squats)."""
    out = []
    for rep in reps:
        frames = slice(rep.start, rep.end + 1)
        row = {"index": rep.index, "bins": {name: binned(hip_deg, values, frames) for name, values in series.items()}}
        if lean_back_deg is not None:
            row["lean_back_deg"] = _r(_nan_stat(np.nanmin, lean_back_deg[frames]))
        out.append(row)
    return out


def shape(lift: str, cam: dict, reps: list[dict]) -> dict:
    return {"version": SHAPE_VERSION, "lift": lift, "phase_edges_deg": PHASE_EDGES_DEG.tolist(),
            "camera": cam, "reps": reps}


def comparable(this: dict, reference: dict, thresholds: Thresholds) -> str | None:
    """None when `this` session's shape can be judged against `reference`'s; else why not."""
    if reference.get("version") != SHAPE_VERSION or reference.get("phase_edges_deg") != PHASE_EDGES_DEG.tolist():
        return "the reference was measured by an older formcheck: analyse it again"
    if reference["lift"] != this["lift"]:
        return f"the reference is a {reference['lift']}, this is a {this['lift']}"
    a, b = this["camera"], reference["camera"]
    if a["view"] != "side" or b["view"] != "side":
        return "both need a side view"
    lift = this["lift"]
    yaw = abs((a["yaw_deg"] or 0) - (b["yaw_deg"] or 0))
    if yaw > thresholds.get(lift, "relative_max_yaw_change_deg"):
        return f"the camera is {yaw:.0f} deg further round the lifter than in the reference"
    for key, what, limit in (("thigh_frame", "the lifter's size in the picture (camera distance or zoom)",
                              "relative_max_scale_change_fraction"),
                             ("trunk_thigh", "the trunk against the thigh in the picture (camera height, lens "
                              "or another lifter)", "relative_max_body_change_fraction")):
        if a[key] is None or b[key] is None:
            return f"{what} could not be measured"
        change = a[key] / b[key] - 1.0
        if abs(change) > thresholds.get(lift, limit):
            return f"{what} differs by {change:+.0%} from the reference"
    return None


def _held(dev: np.ndarray) -> tuple[float, int]:
    """The largest deviation held over two neighbouring bins, and the worse bin of that pair."""
    best, at = float("nan"), -1
    for k in range(len(dev) - 1):
        pair = dev[k:k + 2]
        if np.isfinite(pair).all() and not (min(pair) <= best):
            best, at = float(min(pair)), k + int(np.argmax(pair))
    return best, at


def _matrix(reps: list[dict], name: str) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in r["bins"][name]] for r in reps], float).reshape(
        len(reps), len(PHASE_EDGES_DEG) - 1)


@dataclasses.dataclass(frozen=True)
class Deviation:
    """One rep's worst held deviation on one measure (+ = worse) and the limits it is judged by."""

    rep: int
    measure: str
    deviation: float
    warn: float
    fault: float
    hip_deg: float
    rep_value: float
    baseline_value: float

    @property
    def level(self) -> int:
        return 2 if self.deviation >= self.fault else 1 if self.deviation >= self.warn else 0

    @property
    def ratio(self) -> float:
        return self.deviation / self.warn

    def to_dict(self) -> dict:
        m = MEASURE_BY_NAME.get(self.measure)
        return {"rep": self.rep, "measure": self.measure, "deviation": _r(self.deviation),
                "unit": m.unit if m else "deg", "warn": _r(self.warn), "fault": _r(self.fault),
                "hip_deg": _r(self.hip_deg, 0), "rep_value": _r(self.rep_value), "baseline_value": _r(self.baseline_value),
                "level": ("ok", "warn", "fault")[self.level]}


def compare(reps: list[dict], baseline: list[dict], lift: str, thresholds: Thresholds) -> dict[int, list[Deviation]]:
    """Rep index -> its deviation on every shape measure that could be compared (module doc)."""
    k = thresholds.get(lift, "relative_spread_x")
    centres = (PHASE_EDGES_DEG[:-1] + PHASE_EDGES_DEG[1:]) / 2
    out: dict[int, list[Deviation]] = {r["index"]: [] for r in reps}
    for m in MEASURES:
        base = _matrix(baseline, m.name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(base, axis=0)
            spread_bins = np.nanstd(base, axis=0, ddof=1) if len(base) >= 2 else np.full(base.shape[1], np.nan)
        spread = max(_nan_stat(np.nanmedian, spread_bins), 0.0) if np.isfinite(spread_bins).any() else 0.0
        floor = thresholds.get(lift, f"relative_{m.key}_floor_{m.key_unit}")
        noise = k * max(spread, floor)
        warn, fault = (thresholds.get(lift, f"relative_{m.key}_{level}_{m.key_unit}") + noise for level in ("warn", "fault"))
        for row in reps:
            values = _matrix([row], m.name)[0]
            held, at = _held(m.worse * (values - mean))
            if at >= 0:
                out[row["index"]].append(Deviation(row["index"], m.name, held, warn, fault, float(centres[at]),
                                                   float(values[at]), float(mean[at])))
    return out


def compare_lean_back(reps: list[dict], baseline: list[dict], lift: str, thresholds: Thresholds) -> dict[int, Deviation]:
    """Rep index -> how much further it leans back at lockout than the baseline's mean (+ = further)."""
    base = [r["lean_back_deg"] for r in baseline if r.get("lean_back_deg") is not None]
    if not base:
        return {}
    mean = float(np.mean(base))
    warn, fault = (thresholds.get(lift, f"relative_lean_back_{level}_deg") for level in ("warn", "fault"))
    return {r["index"]: Deviation(r["index"], "lean_back_deg", mean - r["lean_back_deg"], warn, fault, 180.0,
                                  r["lean_back_deg"], mean)
            for r in reps if r.get("lean_back_deg") is not None}


def worst(deviations: list[Deviation]) -> Deviation | None:
    """The deviation furthest past its warn limit (or nearest it, when none is past)."""
    return max(deviations, key=lambda d: d.ratio, default=None)


def set_baseline(reps: list[dict], thresholds: Thresholds, lift: str) -> tuple[list[dict], list[dict]]:
    """(baseline reps, reps judged against them) when the set is its own baseline: its first
    `set_baseline_reps` reps, judged only in a set of at least `set_min_reps` reps."""
    n_base = int(thresholds.get(lift, "set_baseline_reps"))
    if len(reps) < max(int(thresholds.get(lift, "set_min_reps")), n_base + 1):
        return [], []
    return reps[:n_base], reps[n_base:]


@dataclasses.dataclass(frozen=True)
class Reference:
    """A saved session an athlete marked as their neutral for a lift (the store keeps its shape)."""

    session_uid: str
    recorded_on: str
    lift: str
    shape: dict
    athlete: str | None = None
    session_id: int | None = None  # in the store it came from

    def to_dict(self) -> dict:
        return {"session_uid": self.session_uid, "recorded_on": self.recorded_on, "lift": self.lift,
                "athlete": self.athlete}


@dataclasses.dataclass(frozen=True)
class Judgement:
    """basis: 'reference', 'set' or None (nothing to compare with); why_not_reference: the reason a
    given reference was not used; baseline: the set's rep indices used as baseline (basis 'set');
    spine: rep -> deviations on the shape measures; lean_back: rep -> lockout lean-back deviation
    (against a reference only)."""

    basis: str | None
    reference: Reference | None
    why_not_reference: str | None
    baseline: list[int]
    spine: dict[int, list[Deviation]]
    lean_back: dict[int, Deviation]

    def to_dict(self) -> dict:
        return {
            "basis": self.basis,
            "reference": None if self.reference is None else self.reference.to_dict(),
            "why_not_reference": self.why_not_reference,
            "baseline_reps": self.baseline,
            "reps": [{"rep": rep, "worst": None if worst(d) is None else worst(d).to_dict(),
                      "measures": [x.to_dict() for x in d]} for rep, d in sorted(self.spine.items())],
            "lean_back": [d.to_dict() for _, d in sorted(self.lean_back.items())],
        }


def judge(this: dict, lift: str, thresholds: Thresholds, reference: Reference | None) -> Judgement:
    """Against the reference when it is comparable, else the set against its own first reps."""
    why = None if reference is None else comparable(this, reference.shape, thresholds)
    reps = this["reps"]
    if reference is not None and why is None:
        base = reference.shape["reps"]
        return Judgement("reference", reference, None, [], compare(reps, base, lift, thresholds),
                         compare_lean_back(reps, base, lift, thresholds))
    base, judged = set_baseline(reps, thresholds, lift)
    if not base:
        return Judgement(None, None, why, [], {}, {})
    return Judgement("set", None, why, [r["index"] for r in base], compare(judged, base, lift, thresholds), {})


def _nearest_frame(rep: Rep, hip_deg: np.ndarray, values: np.ndarray | None, hip_target: float) -> int:
    """The rep's frame whose hip angle is nearest `hip_target`, among frames with a value if any."""
    frames = np.arange(rep.start, rep.end + 1)
    distance = np.abs(hip_deg[frames] - hip_target)
    if values is not None and np.isfinite(values[frames]).any():
        distance = np.where(np.isfinite(values[frames]), distance, np.inf)
    distance = np.nan_to_num(distance, nan=np.inf)
    return int(frames[np.argmin(distance)]) if np.isfinite(distance).any() else rep.turn


def events(j: Judgement, reps: list[Rep], hip_deg: np.ndarray, series: dict[str, np.ndarray],
           time_s: np.ndarray) -> list[FaultEvent]:
    """The judgement's flags as fault events (spine_flexion, and spine_hyperextension against a
    reference), one per rep at most per rule, on the frame where the rep deviated most."""
    by_index = {rep.index: rep for rep in reps}
    out = []
    for rule, worst_of in (("spine_flexion", {r: worst(d) for r, d in j.spine.items()}),
                           ("spine_hyperextension", j.lean_back)):
        for index, d in sorted(worst_of.items()):
            if d is None or d.level == 0 or index not in by_index:
                continue
            rep = by_index[index]
            frame = rep.turn if d.measure == "lean_back_deg" else _nearest_frame(rep, hip_deg, series.get(d.measure),
                                                                                  d.hip_deg)
            out.append(FaultEvent(rule, frame, frame, frame, SEVERITIES[d.level], d.deviation,
                                  d.fault if d.level == 2 else d.warn, index, float(time_s[frame]),
                                  basis=j.basis, detail=d.to_dict()))
    return out


def merge(absolute: list[FaultEvent], relative: list[FaultEvent], replace_rules: set[str]) -> list[FaultEvent]:
    """Absolute events with the relative ones: a rule in `replace_rules` is judged relatively only
    (its absolute events are dropped); for the others, per rep, the relative event replaces the
    rule's absolute events when it is at least as severe, else the absolute ones stay. Absolute
    limits keep applying: a rep past them is never let off because its baseline was as bad."""
    rel = {(e.rule, e.rep): e for e in relative}
    kept = []
    for e in absolute:
        if e.rule in replace_rules:
            continue
        other = rel.get((e.rule, e.rep))
        if other is not None and SEVERITIES.index(other.severity) >= SEVERITIES.index(e.severity):
            continue
        kept.append(e)
    covered = {(e.rule, e.rep) for e in kept}  # an absolute event worse than the relative one stayed
    added = [e for key, e in rel.items() if key not in covered]
    return sorted(kept + added, key=lambda e: (e.start, e.rule))


def reference_problems(report: dict) -> list[str]:
    """Why a session should not silently become the lifter's neutral: no back shape to compare
    with, or its own reps break the back rules' limits (a rounded reference would make rounding
    the lifter's normal)."""
    shape = (report.get("assessment") or {}).get("shape")
    if not shape or not shape.get("reps"):
        return ["it has no side-view reps whose back shape could be measured"]
    out = []
    for e in report.get("faults", []):
        if e["rule"] == "spine_flexion" or (e["rule"] in ("spine_hyperextension", "neck_misalignment")
                                            and e["severity"] == "fault"):
            rep = "" if e.get("rep") is None else f" on rep {e['rep'] + 1}"
            out.append(f"{e['rule']} ({e['severity']}){rep}")
    return out
