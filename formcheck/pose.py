"""Pose: MediaPipe PoseLandmarker in VIDEO mode. The only module that imports mediapipe.

Every frame gives up to `max_people` candidate people; `lifter.select_lifter` later picks the one
who lifts. Candidates are kept in padded arrays so a frame with fewer people (or none) is NaN.
"""

from __future__ import annotations

import dataclasses
import logging
import os

import numpy as np

from formcheck.errors import ModelError
from formcheck.landmarks import N_LANDMARKS
from formcheck.masks import MaskSample

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class PoseSettings:
    """Settings that change the model's output, and so are part of the landmark cache key.

    max_people: people the model looks for per frame. 2 lets formcheck tell the lifter from a
    spotter or a passer-by, but then the person detector runs on every frame (32 against 20 ms a
    frame, 1080p, full model); with 1 it runs only when the track is lost (docs/benchmark.md).
    mask_hz: frames a second sampled for the segmentation masks (`masks`).
    The confidences are MediaPipe's own thresholds, 0..1.
    max_input_side_px: if set, frames are scaled down to this long side before the model sees
    them (landmarks are still given in full-size pixels). Off by default: on 1080p clips 1280 px
    was ~10 % faster but moved knee angles by 7.5 deg on average on a clip where the lifter is
    small in the frame (docs/benchmark.md).
    """

    model: str = "full"
    max_people: int = 2
    mask_hz: float = 10.0
    max_input_side_px: int | None = None
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5

    def key(self) -> str:
        return ",".join(f"{f.name}={getattr(self, f.name)}" for f in dataclasses.fields(self))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Candidates:
    """Every person the model found, frame by frame; slot k is not the same person across frames.

    image_px: float32 (frames, max_people, 33, 3); visibility, presence: float32 (frames, max_people, 33);
    world_m: float32 (frames, max_people, 33, 3); time_s: float64 (frames,). Empty slots are NaN.
    """

    image_px: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world_m: np.ndarray
    time_s: np.ndarray

    @classmethod
    def allocate(cls, n_frames: int, max_people: int) -> "Candidates":
        shape = (n_frames, max_people, N_LANDMARKS)
        return cls(
            image_px=np.full(shape + (3,), np.nan, np.float32),
            visibility=np.full(shape, np.nan, np.float32),
            presence=np.full(shape, np.nan, np.float32),
            world_m=np.full(shape + (3,), np.nan, np.float32),
            time_s=np.zeros(n_frames, np.float64),
        )

    def to_npz_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_npz_dict(cls, data) -> "Candidates":
        return cls(**{f.name: np.asarray(data[f.name]) for f in dataclasses.fields(cls)})

    @classmethod
    def concatenate(cls, parts: list["Candidates"]) -> "Candidates":
        """Consecutive pieces of one clip, in order, as one."""
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in dataclasses.fields(cls)))

    def trimmed(self, n_frames: int) -> "Candidates":
        return Candidates(*(getattr(self, f.name)[:n_frames] for f in dataclasses.fields(self)))


class CandidatesBuilder:
    """Collects FramePoses into preallocated arrays (grown by half when a container's frame count
    was too low), so a long clip holds each landmark once, not once per frame object and again
    when stacked."""

    def __init__(self, expected_frames: int, max_people: int):
        self._max_people = max_people
        self._data = Candidates.allocate(max(expected_frames, 16), max_people)
        self.n = 0

    def add(self, fp: "FramePoses") -> None:
        if self.n == len(self._data.time_s):
            bigger = Candidates.allocate(self.n + self.n // 2, self._max_people)
            for f in dataclasses.fields(Candidates):
                getattr(bigger, f.name)[: self.n] = getattr(self._data, f.name)
            self._data = bigger
        i, k = self.n, len(fp.image_px)
        self._data.time_s[i] = fp.time_s
        self._data.image_px[i, :k] = fp.image_px
        self._data.visibility[i, :k] = fp.visibility
        self._data.presence[i, :k] = fp.presence
        self._data.world_m[i, :k] = fp.world_m
        self.n += 1

    def build(self) -> Candidates:
        return self._data.trimmed(self.n)



@dataclasses.dataclass(frozen=True)
class FramePoses:
    """The people found in one frame: arrays with a leading axis of length k (0..max_people)."""

    time_s: float
    image_px: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world_m: np.ndarray


def _create_landmarker(model_path: str | os.PathLike, settings: PoseSettings, video: bool):
    """A MediaPipe PoseLandmarker: VIDEO mode without masks, or IMAGE mode with masks."""
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_poses=settings.max_people,
        min_pose_detection_confidence=settings.min_detection_confidence,
        min_pose_presence_confidence=settings.min_presence_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
        output_segmentation_masks=not video,
    )
    try:
        return vision.PoseLandmarker.create_from_options(options)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"model file {model_path} could not be loaded: {exc}") from exc


