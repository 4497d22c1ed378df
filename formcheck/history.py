"""History: form across weeks, from saved sessions (formcheck.store), and two sessions compared.

Weeks are ISO weeks, labelled by their Monday. The trend is a least-squares line through every
session's score against the day it was recorded, reported as points per week; it needs sessions
on at least two different days. Fault frequency counts, per week, the share of reps in which a
rule fired (a rule counts once per rep however many events it had, as in the rep score), plus
faults outside any rep once per session. Comparing two sessions reads the angles of each rep at
the same phases (start, halfway to the turn, the turn, halfway back, end), so a rep filmed at a
different speed or frame rate is still compared at like moments.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import altair as alt
import numpy as np
import pandas as pd

from formcheck import relative
from formcheck.relative import Reference
from formcheck.report import Report
from formcheck.store import SessionRecord
from formcheck.thresholds import Thresholds

PHASES = (("start", 0.0), ("halfway to the turn", 0.5), ("turn", 1.0), ("halfway back", 1.5), ("end", 2.0))
COMPARED_ANGLES = ("trunk_incline_deg", "hip_deg", "knee_deg", "spine_bend_deg")
MIN_TREND_DAYS = 2


def week_of(day: dt.date) -> dt.date:
    """The Monday of the ISO week holding `day`."""
    return day - dt.timedelta(days=day.weekday())


def weeks_since(weeks: int | str, today: dt.date | None = None) -> dt.date | None:
    """The first day shown when showing the last `weeks` ISO weeks, this one included (the Monday
    of the oldest); None for all time ('all', or 0)."""
    if weeks == "all" or weeks == 0:
        return None
    return week_of(today or dt.date.today()) - dt.timedelta(weeks=int(weeks) - 1)


@dataclasses.dataclass(frozen=True)
class Trend:
    """Score = intercept + slope_per_week * weeks since `origin` (least squares over sessions)."""

    origin: dt.date
    intercept: float
    slope_per_week: float
    sessions: int

    def at(self, day: dt.date) -> float:
        return self.intercept + self.slope_per_week * (day - self.origin).days / 7.0

    def describe(self) -> str:
        if abs(self.slope_per_week) < 0.5:
            way = "steady"
        else:
            way = "improving" if self.slope_per_week > 0 else "getting worse"
        return f"{way}: {self.slope_per_week:+.1f} points per week over {self.sessions} sessions"


def trend(records: list[SessionRecord]) -> Trend | None:
    """The least-squares line through the scored sessions, or None with fewer than two days."""
    scored = [r for r in records if r.score is not None]
    if len({r.recorded_on for r in scored}) < MIN_TREND_DAYS:
        return None
    origin = min(r.recorded_on for r in scored)
    weeks = np.array([(r.recorded_on - origin).days / 7.0 for r in scored])
    slope, intercept = np.polyfit(weeks, np.array([r.score for r in scored], float), 1)
    return Trend(origin, float(intercept), float(slope), len(scored))


def weekly(records: list[SessionRecord]) -> pd.DataFrame:
    """One row per week with sessions: week (Monday), sessions, reps, mean/best/worst score,
    heaviest load in kg, and the trend line's value at mid-week."""
    columns = ["week", "sessions", "reps", "mean_score", "best_score", "worst_score", "top_load_kg", "trend_score"]
    if not records:
        return pd.DataFrame(columns=columns)
    line = trend(records)
    rows = []
    by_week: dict[dt.date, list[SessionRecord]] = defaultdict(list)
    for r in records:
        by_week[week_of(r.recorded_on)].append(r)
    for week in sorted(by_week):
        group = by_week[week]
        scores = [r.score for r in group if r.score is not None]
        loads = [r.load_kg for r in group if r.load_kg is not None]
        rows.append({
            "week": week, "sessions": len(group), "reps": sum(r.reps for r in group),
            "mean_score": round(float(np.mean(scores)), 1) if scores else None,
            "best_score": max(scores) if scores else None, "worst_score": min(scores) if scores else None,
            "top_load_kg": max(loads) if loads else None,
            "trend_score": round(line.at(week + dt.timedelta(days=3)), 1) if line else None,
        })
    return pd.DataFrame(rows, columns=columns)


