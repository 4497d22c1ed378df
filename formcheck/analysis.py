"""Analysis: one clip in, a Report out. Ties the stages together:

video (decode, in a background thread) -> pose (PoseLandmarker) -> lifter (pick the person)
-> filtering (clean, smooth) -> angles -> report.

Model output is cached by (video sha256, model bundle sha256, pose settings), so re-analysing a
clip, or re-scoring it with other settings, does not run the model again.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from formcheck import assets
from formcheck.angles import Angles, compute_angles
from formcheck.filtering import FilterSettings, clean
from formcheck.landmarks import Poses
from formcheck.lifter import TrackingSettings, select_lifter
from formcheck.pose import Candidates, CandidatesBuilder, PoseEstimator, PoseSettings
from formcheck.report import Report
from formcheck.video import VideoInfo, VideoReader, file_sha256, prefetch

log = logging.getLogger(__name__)

# Bump when the cached arrays change meaning, so stale caches are not read.
CACHE_VERSION = 1

Progress = Callable[[int, int], None]  # (frames done, frames expected; the latter may be a guess)


@dataclasses.dataclass(frozen=True)
class AnalysisSettings:
    pose: PoseSettings = PoseSettings()
    filter: FilterSettings = FilterSettings()
    tracking: TrackingSettings = TrackingSettings()

    def to_dict(self) -> dict:
        return {
            "pose": self.pose.to_dict(),
            "filter": self.filter.to_dict(),
            "tracking": dataclasses.asdict(self.tracking),
        }


@dataclasses.dataclass(frozen=True)
class Analysis:
    """report: what is written out. raw: the lifter's landmarks as the model gave them;
    poses: after filtering; angles: per-frame angles from `poses`."""

    report: Report
    raw: Poses
    poses: Poses
    angles: Angles
    from_cache: bool


def _cache_paths(key: str) -> tuple[Path, Path]:
    folder = assets.cache_dir("landmarks")
    return folder / f"{key}.npz", folder / f"{key}.json"


def _load_cached(key: str, path: Path) -> tuple[VideoInfo, Candidates] | None:
    arrays_path, info_path = _cache_paths(key)
    if not (arrays_path.is_file() and info_path.is_file()):
        return None
    try:
        with np.load(arrays_path) as data:
            candidates = Candidates.from_npz_dict(data)
        info = VideoInfo.from_dict(json.loads(info_path.read_text()))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable landmark cache %s: %s", arrays_path, exc)
        return None
    return dataclasses.replace(info, path=str(path)), candidates


def _store_cached(key: str, info: VideoInfo, candidates: Candidates) -> None:
    arrays_path, info_path = _cache_paths(key)
    arrays_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = arrays_path.with_name(arrays_path.stem + ".tmp.npz")
    np.savez_compressed(tmp, **candidates.to_npz_dict())
    os.replace(tmp, arrays_path)
    info_tmp = info_path.with_name(info_path.name + ".tmp")
    info_tmp.write_text(json.dumps(info.to_dict()))
    os.replace(info_tmp, info_path)


def run_pose(
    path: str | os.PathLike, settings: PoseSettings, model_path: Path, sha256: str | None = None,
    progress: Progress | None = None,
) -> tuple[VideoInfo, Candidates]:
    """Decode every frame in one thread while the model runs on the previous ones in this one.

    The decoder gets a single FFmpeg thread: with two cores, one decodes (and copies the frame
    into a MediaPipe image) while the other runs the model; more decoder threads only take time
    from the model (measured: 44 fps with one thread per core, 47 fps with one, 1080p, full model).
    """
    with VideoReader(path, sha256=sha256, threads=1) as reader, PoseEstimator(model_path, settings) as estimator:
        expected = reader.reported_frames
        found = CandidatesBuilder(expected + expected // 10, settings.max_people)
        frames = prefetch(
            (frame, estimator.prepare(frame.image)) for frame in reader.frames("rgb24", settings.max_input_side_px)
        )
        try:
            for frame, image in frames:
                found.add(estimator.detect(image, frame.time_s, frame.full_size_px))
                if progress:
                    progress(frame.index + 1, max(expected, frame.index + 1))
        finally:
            frames.close()
        info = reader.info()
    return info, found.build()


def extract_candidates(
    path: str | os.PathLike, settings: PoseSettings = PoseSettings(), progress: Progress | None = None,
    use_cache: bool = True,
) -> tuple[VideoInfo, Candidates, bool]:
    """Everyone the model finds in every frame, from the cache when this clip was seen before."""
    model_path = assets.resolve_model(settings.model)
    model_sha = file_sha256(model_path)
    VideoReader(path).close()  # fail fast, with the one-line reason, before hashing a large file
    sha256 = file_sha256(path)
    key = assets.cache_key(CACHE_VERSION, sha256, model_sha, settings.key())
    if use_cache and (cached := _load_cached(key, Path(path))):
        if progress:
            progress(cached[0].frames, cached[0].frames)
        return cached[0], cached[1], True
    info, candidates = run_pose(path, settings, model_path, sha256, progress)
    if use_cache:
        _store_cached(key, info, candidates)
    return info, candidates, False


def _warnings(poses: Poses, people_max: int, side: str | None) -> list[str]:
    out = []
    fraction = float(np.mean(poses.has_pose)) if poses.n_frames else 0.0
    if fraction == 0.0:
        out.append("No person was found in the video: film the lifter side-on, whole body in frame.")
    elif fraction < 0.5:
        out.append(
            f"The lifter was found on only {fraction:.0%} of frames: keep the whole body and the bar "
            "in frame, with the camera 3-5 m away at hip height."
        )
    if people_max > 1:
        out.append(
            f"{people_max} people were in view at once; formcheck analysed the one who moves through "
            "the lift (large and central in the frame). Film with only the lifter in frame if it picked wrong."
        )
    if fraction > 0 and side is None:
        out.append("The body side facing the camera could not be told; angles are not reliable.")
    return out


def analyze(
    path: str | os.PathLike, settings: AnalysisSettings = AnalysisSettings(), progress: Progress | None = None,
    use_cache: bool = True,
) -> Analysis:
    """Run the whole pipeline on one clip. Raises BadVideoError or ModelError on bad input."""
    info, candidates, from_cache = extract_candidates(path, settings.pose, progress, use_cache)
    choice = select_lifter(candidates, info.width_px, info.height_px, settings.tracking)
    poses = clean(choice.poses, settings.filter)
    angles = compute_angles(poses)
    entry = assets.model_entry(settings.pose.model)
    report = Report(
        video=info,
        model={"name": entry["name"], "file": entry["file"], "task": "mediapipe PoseLandmarker (VIDEO mode)"},
        settings=settings.to_dict(),
        camera={
            "side": angles.side,
            "facing": None if angles.side is None else ("right" if angles.facing > 0 else "left"),
            "people_max": choice.people_max,
            "pose_frames": int(poses.has_pose.sum()),
        },
        time_s=poses.time_s,
        pose=choice.poses.has_pose,
        angles=angles.values,
        warnings=_warnings(choice.poses, choice.people_max, angles.side),
    )
    return Analysis(report=report, raw=choice.poses, poses=poses, angles=angles, from_cache=from_cache)
