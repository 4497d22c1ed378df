"""The History page in Debian's Chromium (Playwright), end to end: a set analysed on the review
page is saved with its form, then found on the History page next to earlier sessions, opened
from its stored report, and compared. Screenshots go to artifacts/history_*.png."""

import datetime as dt
import os

import pytest

from formcheck.store import NewSession, Store
from tests.browser import chromium, screenshot, serve_app, settled
from tests.stored import scored_report, tiny_jpeg

pytestmark = pytest.mark.real

CLIP = "deadlift_side_roundback_01.mp4"


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


@pytest.fixture
def app(tmp_path):
    """`formcheck app` on a free loopback port, with its own cache and a data folder holding three
    earlier weeks of Ada's deadlifts."""
    home = tmp_path / "home"
    with Store(home=home, url=f"sqlite:///{home / 'formcheck.db'}") as store:
        for weeks_ago, faults in ((3, (("spine_flexion", "fault", 0),)), (2, (("bar_far", "warn", 1),)), (1, ())):
            store.save(NewSession("Ada", scored_report("deadlift", faults=faults, seed=weeks_ago),
                                  dt.date.today() - dt.timedelta(weeks=weeks_ago), 120.0, "kg",
                                  thumbnails={44: tiny_jpeg(weeks_ago * 80)}))
    env = {k: v for k, v in os.environ.items() if k != "FORMCHECK_DB_URL"}
    env.update(FORMCHECK_CACHE_DIR=str(tmp_path / "cache"), FORMCHECK_HOME=str(home))
    with serve_app(tmp_path, env) as url:
        yield url, home


def test_save_on_the_review_page_then_review_history_in_chromium(browser, app, clip):
    url, home = app
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    uploader = page.locator("[data-testid=stFileUploaderDropzoneInput]")
    uploader.wait_for(state="attached", timeout=30000)
    uploader.set_input_files(str(clip(CLIP)))
    page.get_by_text("Save this session").wait_for(timeout=300000)
    settled(page)
    page.get_by_text("Save this session").click()
    page.get_by_label("Athlete", exact=True).fill("Ada")
    page.get_by_label("Load on the bar", exact=True).fill("140")
    # the clip's own creation time is from 2023: set today, segment by segment (year, month, day)
    segments = page.locator("[aria-label='Date filmed'] [role=spinbutton]")
    for n, value in enumerate(dt.date.today().strftime("%Y %m %d").split()):
        segments.nth(n).click()
        page.keyboard.type(value)
    page.get_by_role("button", name="Save session").click()
    page.get_by_text("Saved as session 4 for Ada").wait_for(timeout=60000)
    assert page.get_by_text("Traceback").count() == 0
    screenshot(page, "history_1_saved_on_review_page.png")
    with Store(home=home, url=f"sqlite:///{home / 'formcheck.db'}") as store:
        saved = store.session(4)
        assert (saved.lift, saved.load, saved.recorded_on) == ("deadlift", "140 kg", dt.date.today())
        assert any(f["kind"] == "thumbnail" for f in store.files(4)) and store.check() == []

    page.goto(f"{url}/history")
    page.get_by_text("Form score").first.wait_for(timeout=60000)
    settled(page)
    charts = page.locator("[data-testid=stVegaLiteChart]")
    charts.first.locator("canvas, svg").first.wait_for(timeout=30000)
    assert charts.first.bounding_box()["height"] > 200
    assert page.get_by_text("points per week over 4 sessions").count() == 1
    # the newest session (the one just saved) is open: its stored report, its kept stills
    page.get_by_text("Where form broke down").wait_for(timeout=30000)
    assert page.locator("[data-testid=stMetric]").filter(has_text="Lift").inner_text().endswith("deadlift")
    assert page.locator("[data-testid=stImage] img").count() >= 1
    screenshot(page, "history_2_page.png")

    page.get_by_role("tab", name="Compare two sessions").click()
    page.get_by_text("A (earlier)").wait_for(timeout=30000)
    settled(page)
    panel = page.locator("[role=tabpanel]:visible")
    assert panel.locator("[data-testid=stDataFrame]").count() == 2  # scores; angles at matching phases
    assert panel.get_by_text("Phases: each rep's start").count() == 1
    screenshot(page, "history_3_compare.png")
    page.close()
