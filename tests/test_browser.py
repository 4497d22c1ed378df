"""In Debian's Chromium, driven by Playwright: the annotated H.264 video really plays, and the
review page works end to end (upload, results, flagged frames, chart, video, thresholds)."""

import functools
import http.server
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from formcheck import verdict
from tests.browser import screenshot, serve_app, settled

pytestmark = pytest.mark.real


@pytest.fixture
def served(tmp_path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_annotated_video_plays_in_chromium(browser, served, clip):
    folder, url = served
    run = subprocess.run([sys.executable, "-m", "formcheck.cli", "analyze", str(clip("squat_bw_oblique_good_k01.mp4")),
                          "--annotated", str(folder / "annotated.mp4")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    (folder / "page.html").write_text('<video id="v" src="annotated.mp4" muted playsinline></video>')
    page = browser.new_page()
    page.goto(f"{url}/page.html")
    page.wait_for_function("document.getElementById('v').readyState >= 2", timeout=20000)
    duration, width, height = page.evaluate(
        "[document.getElementById('v').duration, document.getElementById('v').videoWidth, "
        "document.getElementById('v').videoHeight]")
    assert duration == pytest.approx(96 / 30, abs=0.1)
    assert (width, height) == (480, 848)  # the 90-degree portrait clip, upright
    page.evaluate("document.getElementById('v').play()")
    page.wait_for_function("document.getElementById('v').currentTime > 0.3", timeout=10000)
    os.makedirs("artifacts", exist_ok=True)
    page.screenshot(path="artifacts/annotated_video_in_chromium.png")
    page.close()


@pytest.fixture
def review_page(tmp_path):
    """`formcheck app` (streamlit run app.py) on a free loopback port, with its own cache."""
    env = dict(os.environ, FORMCHECK_CACHE_DIR=str(tmp_path / "cache"), FORMCHECK_HOME=str(tmp_path / "home"))
    with serve_app(tmp_path, env) as url:
        yield url


def test_review_page_end_to_end(browser, review_page, clip, tmp_path):
    """Upload a bad file, then a real side-view deadlift with faults; the results, flagged frames,
    chart and playable video appear; another preset re-scores. Screenshots of each state go to
    artifacts/."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(review_page)
    uploader = page.locator("[data-testid=stFileUploaderDropzoneInput]")
    uploader.wait_for(state="attached", timeout=30000)
    page.get_by_text("Side-on: camera at 90° to the lifter").wait_for(timeout=30000)
    page.get_by_text("not medical advice").first.wait_for()
    screenshot(page, "review_1_empty.png")

    bad = tmp_path / "squat.mp4"
    bad.write_bytes(b"not a video, only a name that says so\n" * 100)
    uploader.set_input_files(str(bad))
    page.get_by_text("This file cannot be analysed").wait_for(timeout=30000)
    assert page.get_by_text("Traceback").count() == 0
    screenshot(page, "review_2_bad_upload.png")

    started = time.monotonic()
    uploader.set_input_files(str(clip("deadlift_side_bad_m01.mp4")))
    # the model runs in the background (a fresh cache): the page shows how far it is
    progress = page.locator("[data-testid=stProgress]")
    progress.wait_for(timeout=30000)
    # frames done of all and the time left: the model's stage lasts seconds, the page polls twice a second
    page.wait_for_function("/frame \\d+ of \\d+, about \\d+ s left/.test("
                           "document.querySelector('[data-testid=stProgress]')?.innerText ?? '')", timeout=60000)
    screenshot(page, "review_3_analysing.png")
    page.get_by_text("Where form broke down").wait_for(timeout=300000)
    video = page.locator("[data-testid=stVideo]")
    video.wait_for(timeout=120000)
    results_s = time.monotonic() - started
    assert page.get_by_text("Flagged moments").count() == 1
    flagged = int(page.locator("[data-testid=stMetric]").filter(has_text="Flagged moments")
                  .locator("[data-testid=stMetricValue]").inner_text())
    assert flagged >= 1
    # the gallery's stills (one per flag), then the frame viewer's
    assert page.locator("[data-testid=stImage] img").count() == min(flagged, 12) + 1
    chart = page.locator("[data-testid=stVegaLiteChart]")
    chart.locator("canvas, svg").first.wait_for(timeout=30000)
    assert chart.bounding_box()["height"] > 200
    page.wait_for_function("document.querySelector('[data-testid=stVideo]').readyState >= 1", timeout=30000)
    duration = page.evaluate("document.querySelector('[data-testid=stVideo]').duration")
    assert duration == pytest.approx(3.4, abs=0.2)
    page.evaluate("const v = document.querySelector('[data-testid=stVideo]'); v.muted = true; v.play()")
    page.wait_for_function("document.querySelector('[data-testid=stVideo]').currentTime > 0.3", timeout=15000)
    page.evaluate("document.querySelector('[data-testid=stVideo]').pause()")
    settled(page)
    with page.expect_download(timeout=60000) as download:
        page.get_by_text("Report (JSON)").click()
    report = json.loads(download.value.path().read_text())
    assert report["lift"] == "deadlift" and len(report["faults"]) == flagged
    for sentence in verdict.sentences(report["faults"], len(report["reps"])):  # the verdict, on screen
        page.get_by_text(sentence).first.wait_for(timeout=10000)
    with page.expect_download(timeout=60000) as download:
        page.get_by_text("Per-frame data (CSV)").click()
    assert download.value.path().read_text().startswith("index,time_s,pose,")
    screenshot(page, "review_4_analysed.png")

    score_before = page.locator("[data-testid=stMetric]").filter(has_text="Session score").inner_text()
    # lenient: the limits move past this clip's flags (its back bend and elbow read as warnings
    # just over the standard limits, under the lenient ones), so the re-scored page has none
    flags_before = {f["rule"] for f in report["faults"]}
    assert flags_before and all(f["severity"] == "warn" for f in report["faults"])
    page.locator("[data-testid=stSidebar]").get_by_text("lenient", exact=True).click()
    page.locator("[data-testid=stSidebar]").get_by_text("+lenient").wait_for(timeout=30000)
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=stMetric]')].some(m => m.innerText.includes("
        "'Flagged moments') && m.querySelector('[data-testid=stMetricValue]').innerText.trim() === '0')",
        timeout=60000)
    page.locator("[data-testid=stVideo]").wait_for(timeout=120000)
    settled(page)
    assert page.get_by_text("Where form broke down").count() == 0
    assert page.locator("[data-testid=stMetric]").filter(has_text="Session score").inner_text() != score_before
    screenshot(page, "review_5_lenient_thresholds.png")
    page.close()
    print(f"results shown {results_s:.1f} s after the upload")
