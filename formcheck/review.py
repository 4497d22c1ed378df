"""Review: what the Streamlit page needs, so the page itself holds no maths and no thresholds.

An upload is checked by its content (not its name), stored under the cache by sha256, analysed
once in a background thread (`start`: the page polls a `Job` for its progress and stays
responsive), and re-scored instantly whenever the thresholds change. The same file uploaded again
is served from the finished job in memory, or after a restart from the landmark cache on disk,
so no model runs twice for one video.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from formcheck import assets, history, verdict
from formcheck.analysis import Analysis, analyze
from formcheck.assess import Assessment, assess
from formcheck.errors import BadVideoError, FormcheckError
from formcheck.evidence import TRACK_RULES
from formcheck.faults import RULE_BY_NAME, drive_start
from formcheck.landmarks import side_landmark
from formcheck.lift import leg_length_px
from formcheck.render import SkeletonAnnotator, render_clip, render_frames, render_video
from formcheck.report import Report
from formcheck.relative import Reference
from formcheck.scoring import score_report
from formcheck.spine import outline_px
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


def analyse(path: Path, name: str, progress: Callable[[int, int, float], None] | None = None) -> Reviewed:
    """Landmarks (from the cache when seen before), then view, lift, reps and spine.
    progress(done, total, seconds_left) is called while the model runs."""
    started = time.monotonic()

    def report_progress(done: int, total: int) -> None:
        if progress:
            elapsed = time.monotonic() - started
            progress(done, total, elapsed / done * (total - done) if done else float("nan"))

    analysis = analyze(path, progress=report_progress)
    return Reviewed(name, path, analysis, assess(analysis))


@dataclasses.dataclass(frozen=True)
class Progress:
    """A snapshot of a running analysis: frames done of total (0 of 0 before the video is open),
    seconds left (NaN until it can be estimated) and the stage it is in."""

    done: int = 0
    total: int = 0
    seconds_left: float = float("nan")
    stage: str = "Loading the pose model and opening the video"

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0

    def text(self) -> str:
        if not self.total or self.done >= self.total:
            return f"{self.stage}..."
        eta = "" if self.seconds_left != self.seconds_left else f", about {max(self.seconds_left, 0):.0f} s left"
        return f"{self.stage}: frame {self.done} of {self.total}{eta}"


class Job:
    """One upload's analysis, running in a daemon thread. `result()` gives the Reviewed, or raises
    the FormcheckError that stopped it; an unexpected error becomes a FormcheckError too, so the page
    shows a sentence, never a traceback (the traceback goes to the server log)."""

    def __init__(self, path: Path, name: str):
        self.path, self.name = path, name
        self._progress = Progress()
        self._result: Reviewed | None = None
        self._error: FormcheckError | None = None
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"formcheck-{path.stem[:12]}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        def progress(done: int, total: int, seconds_left: float) -> None:
            stage = "Finding the lifter" if done < total else "Measuring the back's outline"
            self._progress = Progress(done, total, seconds_left, stage)

        try:
            self._result = analyse(self.path, self.name, progress=progress)
        except FormcheckError as exc:
            self._error = exc
        except Exception as exc:  # a bug: logged in full for us, one sentence for the lifter
            logging.getLogger(__name__).exception("analysis of %s failed", self.path)
            self._error = FormcheckError(f"the analysis failed unexpectedly ({type(exc).__name__})")
        finally:
            self._finished.set()

    @property
    def progress(self) -> Progress:
        return self._progress

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """True once finished; waits at most timeout_s."""
        return self._finished.wait(timeout_s)

    def result(self) -> Reviewed:
        if not self.done:
            raise RuntimeError("the analysis is still running")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


_JOBS: OrderedDict[Path, Job] = OrderedDict()  # by stored upload
_JOBS_LOCK = threading.Lock()
KEEP_JOBS = 8  # finished analyses kept in memory (landmarks and measures: a few MB each)


def start(path: Path, name: str) -> Job:
    """The analysis of a stored upload: the running or finished job for this file when there is
    one (any browser session), else a new one. A failed job is not kept, so a retry runs again."""
    key = Path(path)
    with _JOBS_LOCK:
        job = _JOBS.get(key)
        if job is not None and job.done and job._error is not None:
            job = None
        if job is None:
            job = Job(key, name)
            _JOBS[key] = job
        _JOBS.move_to_end(key)
        for old in [k for k, j in _JOBS.items() if j.done][:-KEEP_JOBS] if len(_JOBS) > KEEP_JOBS else []:
            del _JOBS[old]
        return job


def with_lift(reviewed: Reviewed, lift: str | None) -> Reviewed:
    """The upload assessed as `lift` ('squat', 'deadlift', 'rdl'), as the user picked it where the
    call was uncertain; None or the lift already called: unchanged. No model runs (the back's
    outline is read again, from the cached masks, for the new reps)."""
    if lift is None or lift == reviewed.assessment.lift.kind:
        return reviewed
    return dataclasses.replace(reviewed, assessment=assess(reviewed.analysis, lift=lift))


def rescore(reviewed: Reviewed, thresholds: Thresholds, reference: Reference | None = None) -> Report:
    """The report for these thresholds (and the lifter's reference, relative.py), from the cached
    measures alone (no model, milliseconds)."""
    return score_report(reviewed.analysis, reviewed.assessment, thresholds, reference=reference)


def scored_key(report: Report) -> tuple[str, str]:
    """What makes a scored report what it is: the video (its sha256) and the thresholds it was
    scored with (as sorted JSON), and the reference it was judged against. The one key for "this
    video scored with these limits": the annotated video's cache, the page's cached stills, and the
    save form's "saved already"."""
    return report.video.sha256, json.dumps([report.assessment.get("thresholds"), report.reference], sort_keys=True)


def rule_title(rule: str) -> str:
    return rule.replace("_", " ").capitalize()


SPINE_RULES = ("spine_flexion",)  # rules read from the back's outline: their stills draw it


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def flag_details(report: Report) -> list[dict]:
    """One entry per fault event, faults before warnings, then in time order: the event's own keys
    (rule, severity, peak, value, limit, unit, rep, time_s, cue) plus the sentences the gallery
    shows beside its frame: title, where, measured."""
    order = {"fault": 0, "warn": 1}
    out = []
    for e in sorted(report.faults, key=lambda e: (order[e["severity"]], e["start"])):
        rule = RULE_BY_NAME[e["rule"]]
        comparison = "above" if rule.worse == "above" else "below"
        unit = "°" if e["unit"] == "deg" else f" {e['unit']}"
        out.append({
            **e,
            "title": f"{rule_title(e['rule'])} ({'fault' if e['severity'] == 'fault' else 'warning'})",
            "where": f"{e['time_s']:.2f} s" + ("" if e["rep"] is None else f", rep {e['rep'] + 1}"),
            "measured": _sentence(verdict.measured(e, report.assessment.get("relative")))
            if e.get("basis") in ("reference", "set") else
            f"{e['value']:.3g}{unit}: {comparison} the limit of {e['limit']:.3g}{unit}",
        })
    return out


def _track_from(a: Analysis, report: Report, flag: dict) -> int:
    """Where a flag's drawn path starts: the bar's at its rep's start (lift-off, where its drift is
    measured from); the hips' where the drive started (faults.drive_start, as the rule measures
    it: off the floor for a pull, out of the bottom otherwise). The peak itself without a rep."""
    peak, k = flag["peak"], flag.get("rep")
    if k is None or k >= len(report.reps):
        return peak
    rep = report.reps[k]
    if flag["rule"] == "bar_far":
        return min(rep["start"], peak)
    pull = "lockout" in rep
    earliest = (report.reps[k - 1]["end"] if k else 0) if pull else rep["start"]
    hip_y = a.poses.image_px[:, side_landmark(a.angles.side, "hip"), 1].astype(np.float64)
    return drive_start(hip_y, a.poses.time_s, leg_length_px(a.poses), peak, min(earliest, peak), from_floor=pull)


def frames(reviewed: Reviewed, report: Report, indices: list[int], flags: list[dict] | None = None,
           crop_to_body: bool = False, max_side_px: int = 720, outline_all: bool = False) -> dict[int, np.ndarray]:
    """Annotated RGB stills (uint8, (h, w, 3)): skeleton, angles, and the flag's rule, value and
    limit on a banner with its joint ringed. flags: entries of `flag_details`, drawn on their peak
    frames; other frames show their own worst check. crop_to_body: cut to the lifter.
    outline_all: draw the back's outline on every frame that has one, not only on spine flags."""
    a = reviewed.analysis
    return render_frames(reviewed.path, indices, a.poses.image_px, a.angles.values, a.angles.side,
                         **_drawing(reviewed, report, indices, flags, crop_to_body, max_side_px, outline_all))


def _drawing(reviewed: Reviewed, report: Report, indices: list[int], flags: list[dict] | None, crop_to_body: bool,
             max_side_px: int, outline_all: bool = False) -> dict:
    """What the stills and the slow-motion clip draw on frames `indices`: render.annotated_frames'
    keyword arguments (each frame's worst check, the flags' banners, the back's outline)."""
    a = reviewed.analysis
    checks = {}
    for i in indices:
        status = report.frame_status[i] if i < len(report.frame_status) else {}
        if status.get("status") in ("warn", "fault") and status.get("check"):
            checks[i] = {**status["check"], "severity": status["status"]}  # the unit comes from the rule (render)
    for f in flags or []:
        checks[f["peak"]] = {k: f.get(k) for k in ("rule", "severity", "value", "limit", "unit", "basis")}
        if f["rule"] in TRACK_RULES:
            checks[f["peak"]]["track_from"] = _track_from(a, report, f)
    # a cropped still is shown small: bigger joint numbers, and no corner box (the banner says it)
    annotator = SkeletonAnnotator(angle_text=1.1, panel=False) if crop_to_body else SkeletonAnnotator(angle_text=0.9, panel_text=0.8)
    outlines = {i: outline_px(a.masks, a.poses, a.angles.side, a.angles.facing, i) for i in indices
                if (outline_all or checks.get(i, {}).get("rule") in SPINE_RULES) and a.angles.side is not None}
    return {"statuses": report.frame_status, "max_side_px": max_side_px, "checks": checks,
            "crop_to_body": crop_to_body, "outlines": outlines, "annotator": annotator,
            "time_s": np.asarray(report.time_s)}


def best_and_worst(report: Report) -> tuple[dict, dict] | None:
    """The best-scored rep and the worst (the first of equal best, the last of equal worst), or
    None when fewer than two reps have a score."""
    scored = [rep for rep in report.reps if rep.get("score") is not None]
    if len(scored) < 2:
        return None
    best = max(scored, key=lambda rep: rep["score"])  # max and min keep the first of equals
    worst = min(reversed([rep for rep in scored if rep is not best]), key=lambda rep: rep["score"])
    return best, worst


def same_phase(reviewed: Reviewed, reps: list[dict], percent: float) -> list[int]:
    """The frame `percent` of the way through each rep (0 start, 50 its turn, 100 its end;
    history.rep_frame), moved to the nearest frame inside the rep whose back outline was sampled
    (a tenth of a second away at most), so both stills can draw the back."""
    sampled = np.array(sorted(reviewed.analysis.masks.samples), int)
    out = []
    for rep in reps:
        frame = history.rep_frame(rep, percent / 50.0)
        inside = sampled[(sampled >= rep["start"]) & (sampled <= rep["end"])]
        out.append(int(inside[np.argmin(np.abs(inside - frame))]) if len(inside) else frame)
    return out


SLOW_BEFORE_S = 1.0  # the slow-motion clip of a flag: from this long before its peak...
SLOW_AFTER_S = 1.0  # ...to this long after it
SLOWDOWN = 4  # played at a quarter of the filmed speed
SLOW_MAX_SIDE_PX = 720


def slow_window(report: Report, peak: int) -> list[int]:
    """The frames from SLOW_BEFORE_S before frame `peak` to SLOW_AFTER_S after it (by the
    report's timestamps, so a 60 fps clip gives twice the frames of a 30 fps one)."""
    t = np.asarray(report.time_s)
    first = int(np.searchsorted(t, t[peak] - SLOW_BEFORE_S - 1e-9, side="left"))
    last = int(np.searchsorted(t, t[peak] + SLOW_AFTER_S + 1e-9, side="right")) - 1
    return list(range(first, last + 1))


def slow_clip_path(report: Report, peak: int) -> Path:
    """Where the slow-motion clip around frame `peak` of this clip at these thresholds is cached."""
    return assets.cache_dir("slow") / f"{assets.cache_key(*scored_key(report), str(peak))}.mp4"


def slow_clip(reviewed: Reviewed, report: Report, flag: dict) -> Path:
    """An H.264 clip of the seconds around a flag (slow_window) at 1/SLOWDOWN speed, drawn as the
    frame viewer draws them, the flag's banner on its peak frame. Only the window's frames are
    decoded (the reader seeks to the key frame before it); cached by clip, thresholds and flag."""
    path = slow_clip_path(report, flag["peak"])
    if not path.is_file():
        a = reviewed.analysis
        window = slow_window(report, flag["peak"])
        render_clip(reviewed.path, window, a.poses.image_px, a.angles.values, a.angles.side, path,
                    fps=report.video.fps or 30.0, slowdown=SLOWDOWN,
                    **_drawing(reviewed, report, window, [flag], False, SLOW_MAX_SIDE_PX))
    return path


def annotated_video_path(report: Report) -> Path:
    """Where the annotated video of this clip at these thresholds is cached (drawn or not)."""
    return assets.cache_dir("annotated") / f"{assets.cache_key(*scored_key(report))}.mp4"


def annotated_video(reviewed: Reviewed, report: Report, progress: Callable[[int, int], None] | None = None) -> Path:
    """The annotated H.264 video for these thresholds (cached by video and thresholds)."""
    path = annotated_video_path(report)
    if not path.is_file():
        a = reviewed.analysis
        render_video(reviewed.path, a.poses.image_px, a.angles.values, a.angles.side, path, progress=progress,
                     statuses=report.frame_status)
    return path


def report_json(report: Report) -> bytes:
    return json.dumps(report.to_dict(), indent=1, allow_nan=False).encode()


def report_csv(report: Report) -> bytes:
    """The per-frame CSV, written in a private folder (two sessions may export at once)."""
    with tempfile.TemporaryDirectory(prefix="formcheck-csv-") as folder:
        return report.write_csv(Path(folder) / "frames.csv").read_bytes()
