"""Reports to store without running the model: a scored squat or deadlift built from known angles,
in the exact shape score_report gives (reps with phases, fault events, thresholds)."""

import datetime as dt

import numpy as np

from formcheck import relative, thresholds
from formcheck.angles import ANGLE_NAMES
from formcheck.faults import RULE_BY_NAME
from formcheck.report import Report
from formcheck.reps import Rep
from formcheck.video import VideoInfo

FPS = 30.0


def scored_report(lift="squat", n_reps=3, faults=(("forward_lean", "warn", 0),), seed=0, frames_per_rep=40,
                  creation_time=None, name="set.mp4", bend_deg=None):
    """A report of n_reps identical-shaped reps; `faults`: (rule, severity, rep index) events at each
    rep's bottom. Rep scores follow scoring.rep_scores's penalties. bend_deg: with it, the report
    carries a back shape (relative.py) whose reps read this bend in every hip-angle bin they reach."""
    rng = np.random.default_rng(seed)
    n = n_reps * frames_per_rep + 10
    t = np.arange(n) / FPS
    phase = np.clip((np.arange(n) - 5) / frames_per_rep, 0, n_reps)
    depth = 0.5 - 0.5 * np.cos(2 * np.pi * phase)  # 0 standing, 1 at the bottom of each rep
    angles = {name: np.full(n, 150.0) for name in ANGLE_NAMES}
    angles["knee_deg"] = 175 - 95 * depth + rng.normal(0, 0.5, n)
    angles["hip_deg"] = 175 - 100 * depth + rng.normal(0, 0.5, n)
    angles["trunk_incline_deg"] = 5 + 40 * depth + rng.normal(0, 0.5, n)
    reps, events = [], []
    turn = "bottom" if lift == "squat" else "lockout"
    for i in range(n_reps):
        start, end = 5 + i * frames_per_rep, 5 + (i + 1) * frames_per_rep - 1
        mid = (start + end) // 2
        rep_faults = [f for f in faults if f[2] == i]
        penalty = sum((30 if r == "spine_flexion" else 20) if s == "fault" else (10 if r == "spine_flexion" else 7)
                      for r, s, _ in rep_faults)
        reps.append({"index": i, "start": start, turn: mid, "end": end, "eccentric_s": 0.6, "concentric_s": 0.6,
                     "range_of_motion": 0.4, "min_hip_deg": 75.0, "score": max(0.0, 100.0 - penalty),
                     "faults": sorted({r for r, _, _ in rep_faults})})
        for rule, severity, _ in rep_faults:
            events.append({"rule": rule, "start": mid - 2, "peak": mid, "end": mid + 2, "severity": severity,
                           "value": 50.0, "limit": 45.0, "unit": RULE_BY_NAME[rule].unit, "rep": i,
                           "time_s": round(mid / FPS, 3), "cue": RULE_BY_NAME[rule].cue})
    status = [{"status": "ok", "check": None} for _ in range(n)]
    assessment = {"thresholds": thresholds.load(None).to_dict()}
    if bend_deg is not None:
        cam = {"view": "side", "yaw_deg": 86.0, "thigh_frame": 0.2, "trunk_thigh": 1.1}
        bend = np.full(n, float(bend_deg))
        shape_reps = relative.rep_shapes(
            [Rep(r["index"], r["start"], r[turn], r["end"], turn, 0.6, 0.6, 0.4) for r in reps], angles["hip_deg"],
            {"bend_deg": bend, "hollow_pct": np.full(n, 8.0), "chord_pct": np.zeros(n)},
            None if lift == "squat" else np.full(n, -3.0))
        assessment["shape"] = relative.shape(lift, cam, shape_reps)
    info = VideoInfo(name, f"{seed:064x}", "h264", FPS, n, 640, 480, n / FPS, 0, False, creation_time)
    return Report(
        video=info, model={"name": "full"}, settings={}, camera={"side": "left", "pose_frames": n}, time_s=t,
        pose=np.ones(n, bool), angles=angles, lift=lift, view="side", reps=reps, faults=events,
        score=round(float(np.mean([r["score"] for r in reps])), 1) if reps else None, warnings=[],
        frame_status=status, spine_bend_deg=np.full(n, 3.0),
        assessment=assessment,
    )


def tiny_jpeg(seed=0):
    from formcheck.sessions import jpeg

    return jpeg(np.full((24, 32, 3), seed % 256, np.uint8))


def monday(weeks_ago, today=dt.date(2026, 11, 23)):
    return today - dt.timedelta(days=today.weekday() + 7 * weeks_ago)