def fault_frequency(records: list[SessionRecord], fault_rows: list[dict]) -> pd.DataFrame:
    """One row per (week, rule) that fired: reps_flagged, reps (all reps that week), share of reps
    flagged (0-1), and how many of those were at fault (not only warning) severity."""
    columns = ["week", "rule", "reps_flagged", "reps", "share", "fault_reps"]
    sessions = {r.id: r for r in records}
    reps_in_week: dict[dt.date, int] = defaultdict(int)
    for r in records:
        reps_in_week[week_of(r.recorded_on)] += max(r.reps, 1)  # a rep-less session counts as one
    flagged: dict[tuple, str] = {}  # (week, rule, session, rep) -> worst severity
    for row in fault_rows:
        record = sessions.get(row["session_id"])
        if record is None:
            continue
        unit = (week_of(record.recorded_on), row["rule"], record.id, row["rep"])
        if flagged.get(unit) != "fault":
            flagged[unit] = row["severity"]
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for (week, rule, _, _), severity in flagged.items():
        counts[(week, rule)][0] += 1
        counts[(week, rule)][1] += severity == "fault"
    rows = [{"week": week, "rule": rule, "reps_flagged": n, "reps": reps_in_week[week],
             "share": round(min(n / reps_in_week[week], 1.0), 3), "fault_reps": faults}
            for (week, rule), (n, faults) in sorted(counts.items())]
    return pd.DataFrame(rows, columns=columns)


def session_rows(records: list[SessionRecord]) -> pd.DataFrame:
    """The history table: newest first."""
    return pd.DataFrame([{
        "id": r.id, "date": r.recorded_on, "lift": r.lift, "load": r.load, "RPE": r.rpe,
        "score": r.score, "reps": r.reps, "flags": r.faults, "notes": r.notes,
    } for r in reversed(records)], columns=["id", "date", "lift", "load", "RPE", "score", "reps", "flags", "notes"])


# --- two sessions side by side -------------------------------------------------------------
def _turn(rep: dict) -> int | None:
    return rep.get("bottom", rep.get("lockout"))


def rep_frame(rep: dict, position: float) -> int:
    """The frame at `position` through one rep: 0 its start, 1 its turn (bottom of a squat,
    lockout of a pull), 2 its end; in between, linearly in frames on that half of the rep."""
    start, end, turn = rep["start"], rep["end"], _turn(rep)
    if turn is None:
        turn = (start + end) // 2
    if position <= 1.0:
        return int(round(start + position * (turn - start)))
    return int(round(turn + (position - 1.0) * (end - turn)))


def phase_frames(rep: dict) -> dict[str, int]:
    """Frame index of each phase of one rep (see PHASES); halfway = mid-way in frames."""
    return {name: rep_frame(rep, position) for name, position in PHASES}


def _angle(report: Report, name: str, frame: int) -> float | None:
    series = report.spine_bend_deg if name == "spine_bend_deg" else report.angles.get(name)
    if series is None or not 0 <= frame < len(series) or not np.isfinite(series[frame]):
        return None
    return round(float(series[frame]), 1)


def phase_angles(report: Report) -> pd.DataFrame:
    """One row per (rep, phase): the frame, the time and each compared angle; plus rep 'mean'."""
    rows = []
    for rep in report.reps:
        for phase, frame in phase_frames(rep).items():
            rows.append({"rep": str(rep["index"] + 1), "phase": phase, "frame": frame,
                         "time_s": round(float(report.time_s[frame]), 2),
                         **{name: _angle(report, name, frame) for name in COMPARED_ANGLES}})
    table = pd.DataFrame(rows, columns=["rep", "phase", "frame", "time_s", *COMPARED_ANGLES])
    if len(table):
        means = table.groupby("phase", sort=False)[list(COMPARED_ANGLES)].mean().round(1).reset_index()
        means["rep"] = "mean"
        table = pd.concat([table, means], ignore_index=True)
    return table


