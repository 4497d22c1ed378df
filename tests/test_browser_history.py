"""The History page in Debian's Chromium (Playwright), end to end: two real deadlift clips are
analysed on the review page and saved for one athlete on dates two weeks apart; the History page
then charts both sessions, opens the newer one from its stored report, and compares the two.
Screenshots go to artifacts/history_*.png."""

import datetime as dt
import os

import pytest

from formcheck.store import Store
from tests.browser import screenshot, serve_app, settled

pytestmark = pytest.mark.real

# (clip, weeks before today, load in kg): an earlier clean pull, then a rounded back at a heavier load
SETS = (("deadlift_side_good_01.mp4", 2, "120"), ("deadlift_side_roundback_01.mp4", 0, "140"))


@pytest.fixture
def app(tmp_path):
    """`formcheck app` on a free loopback port, with its own cache and an empty data folder."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "FORMCHECK_DB_URL"}
    env.update(FORMCHECK_CACHE_DIR=str(tmp_path / "cache"), FORMCHECK_HOME=str(home))
    with serve_app(tmp_path, env) as url:
        yield url, home


def _analyse_and_save(page, video, recorded_on: dt.date, load_kg: str, session_id: int) -> None:
    """Upload a clip on the review page, wait for its results, and save it for Ada."""
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(video))
    page.get_by_text("Save this session").wait_for(timeout=300000)
    settled(page)
    athlete = page.get_by_label("Athlete", exact=True)
    if not athlete.is_visible():  # the save form is an expander: open it unless it is open already
        page.get_by_text("Save this session").click()
    athlete.fill("Ada")
    page.get_by_label("Load on the bar", exact=True).fill(load_kg)
    # the clips' own creation times are years old: type the date, segment by segment (year, month, day)
    segments = page.locator("[aria-label='Date filmed'] [role=spinbutton]")
    for n, value in enumerate(recorded_on.strftime("%Y %m %d").split()):
        segments.nth(n).click()
        page.keyboard.type(value)
    page.get_by_role("button", name="Save session").click()
    page.get_by_text(f"Saved as session {session_id} for Ada").wait_for(timeout=60000)
    assert page.get_by_text("Traceback").count() == 0


def test_two_sets_saved_on_the_review_page_then_history_in_chromium(browser, app, clip):
    url, home = app
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    today = dt.date.today()
    for n, (name, weeks_ago, load) in enumerate(SETS, start=1):
        # a fresh page per set: no earlier set's results (and save form) on screen while this one runs
        page.goto(url)
        page.locator("[data-testid=stFileUploaderDropzoneInput]").wait_for(state="attached", timeout=30000)
        _analyse_and_save(page, clip(name), today - dt.timedelta(weeks=weeks_ago), load, n)
    screenshot(page, "history_1_saved_on_review_page.png")
    with Store(home=home, url=f"sqlite:///{home / 'formcheck.db'}") as store:
        saved = [store.session(n) for n in (1, 2)]
        assert [(s.athlete, s.lift, s.load, s.recorded_on) for s in saved] == [
            ("Ada", "deadlift", "120 kg", today - dt.timedelta(weeks=2)), ("Ada", "deadlift", "140 kg", today)]
        assert [s.video_name for s in saved] == [name for name, _, _ in SETS]  # not the upload's sha256
        assert store.check() == []

    page.goto(f"{url}/history")
    page.get_by_text("Form score").first.wait_for(timeout=60000)
    settled(page)
    chart = page.locator("[data-testid=stVegaLiteChart]").first
    chart.locator("canvas, svg").first.wait_for(timeout=30000)
    assert chart.bounding_box()["height"] > 200
    # the caption under the score chart describes the series it plots: both saved sessions
    assert page.get_by_text("over 2 sessions").count() == 1
    # the load on the bar beside the score, on the same time axis
    chart.locator("text", has_text="load (kg)").wait_for(timeout=30000)
    assert page.get_by_text("Brown squares, right-hand axis: the load on the bar").count() == 1
    chart.screenshot(path="artifacts/history_score_and_load.png")
    # the newest session is open, from its stored report, with its kept stills
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
