"""Model bundles and sample clips: found by manifest, verified by sha256, never committed.

A PoseLandmarker bundle is looked for in this order:
  1. $FORMCHECK_MODELS_DIR
  2. the repository's models/ folder
  3. the user cache ($XDG_CACHE_HOME/formcheck/models, by default ~/.cache/formcheck/models)
  4. otherwise it is downloaded from its official URL into the user cache and checked.
Set-up (`formcheck fetch`) copies the bundles and the sample clips from the `shared/` data
folder beside the repository when it exists ($FORMCHECK_SHARED_DIR overrides where), since the
machines this is built on have no internet.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from formcheck.errors import BadVideoError, ModelError
from formcheck.video import file_sha256

REPO_DIR = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_DIR / "models"
SAMPLES_DIR = REPO_DIR / "sample_videos"
MODEL_NAMES = ("lite", "full", "heavy")
DEFAULT_MODEL = "full"
# Members every PoseLandmarker .task bundle holds (official and rebuilt alike).
_BUNDLE_MEMBERS = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}


def cache_dir(*parts: str) -> Path:
    base = os.environ.get("FORMCHECK_CACHE_DIR")
    root = Path(base) if base else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "formcheck"
    return root.joinpath(*parts)


def shared_dir() -> Path | None:
    path = Path(os.environ.get("FORMCHECK_SHARED_DIR", REPO_DIR.parent / "shared"))
    return path if path.is_dir() else None


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def model_entry(name: str) -> dict:
    for entry in _manifest(MODELS_DIR)["models"]:
        if entry["name"] == name:
            return entry
    raise ModelError(f"unknown model '{name}': choose one of {', '.join(MODEL_NAMES)}")


def _how_to_get(entry: dict) -> str:
    return (f"run `formcheck fetch`, or download {entry['url']} into {MODELS_DIR}/ "
            f"(or a folder named by $FORMCHECK_MODELS_DIR)")


def _is_bundle(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as bundle:
            return _BUNDLE_MEMBERS <= set(bundle.namelist()) and bundle.testzip() is None
    except (zipfile.BadZipFile, OSError):
        return False


def _verified(path: Path, entry: dict) -> bool:
    """True for the manifest's bytes, or for a download whose sha256 we recorded beside it."""
    digest = file_sha256(path)
    if digest == entry["sha256"]:
        return True
    sidecar = path.with_name(path.name + ".sha256")
    return sidecar.exists() and sidecar.read_text().strip() == digest and _is_bundle(path)


def resolve_model(name: str = DEFAULT_MODEL, download: bool = True) -> Path:
    """Path to a verified bundle for model `name` (lite, full or heavy). Raises ModelError."""
    entry = model_entry(name)
    folders = [Path(os.environ["FORMCHECK_MODELS_DIR"])] if os.environ.get("FORMCHECK_MODELS_DIR") else []
    folders += [MODELS_DIR, cache_dir("models")]
    for folder in folders:
        path = folder / entry["file"]
        if path.is_file():
            if not _verified(path, entry):
                raise ModelError(
                    f"model file {path} is corrupt (its sha256 does not match models/manifest.json): "
                    f"delete it and {_how_to_get(entry)}"
                )
            return path
    if download:
        try:
            return _download_model(entry)
        except OSError as exc:
            raise ModelError(
                f"model file {entry['file']} not found in {', '.join(map(str, folders))} "
                f"and the download failed ({exc}): {_how_to_get(entry)}"
            ) from exc
    raise ModelError(f"model file {entry['file']} not found: {_how_to_get(entry)}")


def install_model(name: str, data: bytes) -> Path:
    """Model `name` from its bytes (shipped to another machine, `cluster`): the bundle already in
    place, or these bytes written to the model cache when they are the manifest's."""
    try:
        return resolve_model(name, download=False)
    except ModelError:
        pass
    entry = model_entry(name)
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ModelError(f"the {name} model sent to this machine does not match the sha256 in the manifest")
    target = cache_dir("models") / entry["file"]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def _download(url: str, target: Path, timeout_s: float = 60.0) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as response:
                shutil.copyfileobj(response, tmp)
            tmp.close()
            os.replace(tmp.name, target)
        finally:
            if os.path.exists(tmp.name):
                os.unlink(tmp.name)


def _download_model(entry: dict) -> Path:
    target = cache_dir("models") / entry["file"]
    _download(entry["url"], target)
    if file_sha256(target) != entry["sha256"] and not _is_bundle(target):
        target.unlink()
        raise ModelError(f"the download of {entry['url']} is not a PoseLandmarker bundle")
    target.with_name(target.name + ".sha256").write_text(file_sha256(target) + "\n")
    return target


def _copy_verified(source: Path, target: Path, sha256: str) -> bool:
    if target.is_file() and file_sha256(target) == sha256:
        return False
    if file_sha256(source) != sha256:
        raise ModelError(f"{source} does not match the sha256 in the manifest")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return True


def sample_entries() -> list[dict]:
    return _manifest(SAMPLES_DIR)["clips"]


def default_sample() -> Path:
    """The clip `scripts/run_sample.sh` analyses: the manifest's `default`, a path relative to the
    repository. It names a committed synthetic clip (benchmarks/synthetic/), so the README's
    command needs neither ../shared nor a download for its input; the shared real clips stay
    available to the tests through `sample_path`."""
    return REPO_DIR / _manifest(SAMPLES_DIR)["default"]


def sample_path(file: str) -> Path:
    """A sample clip by file name, fetched if it is not there yet."""
    path = SAMPLES_DIR / file
    if not path.is_file():
        entry = next((e for e in sample_entries() if e["file"] == file), None)
        if entry is None:
            raise BadVideoError(f"{file} is not in sample_videos/manifest.json")
        fetch_samples([entry])
    return path


def fetch_models(names: tuple[str, ...] = MODEL_NAMES) -> list[str]:
    """Put every named bundle in models/: copied from shared/ when it is there, else downloaded."""
    done = []
    shared = shared_dir()
    for name in names:
        entry = model_entry(name)
        source = shared / "models" / entry["file"] if shared else None
        if source and source.is_file():
            if _copy_verified(source, MODELS_DIR / entry["file"], entry["sha256"]):
                done.append(entry["file"])
        else:
            resolve_model(name)
    return done


def fetch_samples(entries: list[dict] | None = None) -> list[str]:
    """Put the manifest's clips in sample_videos/, copied from shared/videos or downloaded."""
    done = []
    shared = shared_dir()
    for entry in entries if entries is not None else sample_entries():
        target = SAMPLES_DIR / entry["file"]
        source = shared / "videos" / entry["file"] if shared else None
        if source and source.is_file():
            if _copy_verified(source, target, entry["sha256"]):
                done.append(entry["file"])
        elif not (target.is_file() and file_sha256(target) == entry["sha256"]):
            try:
                _download(entry["url"], target)
            except OSError as exc:
                raise BadVideoError(f"cannot fetch sample {entry['file']} from {entry['url']}: {exc}") from exc
            if file_sha256(target) != entry["sha256"]:
                target.unlink()
                raise BadVideoError(f"the download of {entry['file']} does not match its sha256")
            done.append(entry["file"])
    return done


def cache_key(*parts: object) -> str:
    """A short stable key from any printable parts (used for the landmark cache)."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
