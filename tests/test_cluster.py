"""`formcheck batch --ray`: real clips as tasks on a real Ray head process (started with `ray start
--head`, the way a gym's head machine runs it), saved to a real PostgreSQL server."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck import assets
from formcheck.cli import main
from formcheck.errors import ModelError
from formcheck.store import Store
from tests.test_batch import SHORT_DEADLIFT, SHORT_SQUAT, _squad, pg_url  # noqa: F401 (a fixture)

RAY = Path(sys.executable).with_name("ray")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ray_head(tmp_path, monkeypatch):
    """A Ray head on this machine: 2 CPUs, only loopback addresses (a one-machine cluster:
    RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 keeps Ray off the network interfaces). Its worker
    processes write their landmark cache to worker_cache, which shows the clips ran there."""
    port = _free_port()
    worker_cache = tmp_path / "worker_cache"
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "FORMCHECK_CACHE_DIR": str(worker_cache)}
    start = [str(RAY), "start", "--head", f"--port={port}", "--num-cpus=2", "--object-store-memory=300000000",
             "--include-dashboard=false", "--disable-usage-stats"]
    done = subprocess.run(start, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # the driver (this process) too
    try:
        yield f"127.0.0.1:{port}", worker_cache
    finally:
        subprocess.run([str(RAY), "stop", "--force"], env=env, capture_output=True, timeout=120)


@pytest.mark.real
def test_batch_through_a_ray_head_into_postgresql(home, clip, tmp_path, ray_head, pg_url, capfd):
    address, worker_cache = ray_head
    folder = _squad(tmp_path, clip)  # anna: a squat; ben: a deadlift and a cut-off copy of it
    summary = tmp_path / "summary.json"
    args = ["batch", str(folder), "--athlete-from", "folder", "--ray", address, "--store", pg_url,
            "--summary", str(summary)]

    assert main(args) == 2  # the broken clip failed, the others were saved
    out = capfd.readouterr().out
    assert f"the Ray cluster at {address}" in out and "2 saved, 0 skipped, 0 not saved, 1 failed" in out
    rows = {Path(r["clip"]).name: r for r in json.loads(summary.read_text())["clips"]}
    assert "truncated" in rows["broken.mp4"]["error"] or "corrupt" in rows["broken.mp4"]["error"]
    with Store(url=pg_url) as store:
        saved = {(s.athlete, s.lift, s.video_name): s for s in store.sessions()}
        assert set(saved) == {("anna", "squat", SHORT_SQUAT), ("ben", "deadlift", SHORT_DEADLIFT)}
        report = store.report(saved["anna", "squat", SHORT_SQUAT].id)
        assert report.reps and report.video.path == str(folder / "anna" / SHORT_SQUAT)
        assert store.check() == []
    # the analyses ran in the Ray head's worker processes (their cache), not in this one
    assert len(list((worker_cache / "landmarks").glob("*.npz"))) == 2
    with Store() as local:
        assert local.sessions() == []

    # again: every saved clip is skipped, found in the shared store by its sha256
    assert main(args) == 2
    assert "0 saved, 2 skipped, 0 not saved, 1 failed" in capfd.readouterr().out


def test_a_shipped_model_is_installed_only_when_its_bytes_are_the_manifests(tmp_path, monkeypatch):
    bare = tmp_path / "models"  # the manifest without the bundles, as on a machine that only runs tasks
    bare.mkdir()
    shutil.copy(assets.MODELS_DIR / "manifest.json", bare)
    bundle = (assets.MODELS_DIR / assets.model_entry("lite")["file"]).read_bytes()
    monkeypatch.setattr(assets, "MODELS_DIR", bare)
    monkeypatch.setenv("FORMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("FORMCHECK_MODELS_DIR", raising=False)
    with pytest.raises(ModelError):
        assets.resolve_model("lite", download=False)
    with pytest.raises(ModelError, match="does not match"):
        assets.install_model("lite", b"not a model")
    installed = assets.install_model("lite", bundle)
    assert installed.parent == tmp_path / "cache" / "models" and installed.read_bytes() == bundle
    assert assets.resolve_model("lite", download=False) == installed


def test_ray_with_no_cluster_to_join_says_so(home, tmp_path, capfd, monkeypatch):
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    (tmp_path / "a.mp4").write_bytes(b"x")
    assert main(["batch", str(tmp_path / "a.mp4"), "--athlete", "A", "--ray", f"127.0.0.1:{_free_port()}"]) == 2
    assert "no Ray cluster to join" in capfd.readouterr().err
