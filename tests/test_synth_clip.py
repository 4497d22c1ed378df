"""One committed synthetic clip analysed end to end by the real PoseLandmarker, against its exact
ground truth (docs/synthetic.md). The clip and its truth were made with

    .venv-synth/bin/python scripts/make_synthetic.py --seed 1 --out DIR --first 1 --count 1 \\
        --lift deadlift --lumbar 25

(a side-view deadlift, one rep, 25 deg of lumbar flexion off the floor, 1024x576, 110 frames;
the command gives these bytes again) and copied to tests/data/. Tolerances sit above what was
measured on 2026-11-24 (trunk MAE 4.0 deg, hip 5.2, knee 10.6; detection 100 %): the landmarks'
own offsets from the rig's joint centres are part of the error, so these are bounds, not
expectations.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck.synth.compare import compare

pytestmark = pytest.mark.real

DATA = Path(__file__).parent / "data"
CLIP = DATA / "synth_deadlift_side_lumbar25.mp4"


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "report.json"
    run = subprocess.run([sys.executable, "-m", "formcheck.cli", "analyze", str(CLIP), "--no-video", "--json", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    truth = json.loads((DATA / "synth_deadlift_side_lumbar25.truth.json").read_text())
    return compare(truth, json.loads(out.read_text()))


def test_lifter_found_and_lift_reps_view_told(figures):
    assert figures["detection_rate"] >= 0.95
    assert figures["lift"] == {"truth": "deadlift", "formcheck": "deadlift"}
    assert figures["view"] == "side"
    assert figures["reps"] == {"truth": 1, "formcheck": 1}


@pytest.mark.parametrize("name, max_mae_deg", [("trunk_incline_deg", 8.0), ("hip_deg", 10.0), ("knee_deg", 15.0)])
def test_angles_near_the_truth(figures, name, max_mae_deg):
    got = figures["angles"][name]
    assert got["n"] >= 0.8 * figures["frames"], got
    assert got["mae_deg"] <= max_mae_deg, got


@pytest.mark.xfail(strict=True, reason="known limit (docs/synthetic.md): the back contour does not see "
                   "lumbar flexion below 25 % of the hip-shoulder chord; strict, so a fix is noticed")
def test_rounded_lower_back_is_seen(figures):
    (rep,) = figures["spine"]
    assert rep["truth_lumbar_max_deg"] == pytest.approx(25.0, abs=0.5)
    assert rep["formcheck_bend_max_deg"] is not None and rep["formcheck_bend_max_deg"] >= 15.0


def test_a_neutral_back_squat_is_not_read_as_a_rounded_back(tmp_path):
    """A neutral side-view back squat (committed set, clip 015: hands on the bar, chest up). Its
    back outline must not read as rounding: none of its reps reaches the spine-flexion warning."""
    clip = Path(__file__).parent.parent / "benchmarks" / "synthetic" / "synth_1_015_squat_yaw90_lumbar0_plate0.mp4"
    out = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-m", "formcheck.cli", "analyze", str(clip), "--no-video", "--no-save",
                          "--json", str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    report = json.loads(out.read_text())
    assert (report["lift"], report["view"], len(report["reps"])) == ("squat", "side", 2)
    assert not [e for e in report["faults"] if e["rule"] == "spine_flexion"]
    limit = report["assessment"]["thresholds"]["common"]["spine_flexion_warn_deg"]
    bends = [rep["max_spine_bend_deg"] for rep in report["reps"]]
    assert all(b is not None and b < limit for b in bends), bends
