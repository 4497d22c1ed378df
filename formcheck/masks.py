"""Masks: the person segmentation masks the back contour is read from, and how many people are
in view, from a sample of the frames at `PoseSettings.mask_hz` (10 a second).

The sample is taken during the one pass over the video, in its own thread (the other core),
by PoseLandmarker in IMAGE mode with masks: the tracking pass looks for one person and has no
masks, which is what makes it fast (docs/benchmark.md). The same results count the people in
view, so the tracking pass knows when to start looking for more than one (`analysis.run_pose`).
Masks are kept as bits, zlib-compressed (the contour reads only mask >= MASK_LEVEL): a few KB
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
        return cls(np.asarray(centres_px, np.float64).reshape(-1, 2), packed, tuple(shape), scale)

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
        distances = np.linalg.norm(self.centres_px[:len(self.packed)] - point_px, axis=1)
        return self.mask(int(np.argmin(distances)))


@dataclasses.dataclass(frozen=True)
class Masks:
    """Sampled frame index -> MaskSample, in frame order."""

    samples: dict[int, MaskSample]

    @property
    def people_max(self) -> int:
        return max((s.people for s in self.samples.values()), default=0)

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


class MaskSampler:
    """Runs `detect(image, full_size_px) -> MaskSample` on the frames submitted to it, in a thread of its own.

    submit() is called by the decoder, result() by the model's loop, which waits for a sampled
    frame's result before it runs the tracking model on that frame (so which frames are seen with
    how many people does not depend on thread timing). Use as a context manager.
    """

    def __init__(self, detect):
        self._detect = detect
        self._todo: queue.Queue = queue.Queue()
        self._results: dict[int, MaskSample] = {}
        self._error: BaseException | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="formcheck-masks", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._todo.get()) is not _STOP:
            index, image, full_size_px, spent = item
            del item
            try:
                sample = self._detect(image, full_size_px)
                if spent is not None:
                    spent.put(image)  # freed by the thread that made it (see analysis._track)
                del image
            except BaseException as exc:  # handed to result(), which re-raises it
                with self._changed:
                    self._error = exc
                    self._changed.notify_all()
                return
            with self._changed:
                self._results[index] = sample
                self._changed.notify_all()

    def submit(self, index: int, image, full_size_px: tuple[int, int] | None = None,
               spent: queue.SimpleQueue | None = None) -> None:
        """spent: where to put the image once the model is done with it."""
        self._todo.put((index, image, full_size_px, spent))

    def result(self, index: int) -> MaskSample:
        with self._changed:
            self._changed.wait_for(lambda: index in self._results or self._error is not None)
            if self._error is not None:
                raise self._error
            return self._results[index]

    def masks(self) -> Masks:
        """Every result so far (call after the last result() the loop needed)."""
        with self._changed:
            return Masks(dict(sorted(self._results.items())))

    def close(self) -> None:
        self._todo.put(_STOP)
        self._thread.join()

    def __enter__(self) -> "MaskSampler":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
