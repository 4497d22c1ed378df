"""Charts for the review page: the timeline of spine and hip angles with the limits drawn in,
fault spans shaded and rep boundaries marked. Built from a Report alone, so a stored report can be
shown again without the video or the model."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from formcheck.angles import plausible
from formcheck.filtering import runs
from formcheck.report import Report
from formcheck.thresholds import Thresholds

SERIES = {
    "trunk_incline_deg": "trunk from vertical",
    "hip_deg": "hip angle",
    "knee_deg": "knee angle",
    "spine_bend": "back-contour bend",
}
SERIES_COLOUR = dict(zip(SERIES.values(), ("#7b3fa0", "#1f77b4", "#2ca02c", "#222222")))
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


def measures(report: Report) -> list[str]:
    """The labels (SERIES) of the angles this report has, in SERIES order: the picker's choices."""
    return [label for key, label in SERIES.items() if _values(report, key) is not None]


# The angle that shows each rule's fault best, where one of SERIES does.
RULE_SERIES = {"spine_flexion": "spine_bend", "spine_hyperextension": "trunk_incline_deg",
               "forward_lean": "trunk_incline_deg", "hips_rise_early": "trunk_incline_deg",
               "hips_too_low": "knee_deg", "depth_shallow": "knee_deg"}


def default_measures(report: Report) -> list[str]:
    """One angle to start with: the one that shows the worst flag's rule (faults before warnings,
    then the earliest), else the first that carries a limit band for this lift (the back's bend
    for a hinge or a squat), else the hip angle, else the first there is; [] for none."""
    available = measures(report)
    flagged = [SERIES[RULE_SERIES[e["rule"]]] for e in sorted(report.faults, key=lambda e: (e["severity"] != "fault",
                                                                                              e["start"]))
               if e["rule"] in RULE_SERIES]
    banded = [SERIES[series] for _, _, series, lifts in BANDS if (report.lift or "") in lifts]
    return [label for label in [*flagged, *banded, SERIES["hip_deg"], *available] if label in available][:1]


def _values(report: Report, key: str) -> np.ndarray | None:
    values = report.spine_bend_deg if key == "spine_bend" else report.angles.get(key)
    return None if values is None or not np.isfinite(values).any() else np.asarray(values, np.float64)


def drawn_frames(report: Report) -> np.ndarray:
    """bool (frames,): the frames the timeline draws: a pose was found and every joint angle is
    one a body can make (angles.plausible). The rest are mis-tracked frames: gaps, not lines."""
    pose = np.asarray(report.pose, bool) if len(report.pose) else np.ones(len(report.time_s), bool)
    return pose & plausible(report.angles)


def _lines(report: Report, labels: list[str]) -> pd.DataFrame:
    """One row per drawn frame of each chosen angle, with a segment number per unbroken run (so
    a line never bridges a gap, the way filtering keeps long gaps as gaps)."""
    keep = drawn_frames(report)
    frames = []
    for key, label in SERIES.items():
        values = _values(report, key) if label in labels else None
        if values is None:
            continue
        values = np.where(keep, values, np.nan)
        for segment, (start, stop) in enumerate(runs(np.isfinite(values))):
            frames.append(pd.DataFrame({"time_s": report.time_s[start:stop], "degrees": values[start:stop],
                                        "measure": label, "segment": f"{key}{segment}"}))
    return pd.concat(frames) if frames else pd.DataFrame(columns=["time_s", "degrees", "measure", "segment"])


def timeline(report: Report, shown: list[str] | None = None, height_px: int = 340) -> alt.LayerChart:
    """Angles over time (s, x) in degrees (y): the chosen SERIES labels (default_measures when
    None), with frames that are mis-tracked (drawn_frames) left as gaps. The chosen angles'
    warn-to-fault bands are drawn at the heights of the limits they belong to, fault (red) and
    warning (amber) spans are shaded, each flag's peak is a solid line, and each rep's start, turn
    (bottom or lockout) and end are dashed lines, the turn labelled at the top. The limits
    are the ones the report was scored with."""
    shown = default_measures(report) if shown is None else shown
    t = report.time_s
    data = _lines(report, shown)
    end_s = float(t[-1]) if len(t) else 1.0
    x = alt.X("time_s:Q", title="time (s)", scale=alt.Scale(domain=[0, end_s], nice=False))
    # fault spans red/amber, limit bands amber; the lines use colours that are neither
    colours = {label: colour for label, colour in SERIES_COLOUR.items() if label in shown}
    lines = alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=x, y=alt.Y("degrees:Q", title="angle (degrees)", scale=alt.Scale(zero=False)), detail="segment:N",
        color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="top", labelFontSize=12, symbolStrokeWidth=3),
                        scale=alt.Scale(domain=list(colours), range=list(colours.values()))),
        tooltip=[alt.Tooltip("time_s:Q", title="time (s)", format=".2f"), alt.Tooltip("measure:N", title="measure"),
                 alt.Tooltip("degrees:Q", format=".0f")],
    )
    layers = [*_band_layers(report, shown), *_span_layers(report), *_rep_layers(report), *_flag_layers(report)]
    # drawn as SVG whatever its size: each mark keeps its data on the page (tests and screen readers read it)
    return alt.layer(*layers, lines).properties(height=height_px, usermeta={"embedOptions": {"renderer": "svg"}}
                                                ).resolve_scale(color="independent")


