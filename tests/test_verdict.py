"""The verdict sentences: one per fault across the reps, the worst rep, and a trend only when the
reps say so."""

from formcheck.verdict import sentences, trend


def _event(rule, rep, value, severity="fault", limit=26.0, unit="deg", time_s=1.0):
    return {"rule": rule, "rep": rep, "value": value, "severity": severity, "limit": limit, "unit": unit,
            "time_s": time_s}


def test_a_fault_on_every_rep_growing_through_the_set_is_one_sentence():
    faults = [_event("spine_flexion", r, 27.0 + 1.5 * r) for r in range(10)]
    assert sentences(faults, 10) == [
        "Rounded back (fault) on 10 of 10 reps, worst at rep 10: 40° against the fault limit of 26°; "
        "it grew through the set."]


def test_faults_come_before_warnings_and_the_worst_is_furthest_past_its_limit():
    faults = [_event("arm_bend", 0, 140.0, "warn", 145.0), _event("arm_bend", 1, 130.0, "warn", 145.0),
              _event("arm_bend", 2, 138.0, "warn", 145.0),
              _event("bar_far", 1, 0.9, "fault", 0.6, "foot lengths")]
    first, second = sentences(faults, 3)
    assert first == "Bar drifting away from the body (fault) on rep 2 of 3: 0.9 foot lengths against the fault limit of 0.6 foot lengths."
    # elbows: lower is worse, so 130° on rep 2 is the worst; 140, 130, 138 is no trend
    assert second == "Bent arms (warning) on 3 of 3 reps, worst at rep 2: 130° against the warning limit of 145°."


def test_moments_outside_the_reps_and_a_clean_set():
    faults = [_event("hips_too_low", None, 60.0, "warn", 70.0, time_s=0.4)]
    assert sentences(faults, 2) == ["Hips set too low at the start (warning) once outside the reps: "
                                    "60° against the warning limit of 70°."]
    assert sentences([], 5) == ["No form breakdown flagged on any of the 5 reps."]
    assert sentences([], 1) == ["No form breakdown flagged on the rep."]
    assert sentences([], 0) == ["No complete rep was found, so nothing was scored."]


def test_a_trend_needs_three_reps_that_agree():
    assert trend({0: 20.0, 1: 30.0}, "above") is None  # two reps: no trend
    assert trend({0: 20.0, 1: 25.0, 2: 30.0}, "above") == "grew"
    assert trend({0: 20.0, 1: 25.0, 2: 30.0}, "below") == "eased"  # for a below-is-worse rule, rising is easing
    assert trend({0: 20.0, 1: 35.0, 2: 25.0, 3: 30.0}, "above") is None
    assert trend({0: 20.0, 1: 20.0, 2: 20.0}, "above") is None


def test_rep_cards_give_each_rep_its_worst_level_and_its_faults_worst_first():
    from formcheck.verdict import rep_cards

    reps = [{"index": 0, "score": 100.0}, {"index": 1, "score": 70.0}, {"index": 2, "score": 90.0}]
    faults = [_event("arm_bend", 1, 140.0, "warn", 145.0, time_s=2.0),
              _event("spine_flexion", 1, 30.0, "fault", 26.0, time_s=2.5),
              _event("heel_lift", 2, 0.1, "warn", 0.08, "foot lengths", time_s=4.0)]
    cards = rep_cards(faults, reps)
    assert [(c["rep"], c["level"], c["faults"], c["worst_time_s"]) for c in cards] == [
        (1, "clean", [], None),
        (2, "fault", ["Rounded back", "Bent arms"], 2.5),
        (3, "warning", ["Heels lifting"], 4.0)]


def test_a_reps_worst_value_for_the_trend_is_its_largest_not_the_one_furthest_past_its_own_limit():
    # rep 2 has a 24° warning (4 past the 20° warning limit) and a 28° fault (2 past 26°): 28 is its value
    faults = [_event("spine_flexion", 0, 21.0, "warn", 20.0), _event("spine_flexion", 1, 24.0, "warn", 20.0),
              _event("spine_flexion", 1, 28.0, "fault", 26.0), _event("spine_flexion", 2, 27.0, "fault", 26.0)]
    assert sentences(faults, 3)[0].endswith("; it grew through the set.") is False  # 21, 28, 27: no trend
    faults[-1] = _event("spine_flexion", 2, 29.0, "fault", 26.0)
    assert sentences(faults, 3)[0].endswith("; it grew through the set.")  # 21, 28, 29


def test_a_rule_this_version_does_not_know_is_said_by_its_name():
    old = [_event("lumbar_wobble", 0, 12.0, "warn", 10.0)]  # as a stored report from another version may hold
    assert sentences(old, 1) == ["lumbar_wobble (warning) on rep 1: 12° against the warning limit of 10°."]


def test_relative_events_say_what_they_were_compared_with():
    from formcheck.verdict import sentences

    event = {"rule": "spine_flexion", "severity": "fault", "value": 12.4, "limit": 10.0, "unit": "deg", "rep": 3,
             "time_s": 4.0, "basis": "set", "measure": "bend_deg", "hip_deg": 95.0, "rep_value": 14.0,
             "baseline_value": 1.6}
    relative = {"basis": "set", "reference": None, "why_not_reference": "the camera is 20 deg further round the "
                "lifter than in the reference", "baseline_reps": [0, 1]}
    out = sentences([event, {**event, "rep": 4, "value": 15.0}], 5, relative)
    assert out[0] == ("Rounded back (fault) on 2 of 5 reps, worst at rep 5: back outline 15° rounder than reps 1-2 "
                      "at a hip angle of 95°, against the fault limit of 10°.")
    assert out[1] == ("Not compared with your reference: the camera is 20 deg further round the lifter than in the "
                      "reference. Back shape of each later rep compared with reps 1-2 of this set at the same hip angle.")
    ref = {"basis": "reference", "reference": {"recorded_on": "2026-11-02"}, "baseline_reps": []}
    lean = {"rule": "spine_hyperextension", "severity": "warn", "value": 7.0, "limit": 6.0, "unit": "deg", "rep": 0,
            "time_s": 1.0, "basis": "reference", "measure": "lean_back_deg", "hip_deg": 180.0}
    out = sentences([lean], 1, ref)
    assert out[0] == ("Leaning back at lockout (warning) on rep 1: 7° further back at lockout than your reference, "
                      "against the warning limit of 6°.")
    assert out[1].startswith("Back shape compared with your reference from 2026-11-02")
