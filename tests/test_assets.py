import json
import shutil
import subprocess
import sys

import pytest

from formcheck import assets
from formcheck.errors import ModelError


@pytest.fixture
def empty_repo(tmp_path, monkeypatch):
    """models/ with only the manifest, whose URLs point at a closed local port."""
    models = tmp_path / "models"
    models.mkdir()
    manifest = json.loads((assets.MODELS_DIR / "manifest.json").read_text())
    for entry in manifest["models"]:
        entry["url"] = "http://127.0.0.1:9/" + entry["file"]
    (models / "manifest.json").write_text(json.dumps(manifest))
    real_models = assets.MODELS_DIR
    monkeypatch.setattr(assets, "MODELS_DIR", models)
    monkeypatch.setenv("FORMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("FORMCHECK_MODELS_DIR", raising=False)
    return models, real_models


def test_env_folder_comes_first(empty_repo, tmp_path, monkeypatch):
    models, real = empty_repo
    env_dir = tmp_path / "env_models"
    env_dir.mkdir()
    shutil.copy(real / "pose_landmarker_lite.task", env_dir)
    shutil.copy(real / "pose_landmarker_lite.task", models)
    monkeypatch.setenv("FORMCHECK_MODELS_DIR", str(env_dir))
    assert assets.resolve_model("lite") == env_dir / "pose_landmarker_lite.task"


def test_repo_then_user_cache(empty_repo, tmp_path):
    models, real = empty_repo
    cached = assets.cache_dir("models")
    cached.mkdir(parents=True)
    shutil.copy(real / "pose_landmarker_lite.task", cached)
    assert assets.resolve_model("lite") == cached / "pose_landmarker_lite.task"
    shutil.copy(real / "pose_landmarker_lite.task", models)
    assert assets.resolve_model("lite") == models / "pose_landmarker_lite.task"


def test_corrupt_model_names_the_file(empty_repo):
    models, _ = empty_repo
    bad = models / "pose_landmarker_full.task"
    bad.write_bytes(b"\x00" * 1000)
    with pytest.raises(ModelError, match="corrupt") as info:
        assets.resolve_model("full")
    assert str(bad) in str(info.value) and "formcheck fetch" in str(info.value)


def test_missing_model_says_how_to_get_it(empty_repo):
    with pytest.raises(ModelError) as info:
        assets.resolve_model("heavy")
    text = str(info.value)
    assert "pose_landmarker_heavy.task" in text and "formcheck fetch" in text and "download" in text


def test_unknown_model_name():
    with pytest.raises(ModelError, match="unknown model"):
        assets.resolve_model("huge")


def test_fetched_files_match_their_manifests():
    for entry in json.loads((assets.MODELS_DIR / "manifest.json").read_text())["models"]:
        assert assets.file_sha256(assets.MODELS_DIR / entry["file"]) == entry["sha256"]
    for entry in assets.sample_entries():
        assert assets.file_sha256(assets.sample_path(entry["file"])) == entry["sha256"]


def test_cli_missing_model_exits_2(tmp_path, clip):
    models = tmp_path / "m"
    models.mkdir()
    (models / "pose_landmarker_lite.task").write_bytes(b"not a model")
    run = subprocess.run(
        [sys.executable, "-m", "formcheck.cli", "analyze", str(clip("deadlift_side_good_01.mp4")), "--model", "lite",
         "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120, env={**__import__("os").environ, "FORMCHECK_MODELS_DIR": str(models)},
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "pose_landmarker_lite.task" in run.stderr
