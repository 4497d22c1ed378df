"""Review: what the Streamlit page needs, so the page itself holds no maths and no thresholds.

An upload is checked by its content (not its name), stored under the cache by sha256 (so the same
file uploaded again reuses the landmark cache and runs no model), analysed and assessed once, and
re-scored instantly whenever the thresholds change.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from formcheck import assets
from formcheck.analysis import Analysis, AnalysisSettings, analyze
from formcheck.assess import Assessment, assess
from formcheck.errors import BadVideoError
from formcheck.faults import RULE_BY_NAME
from formcheck.render import render_frames, render_video
from formcheck.report import Report
from formcheck.scoring import score_report
from formcheck.thresholds import Thresholds
from formcheck.video import VideoReader

MAX_UPLOAD_MB = 200  # also .streamlit/config.toml server.maxUploadSize
EXTENSIONS = ("mp4", "mov", "m4v", "avi", "webm", "mkv")


def sniff_container(head: bytes) -> str | None:
    """The container a file's first bytes announce: 'mp4' (MP4/MOV/M4V), 'avi', 'matroska'
    (MKV/WebM), or None. The name's extension is not trusted."""
    if len(head) >= 12 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"):
        return "mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    return None


def store_upload(data: bytes, name: str) -> Path:
    """Check an upload and keep it under the cache by its sha256. Raises BadVideoError."""
    if not data:
        raise BadVideoError(f"{name}: the file is empty")
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise BadVideoError(f"{name}: larger than {MAX_UPLOAD_MB} MB")
    kind = sniff_container(data[:16])
    if kind is None:
        raise BadVideoError(f"{name}: not a video in a supported format ({', '.join(EXTENSIONS)})")
    digest = hashlib.sha256(data).hexdigest()
    suffix = {"mp4": "mp4", "avi": "avi", "matroska": "mkv"}[kind]
    path = assets.cache_dir("uploads") / f"{digest}.{suffix}"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    VideoReader(path).close()  # fails with the reason if FFmpeg cannot open it
    return path


@dataclasses.dataclass(frozen=True)
class Reviewed:
    """One analysed upload: everything re-scoring needs, no model run."""

    name: str
    path: Path
    analysis: Analysis
    assessment: Assessment


def analyse(path: Path, name: str, progress: Callable[[int, int, float], None] | None = None,
            settings: AnalysisSettings = AnalysisSettings(), lift: str | None = None) -> Reviewed:
    """Landmarks (from the cache when seen before), then view, lift, reps and spine.
    progress(done, total, seconds_left) is called while the model runs."""
    started = time.monotonic()

    def report_progress(done: int, total: int) -> None:
        if progress:
            elapsed = time.monotonic() - started
            progress(done, total, elapsed / done * (total - done) if done else float("nan"))

    analysis = analyze(path, settings, progress=report_progress)
    return Reviewed(name, path, analysis, assess(analysis, lift=lift))


def rescore(reviewed: Reviewed, thresholds: Thresholds) -> Report:
    return score_report(reviewed.analysis, reviewed.assessment, thresholds)


def flag_details(report: Report) -> list[dict]:
    """One entry per fault event, worst first: what the gallery shows beside each frame."""
    order = {"fault": 0, "warn": 1}
    out = []
    for e in sorted(report.faults, key=lambda e: (order[e["severity"]], e["start"])):
        rule = RULE_BY_NAME[e["rule"]]
        comparison = "above" if rule.worse == "above" else "below"
        out.append({
            **e,
            "title": f"{e['rule'].replace('_', ' ')} ({e['severity']})",
            "where": f"{e['time_s']:.2f} s" + ("" if e["rep"] is None else f", rep {e['rep'] + 1}"),
            "measured": f"{e['value']:g} {e['unit']} - {comparison} the limit of {e['limit']:g} {e['unit']}",
        })
    return out


def frames(reviewed: Reviewed, report: Report, indices: list[int]) -> dict[int, np.ndarray]:
    """Annotated RGB stills (skeleton, angles, the frame's rule, value and limit)."""
    a = reviewed.analysis
    return render_frames(reviewed.path, indices, a.poses.image_px, a.angles.values, a.angles.side,
                         report.frame_status)


def annotated_video(reviewed: Reviewed, report: Report, progress: Callable[[int, int], None] | None = None) -> Path:
    """The annotated H.264 video for these thresholds (cached by video and thresholds)."""
    key = assets.cache_key(reviewed.analysis.report.video.sha256, json.dumps(report.assessment.get("thresholds"), sort_keys=True))
    path = assets.cache_dir("annotated") / f"{key}.mp4"
    if not path.is_file():
        a = reviewed.analysis
        render_video(reviewed.path, a.poses.image_px, a.angles.values, a.angles.side, path, progress=progress,
                     statuses=report.frame_status)
    return path


def report_json(report: Report) -> bytes:
    return json.dumps(report.to_dict(), indent=1, allow_nan=False).encode()


def report_csv(report: Report) -> bytes:
    path = assets.cache_dir("exports") / f"{report.video.sha256[:16]}.csv"
    return report.write_csv(path).read_bytes()