class _Landmarker:
    """Closes the MediaPipe task explicitly: its own finaliser raises at interpreter exit."""

    _task = None

    def close(self) -> None:
        if self._task is not None:
            self._task.close()
            self._task = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class PoseEstimator(_Landmarker):
    """PoseLandmarker in VIDEO mode. Use as a context manager: MediaPipe's own finaliser raises at
    interpreter exit if the task is left open, so it is closed explicitly.

    `detect(rgb, time_s)` must be called with strictly increasing times; repeated or
    sub-millisecond steps are nudged forward by 1 ms, as MediaPipe needs integer milliseconds.
    """

    def __init__(self, model_path: str | os.PathLike, settings: PoseSettings = PoseSettings()):
        self.settings = settings
        self._task = _create_landmarker(model_path, settings, video=True)
        self._last_ms = -1

    @staticmethod
    def prepare(rgb: np.ndarray):
        """Wrap a uint8 (height, width, 3) RGB array as a MediaPipe image (this copies it).

        Thread-safe: the pipeline does it in the decode thread, off the model's core.
        """
        import mediapipe as mp

        return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))

    def detect(self, image, time_s: float, full_size_px: tuple[int, int] | None = None) -> FramePoses:
        """image: a uint8 (height, width, 3) RGB array, or the result of `prepare`.
        Returns the people found (possibly none).

        full_size_px: (width, height) the landmark pixels refer to, when the image was scaled down.
        """
        if isinstance(image, np.ndarray):
            image = self.prepare(image)
        ts_ms = max(int(round(time_s * 1000.0)), self._last_ms + 1)
        self._last_ms = ts_ms
        width, height = full_size_px or (image.width, image.height)
        result = self._task.detect_for_video(image, ts_ms)
        k = len(result.pose_landmarks)
        image_px = np.empty((k, N_LANDMARKS, 3), np.float32)
        visibility = np.empty((k, N_LANDMARKS), np.float32)
        presence = np.empty((k, N_LANDMARKS), np.float32)
        world_m = np.full((k, N_LANDMARKS, 3), np.nan, np.float32)
        for p, landmarks in enumerate(result.pose_landmarks):
            image_px[p] = [(lm.x * width, lm.y * height, lm.z * width) for lm in landmarks]
            visibility[p] = [lm.visibility if lm.visibility is not None else np.nan for lm in landmarks]
            presence[p] = [lm.presence if lm.presence is not None else np.nan for lm in landmarks]
            if p < len(result.pose_world_landmarks):
                world_m[p] = [(lm.x, lm.y, lm.z) for lm in result.pose_world_landmarks[p]]
        return FramePoses(time_s, image_px, visibility, presence, world_m)



class MaskEstimator(_Landmarker):
    """PoseLandmarker in IMAGE mode with person segmentation masks, for the sampled frames the
    back contour is read from (`masks`): masks cost time, so the VIDEO-mode pass runs without."""

    def __init__(self, model_path: str | os.PathLike, settings: PoseSettings = PoseSettings()):
        self._task = _create_landmarker(model_path, settings, video=False)

    def detect(self, image, full_size_px: tuple[int, int] | None = None) -> MaskSample:
        """image: a uint8 (height, width, 3) RGB array, or the result of `PoseEstimator.prepare`.
        full_size_px: (width, height) of the frame, when the image was scaled down."""
        if isinstance(image, np.ndarray):
            image = PoseEstimator.prepare(image)
        width, height = full_size_px or (image.width, image.height)
        result = self._task.detect(image)
        torso = (11, 12, 23, 24)
        centres = [[np.mean([lms[i].x for i in torso]) * width, np.mean([lms[i].y for i in torso]) * height]
                   for lms in result.pose_landmarks]
        masks = [m.numpy_view().reshape(image.height, image.width) for m in (result.segmentation_masks or [])]
        return MaskSample.pack(np.array(centres, np.float64), masks, scale=image.width / width)
