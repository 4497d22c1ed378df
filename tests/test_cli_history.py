"""`formcheck analyze --athlete`, `history`, `export` and `delete`, in a private data folder."""

import datetime as dt
import json

import pytest

from formcheck.cli import main
from formcheck.store import NewSession, Store
from tests.stored import scored_report, tiny_jpeg


@pytest.mark.real
def test_analyze_saves_a_session_with_its_flagged_frames(home, clip, tmp_path, capfd):
    video = clip("deadlift_side_roundback_01.mp4")
    code = main(["analyze", str(video), "--out", str(tmp_path / "out"), "--no-video", "--athlete", " Sam  Lee ",
                 "--load", "140kg", "--rpe", "8.5", "--notes", "belt", "--date", "2026-11-02"])
    out = capfd.readouterr().out
    assert code == 0 and "saved session 1: Sam Lee, deadlift, 2026-11-02, 140 kg" in out
    with Store() as store:
        (saved,) = store.sessions()
        report = store.report(saved.id)
        assert (saved.load_kg, saved.rpe, saved.notes) == (140.0, 8.5, "belt")
        assert report.to_dict() == json.loads((tmp_path / "out" / "report.json").read_text())
        thumbs = [f for f in store.files(saved.id) if f["kind"] == "thumbnail"]
        assert report.faults and {f["frame"] for f in thumbs} == {e["peak"] for e in report.faults[:12]}
        assert all(f["path"].read_bytes()[:3] == b"\xff\xd8\xff" for f in thumbs)  # JPEG
        assert store.check() == []
    # without --athlete (or with --no-save) nothing is saved
    assert main(["analyze", str(video), "--out", str(tmp_path / "o2"), "--no-video"]) == 0
    assert main(["analyze", str(video), "--out", str(tmp_path / "o3"), "--no-video", "--athlete", "Sam Lee",
                 "--no-save"]) == 0
    with Store() as store:
        assert len(store.sessions()) == 1


@pytest.mark.parametrize("extra, message", [
    (["--load", "100kg"], "--load: only used when saving a session, so add --athlete NAME"),
    (["--athlete", "A", "--load", "heavy"], "load 'heavy': write a number and kg or lb"),
    (["--athlete", "A", "--date", "02/11/2026"], "date '02/11/2026': write it as YYYY-MM-DD"),
    (["--athlete", "A", "--rpe", "11"], "RPE 11: must be between 1 and 10"),
    (["--athlete", "   "], "the athlete's name is empty"),
])
def test_bad_save_options_fail_before_the_model_runs(home, tmp_path, capfd, extra, message):
    code = main(["analyze", str(tmp_path / "no_such_clip.mp4"), *extra])  # the clip is never opened
    assert code == 2 and message in capfd.readouterr().err
    assert not (home / "formcheck.db").exists()


def _seed(weeks_scores):
    with Store() as store:
        for day, score_faults in weeks_scores:
            store.save(NewSession("Ada", scored_report(faults=score_faults), day, 80.0, "kg",
                                  thumbnails={24: tiny_jpeg()}))


def test_history_export_and_delete(home, tmp_path, capfd):
    today = dt.date.today()
    _seed([(today - dt.timedelta(weeks=3), (("forward_lean", "fault", 0), ("forward_lean", "fault", 1))),
           (today - dt.timedelta(weeks=1), (("forward_lean", "warn", 0),)),
           (today, ()),
           (today - dt.timedelta(weeks=30), ())])  # outside the default 12 weeks
    assert main(["history", "--athlete", "Ada", "--json"]) == 0
    data = json.loads(capfd.readouterr().out)
    (group,) = data["groups"]
    assert (group["athlete"], group["lift"], len(group["sessions"])) == ("Ada", "squat", 3)
    assert group["trend"]["slope_points_per_week"] > 0 and len(group["weekly"]) == 3
    assert main(["history", "--weeks", "0", "--json"]) == 0
    assert len(json.loads(capfd.readouterr().out)["groups"][0]["sessions"]) == 4
    assert main(["history"]) == 0
    text = capfd.readouterr().out
    assert "Ada - squat: 3 sessions" in text and "trend: improving" in text

    out = tmp_path / "ada.json"
    assert main(["export", "--athlete", "Ada", "--out", str(out)]) == 0
    exported = json.loads(out.read_text())
    assert len(exported["sessions"]) == 4 and exported["sessions"][0]["report"]["lift"] == "squat"

    assert main(["delete", "1"]) == 2 and "add --yes" in capfd.readouterr().err
    folder = home / "sessions" / exported["sessions"][0]["uid"]
    assert folder.is_dir()
    assert main(["delete", str(exported["sessions"][0]["id"]), "--yes"]) == 0
    assert not folder.exists()
    with Store() as store:
        assert len(store.sessions()) == 3


def test_history_messages_for_nothing_and_unknown(home, capfd):
    assert main(["history"]) == 0 and "no saved sessions" in capfd.readouterr().out
    _seed([(dt.date.today(), ())])
    assert main(["history", "--athlete", "Bob"]) == 2
    assert "no sessions saved for 'Bob' (athletes: Ada)" in capfd.readouterr().err
    assert main(["export", "--athlete", "Bob"]) == 2
    assert main(["history", "--weeks", "-2"]) == 2


def test_edit_corrects_date_load_rpe_and_notes(home, capfd):
    _seed([(dt.date(2026, 11, 2), ())])
    assert main(["edit", "1", "--date", "2026-11-03", "--load", "225lb", "--rpe", "7.5", "--notes", "redo"]) == 0
    with Store() as store:
        r = store.session(1)
        assert (r.recorded_on, r.load, r.load_kg, r.rpe, r.notes) == (dt.date(2026, 11, 3), "225 lb", 102.058, 7.5, "redo")
    assert main(["edit", "1", "--load", "none", "--rpe", "none"]) == 0
    with Store() as store:
        r = store.session(1)
        assert (r.load_value, r.load_unit, r.load_kg, r.rpe) == (None, None, None, None)
    capfd.readouterr()
    for args, message in ((["edit", "1"], "nothing to change"), (["edit", "1", "--rpe", "hard"], "--rpe 'hard'"),
                          (["edit", "1", "--rpe", "12"], "RPE 12"), (["edit", "9", "--notes", "x"], "no saved session 9"),
                          (["edit", "1", "--date", "yesterday"], "YYYY-MM-DD")):
        assert main(args) == 2 and message in capfd.readouterr().err
