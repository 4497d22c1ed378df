"""The session store on a real SQLite file and a real PostgreSQL server: round trip, edits,
deletes with their files, export, bad input, and the upgrade from the first schema."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from formcheck import store as store_mod
from formcheck.errors import StoreError
from formcheck.report import Report
from formcheck.store import NewSession, Store, head_revision, make_engine, schema_revision, upgrade
from tests import pg
from tests.stored import scored_report, tiny_jpeg


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    yield from pg.database_url(request.param, tmp_path)


@pytest.fixture
def store(url, tmp_path):
    with Store(url=url, home=tmp_path / "home") as s:
        yield s


def _save(store, athlete="Alice", day=dt.date(2026, 11, 20), **kw):
    report = kw.pop("report", None) or scored_report(faults=(("forward_lean", "warn", 0), ("spine_flexion", "fault", 1)))
    return store.save(NewSession(athlete, report, day, **{"load_value": 100.0, "load_unit": "kg", "rpe": 8.0,
                                                          "thumbnails": {24: tiny_jpeg(1), 64: tiny_jpeg(2)}, **kw}))


def test_round_trip(store):
    report = scored_report(faults=(("forward_lean", "warn", 0), ("spine_flexion", "fault", 1)))
    saved = _save(store, report=report, notes="belt on")
    assert schema_revision(store.engine) == head_revision()
    assert (saved.athlete, saved.lift, saved.recorded_on, saved.load, saved.load_kg, saved.rpe, saved.notes) == (
        "Alice", "squat", dt.date(2026, 11, 20), "100 kg", 100.0, 8.0, "belt on")
    assert (saved.score, saved.reps, saved.faults) == (report.score, 3, 2)
    assert saved.thresholds_version == report.assessment["thresholds"]["version"]
    assert store.sessions() == [saved] and store.athletes() == ["Alice"] and store.lifts("Alice") == ["squat"]
    # the whole report comes back, without the model: same dict, and a Report the page can draw
    assert store.report_dict(saved.id) == json.loads(json.dumps(report.to_dict()))
    back = store.report(saved.id)
    assert isinstance(back, Report) and back.faults == report.faults and len(back.time_s) == len(report.time_s)
    files = store.files(saved.id)
    assert [(f["kind"], f["frame"]) for f in files] == [("thumbnail", 24), ("thumbnail", 64)]
    assert files[0]["path"].read_bytes() == tiny_jpeg(1)
    assert [(r["rule"], r["severity"], r["rep"]) for r in store.fault_rows([saved.id])] == [
        ("forward_lean", "warn", 0), ("spine_flexion", "fault", 1)]
    assert store.check() == [] and store.orphans() == []


def test_filters_order_and_edits(store):
    b = _save(store, day=dt.date(2026, 11, 10))
    a = _save(store, day=dt.date(2026, 11, 3), report=scored_report("deadlift", faults=()))
    _save(store, athlete="  Bob   Smith ")
    assert store.athletes() == ["Alice", "Bob Smith"]
    assert [s.id for s in store.sessions("Alice")] == [a.id, b.id]  # by date recorded, not by save order
    assert [s.id for s in store.sessions("Alice", lift="squat")] == [b.id]
    assert [s.id for s in store.sessions(since=dt.date(2026, 11, 5), athlete="Alice")] == [b.id]
    edited = store.update(b.id, recorded_on=dt.date(2026, 11, 1), load_value=225.0, load_unit="lb", notes="x")
    assert (edited.recorded_on, edited.load, edited.load_kg, edited.notes) == (dt.date(2026, 11, 1), "225 lb", 102.058, "x")
    with pytest.raises(StoreError, match="RPE"):
        store.update(b.id, rpe=11)
    with pytest.raises(StoreError, match="cannot edit"):
        store.update(b.id, score=100)


def test_delete_removes_rows_and_files(store, tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(1000))
    keep = _save(store)
    gone = _save(store, video=video)
    folder = store.home / "sessions" / gone.uid
    kinds = [f["kind"] for f in store.files(gone.id)]
    assert kinds == ["video", "thumbnail", "thumbnail"]
    assert (folder / "video.mp4").read_bytes() == video.read_bytes()
    store.delete(gone.id)
    assert not folder.exists() and [s.id for s in store.sessions()] == [keep.id]
    assert store.fault_rows([gone.id]) == [] and store.files(gone.id) == []
    assert store.check() == []
    with pytest.raises(StoreError, match="no saved session"):
        store.delete(gone.id)
    with pytest.raises(StoreError, match="no saved session"):
        store.report(gone.id)


def test_export_has_everything(store):
    saved = _save(store)
    _save(store, athlete="Bob")
    data = json.loads(json.dumps(store.export("Alice")))
    assert data["athlete"] == "Alice" and len(data["sessions"]) == 1
    assert data["schema"] == head_revision() == schema_revision(store.engine)
    entry = data["sessions"][0]
    assert entry["id"] == saved.id and entry["report"]["faults"] == store.report_dict(saved.id)["faults"]
    assert len(entry["files"]) == 2 and all(f["jpeg_base64"] for f in entry["files"])
    with pytest.raises(StoreError, match="no sessions saved for 'Nobody'.*Alice, Bob"):
        store.export("Nobody")


@pytest.mark.parametrize("kw, message", [
    ({"athlete": "  "}, "name is empty"),
    ({"athlete": "x" * 101}, "longer than 100"),
    ({"load_unit": "stone"}, "use kg or lb"),
    ({"load_value": None}, "needs both"),
    ({"load_value": -5.0}, "between 0 and 2000"),
    ({"rpe": 0.0}, "RPE"),
    ({"report": scored_report(lift="none", n_reps=0, faults=())}, "no lift"),
    ({"video": "/no/such/clip.mp4"}, "no such video"),
])
def test_bad_input_is_refused_and_leaves_nothing(store, kw, message):
    with pytest.raises(StoreError, match=message):
        _save(store, **kw)
    assert store.sessions() == [] and store.orphans() == []


def test_unreachable_or_bad_urls_are_one_line_errors(tmp_path):
    with pytest.raises(StoreError, match="not a database URL"):
        Store(url="not a url", home=tmp_path)
    with pytest.raises(StoreError, match="only SQLite and PostgreSQL"):
        Store(url="mysql://u@127.0.0.1/x", home=tmp_path)
    with pytest.raises(StoreError, match="cannot open the session database postgresql://u:\\*\\*\\*@127.0.0.1:1/x"):
        Store(url="postgresql://u:secret@127.0.0.1:1/x", home=tmp_path)


def test_default_location_follows_formcheck_home(tmp_path, monkeypatch):
    monkeypatch.delenv("FORMCHECK_DB_URL", raising=False)
    monkeypatch.setenv("FORMCHECK_HOME", str(tmp_path / "fh"))
    with Store() as s:
        assert s.home == tmp_path / "fh" and s.url == f"sqlite:///{tmp_path / 'fh' / 'formcheck.db'}"
        _save(s)
    assert (tmp_path / "fh" / "formcheck.db").is_file()
    monkeypatch.setenv("FORMCHECK_DB_URL", f"sqlite:///{tmp_path / 'other.db'}")
    with Store() as s:
        assert s.sessions() == [] and s.home == tmp_path / "fh"


def test_upgrade_from_the_first_schema_keeps_every_row(url, tmp_path):
    """A database made by the first schema, with rows written the way that version wrote them,
    is upgraded in place by opening it: rows kept, new columns and tables filled in."""
    engine = make_engine(url)
    upgrade(engine, "0001")
    assert schema_revision(engine) == "0001"
    report = scored_report(faults=(("forward_lean", "warn", 0), ("depth_shallow", "fault", 2)))
    report_json = json.dumps(report.to_dict())
    now = dt.datetime(2026, 11, 1, 12, tzinfo=dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO athletes (name, created_at) VALUES ('Old Timer', :now)"), {"now": now})
        for sid, (value, unit) in enumerate([(100.0, "kg"), (225.0, "lb"), (None, None)], start=1):
            conn.execute(sa.text(
                "INSERT INTO sessions (uid, athlete_id, lift, recorded_on, saved_at, load_value, load_unit, notes,"
                " score, reps, faults, thresholds_version, video_name, video_sha256, report_json, report_sha256)"
                " VALUES (:uid, (SELECT id FROM athletes), 'squat', :day, :now, :value, :unit, 'old', :score, 3, 2, 'v1', 'a.mp4',"
                " :vsha, :report, :rsha)"),
                {"uid": f"{sid:032x}", "day": dt.date(2026, 10, sid), "now": now, "value": value,
                 "unit": unit, "score": report.score, "vsha": "0" * 64, "report": report_json,
                 "rsha": store_mod._sha256(report_json.encode())})
    engine.dispose()
    with Store(url=url, home=tmp_path / "home") as s:
        assert schema_revision(s.engine) == head_revision()
        old = s.sessions("Old Timer")
        assert [(r.id, r.load, r.load_kg, r.notes) for r in old] == [
            (1, "100 kg", 100.0, "old"), (2, "225 lb", pytest.approx(102.058, abs=1e-3), "old"), (3, "", None, "old")]
        assert [(f["session_id"], f["rule"], f["rep"]) for f in s.fault_rows([1, 2, 3])] == [
            (sid, rule, rep) for sid in (1, 2, 3) for rule, rep in (("forward_lean", 0), ("depth_shallow", 2))]
        assert s.report_dict(2) == json.loads(report_json)
        assert s.check() == []
        new = _save(s, athlete="Old Timer")  # and the upgraded database takes new sessions
        assert new.id == 4 and len(s.sessions("Old Timer")) == 4


def test_reference_per_athlete_and_lift_set_replaced_cleared_and_gone_with_its_session(store):
    no_shape = _save(store)
    with pytest.raises(StoreError, match="no back-shape measures"):
        store.set_reference(no_shape.id)
    first = _save(store, report=scored_report("deadlift", faults=(), bend_deg=2.0), day=dt.date(2026, 11, 1))
    second = _save(store, report=scored_report("deadlift", faults=(), bend_deg=4.0), day=dt.date(2026, 11, 8))
    squat = _save(store, report=scored_report("squat", faults=(), bend_deg=1.0))
    other = _save(store, athlete="Bob", report=scored_report("deadlift", faults=(), bend_deg=9.0))
    for record in (first, squat, other):
        store.set_reference(record.id)
    assert store.references("Alice") == {"deadlift": first, "squat": squat}
    ref = store.reference("Alice", "deadlift")
    assert (ref.session_uid, ref.recorded_on, ref.lift, ref.athlete) == (first.uid, "2026-11-01", "deadlift", "Alice")
    assert ref.shape == store.report_dict(first.id)["assessment"]["shape"]
    store.set_reference(second.id)  # one reference per athlete and lift: the new one replaces it
    assert store.reference("Alice", "deadlift").session_uid == second.uid
    assert store.reference("Bob", "deadlift").session_uid == other.uid
    store.delete(second.id)
    assert store.reference("Alice", "deadlift") is None and store.references("Alice") == {"squat": squat}
    assert store.clear_reference("Alice", "squat") and not store.clear_reference("Alice", "squat")
    assert not store.clear_reference("Nobody", "squat") and store.reference("Nobody", "squat") is None
    assert store.check() == []


def test_upgrade_from_0002_fills_the_shapes_of_reports_that_have_one(url, tmp_path):
    engine = make_engine(url)
    upgrade(engine, "0002")
    now = dt.datetime(2026, 11, 1, 12, tzinfo=dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO athletes (name, created_at) VALUES ('Old Timer', :now)"), {"now": now})
        for sid, report in enumerate([scored_report("deadlift", faults=()),
                                      scored_report("deadlift", faults=(), bend_deg=3.0)], start=1):
            report_json = json.dumps(report.to_dict())
            conn.execute(sa.text(
                "INSERT INTO sessions (uid, athlete_id, lift, recorded_on, saved_at, notes, score, reps, faults,"
                " video_name, video_sha256, report_json, report_sha256) VALUES (:uid, (SELECT id FROM athletes),"
                " 'deadlift', :day, :now, '', 90, 3, 0, 'a.mp4', :vsha, :report, :rsha)"),
                {"uid": f"{sid:032x}", "day": dt.date(2026, 10, sid), "now": now, "vsha": "0" * 64,
                 "report": report_json, "rsha": store_mod._sha256(report_json.encode())})
    engine.dispose()
    with Store(url=url, home=tmp_path / "home") as s:
        with pytest.raises(StoreError, match="no back-shape measures"):
            s.set_reference(1)  # analysed before shapes were kept
        s.set_reference(2)
        assert s.reference("Old Timer", "deadlift").shape["reps"][0]["bins"]["bend_deg"][5] == 3.0


def test_a_newer_schema_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'f.db'}"
    Store(url=url, home=tmp_path).close()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match=f"schema 9999, newer than this formcheck knows \\({head_revision()}\\)"):
        Store(url=url, home=tmp_path)


def test_head_is_the_newest_revision_file():
    """The head comes from Alembic's own reading of the migrations, so a new revision file is the
    new head without another number to keep in step."""
    files = sorted(p.name for p in (store_mod.MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert head_revision() == files[-1][:4]


def test_unwritable_data_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create the folder"):
        Store(url=f"sqlite:///{blocker / 'sub' / 'f.db'}", home=tmp_path)
    with Store(url=f"sqlite:///{tmp_path / 'f.db'}", home=blocker) as store:  # files cannot go under a file
        with pytest.raises(StoreError, match="cannot write the session's files"):
            _save(store)
        assert store.sessions() == []
