"""`formcheck eval`'s summary: good lifts told they have a fault, all and by label confidence."""

from formcheck.evaluate import ClipResult, markdown, summarise


def _clip(name, lift, expected, found, confidence):
    return ClipResult(name, (lift, lift), ("side", "side"), (1, 1), (frozenset(expected), frozenset(found)),
                      False, 90.0, None, confidence)


def test_good_lifts_with_a_fault_level_flag_are_counted_apart_from_negatives_and_faulty_lifts():
    results = [_clip("a", "deadlift", [], ["bar_far"], "high"),  # a good lift, flagged
               _clip("b", "deadlift", [], [], "low"),  # a good lift, clean
               _clip("c", "squat", [], ["heel_lift"], "low"),  # a good lift, flagged, low-confidence label
               _clip("d", "none", [], ["bar_far"], "high"),  # a negative: not a lift
               _clip("e", "squat", ["depth_shallow"], ["depth_shallow"], "high"),  # a faulty lift
               ClipResult("f", ("squat", None), ("side", None), (1, 0), (frozenset(), frozenset()), False, None,
                          "not a video", "high")]  # a good lift that could not be analysed: not counted
    summary = summarise(results)
    assert summary["good_lifts"] == {"clips": 3, "with_fault_flag": 2, "share": 2 / 3}
    assert summary["good_lifts_high_medium"] == {"clips": 1, "with_fault_flag": 1, "share": 1.0}
    text = markdown(summary, results, "v", "full")
    assert "| good lifts with a fault-level flag | 2 of 3 (67 %) |" in text
    assert "| good lifts (high/medium label) with a fault-level flag | 1 of 1 (100 %) |" in text
