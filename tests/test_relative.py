"""Relative judgment (formcheck/relative.py) on made-up shapes with known answers: binning by hip
angle, the held deviation against the baseline's own spread, comparability, the set baseline, and
how relative events replace or give way to the absolute ones."""

import numpy as np
import pytest

from formcheck import relative, thresholds
from formcheck.faults import FaultEvent
from formcheck.reps import Rep

LIMITS = thresholds.load()
N_BINS = len(relative.PHASE_EDGES_DEG) - 1


def _rep(index, bend=0.0, hollow=8.0, chord=0.0, lean=-3.0, bins=range(2, 10), noise=0.0, seed=0):
    rng = np.random.default_rng(seed)

    def row(value):
        return [round(value + rng.normal(0, noise), 3) if k in bins else None for k in range(N_BINS)]

    return {"index": index, "bins": {"bend_deg": row(bend), "hollow_pct": row(hollow), "chord_pct": row(chord)},
            "lean_back_deg": lean}


def _cam(**kw):
    return {"view": "side", "yaw_deg": 85.0, "thigh_frame": 0.2, "trunk_thigh": 1.1, **kw}


def test_binned_takes_the_median_per_hip_angle_bin():
    hip = np.array([45.0, 47.0, 49.0, 55.0, 175.0, np.nan])
    values = np.array([1.0, 2.0, 9.0, 4.0, 7.0, 100.0])
    out = relative.binned(hip, values, slice(0, 6))
    assert out[0] == 2.0 and out[1] == 4.0 and out[-1] == 7.0 and out[2] is None


def test_a_rep_rounder_than_the_baseline_over_neighbouring_bins_is_flagged_and_one_bin_is_not():
    base = [_rep(i, noise=0.5, seed=i) for i in range(3)]
    rounded = _rep(0, bend=18.0)
    spike = _rep(1)
    spike["bins"]["bend_deg"][5] = 40.0  # one ragged mask in one bin
    flatter = _rep(2, hollow=5.0)  # the lower-back curve 3 % flatter
    same = _rep(3, noise=0.5, seed=9)
    out = relative.compare([rounded, spike, flatter, same], base, "deadlift", LIMITS)
    worst = {rep: relative.worst(d) for rep, d in out.items()}
    assert (worst[0].measure, worst[0].level) == ("bend_deg", 2)
    assert worst[0].deviation == pytest.approx(18.0, abs=1.0)
    assert worst[0].fault == pytest.approx(LIMITS.get("deadlift", "relative_bend_fault_deg") + 2 * 2.0)  # floor 2 deg
    assert worst[1].level == 0
    assert (worst[2].measure, worst[2].level) == ("hollow_pct", 2)
    assert worst[3].level == 0


def test_a_noisy_baseline_widens_the_limit():
    quiet = [_rep(i, noise=0.2, seed=i) for i in range(3)]
    noisy = [_rep(i, noise=6.0, seed=i) for i in range(3)]
    rep = _rep(0, bend=11.5)
    d_quiet = next(d for d in relative.compare([rep], quiet, "deadlift", LIMITS)[0] if d.measure == "bend_deg")
    d_noisy = next(d for d in relative.compare([rep], noisy, "deadlift", LIMITS)[0] if d.measure == "bend_deg")
    assert d_noisy.warn > d_quiet.warn + 2
    assert d_quiet.level == 1 and d_noisy.level == 0


def test_lean_back_against_the_reference():
    base = [_rep(i, lean=-14.0) for i in range(2)]  # this lifter always finishes leaning back
    out = relative.compare_lean_back([_rep(0, lean=-15.0), _rep(1, lean=-26.0)], base, "deadlift", LIMITS)
    assert out[0].level == 0 and out[1].level == 2 and out[1].deviation == pytest.approx(12.0)


@pytest.mark.parametrize("change, why", [
    ({"lift": "squat"}, "the reference is a deadlift, this is a squat"),
    ({"camera": _cam(yaw_deg=60.0)}, "25 deg further round"),
    ({"camera": _cam(thigh_frame=0.3)}, "size in the picture"),
    ({"camera": _cam(trunk_thigh=1.4)}, "trunk against the thigh"),
    ({"camera": _cam(view="oblique")}, "side view"),
])
def test_an_incomparable_reference_is_refused_with_the_reason(change, why):
    ref = relative.shape("deadlift", _cam(), [_rep(0)])
    this = {**relative.shape("deadlift", _cam(), [_rep(0)]), **change}
    assert why in relative.comparable(this, ref, LIMITS)


