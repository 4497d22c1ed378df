"""What a saved session is built from: the date it was filmed, the load typed by the user, and
small JPEG thumbnails of the flagged frames. Shared by the CLI and the review page; the store
itself (store.py) only keeps what it is given."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.report import Report

THUMB_MAX_PX = 480  # long side of a stored thumbnail
THUMB_QUALITY = 80  # JPEG quality
MAX_THUMBS = 12  # flagged frames kept per session, worst first
_LOAD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(kg|kgs|lb|lbs)?\s*$", re.IGNORECASE)


def parse_load(text: str | None, default_unit: str = "kg") -> tuple[float | None, str | None]:
    """'100kg', '225 lb', '102.5' (default unit) -> (value, 'kg' | 'lb'); '' or None -> (None, None)."""
    if text is None or not str(text).strip():
        return None, None
    match = _LOAD.match(str(text))
    if not match:
        raise FormcheckError(f"load {text!r}: write a number and kg or lb, e.g. 100kg or 225lb")
    value, unit = float(match.group(1)), (match.group(2) or default_unit).lower().rstrip("s")
    if value >= 2000:
        raise FormcheckError(f"load {text!r}: more than 2000 {unit} is not a barbell lift")
    return value, unit


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise FormcheckError(f"date {text!r}: write it as YYYY-MM-DD") from None


def recorded_date(report: Report | dict, today: dt.date | None = None) -> dt.date:
    """The day the clip was filmed: the container's creation_time (UTC, shown in local time) when
    the file has one, otherwise today. Phones write it; many editors and messengers drop it."""
    video = report["video"] if isinstance(report, dict) else report.video.to_dict()
    stamp = video.get("creation_time")
    if stamp:
        try:
            when = dt.datetime.fromisoformat(str(stamp).strip())
        except ValueError:
            when = None
        if when is not None and when.year >= 2000:  # 1970/1904 epochs mean "not set"
            return (when if when.tzinfo is None else when.astimezone()).date()
    return today or dt.date.today()


def jpeg(rgb: np.ndarray, max_px: int = THUMB_MAX_PX, quality: int = THUMB_QUALITY) -> bytes:
    """A uint8 RGB (h, w, 3) image as JPEG bytes, long side at most max_px."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(rgb))
    image.thumbnail((max_px, max_px))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def flagged_frames(report: Report, limit: int = MAX_THUMBS) -> list[int]:
    """Peak frames of the fault events, faults before warnings, then in time order."""
    order = {"fault": 0, "warn": 1}
    events = sorted(report.faults, key=lambda e: (order.get(e["severity"], 2), e["start"]))
    return sorted(dict.fromkeys(e["peak"] for e in events[:limit]))


def thumbnails(video: str | os.PathLike, analysis, report: Report, limit: int = MAX_THUMBS) -> dict[int, bytes]:
    """Annotated JPEG stills of the flagged frames of one analysed clip (one decoding pass).
    `analysis` is the formcheck.analysis.Analysis the report was scored from."""
    from formcheck.render import render_frames

    indices = flagged_frames(report, limit)
    if not indices:
        return {}
    stills = render_frames(Path(video), indices, analysis.poses.image_px, analysis.angles.values,
                           analysis.angles.side, report.frame_status, max_side_px=THUMB_MAX_PX)
    return {i: jpeg(image) for i, image in stills.items()}
