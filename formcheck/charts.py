"""Charts for the review page: the timeline of spine and hip angles with the limits drawn in,
fault spans shaded and rep boundaries marked. Built from a Report alone, so a stored report can be
shown again without the video or the model."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from formcheck.report import Report
from formcheck.thresholds import Thresholds

SERIES = {
    "trunk_incline_deg": "trunk from vertical",
    "hip_deg": "hip angle",
    "knee_deg": "knee angle",
    "spine_bend": "back-contour bend",
}
# Limits drawn as bands on the line they apply to: (rule threshold keys, series, lifts)
BANDS = (
    ("spine_flexion_warn_deg", "spine_flexion_fault_deg", "spine_bend", ("squat", "deadlift", "rdl")),
    ("forward_lean_warn_deg", "forward_lean_fault_deg", "trunk_incline_deg", ("squat",)),
)


def _thresholds(report: Report) -> Thresholds | None:
    """The thresholds the report was scored with (None for a report that has none)."""
    stored = report.assessment.get("thresholds")
    return Thresholds(stored) if stored else None


def _halo_text(chart: alt.Chart, colour: str, **mark) -> list[alt.Chart]:
    """The same text twice: a thick white outline under the coloured text, so a label stays
    readable where it crosses a line or a shaded span."""
    return [chart.mark_text(stroke="white", strokeWidth=4, strokeJoin="round", color="white", **mark),
            chart.mark_text(color=colour, **mark)]


def timeline(report: Report, height_px: int = 340) -> alt.LayerChart:
    """Angles over time (s, x) in degrees (y): trunk incline, hip, knee and the back-contour bend.
    Warn-to-fault bands are drawn at the heights of the limits they belong to, fault (red) and
    warning (amber) spans are shaded, and each rep's start, turn (bottom or lockout) and end are
    dashed lines labelled at the top. The limits are the ones the report was scored with."""
    thresholds = _thresholds(report)
    t = report.time_s
    frames = []
    for key, label in SERIES.items():
        values = report.spine_bend_deg if key == "spine_bend" else report.angles.get(key)
        if values is None:
            continue
        finite = np.isfinite(values)
        # a new segment id after every gap, so lines are not drawn across unmeasured stretches
        segment = np.cumsum(np.concatenate(([True], finite[1:] & ~finite[:-1])))
        frames.append(pd.DataFrame({"time_s": t, "degrees": values, "measure": label, "segment": segment})[finite])
    data = pd.concat(frames) if frames else pd.DataFrame({"time_s": [], "degrees": [], "measure": [], "segment": []})
    end_s = float(t[-1]) if len(t) else 1.0
    x = alt.X("time_s:Q", title="time (s)", scale=alt.Scale(domain=[0, end_s], nice=False))
    # fault spans red/amber, limit bands amber; the lines use colours that are neither
    lines = alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=x, y=alt.Y("degrees:Q", title="angle (degrees)"), detail="segment:N",
        color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="top", labelFontSize=12, symbolStrokeWidth=3),
                        scale=alt.Scale(domain=list(SERIES.values()), range=["#7b3fa0", "#1f77b4", "#2ca02c", "#222222"])),
        tooltip=[alt.Tooltip("time_s:Q", title="time (s)", format=".2f"), alt.Tooltip("measure:N", title="measure"),
                 alt.Tooltip("degrees:Q", format=".0f")],
    )
    layers = []
    lift = report.lift or ""
    bands = [
        {"from": thresholds.get(lift, warn), "to": thresholds.get(lift, fault), "x": end_s,
         "label": f"{SERIES[series]} limits: warn {thresholds.get(lift, warn):g}°, fault {thresholds.get(lift, fault):g}°"}
        for warn, fault, series, lifts in BANDS if thresholds is not None and lift in lifts
    ]
    if bands:
        band_data = pd.DataFrame(bands)
        layers.append(alt.Chart(band_data).mark_rect(color="#f5a623", opacity=0.22).encode(
            y="from:Q", y2="to:Q", tooltip=[alt.Tooltip("label:N", title="band")]))
        layers.append(alt.Chart(band_data).mark_rule(color="#d0021b", strokeDash=[6, 3]).encode(y="to:Q"))
        layers += _halo_text(alt.Chart(band_data).encode(x="x:Q", y="to:Q", text="label:N"), "#8a5800",
                             align="right", baseline="bottom", dx=-4, dy=-2, fontSize=11)
    spans = [
        {"start": float(t[e["start"]]), "end": float(t[e["end"]]) + (t[1] - t[0] if len(t) > 1 else 0.05),
         "rule": e["rule"].replace("_", " "), "severity": e["severity"]}
        for e in report.faults
    ]
    if spans:
        layers.append(alt.Chart(pd.DataFrame(spans)).mark_rect(opacity=0.22).encode(
            x="start:Q", x2="end:Q",
            color=alt.Color("severity:N", scale=alt.Scale(domain=["warn", "fault"], range=["#f5a623", "#d0021b"]),
                            legend=None),
            tooltip=["rule:N", "severity:N"]))
    marks = []
    for rep in report.reps:
        n = rep["index"] + 1
        turn = "bottom" if "bottom" in rep else "lockout" if "lockout" in rep else None
        marks += [{"time_s": float(t[rep["start"]]), "what": f"rep {n} start"},
                  {"time_s": float(t[rep["end"]]), "what": f"rep {n} end"}]
        if turn is not None:
            marks.append({"time_s": float(t[rep[turn]]), "what": f"rep {n} {turn}"})
    if marks:
        mark_data = alt.Chart(pd.DataFrame(marks))
        layers.append(mark_data.mark_rule(color="#555", strokeDash=[4, 3]).encode(x="time_s:Q", tooltip=["what:N"]))
        # written up the line from its top, so neighbouring marks never overlap sideways
        layers += _halo_text(mark_data.encode(x="time_s:Q", y=alt.value(4), text="what:N"), "#333",
                             angle=270, align="right", baseline="bottom", dx=0, dy=-3, fontSize=11)
    return alt.layer(*layers, lines).properties(height=height_px).resolve_scale(color="independent")


def rep_rows(report: Report) -> pd.DataFrame:
    """One row per rep for the page's table: rep number, score, squat depth, smallest hip angle,
    largest back bend and the faults found. Columns that do not apply to the lift are left out."""
    rows = []
    for rep in report.reps:
        rows.append({
            "rep": rep["index"] + 1,
            "score": _whole(rep.get("score")),
            "depth: smallest knee angle (°)": _whole(rep.get("depth_knee_deg")),
            "smallest hip angle (°)": _whole(rep.get("min_hip_deg")),
            "largest back bend (°)": _whole(rep.get("max_spine_bend_deg")),
            "faults": ", ".join(f.replace("_", " ") for f in rep.get("faults", [])) or "none",
        })
    table = pd.DataFrame(rows)
    if report.lift != "squat" and len(table):
        table = table.drop(columns=["depth: smallest knee angle (°)"])
    return table


def _whole(value: float | None) -> float | None:
    return None if value is None else round(float(value))