def compare(a: Report, b: Report) -> dict:
    """Two sessions side by side.

    Returns {"scores": DataFrame (measure, A, B, B - A): the session score, reps, flags and each
    matching rep's score; "angles": DataFrame (rep, phase, angle, A, B, B - A) at matching phases
    of reps with the same number, and of the mean rep; "flags": {"A": [...], "B": [...]}: each
    session's fault events}. Angle names end in _deg; positive B - A means larger in B."""
    def diff(x, y):
        return None if x is None or y is None or pd.isna(x) or pd.isna(y) else round(float(y) - float(x), 1)

    scores = [("session score", a.score, b.score), ("reps", len(a.reps), len(b.reps)),
              ("flagged moments", len(a.faults), len(b.faults))]
    for i in range(max(len(a.reps), len(b.reps))):
        sa = a.reps[i].get("score") if i < len(a.reps) else None
        sb = b.reps[i].get("score") if i < len(b.reps) else None
        scores.append((f"rep {i + 1} score", sa, sb))
    score_table = pd.DataFrame([{"measure": m, "A": x, "B": y, "B - A": diff(x, y)} for m, x, y in scores])

    pa, pb = phase_angles(a), phase_angles(b)
    rows = []
    if len(pa) and len(pb):
        merged = pa.merge(pb, on=["rep", "phase"], suffixes=("_a", "_b"))
        for _, row in merged.iterrows():
            for name in COMPARED_ANGLES:
                x, y = row[f"{name}_a"], row[f"{name}_b"]
                rows.append({"rep": row["rep"], "phase": row["phase"], "angle": name,
                             "A": None if pd.isna(x) else x, "B": None if pd.isna(y) else y, "B - A": diff(x, y)})
    angle_table = pd.DataFrame(rows, columns=["rep", "phase", "angle", "A", "B", "B - A"])
    return {"scores": score_table, "angles": angle_table, "flags": {"A": list(a.faults), "B": list(b.faults)}}


# --- charts ------------------------------------------------------------------------------
def score_chart(records: list[SessionRecord], height_px: int = 300) -> alt.LayerChart:
    """Form score over time: one point per session, the weekly mean, and the trend line."""
    points = pd.DataFrame([{"date": pd.Timestamp(r.recorded_on), "score": r.score, "load": r.load or "-",
                            "id": r.id} for r in records if r.score is not None])
    if points.empty:
        points = pd.DataFrame(columns=["date", "score", "load", "id"])
    x = alt.X("date:T", title="date recorded")
    y = alt.Y("score:Q", title="form score", scale=alt.Scale(domain=[0, 100]))
    layers = [alt.Chart(points).mark_circle(size=70, color="#1f77b4").encode(
        x=x, y=y, tooltip=["id:Q", alt.Tooltip("date:T"), "score:Q", "load:N"])]
    weeks = weekly(records)
    line = trend(records)
    if line is not None:
        ends = [line.origin, max(r.recorded_on for r in records)]
        fit = pd.DataFrame({"date": [pd.Timestamp(d) for d in ends], "score": [line.at(d) for d in ends]})
        layers.append(alt.Chart(fit).mark_line(color="#d0021b", strokeDash=[6, 4]).encode(
            x=x, y=y, tooltip=[alt.Tooltip("score:Q", format=".1f")]))
    if len(weeks.dropna(subset=["mean_score"])) > 1:
        mean = weeks.dropna(subset=["mean_score"])
        mean = mean.assign(date=pd.to_datetime(mean["week"]) + pd.Timedelta(days=3))  # drawn at mid-week
        layers.append(alt.Chart(mean).mark_line(color="#7b3fa0", point=True, opacity=0.7).encode(
            x=x, y=alt.Y("mean_score:Q", title="form score"), tooltip=["week:T", "mean_score:Q", "sessions:Q"]))
    return alt.layer(*layers).properties(height=height_px)


LOAD_COLOUR = "#8c564b"


def load_chart(records: list[SessionRecord]) -> alt.LayerChart | None:
    """The load on the bar (kg) of each session that has one, joined in time order, on a y axis
    of its own on the right; None when no session has a load."""
    points = pd.DataFrame([{"date": pd.Timestamp(r.recorded_on), "load_kg": r.load_kg, "load": r.load, "id": r.id}
                           for r in records if r.load_kg is not None])
    if points.empty:
        return None
    x = alt.X("date:T", title="date recorded")
    y = alt.Y("load_kg:Q", title="load (kg)", scale=alt.Scale(zero=False),
              axis=alt.Axis(orient="right", titleColor=LOAD_COLOUR, labelColor=LOAD_COLOUR))
    base = alt.Chart(points.sort_values("date"))
    return alt.layer(base.mark_line(color=LOAD_COLOUR, opacity=0.6, strokeDash=[2, 2]).encode(x=x, y=y),
                     base.mark_square(size=60, color=LOAD_COLOUR).encode(
                         x=x, y=y, tooltip=["id:Q", alt.Tooltip("date:T"), "load:N"]))


