"""The same-body series (benchmarks/synthetic_series/, formcheck/synth/series.py) and the per-rep
lumbar flexion it needs (motion.lumbar_peak_per_rep). The manifest matches the files, every body
has every role, a body's clips share its phenotype and look, the grow clips round more every rep,
the moved camera is moved by exactly CAMERA_MOVE, and the clips are no frame-for-frame copies.
Reads files and runs numpy only: nothing is rendered, no torch, no anny."""

from __future__ import annotations

import json

import numpy as np
import pytest

from formcheck.synth import motion, series

MANIFEST = series.load_manifest()
CLIPS = MANIFEST["clips"]
BODIES = series.by_body(CLIPS)


def _truth(entry: dict) -> dict:
    return json.loads((series.SERIES_DIR / entry["files"]["truth"]["file"]).read_text())


def test_per_rep_lumbar_peaks_give_each_rep_its_own_peak():
    peaks = (0.0, 7.5, 15.0, 22.5, 30.0)
    for lift, phase, width in (("squat", 0.5, 0.2), ("deadlift", 0.2, 0.3)):
        m = motion.generate(motion.MotionParams(lift=lift, reps=5, rep_s=2.0, hold_s=0.5, lumbar_peak_deg=30.0,
                                                lumbar_peak_per_rep=peaks, flexion_phase=phase, flexion_width=width))
        got = [float(m.lumbar_deg[r.start:r.end + 1].max()) for r in m.reps]
        np.testing.assert_allclose(got, peaks, atol=0.05)  # the bump's frame nearest its centre
        # Each rep is the one-peak motion at that rep's peak: lumbar and the pelvis's share of it.
        for r, peak in zip(m.reps, peaks):
            one = motion.generate(motion.MotionParams(lift=lift, reps=5, rep_s=2.0, hold_s=0.5, lumbar_peak_deg=peak,
                                                      flexion_phase=phase, flexion_width=width))
            sl = slice(r.start, r.end + 1)
            np.testing.assert_allclose(m.lumbar_deg[sl], one.lumbar_deg[sl], atol=1e-12)
            np.testing.assert_allclose(m.pelvis_deg[sl], one.pelvis_deg[sl], atol=1e-12)
            np.testing.assert_allclose(m.thigh_deg, one.thigh_deg, atol=0)  # the legs do not change


def test_per_rep_peaks_default_to_the_old_motion_and_must_match_the_reps():
    base = motion.MotionParams(lift="deadlift", reps=2, lumbar_peak_deg=20.0, flexion_phase=0.2)
    same = motion.MotionParams(lift="deadlift", reps=2, lumbar_peak_deg=20.0, flexion_phase=0.2,
                               lumbar_peak_per_rep=[20, 20])
    assert same.lumbar_peak_per_rep == (20.0, 20.0)
    np.testing.assert_array_equal(motion.generate(same).lumbar_deg, motion.generate(base).lumbar_deg)
    with pytest.raises(ValueError):
        motion.MotionParams(reps=2, lumbar_peak_per_rep=(10.0,))
    peaks = motion.lumbar_peak_per_frame(motion.generate(base).reps, (10.0, 30.0), motion.generate(base).n_frames)
    r0, r1 = motion.generate(base).reps
    assert peaks[0] == peaks[r0.end] == 10.0 and peaks[r1.start] == peaks[-1] == 30.0
    assert np.all(np.diff(peaks[r0.end:r1.start + 1]) > 0)  # the pause moves from one peak to the next


def test_moved_camera_adds_the_deltas_and_keeps_its_aim():
    from formcheck.synth.truth import Camera

    cam = Camera(yaw_deg=90.0, height_m=0.9, distance_m=3.2)
    moved = cam.moved(5.0, 0.15, 0.10)
    assert (moved.yaw_deg, moved.distance_m, moved.height_m) == pytest.approx((95.0, 3.35, 1.0))
    assert moved.target_m == cam.target_m and moved.near_side == cam.near_side
    assert cam.moved() == cam


def test_series_specs_share_the_body_and_jitter_the_clip():
    """From the definition alone (no files): one draw per body, one jitter per clip."""
    ref = series.spec(series.ITEM_BY_KEY["b0_ref"])
    l15 = series.spec(series.ITEM_BY_KEY["b0_l15"])
    for part in ("phenotype", "look"):
        assert getattr(ref, part) == getattr(l15, part)
    assert ref.camera == l15.camera and ref.noise_seed != l15.noise_seed
    assert ref.motion.rep_s != l15.motion.rep_s and ref.motion.shank_bottom_deg != l15.motion.shank_bottom_deg
    j = series.jitter(series.ITEM_BY_KEY["b0_l15"])
    assert abs(j["rep_s_factor"] - 1) <= series.TEMPO_JITTER and abs(j["hold_s_delta"]) <= series.HOLD_JITTER_S
    assert series.select("b1,grow") == [i for i in series.ITEMS if i.body == 1 or i.role.name == "grow"]
    with pytest.raises(ValueError):
        series.select("b9")


def test_manifest_lists_the_whole_series_in_order():
    assert [c["key"] for c in CLIPS] == [i.key for i in series.ITEMS]
    assert [c["name"] for c in CLIPS] == [i.name for i in series.ITEMS]
    assert MANIFEST["seed"] == series.SEED and MANIFEST["roles"] == [r.name for r in series.ROLES]
    listed = {f["file"] for c in CLIPS for f in c["files"].values()} | {series.MANIFEST}
    assert {p.name for p in series.SERIES_DIR.iterdir()} == listed


