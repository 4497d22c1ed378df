"""Analysis: one clip in, a Report out. Ties the stages together:

video (decode, in background threads) -> pose (PoseLandmarker, the clip in two halves at once)
with masks (a 10 Hz sample, in another thread) -> lifter (pick the person) -> filtering (clean, smooth) -> angles -> report.

Model output is cached by (video sha256, model bundle sha256, pose settings), so re-analysing a
clip, or re-scoring it with other settings, does not run the model again.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import logging
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from formcheck import assets
from formcheck.angles import Angles, compute_angles
from formcheck.filtering import FilterSettings, clean
from formcheck.landmarks import Poses
from formcheck.lifter import TrackingSettings, select_lifter
from formcheck.masks import Masks, MaskSampler, Sampling
from formcheck.pose import Candidates, CandidatesBuilder, MaskEstimator, PoseEstimator, PoseSettings
from formcheck.report import Report
from formcheck.video import VideoInfo, VideoReader, file_sha256, prefetch

log = logging.getLogger(__name__)

# Bump when the cached arrays change meaning, so stale caches are not read.
CACHE_VERSION = 2  # 2: the sampled masks are cached with the landmarks

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
    poses: after filtering; angles: per-frame angles from `poses`; masks: the sampled
    segmentation masks (`masks`)."""

    report: Report
    raw: Poses
    poses: Poses
    angles: Angles
    masks: Masks
    from_cache: bool


def _cache_paths(key: str) -> tuple[Path, Path]:
    folder = assets.cache_dir("landmarks")
    return folder / f"{key}.npz", folder / f"{key}.json"


def _load_cached(key: str, path: Path) -> tuple[VideoInfo, Candidates, Masks] | None:
    arrays_path, info_path = _cache_paths(key)
    if not (arrays_path.is_file() and info_path.is_file()):
        return None
    try:
        with np.load(arrays_path) as data:
            candidates = Candidates.from_npz_dict(data)
            masks = Masks.from_npz_dict(data)
        info = VideoInfo.from_dict(json.loads(info_path.read_text()))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable landmark cache %s: %s", arrays_path, exc)
        return None
    return dataclasses.replace(info, path=str(path)), candidates, masks


def _store_cached(key: str, info: VideoInfo, candidates: Candidates, masks: Masks) -> None:
    arrays_path, info_path = _cache_paths(key)
    arrays_path.parent.mkdir(parents=True, exist_ok=True)
    unique = f"{os.getpid()}-{threading.get_ident()}"  # two workers may analyse the same bytes at once
    tmp = arrays_path.with_name(f"{arrays_path.stem}.{unique}.tmp.npz")
    np.savez_compressed(tmp, **candidates.to_npz_dict(), **masks.to_npz_dict())
    os.replace(tmp, arrays_path)
    info_tmp = info_path.with_name(f"{info_path.name}.{unique}.tmp")
    info_tmp.write_text(json.dumps(info.to_dict()))
    os.replace(info_tmp, info_path)


def run_pose(
    path: str | os.PathLike, settings: PoseSettings, model_path: Path, sha256: str | None = None,
    progress: Progress | None = None,
) -> tuple[VideoInfo, Candidates, Masks]:
    """Every frame through the tracking model, and the sampled frames through the mask model.

    The clip is tracked in two halves (`pieces`), each with its own decoder and tracking model,
    at once when there are two cores; one more thread runs the mask model on the sampled frames
    of both (`masks`). Which frames are in which half, and which are sampled, depend only on the
    clip, so the result is the same on any machine. Progress is reported from this thread.
    """
    with VideoReader(path, sha256=sha256) as probe:
        expected = probe.reported_frames
    bounds = pieces(expected)
    stop = threading.Event()
    done = [0] * len(bounds)
    with MaskEstimator(model_path, settings) as mask_model, MaskSampler(mask_model.detect) as sampler, \
            concurrent.futures.ThreadPoolExecutor(min(len(bounds), os.cpu_count() or 1),
                                                  thread_name_prefix="formcheck-track") as pool:
        jobs = [pool.submit(_track, path, sha256, settings, model_path, first, last, sampler, done, k, stop)
                for k, (first, last) in enumerate(bounds)]
        try:
            while concurrent.futures.wait(jobs, timeout=0.2, return_when="FIRST_EXCEPTION").not_done and \
                    not any(job.done() and job.exception() for job in jobs):
                if progress:
                    progress(sum(done), max(expected, sum(done)))
        finally:
            stop.set()  # a piece that failed stops the others (and so does Ctrl+C here)
        concurrent.futures.wait(jobs)
        errors = [job.exception() for job in jobs if job.exception() is not None]
        if errors:
            raise next((e for e in errors if not isinstance(e, _Stopped)), errors[0])
        results = [job.result() for job in jobs]
        masks = sampler.masks()
    if progress:
        progress(sum(done), sum(done))
    return results[-1][1], Candidates.concatenate([found for found, _ in results]), masks