def score_and_load_chart(records: list[SessionRecord]) -> alt.LayerChart:
    """score_chart with the load beside it (load_chart, its own axis on the right) on the same
    time axis, so a dip in form can be read against a jump in weight; the score alone when no
    session has a load."""
    score, load = score_chart(records), load_chart(records)
    return score if load is None else alt.layer(score, load).resolve_scale(y="independent")


def fault_chart(table: pd.DataFrame, height_px: int = 260) -> alt.Chart:
    """Share of reps flagged per week, one bar segment per rule."""
    data = table.assign(week=pd.to_datetime(table["week"])) if len(table) else table
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("week:T", title="week", timeUnit="yearmonthdate"),
        y=alt.Y("share:Q", title="share of reps flagged", axis=alt.Axis(format="%")),
        color=alt.Color("rule:N", title="rule"),
        xOffset="rule:N",
        tooltip=["week:T", "rule:N", "reps_flagged:Q", "reps:Q", alt.Tooltip("share:Q", format=".0%"), "fault_reps:Q"],
    ).properties(height=height_px)


def reference_deviation(records: list[SessionRecord], shapes: dict[int, dict], reference: Reference,
                        thresholds: Thresholds) -> pd.DataFrame:
    """Each session's reps against the athlete's current reference (relative.py), whenever they
    were filmed: one row per rep with its worst back-shape deviation as a multiple of its warning
    limit (1 = the warning line), so weeks before the reference was set are on the same scale.
    Sessions with no shape, or not comparable with the reference, are left out."""
    rows = []
    for r in records:
        shape = shapes.get(r.id)
        if shape is None or shape.get("lift") != reference.lift or relative.comparable(shape, reference.shape,
                                                                                        thresholds):
            continue
        reps = shape["reps"]
        for rep, devs in relative.compare(reps, reference.shape["reps"], reference.lift, thresholds).items():
            worst = relative.worst(devs)
            if worst is not None:
                m = relative.MEASURE_BY_NAME[worst.measure]
                rows.append({"date": pd.Timestamp(r.recorded_on), "id": r.id, "rep": rep + 1,
                             "times_warn": round(max(worst.ratio, 0.0), 2), "level": ("ok", "warning", "fault")[worst.level],
                             "what": f"{m.label} {worst.deviation:.1f} {m.unit} {m.worse_word}", "load": r.load or "-"})
    return pd.DataFrame(rows, columns=["date", "id", "rep", "times_warn", "level", "what", "load"])


def deviation_chart(table: pd.DataFrame, height_px: int = 260) -> alt.LayerChart:
    """Every rep's deviation from the reference over time (dots coloured by level), each
    session's worst rep joined by a line, and the warning line at 1."""
    colour = alt.Color("level:N", scale=alt.Scale(domain=["ok", "warning", "fault"],
                                                  range=["#2e7d32", "#f0a000", "#d0021b"]), title="rep")
    x = alt.X("date:T", title="date recorded")
    y = alt.Y("times_warn:Q", title="back shape vs reference (× warning limit)")
    dots = alt.Chart(table).mark_circle(size=60, opacity=0.8).encode(
        x=x, y=y, color=colour, tooltip=["id:Q", "rep:Q", alt.Tooltip("date:T"), "what:N", "times_warn:Q", "load:N"])
    worst = table.groupby(["date", "id"], as_index=False)["times_warn"].max() if len(table) else table
    line = alt.Chart(worst).mark_line(color="#555", opacity=0.6).encode(x=x, y=y)
    warn = alt.Chart(pd.DataFrame({"times_warn": [1.0]})).mark_rule(color="#f0a000", strokeDash=[6, 4]).encode(y=y)
    return alt.layer(line, dots, warn).properties(height=height_px)
