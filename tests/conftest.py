import os
from pathlib import Path

import pytest

from formcheck import assets


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own landmark cache, so tests never read a developer's cache."""
    monkeypatch.setenv("FORMCHECK_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def clip():
    """A sample clip from sample_videos/ (set-up copies them from ../shared/videos)."""
    def get(name: str) -> Path:
        return assets.sample_path(name)
    return get
