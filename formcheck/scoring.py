"""Scoring: apply the fault rules to an assessed clip, and fill the report.

Rep score = 100 minus, for each rule with an event in the rep, its penalty at the worst
severity seen: spine_flexion 30 (fault) / 10 (warn), every other rule 20 / 7; never below 0.
Session score = the mean of the rep scores (none when no rep was found). A rule is counted once
per rep however many events it has, so a long fault is not punished more than a short one of the
same severity; the event list keeps the durations.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck import relative
from formcheck.analysis import Analysis
from formcheck.assess import Assessment
from formcheck.faults import (
    RULE_BY_NAME,
    FaultEvent,
    Measures,
    find_events,
    frame_status,
    frame_values,
    hinged_in_reps,
    knee_inward_deg,
    moment_values,
    rule_severities,
    seen_points,
)
from formcheck.landmarks import side_landmark
from formcheck.report import Report
from formcheck.reps import RepSettings
from formcheck.spine import standing_frames
from formcheck.thresholds import Thresholds

PENALTY = {"fault": 20.0, "warn": 7.0}
SPINE_PENALTY = {"fault": 30.0, "warn": 10.0}


def rep_scores(n_reps: int, events: list[FaultEvent]) -> list[float]:
    scores = []
    for index in range(n_reps):
        worst: dict[str, float] = {}
        for e in events:
            if e.rep == index:
                table = SPINE_PENALTY if e.rule == "spine_flexion" else PENALTY
                worst[e.rule] = max(worst.get(e.rule, 0.0), table[e.severity])
        scores.append(max(0.0, 100.0 - sum(worst.values())))
    return scores


def _rep_row(rep, analysis: Analysis, spine, events: list[FaultEvent], score: float, lift: str) -> dict:
    frames = slice(rep.start, rep.end + 1)
    row = rep.to_dict()
    a = analysis.angles
    with np.errstate(all="ignore"):
        row["min_hip_deg"] = _round(np.nanmin(a["hip_deg"][frames]) if np.isfinite(a["hip_deg"][frames]).any() else None)
        row["max_spine_bend_deg"] = _round(np.nanmax(spine.bend_deg[frames]) if np.isfinite(spine.bend_deg[frames]).any() else None)
        # how much the hip->shoulder chord shortened against standing (- = shoulders rolled in)
        row["min_trunk_chord_change"] = _round(np.nanmin(spine.chord_change[frames]) if np.isfinite(spine.chord_change[frames]).any() else None)
        row["max_neck_change_deg"] = _round(np.nanmax(np.abs(spine.neck_change_deg[frames])) if np.isfinite(spine.neck_change_deg[frames]).any() else None)
        if lift == "squat":
            row["depth_knee_deg"] = _round(np.nanmin(a["knee_deg"][frames]) if np.isfinite(a["knee_deg"][frames]).any() else None)
            row["depth_hip_below_knee_thigh"] = _depth(analysis, rep.turn)
    row["score"] = round(score, 1)
    row["faults"] = sorted({e.rule for e in events if e.rep == rep.index})
    return row


def _depth(analysis: Analysis, bottom: int) -> float | None:
    """Hip joint below the knee joint at the bottom, in thigh lengths (+ below). The IPF rule
    compares the hip crease with the top of the knee, which sit ~0.1-0.2 thigh lengths lower and
    higher than these joint centres: a parallel squat reads about -0.15 here."""
    side = analysis.angles.side
    hip = analysis.poses.image_px[bottom, side_landmark(side, "hip"), :2]
    knee = analysis.poses.image_px[bottom, side_landmark(side, "knee"), :2]
    thigh = float(np.hypot(*(hip - knee)))
    return _round((hip[1] - knee[1]) / thigh) if thigh > 0 else None


def _round(value) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 2)


def _shape(analysis: Analysis, assessment: Assessment, values: dict[str, np.ndarray], standing: np.ndarray,
           hinged: np.ndarray, view: dict, lift: str) -> tuple[dict, dict[str, np.ndarray]]:
    """This session's shape (relative.py) and the per-frame shape measures it was binned from:
    read while the trunk is hinged, as spine_flexion reads the outline (standing, the arms spoil it)."""
    spine = assessment.spine
    series = {name: np.where(hinged, values, np.nan) for name, values in (
        ("bend_deg", spine.bend_deg), ("hollow_pct", spine.hollow * 100.0), ("chord_pct", spine.chord_change * 100.0))}
    v = analysis.report.video
    cam = relative.camera(analysis.poses, analysis.angles.side, standing, view, spine.baseline["chord_thigh_ratio"],
                          float(np.hypot(v.width_px, v.height_px)))
    reps = relative.rep_shapes(assessment.reps, analysis.angles["hip_deg"], series, values.get("spine_hyperextension"))
    return relative.shape(lift, cam, reps), series


def score_report(
    analysis: Analysis, assessment: Assessment, thresholds: Thresholds, rep_settings: RepSettings = RepSettings(),
    reference: relative.Reference | None = None, judge_relative: bool = True,
) -> Report:
    """The analysis's report with lift, view, reps, faults, score, warnings and frame statuses.
    reference: the athlete's reference session for this lift; without one (or when it is not
    comparable) a set of enough reps is judged against its own first reps (relative.py);
    judge_relative=False: absolute limits only (the evaluation's side-by-side)."""
    report = analysis.report
    warnings = list(report.warnings)
    view, call = assessment.view, assessment.lift
    extra = {"lift": call.to_dict(), "view": view.to_dict(), "thresholds": thresholds.to_dict()}
    if view.kind is not None and not view.spine_trusted:
        warnings.append(view.advice())
    if call.kind == "none":
        if report.pose_fraction > 0:
            warnings.append("No lift found: nobody squats or deadlifts in this clip, so nothing was scored.")
        return dataclasses.replace(report, lift="none", view=view.kind, warnings=warnings, assessment=extra)
    lift = call.kind
    spine = assessment.spine
    n = analysis.poses.n_frames
    if spine is None or analysis.angles.side is None:
        return dataclasses.replace(report, lift=lift, view=view.kind, warnings=warnings, assessment=extra)
    extra["spine"] = spine.summary()
    down = np.zeros(n, bool)
    down[np.nan_to_num(assessment.extension, nan=1.0) <= rep_settings.down] = True
    standing = standing_frames(assessment.extension, rep_settings.up)
    measures = Measures(
        poses=analysis.poses, angles=analysis.angles.values, side=analysis.angles.side,
        facing=analysis.angles.facing, reps=assessment.reps, spine_bend_deg=spine.bend_deg,
        neck_change_deg=spine.neck_change_deg, standing=standing, down=down,
        seen=seen_points(analysis.raw, report.settings["filter"]["min_visibility"]),
    )
    values = frame_values(measures, lift, thresholds)
    hinged = hinged_in_reps(measures, lift, thresholds)
    if view.kind == "side" and hinged.any() and np.isfinite(values["spine_flexion"][hinged]).mean() < 0.5:
        warnings.append(
            "The outline of the back could not be read on most hinged frames (arms or a bar along the back, "
            "a plate or loose clothing in the way): spine flexion is scored on few frames or none."
        )
    moments = moment_values(measures, lift, thresholds)
    if view.kind != "side":  # side-view rules are not scored from another angle
        values = {k: v for k, v in values.items() if RULE_BY_NAME[k].view != "side"}
        moments = {k: v for k, v in moments.items() if RULE_BY_NAME[k].view != "side"}
    if view.kind == "front" and lift == "squat":
        values["knee_valgus"] = np.where(down, knee_inward_deg(assessment.motion), np.nan)
    values = {k: v for k, v in values.items() if lift in RULE_BY_NAME[k].lifts}
    judgement, relative_events = None, []
    if view.kind == "side":
        this, series = _shape(analysis, assessment, values, standing, hinged, view.to_dict(), lift)
        extra["shape"] = this
        if judge_relative:
            judgement = relative.judge(this, lift, thresholds, reference)
            extra["relative"] = judgement.to_dict()
            # a flag sits on a frame the mask was read on, so its still can draw the outline
            sampled = np.zeros(n, bool)
            sampled[spine.contour_frames] = True
            relative_events = relative.events(judgement, assessment.reps, analysis.angles["hip_deg"],
                                              {k: np.where(sampled, v, np.nan) for k, v in series.items()},
                                              analysis.poses.time_s)
    # Against a reference, leaning back at lockout is judged against the lifter's own lockout only.
    replaced = {"spine_hyperextension"} if judgement is not None and judgement.lean_back else set()
    values = {k: v for k, v in values.items() if k not in replaced}
    severities = rule_severities(values, analysis.poses.time_s, lift, thresholds)
    events = relative.merge(find_events(values, moments, measures, lift, thresholds, severities), relative_events,
                            replaced)
    statuses = frame_status(values, events, report.pose, lift, thresholds, severities)
    scores = rep_scores(len(assessment.reps), events)
    reps = [_rep_row(rep, analysis, spine, events, s, lift) for rep, s in zip(assessment.reps, scores)]
    if not assessment.reps:
        warnings.append("A lift was seen but no complete rep: the clip may start or end mid-rep.")
    return dataclasses.replace(
        report, lift=lift, view=view.kind, reps=reps, faults=[e.to_dict() for e in events],
        score=round(float(np.mean(scores)), 1) if scores else None, warnings=warnings,
        frame_status=statuses, assessment=extra, spine_bend_deg=spine.bend_deg,
        reference=judgement.reference.to_dict() if judgement is not None and judgement.reference else None,
    )