class _Stopped(Exception):
    """A piece stopped because another failed (or the caller was interrupted)."""


PIECE_MIN_FRAMES = 60  # a clip shorter than two of these is tracked in one piece
PREFETCH_FRAMES = 4  # decoded frames a piece's decoder may be ahead (6 MB each at 1080p)


def pieces(expected_frames: int) -> list[tuple[int, int | None]]:
    """The frame ranges [first, last) tracked apart: two halves by the container's frame count
    (a guess, so the last piece runs to the end), or one piece for a short clip."""
    if expected_frames < 2 * PIECE_MIN_FRAMES:
        return [(0, None)]
    return [(0, expected_frames // 2), (expected_frames // 2, None)]


def _track(
    path, sha256: str | None, settings: PoseSettings, model_path: Path, first: int, last: int | None,
    sampler: MaskSampler, done: list[int], k: int, stop: threading.Event,
) -> tuple[Candidates, VideoInfo | None]:
    """Track frames [first, last): the decoder in a thread of its own (a single FFmpeg thread: the
    cores are the models'), the model in this one, the sampled frames handed to the mask model.
    The piece that runs to the end of the clip returns the clip's VideoInfo.
    """
    sampling = Sampling(settings.mask_hz)
    # Images the models are done with go back to the decoder thread, which made them, to be freed
    # there: large buffers freed in another thread made glibc's per-thread heaps grow, and
    # returning them to the OS instead (video.prefetch) costs a page fault per 4 KB per frame.
    spent: queue.SimpleQueue = queue.SimpleQueue()
    if stop.is_set():  # on one core a piece starts only after the other ended, perhaps failed
        raise _Stopped()
    with VideoReader(path, sha256=sha256, threads=1) as reader:
        def decoded():
            for frame in reader.frames("rgb24", settings.max_input_side_px, start=first, stop=last, cancel=stop):
                while not spent.empty():
                    spent.get()
                if frame.index == first:  # sample as one pass from the clip's start would
                    for t in reader.times[:first]:
                        sampling.take(t)
                image = PoseEstimator.prepare(frame.image)  # a copy: the decoded array is freed here
                if sampling.take(frame.time_s):
                    sampler.submit(frame.index, image, frame.full_size_px, spent)
                yield frame.time_s, frame.full_size_px, image
                del image

        size = (last - first) if last is not None else max(reader.reported_frames - first, 0) * 11 // 10
        found = CandidatesBuilder(size, settings.max_people)
        estimator = PoseEstimator(model_path, settings)
        frames = prefetch(decoded(), depth=PREFETCH_FRAMES, return_to_os=False)
        try:
            for time_s, full_size_px, image in frames:
                if stop.is_set():
                    raise _Stopped()
                found.add(estimator.detect(image, time_s, full_size_px))
                spent.put(image)
                del image
                done[k] += 1
        finally:
            frames.close()
            estimator.close()
        if stop.is_set():  # the pass was cancelled (`frames`): nothing to give back
            raise _Stopped()
        info = reader.info() if last is None else None
    return found.build(), info


def extract_candidates(
    path: str | os.PathLike, settings: PoseSettings = PoseSettings(), progress: Progress | None = None,
    use_cache: bool = True,
) -> tuple[VideoInfo, Candidates, Masks, bool]:
    """Everyone the model finds in every frame and the sampled masks, from the cache when this
    clip was seen before."""
    model_path = assets.resolve_model(settings.model)
    model_sha = file_sha256(model_path)
    VideoReader(path).close()  # fail fast, with the one-line reason, before hashing a large file
    sha256 = file_sha256(path)
    key = assets.cache_key(CACHE_VERSION, sha256, model_sha, settings.key())
    if use_cache and (cached := _load_cached(key, Path(path))):
        info, candidates, masks = cached
        if progress:
            progress(info.frames, info.frames)
        return info, candidates, masks, True
    info, candidates, masks = run_pose(path, settings, model_path, sha256, progress)
    if use_cache:
        _store_cached(key, info, candidates, masks)
    return info, candidates, masks, False


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
    info, candidates, masks, from_cache = extract_candidates(path, settings.pose, progress, use_cache)
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
    return Analysis(report=report, raw=choice.poses, poses=poses, angles=angles, masks=masks,
                    from_cache=from_cache)