def test_a_reference_measured_by_an_older_formcheck_is_refused():
    this = relative.shape("deadlift", _cam(), [_rep(0)])
    old = {**this, "version": 0}
    assert "older formcheck" in relative.comparable(this, old, LIMITS)


def test_a_small_camera_move_stays_comparable():
    ref = relative.shape("deadlift", _cam(), [_rep(0)])
    this = relative.shape("deadlift", _cam(yaw_deg=80.0, thigh_frame=0.21, trunk_thigh=1.13), [_rep(0)])
    assert relative.comparable(this, ref, LIMITS) is None


def test_judge_uses_the_reference_else_the_sets_first_reps():
    reps = [_rep(0), _rep(1), _rep(2), _rep(3, bend=15.0), _rep(4, bend=20.0)]
    this = relative.shape("deadlift", _cam(), reps)
    ref = relative.Reference("u1", "2026-11-01", "deadlift", relative.shape("deadlift", _cam(), reps[:3]))
    j = relative.judge(this, "deadlift", LIMITS, ref)
    assert j.basis == "reference" and sorted(j.spine) == [0, 1, 2, 3, 4] and j.lean_back
    far = relative.Reference("u1", "2026-11-01", "deadlift", relative.shape("deadlift", _cam(yaw_deg=40.0), reps[:3]))
    j = relative.judge(this, "deadlift", LIMITS, far)
    assert j.basis == "set" and j.baseline == [0, 1] and sorted(j.spine) == [2, 3, 4] and "round" in j.why_not_reference
    assert j.to_dict()["reps"][-1]["worst"]["level"] == "fault"
    assert relative.judge(relative.shape("deadlift", _cam(), reps[:2]), "deadlift", LIMITS, None).basis is None


def _event(rule, severity, rep, basis="absolute"):
    return FaultEvent(rule, 10 * rep, 10 * rep, 10 * rep, severity, 1.0, 1.0, rep, 0.1 * rep, basis=basis)


def test_merge_keeps_the_worse_of_absolute_and_relative_per_rep():
    absolute = [_event("spine_flexion", "warn", 0), _event("spine_flexion", "fault", 1),
                _event("spine_hyperextension", "fault", 2), _event("heel_lift", "warn", 0)]
    rel = [_event("spine_flexion", "fault", 0, "reference"), _event("spine_flexion", "warn", 1, "reference"),
           _event("spine_flexion", "warn", 3, "reference")]
    merged = relative.merge(absolute, rel, {"spine_hyperextension"})
    got = sorted((e.rule, e.rep, e.severity, e.basis) for e in merged)
    assert got == [("heel_lift", 0, "warn", "absolute"), ("spine_flexion", 0, "fault", "reference"),
                   ("spine_flexion", 1, "fault", "absolute"), ("spine_flexion", 3, "warn", "reference")]


def test_events_sit_on_the_frame_nearest_the_deviating_hip_angle():
    hip = np.concatenate([np.linspace(170, 60, 20), np.linspace(60, 170, 20)])
    rep = Rep(0, 0, 20, 39, "lockout", 0.6, 0.6, 0.4)
    j = relative.Judgement("reference", None, None, [], {0: [relative.Deviation(0, "bend_deg", 20.0, 8.0, 12.0, 95.0,
                                                                                  25.0, 5.0)]}, {})
    (e,) = relative.events(j, [rep], hip, {"bend_deg": np.ones(40)}, np.arange(40) / 30)
    assert abs(hip[e.peak] - 95.0) <= 6 and e.severity == "fault" and e.basis == "reference"
    assert e.to_dict()["baseline_value"] == 5.0 and e.to_dict()["unit"] == "deg"


def test_a_reference_with_a_rounded_rep_is_not_taken_silently():
    shape = relative.shape("deadlift", _cam(), [_rep(0)])
    clean = {"assessment": {"shape": shape}, "faults": [{"rule": "heel_lift", "severity": "fault", "rep": 0}]}
    rounded = {"assessment": {"shape": shape}, "faults": [{"rule": "spine_flexion", "severity": "warn", "rep": 1}]}
    assert relative.reference_problems(clean) == []
    assert relative.reference_problems(rounded) == ["spine_flexion (warn) on rep 2"]
    assert "no side-view reps" in relative.reference_problems({"assessment": {}, "faults": []})[0]
