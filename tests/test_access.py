"""The access rules of the optional login (formcheck.access): with no login everyone's sessions,
an athlete their own, a coach the athletes assigned to them; a session asked for by id that is
not the viewer's is refused, whether it exists or not. On a private SQLite store."""

import datetime as dt

import pytest

from formcheck.access import EVERYONE, ScopedStore, Viewer
from formcheck.errors import AccessError, ConfigError, StoreError
from formcheck.store import NewSession, Store
from tests.stored import scored_report, tiny_jpeg

DAY = dt.date(2026, 11, 23)
ADA = Viewer("ada", "athlete", ("Ada",))
KIM = Viewer("kim", "coach", ("Ada", "Bo"))


@pytest.fixture
def store(home):
    """Ada: a squat and a deadlift (with a shape, her reference); Bo: a squat; Cy: a squat."""
    with Store() as s:
        for athlete, lift, seed in (("Ada", "squat", 1), ("Ada", "deadlift", 2), ("Bo", "squat", 3),
                                    ("Cy", "squat", 4)):
            s.save(NewSession(athlete, scored_report(lift, seed=seed, bend_deg=20.0), DAY, 100.0, "kg",
                              thumbnails={44: tiny_jpeg(seed)}))
        s.set_reference(2)
        s.set_reference(4)
        yield s


def test_without_a_login_everything_is_seen_as_before(store):
    scoped = ScopedStore(store, EVERYONE)
    assert scoped.athletes() == ["Ada", "Bo", "Cy"]
    assert [r.id for r in scoped.sessions()] == [1, 2, 3, 4]
    assert scoped.session(4).athlete == "Cy" and scoped.report(4).lift == "squat"
    with pytest.raises(StoreError, match="no saved session 99"):  # not an access matter
        scoped.session(99)


def test_an_athlete_sees_only_her_own_sessions(store):
    scoped = ScopedStore(store, ADA)
    assert scoped.athletes() == ["Ada"]
    assert [(r.id, r.athlete) for r in scoped.sessions()] == [(1, "Ada"), (2, "Ada")]
    assert [r.id for r in scoped.sessions("Ada", "deadlift")] == [2]
    assert scoped.lifts("Ada") == ["deadlift", "squat"]
    assert scoped.report(2).lift == "deadlift" and len(scoped.files(1)) == 1
    assert scoped.reference("Ada", "deadlift").session_id == 2
    assert len(scoped.fault_rows([1, 2])) == 2 and set(scoped.shapes([1, 2])) == {1, 2}


@pytest.mark.parametrize("ask", [
    lambda s: s.session(3), lambda s: s.report(3), lambda s: s.report_dict(4), lambda s: s.files(3),
    lambda s: s.fault_rows([1, 3]), lambda s: s.shapes([4]), lambda s: s.sessions("Bo"), lambda s: s.lifts("Cy"),
    lambda s: s.references("Bo"), lambda s: s.reference("Cy", "squat"), lambda s: s.update(3, notes="mine now"),
    lambda s: s.delete(4), lambda s: s.set_reference(3), lambda s: s.clear_reference("Cy", "squat"),
    lambda s: s.save(NewSession("Bo", scored_report("squat"), DAY)),
])
def test_an_athlete_is_refused_another_athletes_session_whatever_she_calls(store, ask):
    with pytest.raises(AccessError, match="not yours to open: signed in as ada, you see Ada's sessions only"):
        ask(ScopedStore(store, ADA))
    assert [r.notes for r in store.sessions()] == ["", "", "", ""] and len(store.sessions()) == 4  # nothing changed
    assert store.references("Cy")["squat"].id == 4


def test_a_missing_session_is_refused_like_another_athletes(store):
    scoped = ScopedStore(store, ADA)
    with pytest.raises(AccessError) as missing:
        scoped.session(99)
    with pytest.raises(AccessError) as others:
        scoped.session(3)
    assert str(missing.value).replace("99", "N") == str(others.value).replace("3", "N")  # ids not enumerable


def test_a_coach_sees_the_athletes_assigned_and_saves_for_them(store):
    scoped = ScopedStore(store, KIM)
    assert scoped.athletes() == ["Ada", "Bo"]
    assert [r.athlete for r in scoped.sessions()] == ["Ada", "Ada", "Bo"]
    assert scoped.session(3).athlete == "Bo"
    saved = scoped.save(NewSession(" Bo ", scored_report("squat", seed=9), DAY))
    assert saved.athlete == "Bo" and scoped.session(saved.id).id == saved.id
    with pytest.raises(AccessError, match="Session 4 is not yours to open: signed in as kim, you see the sessions "
                                          "of Ada and Bo only"):
        scoped.session(4)
    with pytest.raises(AccessError, match="Cy's history"):
        scoped.save(NewSession("Cy", scored_report("squat"), DAY))
    assert [r.athlete for r in store.sessions()].count("Cy") == 1


def test_a_coach_with_nobody_assigned_sees_nothing(store):
    scoped = ScopedStore(store, Viewer("new", "coach", ()))
    assert scoped.athletes() == [] and scoped.sessions() == []
    with pytest.raises(AccessError, match="no athlete's sessions yet"):
        scoped.session(1)


def test_a_record_from_a_cache_is_checked_again(store):
    with pytest.raises(AccessError):
        ScopedStore(store, ADA).require(store.session(3))


@pytest.mark.parametrize("args, message", [
    (("ada", "athlete", ("Ada", "Bo")), "exactly one"),
    (("ada", "admin", ("Ada",)), "role 'admin'"),
    (("ada", "coach", None), "needs the athletes"),
    ((None, "coach", ("Ada",)), "no role"),
    (("ada", "athlete", ("  ",)), "name is empty"),
])
def test_a_viewer_that_makes_no_sense_is_refused(args, message):
    with pytest.raises((ConfigError, StoreError), match=message):
        Viewer(*args)
