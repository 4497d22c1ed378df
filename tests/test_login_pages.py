"""The pages with the login on (AppTest): the sign-in form before any page, an athlete's History
with only her sessions and another athlete's session refused by link (?session=ID), a coach's
athletes, the save form's athlete, log out, and a login that ends. No model runs: the sessions
are stored reports (tests/stored.py)."""

import datetime as dt
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from formcheck import sessions, users
from formcheck.store import NewSession, Store
from tests.stored import scored_report, tiny_jpeg

ROOT = Path(__file__).resolve().parent.parent
APP, HISTORY = str(ROOT / "app.py"), "pages/history.py"
PASSWORD = "lift safely"
TODAY = dt.date.today()


@pytest.fixture
def squad(home):
    """Sessions 1-2 Ada's (squat, deadlift), 3 Bo's, 4 Cy's; users ada (athlete) and kim (coach of
    Ada and Bo) in <home>/users.toml, which turns the login on."""
    with Store() as store:
        for athlete, lift, seed in (("Ada", "squat", 1), ("Ada", "deadlift", 2), ("Bo", "squat", 3),
                                    ("Cy", "squat", 4)):
            store.save(NewSession(athlete, scored_report(lift, seed=seed), TODAY, 100.0, "kg",
                                  thumbnails={44: tiny_jpeg(seed)}))
    users.add_user(home / "users.toml", "ada", "athlete", ["Ada"], PASSWORD)
    users.add_user(home / "users.toml", "kim", "coach", ["Ada", "Bo"], PASSWORD)
    return home


def run(target) -> AppTest:
    """Run the script (target: the AppTest, or an element just clicked or set) and check it raised nothing."""
    at = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="login_user").input(name)
    at.text_input(key="login_password").input(password)
    return run(next(b for b in at.button if b.label == "Sign in").click())


def app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    return run(at)


def history(at: AppTest) -> AppTest:
    return run(at.switch_page(HISTORY))


def test_no_login_by_default_no_form(home):
    at = app()
    assert not [t for t in at.text_input if t.key == "login_user"]
    assert at.get("file_uploader") and not at.sidebar.button


def test_nothing_is_shown_before_signing_in_and_a_wrong_password_is_refused(squad):
    at = app()
    assert [t.key for t in at.text_input] == ["login_user", "login_password"]
    assert not at.get("file_uploader")  # the review page is not run
    at = sign_in(at, "ada", "not her password")
    assert at.error[0].value == "Wrong user name or password." and not at.get("file_uploader")
    at = sign_in(at, "nobody")
    assert at.error[0].value == "Wrong user name or password."


def test_an_athlete_sees_her_own_history_only(squad):
    at = sign_in(app(), "ada")
    assert at.get("file_uploader")  # signed in: the review page
    assert "Signed in as **ada** (athlete)" in at.sidebar.markdown[0].value
    at = history(at)
    assert at.selectbox(key="athlete").options == ["Ada"]
    assert sorted(at.selectbox(key="lift").options) == ["deadlift", "squat"]
    assert at.selectbox(key="past_pick").value.startswith("#2 ")  # her newest deadlift
    assert at.query_params["session"] == "2"  # the open session, in the URL


def test_another_athletes_session_by_link_is_refused_after_signing_in(squad):
    at = sign_in(app(session="3"), "ada")  # Bo's session, asked for in the URL
    at = history(at)
    assert at.error[0].value == "Session 3 is not yours to open: signed in as ada, you see Ada's sessions only."
    assert at.selectbox(key="athlete").options == ["Ada"]
    assert at.selectbox(key="past_pick").value.startswith("#2 ")  # her own session on show, not Bo's
    assert "Bo" not in " ".join(m.value for m in at.markdown)


def test_her_own_session_by_link_is_opened(squad):
    at = history(sign_in(app(session="2"), "ada"))
    assert not at.error
    assert at.selectbox(key="lift").value == "deadlift" and at.selectbox(key="past_pick").value.startswith("#2 ")


def test_a_coach_sees_the_athletes_assigned_and_not_others(squad):
    at = history(sign_in(app(session="4"), "kim"))  # Cy's: not assigned to kim
    assert "Session 4 is not yours to open" in at.error[0].value and "Ada and Bo" in at.error[0].value
    assert at.selectbox(key="athlete").options == ["Ada", "Bo"]
    at = run(at.selectbox(key="athlete").set_value("Bo"))
    assert at.selectbox(key="past_pick").value.startswith("#3 ")


def test_log_out_forgets_everything(squad):
    at = history(sign_in(app(), "kim"))
    at = run(at.sidebar.button(key="logout").click())
    assert [t.key for t in at.text_input] == ["login_user", "login_password"]
    assert "login" not in at.session_state and "athlete" not in at.session_state


def test_a_login_that_is_over_asks_to_sign_in_again(squad):
    at = sign_in(app(), "ada")
    hours_ago = time.time() - 13 * 3600
    at.session_state["login"] = users.Login("ada", hours_ago, time.time())
    at = run(at)
    assert "You were signed out: a login lasts 720 minutes" in at.info[0].value
    assert not at.get("file_uploader")


def test_a_misconfigured_login_shows_no_page(squad, monkeypatch):
    monkeypatch.setenv(users.ENV, str(squad / "missing.toml"))
    at = app()
    assert "The login is misconfigured, so no page is shown" in at.error[0].value
    assert not at.get("file_uploader") and not at.text_input


SAVE_SCRIPT = """
import types
from pathlib import Path
from formcheck import ui_store
from tests.stored import scored_report
ui_store.save_form(types.SimpleNamespace(name="set.mp4", path=Path("set.mp4")), scored_report("squat", seed=7))
"""


@pytest.fixture
def no_stills(monkeypatch):
    """The save form's stills need a decoded video: none here."""
    monkeypatch.setattr(sessions, "thumbnails", lambda *a, **k: {})
    monkeypatch.setattr(sessions, "phase_stills", lambda *a, **k: {})


@pytest.mark.parametrize("user, choices", [("ada", ["Ada"]), ("kim", ["Ada", "Bo"])])
def test_the_save_form_saves_for_the_signed_in_athlete_or_the_coachs_athletes(squad, no_stills, user, choices):
    at = AppTest.from_string(SAVE_SCRIPT, default_timeout=60)
    now = time.time()
    at.session_state["login"] = users.Login(user, now, now)
    at = run(at)
    athlete = at.selectbox(key="save_athlete")
    assert athlete.options == choices and athlete.disabled == (len(choices) == 1)
    if not athlete.disabled:
        athlete.set_value(choices[-1])
    at = run(next(b for b in at.button if b.label == "Save session").click())
    assert f"Saved as session 5 for {choices[-1]}" in at.success[0].value
    with Store() as store:
        assert store.session(5).athlete == choices[-1]


PICKER_SCRIPT = """
import streamlit as st
from formcheck import ui_store
athlete, reference = ui_store.reference_picker("squat")
st.markdown(f"judged for {athlete}")
"""


@pytest.mark.parametrize("user, options, picked", [("ada", ["Ada"], "Ada"), ("kim", ["Ada", "Bo"], None)])
def test_whose_set_lists_only_the_athletes_the_user_sees(squad, user, options, picked):
    at = AppTest.from_string(PICKER_SCRIPT, default_timeout=60)
    now = time.time()
    at.session_state["login"] = users.Login(user, now, now)
    at = run(at)
    assert at.selectbox(key="judge_athlete").options[1:] == options  # after "Not saved yet / anyone"
    assert at.markdown[-1].value == f"judged for {picked}"  # an athlete's own set by default
