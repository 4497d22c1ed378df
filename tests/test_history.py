"""Weekly aggregation, trend, fault frequency and comparison, with exact expectations."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from formcheck import history
from formcheck.store import SessionRecord
from tests.stored import scored_report


def _rec(i, day, score, reps=3, load_kg=None):
    return SessionRecord(id=i, uid=f"{i:032x}", athlete="A", lift="squat", recorded_on=day,
                         saved_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), load_value=load_kg,
                         load_unit=None if load_kg is None else "kg", load_kg=load_kg, rpe=None, notes="",
                         score=score, reps=reps, faults=0, thresholds_version="v", video_name="x.mp4")


def test_week_of_is_the_monday():
    assert history.week_of(dt.date(2026, 11, 23)) == dt.date(2026, 11, 23)  # a Monday
    assert history.week_of(dt.date(2026, 11, 29)) == dt.date(2026, 11, 23)  # its Sunday
    assert history.week_of(dt.date(2027, 1, 1)) == dt.date(2026, 12, 28)  # across a year end


def test_weeks_since_counts_this_week_as_the_first():
    wednesday = dt.date(2026, 11, 25)
    assert history.weeks_since(1, today=wednesday) == dt.date(2026, 11, 23)
    assert history.weeks_since(12, today=wednesday) == dt.date(2026, 9, 7)
    assert history.weeks_since("all", today=wednesday) is None  # the History page's choice
    assert history.weeks_since(0, today=wednesday) is None  # `formcheck history --weeks 0`


def test_trend_is_the_least_squares_line_in_points_per_week():
    # scores rise exactly 2 points per week: 70 on day 0, 72 on day 7, 74 on day 14
    records = [_rec(1, dt.date(2026, 11, 2), 70), _rec(2, dt.date(2026, 11, 9), 72), _rec(3, dt.date(2026, 11, 16), 74)]
    line = history.trend(records)
    assert line.slope_per_week == pytest.approx(2.0) and line.intercept == pytest.approx(70.0)
    assert line.at(dt.date(2026, 11, 23)) == pytest.approx(76.0)
    assert line.describe() == "improving: +2.0 points per week over 3 sessions"
    assert history.trend(records[:1]) is None  # one day is no trend
    assert history.trend([_rec(1, dt.date(2026, 11, 2), 70), _rec(2, dt.date(2026, 11, 2), 80)]) is None
    assert history.trend([_rec(1, dt.date(2026, 11, 2), None), _rec(2, dt.date(2026, 11, 9), 80)]) is None


def test_weekly_groups_by_iso_week():
    records = [_rec(1, dt.date(2026, 11, 2), 60, reps=2, load_kg=100), _rec(2, dt.date(2026, 11, 8), 80, reps=3, load_kg=110),
               _rec(3, dt.date(2026, 11, 16), 90, reps=5, load_kg=None), _rec(4, dt.date(2026, 11, 17), None, reps=0)]
    table = history.weekly(records)
    assert list(table["week"]) == [dt.date(2026, 11, 2), dt.date(2026, 11, 16)]  # the empty week 9 is absent
    first, second = table.iloc[0], table.iloc[1]
    assert (first.sessions, first.reps, first.mean_score, first.best_score, first.worst_score, first.top_load_kg) == (
        2, 5, 70.0, 80, 60, 110)
    assert (second.sessions, second.reps, second.mean_score) == (2, 5, 90.0)
    assert history.weekly([]).empty


def test_fault_frequency_counts_a_rule_once_per_rep():
    records = [_rec(1, dt.date(2026, 11, 2), 70, reps=4), _rec(2, dt.date(2026, 11, 4), 70, reps=4),
               _rec(3, dt.date(2026, 11, 10), 70, reps=2)]
    rows = [
        {"session_id": 1, "rule": "forward_lean", "severity": "warn", "rep": 0},
        {"session_id": 1, "rule": "forward_lean", "severity": "fault", "rep": 0},  # same rep: counted once, as fault
        {"session_id": 1, "rule": "forward_lean", "severity": "warn", "rep": 1},
        {"session_id": 2, "rule": "forward_lean", "severity": "warn", "rep": 0},
        {"session_id": 2, "rule": "depth_shallow", "severity": "fault", "rep": 3},
        {"session_id": 3, "rule": "forward_lean", "severity": "warn", "rep": 1},
        {"session_id": 99, "rule": "forward_lean", "severity": "warn", "rep": 1},  # another lift's session
    ]
    table = history.fault_frequency(records, rows)
    got = {(r.week, r.rule): (r.reps_flagged, r.reps, r.share, r.fault_reps) for r in table.itertuples()}
    assert got == {
        (dt.date(2026, 11, 2), "depth_shallow"): (1, 8, 0.125, 1),
        (dt.date(2026, 11, 2), "forward_lean"): (3, 8, 0.375, 1),
        (dt.date(2026, 11, 9), "forward_lean"): (1, 2, 0.5, 0),
    }


def test_phase_frames_of_a_squat_and_a_deadlift_rep():
    assert history.phase_frames({"start": 10, "bottom": 30, "end": 70}) == {
        "start": 10, "halfway to the turn": 20, "turn": 30, "halfway back": 50, "end": 70}
    assert history.phase_frames({"start": 0, "lockout": 10, "end": 11})["halfway back"] == 10  # rounds half to even


def test_compare_matches_reps_and_phases():
    a = scored_report(n_reps=3, faults=(("forward_lean", "warn", 0),), seed=1)
    b = scored_report(n_reps=2, faults=(), seed=2, frames_per_rep=60)  # slower reps, fewer of them
    # make B lean exactly 10 degrees more everywhere
    b = dataclasses.replace(b, angles={**b.angles, "trunk_incline_deg": b.angles["trunk_incline_deg"] + 10})
    out = history.compare(a, b)
    scores = out["scores"].set_index("measure")
    assert scores.loc["session score", "A"] == a.score and scores.loc["session score", "B"] == 100.0
    assert scores.loc["rep 1 score", "B - A"] == 7.0 and pd.isna(scores.loc["rep 3 score", "B"])
    angles = out["angles"]
    assert set(angles["rep"]) == {"1", "2", "mean"}  # rep 3 has no partner
    assert set(angles["phase"]) == {p for p, _ in history.PHASES}
    lean = angles[(angles["angle"] == "trunk_incline_deg") & (angles["phase"] == "turn")]
    # at the bottom both lean 45 deg by construction (+10 in B), whatever the rep's length
    assert list(lean["B - A"]) == pytest.approx([10.0] * len(lean), abs=2.0)
    assert len(out["flags"]["A"]) == 1 and out["flags"]["B"] == []


def test_charts_build_from_records():
    records = [_rec(1, dt.date(2026, 11, 2), 70), _rec(2, dt.date(2026, 11, 9), 72)]
    chart = history.score_chart(records).to_dict()
    # sessions (dots), their trend line and the weekly mean, each drawn from both sessions
    assert [layer["mark"]["type"] for layer in chart["layer"]] == ["circle", "line", "line"]
    assert [len(chart["datasets"][layer["data"]["name"]]) for layer in chart["layer"]] == [2, 2, 2]
    assert all(len(rows) == 0 for rows in history.score_chart([]).to_dict()["datasets"].values())
    rows = [{"session_id": 1, "rule": "forward_lean", "severity": "warn", "rep": 0}]
    faults = history.fault_chart(history.fault_frequency(records, rows)).to_dict()
    (plotted,) = faults["datasets"].values()
    assert [(row["rule"], row["share"]) for row in plotted] == [("forward_lean", pytest.approx(1 / 3, abs=1e-3))]  # 1 rep of 3


def test_load_is_charted_beside_the_score_on_one_time_axis():
    records = [_rec(1, dt.date(2026, 11, 2), 70, load_kg=100.0), _rec(2, dt.date(2026, 11, 9), 72),
               _rec(3, dt.date(2026, 11, 16), 60, load_kg=120.0)]
    chart = history.score_and_load_chart(records).to_dict()
    score, load = chart["layer"]
    assert chart["resolve"]["scale"]["y"] == "independent"  # kg on its own axis, on the right
    assert [layer["mark"]["type"] for layer in score["layer"]] == ["circle", "line", "line"]
    # the sessions with a load, in time order, joined by a line and marked by squares
    assert [(row["id"], row["load_kg"]) for row in chart["datasets"][load["data"]["name"]]] == [(1, 100.0), (3, 120.0)]
    assert [layer["mark"]["type"] for layer in load["layer"]] == ["line", "square"]
    assert load["layer"][1]["encoding"]["y"]["axis"]["orient"] == "right"
    # no loads entered: the score chart alone
    unloaded = [dataclasses.replace(r, load_value=None, load_unit=None, load_kg=None) for r in records]
    assert history.load_chart(unloaded) is None
    assert history.score_and_load_chart(unloaded).to_dict() == history.score_chart(unloaded).to_dict()


def test_reference_deviation_charts_every_session_against_the_current_reference():
    import datetime as dt

    from formcheck import relative, thresholds
    from formcheck.store import SessionRecord
    from tests.stored import scored_report

    limits = thresholds.load()
    reports = {1: scored_report("deadlift", faults=(), bend_deg=2.0), 2: scored_report("deadlift", faults=(), bend_deg=20.0),
               3: scored_report("deadlift", faults=())}  # 3: no shape
    records = [SessionRecord(i, f"{i:032x}", "Ada", "deadlift", dt.date(2026, 11, i), dt.datetime(2026, 11, i), None,
                             None, None, None, "", 90.0, 3, 0, "v", "a.mp4") for i in reports]
    shapes = {i: r.assessment["shape"] for i, r in reports.items() if "shape" in r.assessment}
    reference = relative.Reference("u", "2026-11-01", "deadlift", shapes[1])
    table = history.reference_deviation(records, shapes, reference, limits)
    assert sorted(set(table["id"])) == [1, 2] and len(table) == 6
    assert (table[table["id"] == 1]["times_warn"] == 0).all()
    assert (table[table["id"] == 2]["level"] == "fault").all() and (table[table["id"] == 2]["times_warn"] > 1).all()
    assert history.deviation_chart(table).to_dict()["layer"]
