"""`formcheck eval`'s summary: good lifts told they have a fault, all and by label confidence."""

import dataclasses

from formcheck.evaluate import ClipResult, held_out, markdown, summarise, summarise_pairs


def _clip(name, lift, expected, found, confidence, absolute=None):
    return ClipResult(name, (lift, lift), ("side", "side"), (1, 1), (frozenset(expected), frozenset(found)),
                      False, 90.0, None, confidence, frozenset(found if absolute is None else absolute))


def test_good_lifts_with_a_fault_level_flag_are_counted_apart_from_negatives_and_faulty_lifts():
    results = [_clip("a", "deadlift", [], ["bar_far"], "high"),  # a good lift, flagged
               _clip("b", "deadlift", [], [], "low", absolute=["spine_flexion"]),  # clean, flagged by absolute alone
               _clip("c", "squat", [], ["heel_lift"], "low"),  # a good lift, flagged, low-confidence label
               _clip("d", "none", [], ["bar_far"], "high"),  # a negative: not a lift
               _clip("e", "squat", ["depth_shallow"], ["depth_shallow"], "high"),  # a faulty lift
               ClipResult("f", ("squat", None), ("side", None), (1, 0), (frozenset(), frozenset()), False, None,
                          "not a video", "high")]  # a good lift that could not be analysed: not counted
    summary = summarise(results)
    assert summary["good_lifts"] == {"clips": 3, "with_fault_flag": 2, "share": 2 / 3}
    assert summary["good_lifts_high_medium"] == {"clips": 1, "with_fault_flag": 1, "share": 1.0}
    text = markdown(summary, results, "v", "full")
    assert summary["absolute_only"]["good_lifts"] == {"clips": 3, "with_fault_flag": 3, "share": 1.0}
    assert "| good lifts with a fault-level flag (absolute limits alone: 3 of 3) | 2 of 3 (67 %) |" in text
    assert "| good lifts (high/medium label) with a fault-level flag (absolute limits alone: 1 of 1) | 1 of 1 (100 %) |" in text
    assert "| spine_flexion | fault | 0 | 0 (1) |" in text
    assert "| heel_lift | warning (capped) | 0 | 1 (1) |" in text


def test_warnings_splits_and_the_view_on_lift_clips_are_reported():
    """A rule's warnings are counted beside its faults; held-out clips (by name hash) get their
    own summary; the view is scored over all clips and over lift clips alone."""
    names = [f"clip_{i}.mp4" for i in range(12)]
    held = [n for n in names if held_out(n)]
    assert 0 < len(held) < len(names)
    # fixed by the name alone: the split docs/eval reports (m01 held out, m02 not)
    assert held_out("deadlift_side_good_m01.mp4") and not held_out("deadlift_side_good_m02.mp4")
    results = [dataclasses.replace(_clip(n, "deadlift", ["heel_lift"] if i == 0 else [], [], "high"),
                                   found_any=frozenset(["heel_lift"]) if i < 2 else frozenset())
               for i, n in enumerate(names)]
    results.append(dataclasses.replace(_clip("empty.mp4", "none", [], [], "high"), view=("front", "side")))
    summary = summarise(results)
    heel = summary["faults"]["heel_lift"]
    assert (heel["found"], heel["found_any"], heel["recall_any"], heel["precision_any"]) == (0, 2, 1.0, 0.5)
    assert summary["view_accuracy"] == 12 / 13 and summary["view_accuracy_lift_clips"] == 1.0
    splits = summary["splits"]
    assert splits["held_out"]["clips"] == len(held) + held_out("empty.mp4")
    assert splits["calibration"]["clips"] + splits["held_out"]["clips"] == len(results)
    text = markdown(summary, results, "v", "full")
    assert "| held-out |" in text and f"{held[0]} H |" in text


def test_pairs_summary_counts_rounded_backs_found_and_good_clips_flagged_without_and_with_the_reference():
    rows = [
        {"split": "held-out", "faults_expected": ["spine_flexion"], "faults_found_absolute": ["none"],
         "faults_found": ["spine_flexion"], "basis": "reference"},
        {"split": "held-out", "faults_expected": ["none"], "faults_found_absolute": ["spine_hyperextension"],
         "faults_found": ["none"], "basis": "reference"},
        {"split": "held-out", "faults_expected": ["none"], "faults_found_absolute": None, "faults_found": None,
         "basis": None},  # could not be analysed: counted as a pair only
        {"split": "calibration", "faults_expected": ["heel_lift"], "faults_found_absolute": ["heel_lift"],
         "faults_found": ["heel_lift"], "basis": "set"},
    ]
    out = summarise_pairs(rows)
    assert out["held-out"] == {"pairs": 3, "judged_against_reference": 2, "spine_flexion_labelled": 1,
                               "spine_flexion_found_absolute": 0, "spine_flexion_found_reference": 1,
                               "good_clips": 1, "good_flagged_absolute": 1, "good_flagged_reference": 0}
    assert out["calibration"]["judged_against_reference"] == 0 and out["calibration"]["good_clips"] == 0
