"""The optional login in Debian's Chromium (Playwright), at 1400 px and at a phone's 390 px: an
athlete signs in through a link to another athlete's session (/history?session=ID), is refused
it and sees only her own sessions; a coach sees the athletes assigned to them and no other;
both log out. The store is a temporary SQLite one filled with stored reports (no model runs).
Screenshots go to artifacts/login_*.png."""

import datetime as dt
import os
import re

import pytest

from formcheck import users
from formcheck.store import NewSession, Store
from tests.browser import screenshot, serve_app, settled
from tests.stored import scored_report, tiny_jpeg

PASSWORD = "lift safely"
WIDTHS = (1400, 390)
TODAY = dt.date.today()
# session ids: 1 Ada's squat, 2 Ada's deadlift, 3 Bo's squat, 4 Cy's squat
SAVED = (("Ada", "squat", 1), ("Ada", "deadlift", 2), ("Bo", "squat", 3), ("Cy", "squat", 4))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """`formcheck app` on a free port, over a store with four athletes' sessions and a users file
    (ada: athlete; kim: coach of Ada and Bo), which turns the login on."""
    folder = tmp_path_factory.mktemp("login_app")
    home = folder / "home"
    with Store(home=home, url=f"sqlite:///{home / 'formcheck.db'}") as store:
        for athlete, lift, seed in SAVED:
            store.save(NewSession(athlete, scored_report(lift, seed=seed, faults=(("forward_lean", "warn", 0),)),
                                  TODAY - dt.timedelta(days=seed), 100.0 + seed, "kg",
                                  thumbnails={24: tiny_jpeg(40 * seed)}))
    users.add_user(home / "users.toml", "ada", "athlete", ["Ada"], PASSWORD)
    users.add_user(home / "users.toml", "kim", "coach", ["Ada", "Bo"], PASSWORD)
    env = {k: v for k, v in os.environ.items() if k not in ("FORMCHECK_DB_URL", "FORMCHECK_USERS")}
    env.update(FORMCHECK_CACHE_DIR=str(folder / "cache"), FORMCHECK_HOME=str(home))
    with serve_app(folder, env) as url:
        yield url


def _sign_in(page, name: str, password: str = PASSWORD) -> None:
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    settled(page)


def _athlete_options(page) -> list[str]:
    """The History page's athlete picker, opened and read, then closed again."""
    page.get_by_role("combobox", name="Athlete").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return options


def _main_text(page) -> str:
    return page.locator("[data-testid=stMain]").inner_text()


def _log_out(page, phone: bool) -> None:
    """Log out from the sidebar, which a phone first has to unfold."""
    if phone:
        page.locator("[data-testid=stExpandSidebarButton]").click()
        page.wait_for_timeout(500)  # it slides in
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Sign in").wait_for(timeout=30000)
    settled(page)
    collapse = page.locator("[data-testid=stSidebarCollapseButton]")
    if phone and collapse.count() and collapse.is_visible():
        # a server whose first request was a /history link keeps Streamlit's pages/ links in the
        # sidebar (docs/login.md), so on a phone it stays open over the form until folded away
        collapse.click()
        page.wait_for_timeout(500)


def _open(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").wait_for(timeout=60000)
    settled(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_athlete_and_coach_see_only_their_athletes_in_chromium(browser, app, width):
    page = browser.new_page(viewport={"width": width, "height": 900 if width >= 600 else 844})
    # a link to Bo's session: the sign-in form, and nothing of the page, before signing in
    _open(page, f"{app}/history?session=3")
    assert page.get_by_text("Form history").count() == 0
    assert page.get_by_role("button", name="Log out").count() == 0
    assert page.locator("[data-testid=stImage]").count() == 0
    _sign_in(page, "ada", "not her password")
    page.get_by_text("Wrong user name or password.").wait_for(timeout=30000)
    screenshot(page, f"login_1_form_{width}.png", width)

    _sign_in(page, "ada")
    page.get_by_text("Form history").wait_for(timeout=60000)
    settled(page)
    refused = page.locator("[data-testid=stAlertContentError]")
    assert refused.inner_text().endswith(
        "Session 3 is not yours to open: signed in as ada, you see Ada's sessions only.")
    assert _athlete_options(page) == ["Ada"]
    text = _main_text(page)
    assert "Ada, deadlift" in text and not re.search(r"\b(Bo|Cy)\b", text)
    assert "session=2" in page.url  # her own session on show, and in the address
    assert page.get_by_text("Traceback").count() == 0
    screenshot(page, f"login_2_athlete_refused_{width}.png", width)
    _log_out(page, width < 600)
    screenshot(page, f"login_3_logged_out_{width}.png", width)

    # a coach through a link to Cy's session, who is not theirs
    _open(page, f"{app}/history?session=4")
    _sign_in(page, "kim")
    page.get_by_text("Form history").wait_for(timeout=60000)
    settled(page)
    assert "Session 4 is not yours to open" in page.locator("[data-testid=stAlertContentError]").inner_text()
    assert _athlete_options(page) == ["Ada", "Bo"]
    page.get_by_role("combobox", name="Athlete").click()
    page.get_by_role("option", name="Bo").click()
    settled(page)
    text = _main_text(page)
    assert "Bo, squat" in text and not re.search(r"\bCy\b", text)
    assert "session=3" in page.url
    screenshot(page, f"login_4_coach_{width}.png", width)
    _log_out(page, width < 600)
    assert page.get_by_text("Form history").count() == 0
    page.close()
