"""The committed synthetic benchmark set (benchmarks/synthetic/): its manifest matches the files,
every clip has its truth, the set is the one formcheck/synth/benchset.py defines, and the bundled
sample is one of its clips. Reads files only: nothing is rendered or analysed."""

import json

import pytest

from formcheck import assets
from formcheck.synth import benchset

MANIFEST = benchset.load_manifest()
CLIPS = MANIFEST["clips"]


def test_manifest_lists_the_whole_set_in_order():
    assert [c["index"] for c in CLIPS] == list(range(len(benchset.ROWS)))
    assert [c["name"] for c in CLIPS] == [benchset.spec(i).name for i in range(len(benchset.ROWS))]
    assert MANIFEST["size"] == list(benchset.SIZE) and MANIFEST["seed"] == benchset.SEED


def test_no_stray_files():
    listed = {f["file"] for c in CLIPS for f in c["files"].values()} | {benchset.MANIFEST}
    assert {p.name for p in benchset.SET_DIR.iterdir()} == listed


@pytest.mark.parametrize("clip", CLIPS, ids=[c["name"] for c in CLIPS])
def test_files_match_their_sha256_and_truth_matches_its_row(clip):
    for entry in clip["files"].values():
        path = benchset.SET_DIR / entry["file"]
        assert path.stat().st_size == entry["size"]
        assert benchset.file_sha256(path) == entry["sha256"]
    truth = json.loads((benchset.SET_DIR / clip["files"]["truth"]["file"]).read_text())
    row = benchset.ROWS[clip["index"]]
    assert truth["spec"]["name"] == clip["name"]
    assert truth["spec"]["motion"]["lift"] == row.lift
    assert truth["spec"]["camera"]["yaw_deg"] == row.yaw_deg
    assert truth["spec"]["motion"]["lumbar_peak_deg"] == row.lumbar_deg
    assert truth["spec"]["motion"]["thoracic_peak_deg"] == row.thoracic_deg
    assert truth["spec"]["look"]["plate_radius_m"] == row.plate_radius_m
    assert truth["spec"]["camera"]["width_px"] % 16 == 0 and truth["spec"]["camera"]["height_px"] % 16 == 0
    assert len(truth["frames"]["time_s"]) == truth["n_frames"] == clip["frames"]
    assert len(truth["reps"]) == clip["reps"] == len(truth["faults"])
    # The asked-for flexion is what the posed bones carry (measured on them, not copied).
    lumbar = max(x for x in truth["frames"]["lumbar_flexion_deg"] if x is not None)
    assert lumbar == pytest.approx(row.lumbar_deg, abs=0.5)


def test_bundled_sample_is_a_committed_side_view_clip_of_the_set():
    sample = assets.default_sample()
    assert sample.is_file() and sample.parent == benchset.SET_DIR
    clip = next(c for c in CLIPS if c["files"]["video"]["file"] == sample.name)
    assert clip["yaw_deg"] == 90
