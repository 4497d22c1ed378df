"""A lifter's reference from the review page in Chromium: save a good set as the reference, then
the same lifter's rounded set, judged against it, says so in the verdict (screenshots under
artifacts/, at 1400 px and at a phone's 390 px)."""

import os

import pytest

from tests.browser import serve_app, settled, screenshot


@pytest.fixture
def page_url(tmp_path):
    env = dict(os.environ, FORMCHECK_CACHE_DIR=str(tmp_path / "cache"), FORMCHECK_HOME=str(tmp_path / "home"))
    with serve_app(tmp_path, env) as url:
        yield url


def _upload(page, path):
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    page.get_by_text("Verdict").first.wait_for(timeout=300000)
    settled(page)


@pytest.mark.real
def test_reference_saved_on_the_page_judges_the_next_set(browser, page_url, clip):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(page_url)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").wait_for(state="attached", timeout=30000)
    _upload(page, clip("deadlift_side_good_01.mp4"))
    page.get_by_text("Save this session").click()
    page.get_by_label("Athlete", exact=True).and_(page.locator("input")).fill("Kim")
    page.get_by_text("Make this set my deadlift reference").click()
    page.get_by_role("button", name="Save session").click()
    page.get_by_text("This is Kim's deadlift reference").wait_for(timeout=60000)
    screenshot(page, "reference_1_saved.png")

    page.goto(page_url)  # a new browser session: the reference comes from the database
    page.locator("[data-testid=stFileUploaderDropzoneInput]").wait_for(state="attached", timeout=30000)
    _upload(page, clip("deadlift_side_roundback_01.mp4"))
    page.get_by_role("combobox", name="Whose set is this?").click()
    page.get_by_role("option", name="Kim").click()
    page.get_by_text("than your reference").first.wait_for(timeout=60000)
    settled(page)
    verdict = page.locator("[class*=st-key-results_verdict]").inner_text()
    assert "Rounded back (fault)" in verdict and "compared with your reference from" in verdict
    assert page.get_by_text("Traceback").count() == 0
    # the flagged rep's still beside the reference's still at the same hip angle, both drawn
    pair = page.locator("[class*=st-key-results_flag_0]")
    pair.get_by_text("Your reference of 2022-12-27").wait_for(timeout=30000)
    assert pair.locator("[data-testid=stImage] img").count() == 2
    screenshot(page, "reference_2_judged.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(1500)
    assert page.locator("[class*=st-key-results_verdict]").bounding_box()["width"] <= 390
    page.screenshot(path="artifacts/reference_3_phone.png", full_page=False)
    page.close()
