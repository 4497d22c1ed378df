import os
import sys
from pathlib import Path

import pytest

from formcheck import assets


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """The test session gets its own landmark and contour cache: tests never read a developer's
    cache, so every real-model test runs the model at least once."""
    saved = os.environ.get("FORMCHECK_CACHE_DIR")
    os.environ["FORMCHECK_CACHE_DIR"] = str(tmp_path_factory.getbasetemp() / "cache")
    yield
    if saved is None:
        os.environ.pop("FORMCHECK_CACHE_DIR", None)
    else:
        os.environ["FORMCHECK_CACHE_DIR"] = saved


@pytest.fixture(autouse=True)
def _main_module_restored():
    """Streamlit's AppTest runs app.py as a module named __main__ and leaves it in sys.modules;
    a worker process started by spawn afterwards (`formcheck batch`) would import app.py as its
    own main module and die. Each test starts with pytest's __main__ again."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session", autouse=True)
def _private_history(tmp_path_factory):
    """Sessions saved during the tests (the review page's save form, the CLI) go to a data folder
    of the test session's own, never to the developer's history (nor their users file)."""
    saved = {k: os.environ.get(k) for k in ("FORMCHECK_HOME", "FORMCHECK_DB_URL", "FORMCHECK_USERS")}
    os.environ["FORMCHECK_HOME"] = str(tmp_path_factory.getbasetemp() / "formcheck_home")
    os.environ.pop("FORMCHECK_DB_URL", None)
    os.environ.pop("FORMCHECK_USERS", None)  # the login is off unless a test turns it on
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty formcheck data folder of the test's own (SQLite), as $FORMCHECK_HOME."""
    monkeypatch.setenv("FORMCHECK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FORMCHECK_DB_URL", raising=False)
    return tmp_path / "home"


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (tests/browser.py), one per test module."""
    from tests.browser import chromium

    with chromium() as instance:
        yield instance


@pytest.fixture(scope="session")
def clip():
    """A sample clip from sample_videos/ (set-up copies them from ../shared/videos)."""
    def get(name: str) -> Path:
        return assets.sample_path(name)
    return get
