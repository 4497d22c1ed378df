"""`formcheck batch`: real clips through a pool of worker processes into the store (SQLite and a
real PostgreSQL server), a corrupt clip among them, resuming after kill -9."""

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from formcheck import batch
from formcheck.cli import main
from formcheck.errors import FormcheckError
from formcheck.store import Store
from tests import batch_work, pg

SHORT_SQUAT = "squat_bw_side_unknown_t01.mp4"  # 1 rep
SHORT_DEADLIFT = "deadlift_side_good_01.mp4"  # 1 rep


def _squad(tmp_path, clip):
    """coach/anna/<squat>, coach/ben/<deadlift> and coach/ben/broken.mp4 (a cut-off copy)."""
    root = tmp_path / "coach"
    (root / "anna").mkdir(parents=True)
    (root / "ben").mkdir()
    shutil.copy(clip(SHORT_SQUAT), root / "anna" / SHORT_SQUAT)
    shutil.copy(clip(SHORT_DEADLIFT), root / "ben" / SHORT_DEADLIFT)
    data = clip(SHORT_DEADLIFT).read_bytes()
    (root / "ben" / "broken.mp4").write_bytes(data[: len(data) // 3])
    return root


@pytest.mark.real
def test_batch_saves_every_clip_survives_a_corrupt_one_and_skips_on_rerun(home, clip, tmp_path, capfd, monkeypatch):
    monkeypatch.setattr(batch, "MAX_CLIPS_PER_WORKER", 1)  # a fresh pool after every clip a worker
    root = _squad(tmp_path, clip)
    summary = tmp_path / "summary.json"
    code = main(["batch", str(root), "--athlete-from", "folder", "--workers", "2", "--summary", str(summary)])
    out = capfd.readouterr().out
    assert code == 2, out  # one clip failed: reported, not fatal
    rows = {os.path.basename(r["clip"]): r for r in json.loads(summary.read_text())["clips"]}
    assert {k: r["status"] for k, r in rows.items()} == {SHORT_SQUAT: "saved", SHORT_DEADLIFT: "saved",
                                                         "broken.mp4": "failed"}
    assert "truncated" in rows["broken.mp4"]["error"] or "corrupt" in rows["broken.mp4"]["error"]
    assert "2 saved, 0 skipped, 0 not saved, 1 failed" in out
    with Store() as store:
        saved = {(s.athlete, s.lift, s.video_name) for s in store.sessions()}
        assert saved == {("anna", "squat", SHORT_SQUAT), ("ben", "deadlift", SHORT_DEADLIFT)}
        assert store.check() == []
        (squat,) = [s for s in store.sessions() if s.athlete == "anna"]
        assert store.report(squat.id).reps  # the whole report is kept, as `analyze --athlete` keeps it

    # the same command again: nothing analysed twice; other settings analyse again
    code = main(["batch", str(root), "--athlete-from", "folder", "--summary", str(summary)])
    statuses = {os.path.basename(r["clip"]): r["status"] for r in json.loads(summary.read_text())["clips"]}
    assert code == 2 and statuses == {SHORT_SQUAT: "skipped", SHORT_DEADLIFT: "skipped", "broken.mp4": "failed"}
    assert main(["batch", str(root / "anna"), "--athlete", "anna", "--max-people", "1"]) == 0
    with Store() as store:
        assert len(store.sessions()) == 3


@pytest.mark.real
def test_batch_resumes_after_kill_9(home, clip, tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    names = [SHORT_SQUAT, SHORT_DEADLIFT, "squat_goblet_side_unknown_r01.mp4"]
    for name in names:
        shutil.copy(clip(name), folder / name)
    command = [sys.executable, "-m", "formcheck.cli", "batch", str(folder), "--athlete", "Kim", "--workers", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)
    lines = []
    for line in proc.stdout:  # wait for the first clip to be saved, then kill everything at once
        lines.append(line)
        if "saved session" in line:
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(lines)
    with Store() as store:
        first = store.sessions()
        assert len(first) in (1, 2) and store.check() == []
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("skipped: already saved") == len(first)
    with Store() as store:
        sessions = store.sessions()
        assert sorted(s.video_name for s in sessions) == sorted(names)  # each clip once
        assert {s.id for s in first} <= {s.id for s in sessions}
        assert store.check() == []


@pytest.fixture
def pg_url(tmp_path):
    yield from pg.fresh_database()


@pytest.mark.real
def test_batch_into_postgresql(home, clip, tmp_path, pg_url, capfd):
    video = tmp_path / SHORT_SQUAT
    shutil.copy(clip(SHORT_SQUAT), video)
    assert main(["batch", str(video), "--athlete", "Lee", "--store", pg_url]) == 0
    assert "saving to postgresql" in capfd.readouterr().out
    with Store(url=pg_url) as store:
        (saved,) = store.sessions()
        assert (saved.athlete, saved.lift) == ("Lee", "squat")
    with Store() as local:  # nothing went to the local SQLite store
        assert local.sessions() == []


def test_athletes_from_a_csv_with_dates_and_loads(tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "sub" / "b.mp4"
    b.parent.mkdir()
    a.write_bytes(b"x")
    b.write_bytes(b"x")
    table = tmp_path / "squad.csv"
    table.write_text("video,athlete,date,load,rpe,notes\na.mp4,Ann,2026-11-30,100kg,8,belt\n"
                     f"{b},Bo,,,,\n")
    clips = batch.assign_athletes(batch.find_videos([tmp_path]), None, str(table))
    by_name = {c.path.name: c for c in clips}
    assert (by_name["a.mp4"].athlete, str(by_name["a.mp4"].recorded_on), by_name["a.mp4"].load_value,
            by_name["a.mp4"].rpe, by_name["a.mp4"].notes) == ("Ann", "2026-11-30", 100.0, 8.0, "belt")
    assert (by_name["b.mp4"].athlete, by_name["b.mp4"].recorded_on) == ("Bo", None)
    table.write_text("video,athlete\na.mp4,Ann\n")
    with pytest.raises(FormcheckError, match="names no athlete for: b.mp4"):
        batch.assign_athletes(batch.find_videos([tmp_path]), None, str(table))


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "--workers must be 1 or more"),
    ([], "say whose clips they are"),
    (["--athlete-from", "nope.csv"], "'folder' or a CSV file"),
])
def test_batch_usage_errors_say_what_is_wrong(home, tmp_path, capfd, args, message):
    (tmp_path / "a.mp4").write_bytes(b"x")
    assert main(["batch", str(tmp_path), *args]) == 2
    assert message in capfd.readouterr().err


def test_batch_with_no_videos_or_a_missing_path(home, tmp_path, capfd):
    assert main(["batch", str(tmp_path), "--athlete", "A"]) == 2
    assert "no video files found" in capfd.readouterr().err
    assert main(["batch", str(tmp_path / "missing"), "--athlete", "A"]) == 2
    assert "no such file or folder" in capfd.readouterr().err


def test_same_settings_tells_a_changed_model_lift_or_threshold(tmp_path):
    from formcheck import thresholds
    from formcheck.pose import PoseSettings

    report = {"settings": {"pose": PoseSettings().to_dict()}, "lift": "squat",
              "assessment": {"lift": {"kind": "squat", "evidence": {}}, "thresholds": thresholds.load(None).to_dict()}}
    assert batch.same_settings(report, batch.Settings())
    assert not batch.same_settings(report, batch.Settings(model="lite"))
    assert not batch.same_settings(report, batch.Settings(lift="squat"))  # the lift was detected, not given
    custom = tmp_path / "t.toml"
    custom.write_text("[common]\nspine_flexion_warn_deg = 12.0\n")
    assert not batch.same_settings(report, batch.Settings(thresholds_path=str(custom)))
    assert not batch.same_settings({"settings": {}}, batch.Settings())  # an old or odd report: analyse again


def test_a_clip_that_kills_its_worker_is_the_only_one_failed(tmp_path, monkeypatch):
    """The pool breaks for every clip in flight; they are run again one at a time, so the rest are
    analysed and only the clip that kills its worker (three times) is reported."""
    monkeypatch.setattr(batch, "MAX_CLIPS_PER_WORKER", 2)
    names = ["a.mp4", "crash.mp4", "b.mp4", "c.mp4", "d.mp4"]
    clips = [batch.Clip(tmp_path / name, "Ann") for name in names]
    results = {clip.path.name: r for clip, r in batch.pool_results(clips, batch.Settings(), 2, batch_work.crash_on_name)}
    assert sorted(results) == sorted(names)
    assert results["crash.mp4"]["error"] == "the worker analysing it died (out of memory, or a crash)"
    assert all(results[name]["seen"] == name for name in names if name != "crash.mp4")
    # only the clips in flight beside it (two workers: one other) ran twice; crash.mp4 three times
    runs = (tmp_path / "runs.log").read_text().split()
    assert runs.count("crash.mp4") == batch.MAX_ATTEMPTS
    assert sum(runs.count(name) - 1 for name in names if name != "crash.mp4") <= 1


def test_workers_are_replaced_every_max_clips(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "MAX_CLIPS_PER_WORKER", 1)
    clips = [batch.Clip(tmp_path / f"{k}.mp4", "Ann") for k in range(3)]
    pids = {r["pid"] for _, r in batch.pool_results(clips, batch.Settings(), 1, batch_work.crash_on_name)}
    assert len(pids) == 3  # a fresh process for every clip
