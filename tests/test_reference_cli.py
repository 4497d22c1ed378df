"""A lifter's reference from the command line, on real clips and the real model, in a private
data folder: `analyze --athlete A --reference`, later sets judged against it (report `reference`
and each fault's `basis`), `formcheck reference` to show, set and clear, and a rounded set refused
as a reference unless forced."""

import json

import pytest

from formcheck.cli import main
from formcheck.store import Store


def _analyze(clip_path, tmp_path, name, *extra):
    out = tmp_path / f"{name}.json"
    code = main(["analyze", str(clip_path), "--no-video", "--json", str(out), "--csv", str(tmp_path / f"{name}.csv"),
                 *extra])
    return code, (json.loads(out.read_text()) if out.exists() else None)


@pytest.mark.real
def test_a_rounded_set_is_judged_against_the_lifters_own_good_set(home, clip, tmp_path, capfd):
    good, rounded = clip("deadlift_side_good_01.mp4"), clip("deadlift_side_roundback_01.mp4")
    code, ref_report = _analyze(good, tmp_path, "good", "--athlete", "A", "--reference", "--date", "2026-11-02")
    out = capfd.readouterr().out
    assert code == 0 and "session 1 (2026-11-02) is now A's deadlift reference" in out
    # the rounded set of the same lifter: flagged at fault level against the reference
    code, report = _analyze(rounded, tmp_path, "rounded", "--athlete", "A", "--date", "2026-11-09")
    out = capfd.readouterr().out
    assert code == 0
    with Store() as store:
        ref_uid = store.session(1).uid
    assert report["reference"] == {"session_uid": ref_uid, "recorded_on": "2026-11-02", "lift": "deadlift",
                                   "athlete": "A"}
    flexion = [e for e in report["faults"] if e["rule"] == "spine_flexion"]
    assert flexion and all(e["basis"] == "reference" for e in flexion) and flexion[0]["severity"] == "fault"
    assert flexion[0]["baseline_value"] is not None and flexion[0]["rep_value"] > flexion[0]["baseline_value"]
    assert all(e["basis"] == "absolute" for e in report["faults"] if e["rule"] != "spine_flexion")
    assert "than your reference" in out and "compared with your reference from 2026-11-02" in out
    # the good set again against itself: nothing about the back
    code, again = _analyze(good, tmp_path, "again", "--athlete", "A", "--no-save")
    assert code == 0 and again["reference"]["session_uid"] == ref_uid
    assert not [e for e in again["faults"] if e["rule"] in ("spine_flexion", "spine_hyperextension")]
    # without --athlete nothing is looked up: absolute limits (and the set, with enough reps)
    code, alone = _analyze(rounded, tmp_path, "alone")
    assert code == 0 and alone["reference"] is None
    assert all(e["basis"] == "absolute" for e in alone["faults"])
    capfd.readouterr()

    # formcheck reference: show, refuse a rounded set, force it, clear
    assert main(["reference", "--athlete", "A"]) == 0
    assert "deadlift: session 1 of 2026-11-02 (deadlift_side_good_01.mp4" in capfd.readouterr().out
    assert main(["reference", "--athlete", "A", "--set", "2"]) == 2
    err = capfd.readouterr().err
    assert "session 2 not made A's deadlift reference: spine_flexion (fault) on rep 1" in err and "--force" in err
    assert main(["reference", "--athlete", "B", "--set", "1"]) == 2
    assert "session 1 is A's, not B's" in capfd.readouterr().err
    assert main(["reference", "--athlete", "A", "--set", "2", "--force"]) == 0
    assert "though spine_flexion (fault) on rep 1" in capfd.readouterr().out
    assert main(["reference", "--athlete", "A", "--clear", "--lift", "deadlift"]) == 0
    assert "A's deadlift reference cleared" in capfd.readouterr().out
    code, after = _analyze(rounded, tmp_path, "after", "--athlete", "A", "--no-save")
    assert code == 0 and after["reference"] is None


def test_force_reference_needs_reference(home, tmp_path, capfd):
    code = main(["analyze", str(tmp_path / "none.mp4"), "--athlete", "A", "--force-reference"])
    assert code == 2 and "--force-reference goes with --reference" in capfd.readouterr().err
