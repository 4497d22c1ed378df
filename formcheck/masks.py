"""Masks: the person segmentation masks the back contour is read from, from a sample of the
frames at `PoseSettings.mask_hz` (10 a second).

The sample is taken during the one pass over the video, in a thread of its own, by
PoseLandmarker in IMAGE mode with masks (it needs no frame before the one it measures); the
tracking pass runs without masks, which would cost it half as much again on every frame
(docs/benchmark.md). Masks are kept as bits, zlib-compressed (the contour reads only mask >= MASK_LEVEL): a few KB
a frame, so a 10-minute clip's samples take tens of MB, not gigabytes.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import zlib

import numpy as np

from formcheck.contour import MASK_LEVEL


class Sampling:
    """Picks the sampled frames as they are decoded: a frame is taken when at least 1/hz seconds
    have passed since the last one taken (the first frame always is)."""

    def __init__(self, hz: float):
        self._period = 1.0 / hz - 1e-6
        self._last = -np.inf

    def take(self, time_s: float) -> bool:
        if time_s - self._last >= self._period:
            self._last = time_s
            return True
        return False


@dataclasses.dataclass(frozen=True)
class MaskSample:
    """The people the model found in one frame: torso centres (k, 2) in full-size image pixels and
    one packed mask each; mask pixels are `scale` image pixels apart (1 unless frames were scaled
    down for the model)."""

    centres_px: np.ndarray
    packed: tuple[bytes, ...]
    shape: tuple[int, int]
    scale: float = 1.0

    @classmethod
    def pack(cls, centres_px: np.ndarray, masks: list[np.ndarray], scale: float = 1.0) -> "MaskSample":
        """masks: float (height, width) 0..1, one per person."""
        shape = masks[0].shape if masks else (0, 0)
        packed = tuple(zlib.compress(np.packbits(m >= MASK_LEVEL).tobytes(), 1) for m in masks)
        # a person with no mask is of no use to the contour, and the cache pairs them one to one
        centres = np.asarray(centres_px, np.float64).reshape(-1, 2)[:len(packed)]
        return cls(centres, packed, tuple(shape), scale)

    @property
    def people(self) -> int:
        return len(self.centres_px)

    def mask(self, k: int) -> np.ndarray:
        """Person k's mask: bool (height, width)."""
        bits = np.frombuffer(zlib.decompress(self.packed[k]), np.uint8)
        return np.unpackbits(bits, count=self.shape[0] * self.shape[1]).reshape(self.shape).astype(bool)

    def nearest(self, point_px: np.ndarray) -> np.ndarray | None:
        """The mask of the person whose torso centre is nearest point_px (image pixels); None if
        nobody was found."""
        if not self.packed:
            return None
        distances = np.linalg.norm(self.centres_px - point_px, axis=1)
        return self.mask(int(np.argmin(distances)))


@dataclasses.dataclass(frozen=True)
class Masks:
    """Sampled frame index -> MaskSample, in frame order."""

    samples: dict[int, MaskSample]

    def to_npz_dict(self) -> dict[str, np.ndarray]:
        items = sorted(self.samples.items())
        blobs = [b for _, s in items for b in s.packed]
        return {
            "mask_index": np.array([i for i, _ in items], np.int64),
            "mask_people": np.array([s.people for _, s in items], np.int64),
            "mask_shape": np.array([s.shape for _, s in items], np.int64).reshape(-1, 2),
            "mask_scale": np.array([s.scale for _, s in items], np.float64),
            "mask_centres": np.concatenate([s.centres_px for _, s in items] or [np.zeros((0, 2))]),
            "mask_lengths": np.array([len(b) for b in blobs], np.int64),
            "mask_bytes": np.frombuffer(b"".join(blobs), np.uint8),
        }

    @classmethod
    def from_npz_dict(cls, data) -> "Masks":
        people, lengths = np.asarray(data["mask_people"]), np.asarray(data["mask_lengths"])
        raw = np.asarray(data["mask_bytes"]).tobytes()
        blob_ends = np.cumsum(lengths)
        person_ends = np.cumsum(people)
        samples = {}
        for n, index in enumerate(np.asarray(data["mask_index"])):
            first = int(person_ends[n] - people[n])
            ends = blob_ends[first:person_ends[n]]
            packed = tuple(raw[int(e - lengths[first + j]):int(e)] for j, e in enumerate(ends))
            samples[int(index)] = MaskSample(np.asarray(data["mask_centres"])[first:person_ends[n]], packed,
                                             tuple(int(v) for v in data["mask_shape"][n]),
                                             float(data["mask_scale"][n]))
        return cls(samples)


_STOP = object()
QUEUE_FRAMES = 4  # sampled frames waiting for the mask model before the decoders wait


class MaskSampler:
    """Runs `detect(image, full_size_px) -> MaskSample` on the frames submitted to it, in a thread of
    its own; submit() blocks while QUEUE_FRAMES are waiting, so the decoders never run far ahead of
    it. Use as a context manager; masks() gives the results (or raises the model's error)."""

    def __init__(self, detect):
        self._detect = detect
        self._todo: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._results: dict[int, MaskSample] = {}
        self._error: BaseException | None = None
        self._abandoned = threading.Event()
        self._thread = threading.Thread(target=self._run, name="formcheck-masks", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._abandoned.is_set():
            try:
                item = self._todo.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is _STOP:
                return
            index, image, full_size_px, spent = item
            del item
            try:
                self._results[index] = self._detect(image, full_size_px)
            except BaseException as exc:  # raised again by submit() and masks()
                self._error = exc
                return
            if spent is not None:
                spent.put(image)  # freed by the thread that made it (see analysis._track)
            del image

    def _put(self, item) -> None:
        while True:
            if self._error is not None:
                raise self._error
            if not self._thread.is_alive():
                return
            try:
                self._todo.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def submit(self, index: int, image, full_size_px: tuple[int, int] | None = None,
               spent: queue.SimpleQueue | None = None) -> None:
        """spent: where to put the image once the model is done with it."""
        self._put((index, image, full_size_px, spent))

    def masks(self) -> Masks:
        """Every sample, once all are submitted: waits for the model to finish them."""
        self.close()
        if self._error is not None:
            raise self._error
        return Masks(dict(sorted(self._results.items())))

    def close(self) -> None:
        if self._thread.is_alive():
            self._put(_STOP)
            self._thread.join()

    def __enter__(self) -> "MaskSampler":
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if exc_type is None:
            self.close()
            return
        # the error that stopped the pass is on its way: drop what waits, and let the thread leave
        # the model before the model is closed
        self._abandoned.set()
        self._thread.join()
