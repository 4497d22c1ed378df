"""Small media files made on the fly for the video tests (no clip is committed)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


def write_video(path: Path, codec: str = "libx264", n: int = 30, size=(160, 120), fps: int = 30,
                times_s: list[float] | None = None, rotate_deg: int | None = None, options: dict | None = None) -> Path:
    """A clip of moving noise. times_s gives each frame's timestamp (variable frame rate)."""
    container = av.open(str(path), "w", options=options or {})
    stream = container.add_stream(codec, rate=fps)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p" if codec != "mjpeg" else "yuvj420p"
    tb = Fraction(1, 1000) if codec == "mpeg4" else Fraction(1, 90000)  # MPEG-4 Part 2 caps the denominator
    stream.time_base = tb
    stream.codec_context.time_base = tb
    rng = np.random.default_rng(0)
    for i in range(n):
        frame = av.VideoFrame.from_ndarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8), format="rgb24")
        frame.pts = int(round((times_s[i] if times_s else i / fps) / tb))
        frame.time_base = tb
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
    container.close()
    return path


def write_audio(path: Path) -> Path:
    container = av.open(str(path), "w")
    stream = container.add_stream("aac", rate=44100)
    for i in range(20):
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 44100
        frame.pts = i * 1024
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
    container.close()
    return path


def write_image(path: Path) -> Path:
    cv2.imwrite(str(path.with_suffix(".png")), np.zeros((48, 64, 3), np.uint8))
    path.with_suffix(".png").rename(path)
    return path


def write_unknown_codec(path: Path) -> Path:
    """An AVI whose codec FourCC no decoder knows."""
    mj = write_video(path.with_suffix(".mj.avi"), codec="mjpeg", n=5)
    path.write_bytes(mj.read_bytes().replace(b"MJPG", b"ZZZZ"))
    return path