SEVERITY_COLOUR = alt.Scale(domain=["warn", "fault"], range=["#f5a623", "#d0021b"])


def _band_layers(report: Report, shown: list[str]) -> list[alt.Chart]:
    """The warn-to-fault band of each shown angle that has limits for this lift, labelled."""
    thresholds = _thresholds(report)
    lift = report.lift or ""
    bands = [
        {"from": thresholds.get(lift, warn), "to": thresholds.get(lift, fault), "x": float(report.time_s[-1]),
         "label": f"{SERIES[series]}: warn {thresholds.get(lift, warn):g}°, fault {thresholds.get(lift, fault):g}°"}
        for warn, fault, series, lifts in BANDS if thresholds is not None and lift in lifts and SERIES[series] in shown
    ]
    if not bands:
        return []
    band_data = pd.DataFrame(bands)
    return [alt.Chart(band_data).mark_rect(color="#f5a623", opacity=0.22).encode(
                y="from:Q", y2="to:Q", tooltip=[alt.Tooltip("label:N", title="band")]),
            alt.Chart(band_data).mark_rule(color="#d0021b", strokeDash=[6, 3]).encode(y="to:Q"),
            # at the right end, under the band: clear of the rep labels along the top
            *_halo_text(alt.Chart(band_data).encode(x="x:Q", y="from:Q", text="label:N"), "#8a5800",
                        align="right", baseline="top", dx=-4, dy=2, fontSize=11)]


def _span_layers(report: Report) -> list[alt.Chart]:
    """Each fault event's span, shaded red (fault) or amber (warning)."""
    t = report.time_s
    spans = [
        {"start": float(t[e["start"]]), "end": float(t[e["end"]]) + (t[1] - t[0] if len(t) > 1 else 0.05),
         "rule": e["rule"].replace("_", " "), "severity": e["severity"]}
        for e in report.faults
    ]
    if not spans:
        return []
    return [alt.Chart(pd.DataFrame(spans)).mark_rect(opacity=0.22).encode(
        x="start:Q", x2="end:Q", color=alt.Color("severity:N", scale=SEVERITY_COLOUR, legend=None),
        tooltip=["rule:N", "severity:N"])]


def _rep_layers(report: Report) -> list[alt.Chart]:
    """Each rep's start, turn (bottom or lockout) and end: dashed grey lines (named in their
    tooltips), the turn's labelled "rep N" at the top: one label per rep stays readable on a phone."""
    t = report.time_s
    marks = []
    for rep in report.reps:
        n = rep["index"] + 1
        turn = "bottom" if "bottom" in rep else "lockout" if "lockout" in rep else None
        marks += [{"time_s": float(t[rep["start"]]), "what": f"rep {n} start", "label": ""},
                  {"time_s": float(t[rep["end"]]), "what": f"rep {n} end", "label": ""}]
        if turn is not None:
            marks.append({"time_s": float(t[rep[turn]]), "what": f"rep {n} {turn}", "label": f"rep {n}"})
    if not marks:
        return []
    mark_data = alt.Chart(pd.DataFrame(marks))
    return [mark_data.mark_rule(color="#555", strokeDash=[4, 3]).encode(x="time_s:Q", tooltip=["what:N"]),
            *_halo_text(mark_data.encode(x="time_s:Q", y=alt.value(2), text="label:N"), "#333",
                        align="center", baseline="top", fontSize=11, fontWeight="bold")]


def _flag_layers(report: Report) -> list[alt.Chart]:
    """Each flag's peak: a solid line across the chart, red (fault) or amber (warning)."""
    t = report.time_s
    peaks = [{"time_s": float(t[e["peak"]]), "severity": e["severity"],
              "flag": f"{e['rule'].replace('_', ' ')} ({e['severity']}) at {float(t[e['peak']]):.2f} s"}
             for e in report.faults if 0 <= e["peak"] < len(t)]
    if not peaks:
        return []
    return [alt.Chart(pd.DataFrame(peaks)).mark_rule(strokeWidth=2.5).encode(
        x="time_s:Q", color=alt.Color("severity:N", scale=SEVERITY_COLOUR, legend=None),
        tooltip=[alt.Tooltip("flag:N", title="flag")])]


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
