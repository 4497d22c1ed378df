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


def timeline(report: Report, thresholds: Thresholds, height_px: int = 320) -> alt.LayerChart:
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
    data = pd.concat(frames)
    # fault spans red/amber, limit bands amber; the lines use colours that are neither
    x = alt.X("time_s:Q", title="time (s)")
    lines = alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=x, y=alt.Y("degrees:Q", title="degrees"), detail="segment:N",
        color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=list(SERIES.values()), range=["#7b3fa0", "#1f77b4", "#2ca02c", "#222222"])),
        tooltip=["time_s:Q", "measure:N", alt.Tooltip("degrees:Q", format=".0f")],
    )
    layers = []
    lift = report.lift or ""
    bands = [
        {"from": thresholds.get(lift, warn), "to": thresholds.get(lift, fault),
         "label": f"{SERIES[series]}: warn {thresholds.get(lift, warn):g} - fault {thresholds.get(lift, fault):g}"}
        for warn, fault, series, lifts in BANDS if lift in lifts
    ]
    if bands:
        band_data = pd.DataFrame(bands)
        band_data["x"] = float(t[0]) if len(t) else 0.0
        layers.append(alt.Chart(band_data).mark_rect(color="#f5a623", opacity=0.18).encode(
            y="from:Q", y2="to:Q", tooltip=["label:N"]))
        layers.append(alt.Chart(band_data).mark_text(align="left", baseline="bottom", dx=4, color="#a86b00").encode(
            x="x:Q", y="to:Q", text="label:N"))
    spans = [
        {"start": float(t[e["start"]]), "end": float(t[e["end"]]) + (t[1] - t[0] if len(t) > 1 else 0.05),
         "rule": e["rule"], "severity": e["severity"]}
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
        turn = rep.get("bottom", rep.get("lockout"))
        marks += [{"time_s": float(t[rep["start"]]), "what": f"rep {rep['index'] + 1} start"},
                  {"time_s": float(t[rep["end"]]), "what": f"rep {rep['index'] + 1} end"}]
        if turn is not None:
            marks.append({"time_s": float(t[turn]), "what": f"rep {rep['index'] + 1} {'bottom' if 'bottom' in rep else 'lockout'}"})
    if marks:
        layers.append(alt.Chart(pd.DataFrame(marks)).mark_rule(color="#555", strokeDash=[4, 3]).encode(
            x="time_s:Q", tooltip=["what:N"]))
    return alt.layer(*layers, lines).properties(height=height_px).resolve_scale(color="independent")


def rep_rows(report: Report) -> pd.DataFrame:
    """One row per rep for the page's table."""
    rows = []
    for rep in report.reps:
        rows.append({
            "rep": rep["index"] + 1,
            "score": rep.get("score"),
            "depth (knee °)": rep.get("depth_knee_deg"),
            "smallest hip angle (°)": rep.get("min_hip_deg"),
            "largest back bend (°)": rep.get("max_spine_bend_deg"),
            "faults": ", ".join(rep.get("faults", [])) or "-",
        })
    return pd.DataFrame(rows)


