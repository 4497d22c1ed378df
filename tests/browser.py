"""Shared plumbing of the browser tests: Debian's Chromium driven by Playwright, `formcheck app`
served on a free loopback port, and full-page screenshots under artifacts/."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Flags this workplace needs (the tool library's env notes): no sandbox as root, no GPU, and no
# background networking, whose connections the closed network refuses.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def chromium() -> Iterator:
    """A launched Chromium. scripts/test.sh installs it and Playwright; on CI a missing browser is
    a failure, elsewhere a skip."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not os.path.exists(CHROMIUM):
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"Playwright or {CHROMIUM} is missing")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield instance
        finally:
            instance.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_app(folder: Path, env: dict[str, str], start_timeout_s: float = 60.0) -> Iterator[str]:
    """`formcheck app` with the given environment, logging to folder/server.log; yields its URL
    once Streamlit answers its health check, and stops it afterwards."""
    port = free_port()
    log_path = folder / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "formcheck.cli", "app", "--port", str(port),
                                   "--address", "127.0.0.1"], env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout_s
            while True:
                assert server.poll() is None, log_path.read_text()
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                        if answer.read() == b"ok":
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"the app did not start within {start_timeout_s:.0f} s"
                time.sleep(0.3)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def settled(page, timeout_ms: int = 120000) -> None:
    """Wait until the script run is over (Streamlit's running icon has gone)."""
    page.wait_for_timeout(500)
    page.wait_for_function("!document.querySelector('[data-testid^=stStatusWidgetRunning]')", timeout=timeout_ms)


def screenshot(page, name: str, width: int = 1400) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the window is made as tall as it
    (then back to 900 px, or a phone's 844 px at a width under 600)."""
    os.makedirs("artifacts", exist_ok=True)
    height = page.evaluate("document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(height + 120, 12000)})
    page.wait_for_timeout(1500)  # charts and images settle after the resize
    page.screenshot(path=f"artifacts/{name}")
    page.set_viewport_size({"width": width, "height": 900 if width >= 600 else 844})
