"""The annotated H.264 video really plays in Chromium (Debian's package, driven by Playwright)."""

import functools
import http.server
import os
import subprocess
import sys
import threading

import pytest

pytestmark = pytest.mark.real

CHROMIUM = "/usr/bin/chromium"
# Flags this workplace needs (the tool library's env notes): no sandbox as root, no GPU, and no
# background networking, whose connections the closed network refuses.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not os.path.exists(CHROMIUM):
        # scripts/test.sh installs both; on CI a missing browser is a failure, not a skip
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"Playwright or {CHROMIUM} is missing")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


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
