import os
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


@pytest.fixture(scope="session")
def clip():
    """A sample clip from sample_videos/ (set-up copies them from ../shared/videos)."""
    def get(name: str) -> Path:
        return assets.sample_path(name)
    return get