def test_files_match_the_manifest_sha256():
    entries = series.checked_clips()
    assert len(entries) == len(series.ITEMS)
    for e in entries:
        assert e["video"].is_absolute() and e["video"].stat().st_size == e["files"]["video"]["size"]
        assert e["truth"].stat().st_size == e["files"]["truth"]["size"]


def test_every_body_has_every_role_with_its_lift_and_view():
    assert sorted(BODIES) == list(range(len(series.BODY_LIFTS)))
    for body, roles in BODIES.items():
        assert list(roles) == [r.name for r in series.ROLES]
        for role, entry in roles.items():
            assert entry["lift"] == series.BODY_LIFTS[body]
            assert entry["lumbar_peak_per_rep"] == list(series.ROLE_BY_NAME[role].lumbar_per_rep)
            assert entry["reps"] == len(entry["lumbar_peak_per_rep"]) == len(entry["labels"])
            assert entry["size"] == list(series.SIZE) and entry["fps"] == series.FPS
    assert [BODIES[b]["ref"]["lift"] for b in BODIES] == ["deadlift"] * 4 + ["squat"] * 2


@pytest.mark.parametrize("body", sorted(BODIES))
def test_a_body_keeps_its_phenotype_look_and_light_but_not_its_frames(body):
    roles = BODIES[body]
    ref = _truth(roles["ref"])
    seen = set()
    for role, entry in roles.items():
        own = _truth(entry)
        assert entry["phenotype"] == roles["ref"]["phenotype"]
        assert own["spec"]["phenotype"] == ref["spec"]["phenotype"] and own["spec"]["look"] == ref["spec"]["look"]
        seen.add((own["n_frames"], tuple(own["reps"][0].values()), own["spec"]["noise_seed"]))
        # Tempo within +-10 % of one another (one draw, each jittered).
        assert abs(entry["rep_s"] / roles["ref"]["rep_s"] - 1) < 0.23
    assert len(seen) == len(roles)  # no two clips share their timing and noise


@pytest.mark.parametrize("body", sorted(BODIES))
def test_grow_clip_rounds_more_every_rep(body):
    entry = BODIES[body]["grow"]
    truth = _truth(entry)
    assert len(truth["reps"]) == len(truth["faults"]) == 5
    lumbar = np.array(truth["frames"]["lumbar_flexion_deg"], float)
    peaks = [float(lumbar[r["start"]:r["end"] + 1].max()) for r in truth["reps"]]  # on the posed bones
    assert np.all(np.diff(peaks) > 5.0)
    np.testing.assert_allclose(peaks, [0.0, 7.5, 15.0, 22.5, 30.0], atol=0.1)
    assert entry["lumbar_max_deg"] == [round(p, 2) for p in peaks]
    # The labels follow each rep's own flexion (measured while the trunk is hinged, so up to a
    # degree or so under the bones' peak for an upright deadlifter; still rising).
    hinged = [rep["spine_flexion"]["lumbar_max_deg"] for rep in truth["faults"]]
    assert np.all(np.diff(hinged) > 5.0) and np.all(np.array(hinged) <= np.array(peaks) + 0.01)  # frames stored to 3 decimals
    assert [labels["spine_flexion"] for labels in entry["labels"]] == ["ok", "ok", "ok", "warn", "fault"]


@pytest.mark.parametrize("body", sorted(BODIES))
def test_flexion_sessions_carry_their_asked_flexion(body):
    for role in ("ref", "l00", "l10", "l15", "l20", "l30", "cam00", "cam15"):
        entry = BODIES[body][role]
        np.testing.assert_allclose(entry["lumbar_max_deg"], entry["lumbar_peak_per_rep"], atol=0.1)
        assert all(h <= m + 0.01 for h, m in zip(entry["lumbar_hinged_max_deg"], entry["lumbar_max_deg"]))


@pytest.mark.parametrize("body", sorted(BODIES))
def test_moved_camera_differs_from_the_ref_by_the_stated_deltas(body):
    ref = BODIES[body]["ref"]["camera"]
    d_yaw, d_dist, d_height = series.CAMERA_MOVE
    for role in ("cam00", "cam15"):
        cam = BODIES[body][role]["camera"]
        assert cam["move"] == {"yaw_deg": d_yaw, "distance_m": d_dist, "height_m": d_height}
        assert cam["yaw_deg"] == pytest.approx(ref["yaw_deg"] + d_yaw)
        assert cam["distance_m"] == pytest.approx(ref["distance_m"] + d_dist, abs=1.5e-3)  # rounded to mm
        assert cam["height_m"] == pytest.approx(ref["height_m"] + d_height, abs=1.5e-3)
        assert cam["near_side"] == ref["near_side"]
        own, base = _truth(BODIES[body][role])["spec"]["camera"], _truth(BODIES[body]["ref"])["spec"]["camera"]
        assert own["yaw_deg"] == pytest.approx(base["yaw_deg"] + d_yaw)
        assert own["distance_m"] == pytest.approx(base["distance_m"] + d_dist)
        assert own["height_m"] == pytest.approx(base["height_m"] + d_height)
        assert {**own, "yaw_deg": 0, "distance_m": 0, "height_m": 0} == {**base, "yaw_deg": 0, "distance_m": 0, "height_m": 0}
    for role in ("ref", "l00", "l10", "l15", "l20", "l30", "grow"):
        assert BODIES[body][role]["camera"] == {**ref, "move": {"yaw_deg": 0.0, "distance_m": 0.0, "height_m": 0.0}}
