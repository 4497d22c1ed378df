"""What a saved session is built from: the date it was filmed, the load typed by the user, and
small JPEG thumbnails of the flagged frames. Shared by the CLI and the review page; the store
itself (store.py) only keeps what it is given."""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.report import Report

THUMB_MAX_PX = 480  # long side of a stored thumbnail
THUMB_QUALITY = 80  # JPEG quality
MAX_THUMBS = 12  # flagged frames kept per session, worst first
PHASE_REPS = 3  # reps whose phase stills are kept (a reference's compared stills)
PHASE_MAX_PX = 360  # long side of a phase still
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


def recorded_date(report: Report, today: dt.date | None = None) -> dt.date:
    """The day the clip was filmed: the container's creation_time (UTC, shown in local time) when
    the file has one, otherwise today. Phones write it; many editors and messengers drop it."""
    stamp = report.video.creation_time
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


def thumbnails(reviewed, report: Report, limit: int = MAX_THUMBS) -> dict[int, bytes]:
    """JPEG stills of the flagged frames, worst first (at most `limit`): the review page's own
    annotated, lifter-cropped stills (formcheck.review.frames), one decoding pass.
    reviewed: the formcheck.review.Reviewed the report was scored from."""
    from formcheck import review

    flags = review.flag_details(report)[:limit]
    if not flags:
        return {}
    stills = review.frames(reviewed, report, sorted({f["peak"] for f in flags}), flags, crop_to_body=True,
                           max_side_px=THUMB_MAX_PX)
    return {i: jpeg(image) for i, image in stills.items()}


def phase_frames(reviewed, report: Report, max_reps: int = PHASE_REPS) -> list[int]:
    """For the first reps of a set with a back shape (relative.py): per hip-angle bin the shape
    was read in, the frame the mask was sampled on whose hip angle is nearest the bin's centre.
    What a later set's flagged rep is shown beside when this set is the reference."""
    shape = report.assessment.get("shape")
    if not shape:
        return []
    hip = reviewed.analysis.angles["hip_deg"]
    sampled = np.array(sorted(reviewed.analysis.masks.samples), int)
    edges = np.asarray(shape["phase_edges_deg"], float)
    centres = (edges[:-1] + edges[1:]) / 2
    out = set()
    for rep_shape, rep in zip(shape["reps"][:max_reps], report.reps):
        frames = sampled[(sampled >= rep["start"]) & (sampled <= rep["end"])]
        frames = frames[np.isfinite(hip[frames])] if len(frames) else frames
        if not len(frames):
            continue
        for k, centre in enumerate(centres):
            if any(rep_shape["bins"][name][k] is not None for name in rep_shape["bins"]):
                out.add(int(frames[np.argmin(np.abs(hip[frames] - centre))]))
    return sorted(out)


def phase_stills(reviewed, report: Report, max_reps: int = PHASE_REPS) -> dict[int, bytes]:
    """JPEG stills of `phase_frames`, each with the back's outline drawn."""
    from formcheck import review

    frames = phase_frames(reviewed, report, max_reps)
    if not frames:
        return {}
    stills = review.frames(reviewed, report, frames, crop_to_body=True, max_side_px=PHASE_MAX_PX, outline_all=True)
    return {i: jpeg(image, PHASE_MAX_PX) for i, image in stills.items()}
