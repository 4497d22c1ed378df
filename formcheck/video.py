"""Reading video: stream upright frames with their real timestamps, and say clearly what is wrong
with a file that cannot be read.

Only this module and `render` touch PyAV or OpenCV. Frames are decoded one at a time, so memory
does not grow with the length of the clip. Rotation metadata (the display matrix phones write for
portrait clips) is applied here, exactly once. Frame counts in containers are sometimes wrong, so
frames are counted by decoding to the end of the stream.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import functools
import hashlib
import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from formcheck.errors import BadVideoError

# Demuxers that read still images; PyAV opens a PNG or JPEG as a one-frame "video".
_IMAGE_FORMATS = {"image2", "gif", "apng", "webp", "tiff", "bmp", "ico"}
_MIN_FRAMES = 2
SEEK_AFTER_S = 2.0  # frames_at seeks (rather than decoding from the start) to frames this far in


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """What the report says about the clip. `frames` and `fps` are measured by decoding.

    rotation_deg: clockwise rotation applied to the stored picture to make it upright
    (0, 90, 180 or 270). width_px/height_px are those of the upright frame.
    """

    path: str
    sha256: str
    codec: str
    fps: float
    frames: int
    width_px: int
    height_px: int
    duration_s: float
    rotation_deg: int
    variable_frame_rate: bool
    creation_time: str | None = None

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "codec": self.codec,
            "fps": round(self.fps, 3),
            "frames": self.frames,
            "width": self.width_px,
            "height": self.height_px,
            "duration_s": round(self.duration_s, 3),
            "rotation": self.rotation_deg,
            "variable_frame_rate": self.variable_frame_rate,
            "creation_time": self.creation_time,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "VideoInfo":
        return cls(
            path=d["path"], sha256=d["sha256"], codec=d["codec"], fps=d["fps"],
            frames=d["frames"], width_px=d["width"], height_px=d["height"],
            duration_s=d["duration_s"], rotation_deg=d["rotation"],
            variable_frame_rate=d["variable_frame_rate"], creation_time=d.get("creation_time"),
        )


@dataclasses.dataclass(frozen=True)
class Frame:
    """One decoded frame. image: uint8 (height, width, 3), upright, in the requested colour order,
    possibly scaled down; full_size_px: (width, height) of the upright frame at full resolution."""

    index: int
    time_s: float
    image: np.ndarray
    full_size_px: tuple[int, int]


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes, remembered while the file's size and mtime stay the same."""
    stat = os.stat(path)
    return _sha256_of(os.path.realpath(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _sha256_of(path: str, size: int, mtime_ns: int, chunk_bytes: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def _check_path(path: Path) -> None:
    if not path.exists():
        raise BadVideoError(f"{path}: no such file")
    if path.is_dir():
        raise BadVideoError(f"{path}: is a folder, not a video file")
    if path.stat().st_size == 0:
        raise BadVideoError(f"{path}: the file is empty (0 bytes)")


def _rotation_cw(frame: av.VideoFrame) -> int:
    """Clockwise degrees that make the picture upright; PyAV reports the display matrix counter-clockwise."""
    return int(round(-float(getattr(frame, "rotation", 0) or 0))) % 360


def _scaled_size(width: int, height: int, max_side_px: int | None) -> tuple[int, int] | None:
    if not max_side_px or max(width, height) <= max_side_px:
        return None
    factor = max_side_px / max(width, height)
    return max(2, int(round(width * factor))), max(2, int(round(height * factor)))


def _upright(image: np.ndarray, rotation_cw: int) -> np.ndarray:
    if rotation_cw == 0:
        return np.ascontiguousarray(image)  # PyAV may pad rows; MediaPipe needs packed rows
    # np.rot90 turns counter-clockwise; k quarter turns clockwise = 4 - k counter-clockwise.
    return np.ascontiguousarray(np.rot90(image, k=(4 - rotation_cw // 90) % 4))


def _picture(av_frame: av.VideoFrame, colour: str, scaled: tuple[int, int] | None, rotation_cw: int) -> np.ndarray:
    """The decoded frame as an upright array, scaled down (area filter) in the same FFmpeg pass
    that converts the colours when `scaled` gives a size."""
    if scaled:
        array = av_frame.to_ndarray(format=colour, width=scaled[0], height=scaled[1], interpolation="AREA")
    else:
        array = av_frame.to_ndarray(format=colour)
    return _upright(array, rotation_cw)


class VideoReader:
    """Open a video file for one streaming pass.

    >>> with VideoReader("lift.mp4") as reader:
    ...     for frame in reader.frames():
    ...         ...
    ...     info = reader.info()      # exact frame count and fps, known after the pass

    Raises BadVideoError (one line, names the file) for anything that is not a decodable video.
    """

    def __init__(self, path: str | os.PathLike, sha256: str | None = None, threads: int = 0):
        """threads: FFmpeg decoding threads; 0 lets FFmpeg choose (one per core)."""
        self.path = Path(path)
        _check_path(self.path)
        self._sha256 = sha256
        try:
            self._container = av.open(str(self.path), metadata_errors="ignore")
        except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
            if _looks_like_mp4(self.path):
                raise BadVideoError(
                    f"{self.path}: an MP4/MOV file that is truncated or damaged (its index is missing); "
                    "copy or export the video again"
                ) from exc
            raise BadVideoError(f"{self.path}: not a video file that can be read ({first_line(exc)})") from exc
        try:
            self._stream = self._open_stream(threads)
        except BaseException:
            self._container.close()
            raise
        self._frames_seen = 0
        self._times: list[float] = []
        self._rotation = 0
        self._first_size: tuple[int, int] | None = None
        self._stopped = False

    def _open_stream(self, threads: int) -> av.video.stream.VideoStream:
        fmt = self._container.format.name
        if any(name in _IMAGE_FORMATS or name.endswith("_pipe") for name in fmt.split(",")):
            raise BadVideoError(f"{self.path}: this is a still image ({fmt}), not a video")
        if not self._container.streams.video:
            kinds = sorted({s.type for s in self._container.streams})
            what = "audio only" if "audio" in kinds else "no streams" if not kinds else ", ".join(kinds)
            raise BadVideoError(f"{self.path}: the file has no video stream ({what})")
        stream = self._container.streams.video[0]
        try:
            codec = stream.codec_context
        except (av.error.FFmpegError, ValueError) as exc:
            raise BadVideoError(f"{self.path}: the video codec cannot be decoded ({first_line(exc)})") from exc
        if codec is None or not getattr(codec, "name", None):
            raise BadVideoError(
                f"{self.path}: the video codec is unknown or has no decoder here "
                "(H.264, HEVC, VP9 and MPEG-4 are supported)"
            )
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = threads
        return stream

    @property
    def codec(self) -> str:
        return self._stream.codec_context.name

    @property
    def nominal_fps(self) -> float:
        rate = self._stream.average_rate or self._stream.guessed_rate
        return float(rate) if rate else 0.0

    @property
    def reported_frames(self) -> int:
        """The container's frame count: a hint for progress bars, sometimes wrong."""
        if self._stream.frames:
            return int(self._stream.frames)
        if self._stream.duration and self._stream.time_base and self.nominal_fps:
            return int(round(float(self._stream.duration * self._stream.time_base) * self.nominal_fps))
        return 0

    @property
    def creation_time(self) -> str | None:
        return self._container.metadata.get("creation_time") or self._stream.metadata.get("creation_time")

    def frames(
        self, colour: str = "rgb24", max_side_px: int | None = None, start: int = 0, stop: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[Frame]:
        """Yield upright frames in decode order with time_s from the container (first frame = 0).

        max_side_px: scale frames down (area filter) so the long side is at most this, in the
        same FFmpeg pass that converts the colours; None keeps full resolution.
        start, stop: yield only frames start <= index < stop. Frames before `start` are decoded
        (their times count) but not converted; at `stop` the pass ends, without the check that
        the file is complete, and `info()` is not available.
        cancel: when set, the pass ends as at `stop` (checked on every frame, also while frames
        before `start` are only decoded).
        """
        t0: float | None = None
        last_t = -1.0
        fallback_dt = 1.0 / self.nominal_fps if self.nominal_fps else 1.0 / 30.0
        try:
            for av_frame in self._container.decode(self._stream):
                t = av_frame.time
                if t is None:  # no timestamp: continue from the last one at the nominal rate
                    t = (last_t + fallback_dt) if self._times else 0.0
                    t_rel = t
                else:
                    if t0 is None:
                        t0 = t
                    t_rel = t - t0
                if self._times and t_rel <= last_t:
                    # Duplicate or out-of-order timestamps: keep time strictly increasing.
                    t_rel = last_t + 1e-3
                last_t = t_rel
                if self._frames_seen == 0:
                    self._rotation = _rotation_cw(av_frame)
                    self._first_size = (av_frame.width, av_frame.height)
                    full_size = self._first_size[::-1] if self._rotation in (90, 270) else self._first_size
                    scaled = _scaled_size(av_frame.width, av_frame.height, max_side_px)
                if (stop is not None and self._frames_seen >= stop) or (cancel is not None and cancel.is_set()):
                    self._stopped = True
                    return
                self._times.append(t_rel)
                if self._frames_seen >= start:
                    image = _picture(av_frame, colour, scaled, self._rotation)
                    yield Frame(self._frames_seen, t_rel, image, full_size)
                self._frames_seen += 1
        except av.error.FFmpegError as exc:
            if self._frames_seen == 0:
                raise BadVideoError(
                    f"{self.path}: no frame could be decoded ({self.codec}: {first_line(exc)})"
                ) from exc
            raise BadVideoError(
                f"{self.path}: the file is truncated or corrupt after frame {self._frames_seen} "
                f"({last_t:.2f} s): {first_line(exc)}"
            ) from exc
        if self._frames_seen == 0:
            raise BadVideoError(f"{self.path}: no frame could be decoded (truncated, or codec {self.codec} unreadable)")
        if self._frames_seen < _MIN_FRAMES:
            raise BadVideoError(f"{self.path}: only one frame: a still image, not a video")
        self._check_complete()

    def frames_at(self, indices, time_s, colour: str = "rgb24", max_side_px: int | None = None) -> Iterator[Frame]:
        """Only the frames `indices` of a clip whose timeline is known (`time_s`: each frame's time
        as `frames` gave it, e.g. a report's), in order. Frames SEEK_AFTER_S or more into the clip
        are reached by seeking to the key frame before the first of them and matching decoded
        frames to the timeline by timestamp (within a quarter of a frame, with repeated timestamps
        bumped as `frames` bumps them); any that cannot be reached so (no timestamps, a timeline
        that is not this clip's, a decoding error) come from a decode from the start. Use a fresh
        reader: this one is left wherever the search stopped."""
        wanted = sorted({int(i) for i in indices if 0 <= int(i) < len(time_s)})
        if not wanted:
            return
        times = np.asarray(time_s, np.float64)
        if times[wanted[0]] < SEEK_AFTER_S or len(times) < 2:
            yield from self._pick(self.frames(colour, max_side_px), wanted)
            return
        missing = yield from self._seek_frames(wanted, times, colour, max_side_px)
        if missing:
            with VideoReader(self.path, self._sha256) as reader:  # this one was used by the seek
                yield from self._pick(reader.frames(colour, max_side_px), missing)

    @staticmethod
    def _pick(frames: Iterator[Frame], wanted: list[int]) -> Iterator[Frame]:
        remaining = set(wanted)
        for frame in frames:
            if frame.index in remaining:
                remaining.discard(frame.index)
                yield frame
                if not remaining:
                    return

    def _seek_frames(self, wanted: list[int], times: np.ndarray, colour: str, max_side_px: int | None):
        """frames_at by seeking; returns the wanted frames it did not yield."""
        tolerance = float(np.median(np.diff(times))) / 4
        pending = list(wanted)
        try:
            first = next(self._container.decode(self._stream))
            if first.time is None or not self._stream.time_base:
                return pending
            t0, rotation = first.time, _rotation_cw(first)
            size = (first.width, first.height)
            full_size = size[::-1] if rotation in (90, 270) else size
            scaled = _scaled_size(first.width, first.height, max_side_px)
            target = t0 + times[wanted[0]] - 2 * tolerance
            self._container.seek(int(target / self._stream.time_base), stream=self._stream, backward=True, any_frame=False)
            started, last_t = False, -np.inf
            for av_frame in self._container.decode(self._stream):
                if av_frame.time is None:
                    return pending
                t = av_frame.time - t0
                if t <= last_t:  # a repeated or out-of-order timestamp, bumped as frames() bumps it
                    t = last_t + 1e-3
                last_t = t
                k = int(np.clip(np.searchsorted(times, t), 1, len(times) - 1))
                k = k if abs(times[k] - t) < abs(times[k - 1] - t) else k - 1
                if abs(times[k] - t) > tolerance:
                    if not started and t > times[pending[0]] + 1.0:
                        return pending  # a second past the frame and nothing matched: another timeline
                    continue
                if not started and k > pending[0]:
                    return pending  # the seek overshot the first frame wanted
                started = True
                if k == pending[0]:
                    yield Frame(k, float(times[k]), _picture(av_frame, colour, scaled, rotation), full_size)
                    pending.pop(0)
                    if not pending:
                        return pending
                elif k > pending[0]:
                    return pending  # the decoded frames skipped one the timeline has: decode them from the start
        except (av.error.FFmpegError, StopIteration):
            return pending
        return pending

    def _check_complete(self) -> None:
        """A file cut short often demuxes cleanly up to the cut: compare with the container's duration."""
        duration = self._container.duration  # microseconds, from the header
        if not duration or len(self._times) < _MIN_FRAMES:
            return
        header_s = duration / 1e6
        decoded_s = self._times[-1]
        # Containers whose frame counts are wrong still end within ~25 % of their duration
        # (seen on the shared clips); a truncated upload ends far earlier.
        if decoded_s < 0.5 * header_s and header_s - decoded_s > 1.0:
            raise BadVideoError(
                f"{self.path}: the file is truncated: it stops at {decoded_s:.2f} s of {header_s:.2f} s"
            )

    @property
    def times(self) -> list[float]:
        """time_s of every frame decoded so far, from the first frame of the clip."""
        return list(self._times)

    def info(self) -> VideoInfo:
        """Metadata measured by the pass over the frames; call after frames() is exhausted."""
        if self._stopped:
            raise RuntimeError("info() after a pass stopped early: the clip was not read to its end")
        times = np.asarray(self._times)
        dts = np.diff(times)
        if len(dts) and times[-1] > 0:
            # Mean rate over the clip; a variable-frame-rate clip has intervals far from the median.
            fps = float(len(dts) / times[-1])
            median_dt = float(np.median(dts))
            vfr = bool(np.mean(np.abs(dts - median_dt) > 0.25 * median_dt) > 0.01)
        else:
            fps, vfr = self.nominal_fps, False
        w, h = self._first_size or (self._stream.width, self._stream.height)
        if self._rotation in (90, 270):
            w, h = h, w
        duration = float(times[-1] + (1.0 / fps if fps else 0.0)) if len(times) else 0.0
        if self._sha256 is None:
            self._sha256 = file_sha256(self.path)
        return VideoInfo(
            path=str(self.path), sha256=self._sha256, codec=self.codec, fps=fps,
            frames=len(times), width_px=int(w), height_px=int(h), duration_s=duration,
            rotation_deg=self._rotation, variable_frame_rate=vfr, creation_time=self.creation_time,
        )

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _looks_like_mp4(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(12)[4:8] == b"ftyp"


def first_line(exc: BaseException) -> str:
    """What an error says, in one line: its first, or its type when it says nothing."""
    text = getattr(exc, "strerror", None) or str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


_DONE = object()


@functools.cache
def _return_large_buffers_to_os() -> None:
    """Serve large allocations (decoded frames) from mmap, returned to the OS when freed.

    Frames are allocated in the decode thread and freed in the consumer thread. glibc raises its
    mmap threshold after the first large free, after which frame buffers come from per-thread
    heaps that do not shrink: peak memory then drifted from ~450 MB to over 1.2 GB on the same
    clip. A fixed 1 MiB threshold keeps it flat. No-op where glibc's mallopt is absent.
    """
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    if libc is not None and hasattr(libc, "mallopt"):
        m_mmap_threshold = -3
        libc.mallopt(m_mmap_threshold, 1 << 20)


def prefetch(items: Iterator, depth: int = 8, return_to_os: bool = True) -> Iterator:
    """Run an iterator in a background thread, at most `depth` items ahead.

    Decoding (FFmpeg) and pose inference (MediaPipe) both release the GIL, so on two cores the
    decoder works on the next frames while the model runs on this one. Exceptions are re-raised
    in the consumer. Closing the returned generator early stops the producer.
    return_to_os: serve large buffers from mmap (`_return_large_buffers_to_os`); a caller that
    hands every large buffer back to the producer thread to be freed does not need it.
    """
    if return_to_os:
        _return_large_buffers_to_os()
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            buffer.put(exc)

    worker = threading.Thread(target=produce, name="formcheck-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                buffer.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
