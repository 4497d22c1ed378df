"""Batch: many clips analysed by a pool of worker processes, every session saved to the store.

`formcheck batch PATHS... --athlete NAME | --athlete-from folder|FILE.csv [--workers N | --ray auto|ADDRESS]
[--store URL]`

- Clips: files, and the videos in folders (recursively).
- Whose clip: one athlete for all, the clip's folder name (`coach/anna/week3.mp4` is anna's), or a
  CSV with the columns `video,athlete` (and optionally date, load, rpe, notes), the video given
  by file name or path.
- Workers are processes (each with its own models); an analysis already keeps two cores busy
  (`analysis.run_pose`), so the default is one worker per two cores. With `--ray` the clips run as
  tasks on a Ray cluster instead (`cluster`). Only this process writes to the store, so SQLite
  needs no locking between workers, and a clip is saved the moment it is done.
- Resumable: a clip whose bytes (sha256) are already saved for that athlete with the same
  settings (model, people, lift, thresholds) is skipped, so after a crash or kill -9 the same
  command carries on where it stopped.
- A clip that fails (unreadable, no lift, a worker that died) is reported and the rest go on.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import dataclasses
import functools
import datetime as dt
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path

from formcheck.errors import FormcheckError

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv")
MAX_CLIPS_PER_WORKER = 20  # a worker process is replaced after this many clips: memory stays flat
MAX_ATTEMPTS = 3  # a clip whose worker died (or was in the pool that broke) is tried again in a new one


@dataclasses.dataclass(frozen=True)
class Settings:
    """What changes the result, so a clip saved with other settings is analysed again."""

    model: str = "full"
    max_people: int = 2
    lift: str | None = None  # None: detected
    thresholds_path: str | None = None

    def limits(self):
        """The thresholds, read once per version of the file (the resume check compares them with
        every stored session)."""
        changed = os.stat(self.thresholds_path).st_mtime_ns if self.thresholds_path else None
        return _limits(self.thresholds_path, changed)


@functools.cache
def _limits(path: str | None, changed: int | None):
    from formcheck import thresholds

    return thresholds.load(Path(path) if path else None)


@dataclasses.dataclass(frozen=True)
class Clip:
    path: Path
    athlete: str
    recorded_on: dt.date | None = None
    load_value: float | None = None
    load_unit: str | None = None
    rpe: float | None = None
    notes: str = ""


@dataclasses.dataclass
class Outcome:
    """One clip's row of the summary. status: saved, skipped (already saved), not saved (no lift
    found) or failed."""

    clip: Path
    athlete: str
    status: str
    session_id: int | None = None
    lift: str | None = None
    reps: int | None = None
    score: float | None = None
    flags: int | None = None
    frames: int | None = None
    seconds: float | None = None
    error: str | None = None

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "clip": str(self.clip)}


# ---------------------------------------------------------------- which clips, whose


def find_videos(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given, folders searched recursively for videos; each file once, in order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
        elif path.exists():
            found.append(path)
        else:
            raise FormcheckError(f"{path}: no such file or folder")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise FormcheckError("no video files found in " + ", ".join(map(str, paths)))
    return unique


def assign_athletes(videos: list[Path], athlete: str | None, athlete_from: str | None) -> list[Clip]:
    """Clips with their athlete (and, from a CSV, date, load, RPE and notes)."""
    from formcheck.sessions import parse_date, parse_load
    from formcheck.store import check_fields, clean_name

    if bool(athlete) == bool(athlete_from):
        raise FormcheckError("say whose clips they are: --athlete NAME, or --athlete-from folder|FILE.csv")
    if athlete:
        return [Clip(v, clean_name(athlete)) for v in videos]
    if athlete_from == "folder":
        return [Clip(v, clean_name(v.parent.name)) for v in videos]
    table = Path(athlete_from)
    if not table.is_file():
        raise FormcheckError(f"--athlete-from {athlete_from}: 'folder' or a CSV file with columns video,athlete")
    with open(table, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or not {"video", "athlete"} <= set(rows[0]):
        raise FormcheckError(f"{table}: needs the columns video,athlete (optional: date, load, rpe, notes)")
    by_name = {row["video"].strip(): row for row in rows}
    clips, missing = [], []
    for video in videos:
        row = by_name.get(video.name) or by_name.get(str(video)) or next(
            (r for k, r in by_name.items() if Path(k).resolve() == video), None)
        if row is None:
            missing.append(video.name)
            continue
        load_value, load_unit = parse_load(row.get("load"))
        rpe = float(row["rpe"]) if (row.get("rpe") or "").strip() else None
        check_fields(load_value, load_unit, rpe)
        date = parse_date(row["date"]) if (row.get("date") or "").strip() else None
        clips.append(Clip(video, clean_name(row["athlete"]), date, load_value, load_unit, rpe,
                          (row.get("notes") or "").strip()))
    if missing:
        raise FormcheckError(f"{table} names no athlete for: {', '.join(missing[:10])}"
                             f"{' ...' if len(missing) > 10 else ''}")
    return clips


# ---------------------------------------------------------------- resuming


def same_settings(report: dict, settings: Settings) -> bool:
    """Was this stored report made with these settings?"""
    from formcheck.pose import PoseSettings

    try:
        pose = PoseSettings(**report["settings"]["pose"])
        assessment = report.get("assessment", {})
        overridden = "override" in (assessment.get("lift", {}).get("evidence") or {})
        lift_ok = (overridden and report.get("lift") == settings.lift) if settings.lift else not overridden
        limits = settings.limits()
    except (KeyError, TypeError):
        return False
    return (pose == PoseSettings(model=settings.model, max_people=settings.max_people) and lift_ok
            and assessment.get("thresholds") == limits.to_dict())


def already_saved(store, clip: Clip, sha256: str, settings: Settings) -> int | None:
    """The id of a session saved from this clip for this athlete with these settings, if any."""
    for session_id in reversed(store.sessions_of_video(clip.athlete, sha256)):
        if same_settings(store.report_dict(session_id), settings):
            return session_id
    return None


# ---------------------------------------------------------------- one clip, in a worker


def _worker_init() -> None:
    """Worker processes: MediaPipe's native logs off (they would interleave with the progress);
    Ctrl+C is the parent's to handle (it ends the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def analyse_clip(path: Path, settings: Settings) -> dict:
    """Analyse one clip (in a worker process): the report, its stills and the date filmed, or the
    error in one line. Never raises for a bad clip."""
    from formcheck import sessions
    from formcheck.analysis import AnalysisSettings, analyze
    from formcheck.assess import assess
    from formcheck.pose import PoseSettings
    from formcheck.review import Reviewed
    from formcheck.scoring import score_report

    started = time.perf_counter()
    try:
        limits = settings.limits()
        analysis = analyze(path, AnalysisSettings(pose=PoseSettings(model=settings.model,
                                                                    max_people=settings.max_people)))
        assessment = assess(analysis, lift=settings.lift)
        report = score_report(analysis, assessment, limits)
        found = bool(report.lift and report.lift != "none")
        reviewed = Reviewed(path.name, path, analysis, assessment)
        thumbs = sessions.thumbnails(reviewed, report) if found else {}
        phases = sessions.phase_stills(reviewed, report) if found else {}
        return {"report": report.to_dict(), "thumbnails": thumbs, "phase_stills": phases,
                "recorded_on": sessions.recorded_date(report),
                "seconds": time.perf_counter() - started}
    except FormcheckError as exc:
        return {"error": str(exc), "seconds": time.perf_counter() - started}
    except Exception as exc:  # a bug: reported for this clip, the batch goes on
        return {"error": f"internal error: {type(exc).__name__}: {exc}", "seconds": time.perf_counter() - started}


# ---------------------------------------------------------------- the batch


def _save(store, clip: Clip, result: dict) -> Outcome:
    from formcheck.store import NewSession

    report = result["report"]
    outcome = Outcome(clip.path, clip.athlete, "saved", lift=report.get("lift"), reps=len(report.get("reps", [])),
                      score=report.get("score"), flags=len(report.get("faults", [])),
                      frames=report["video"]["frames"], seconds=result["seconds"])
    if not report.get("lift") or report["lift"] == "none":
        outcome.status, outcome.error = "not saved", "no lift was found in this clip"
        return outcome
    saved = store.save(NewSession(clip.athlete, report, clip.recorded_on or result["recorded_on"], clip.load_value,
                                  clip.load_unit, clip.rpe, clip.notes, result["thumbnails"],
                                  video_name=clip.path.name, phase_stills=result.get("phase_stills", {})))
    outcome.session_id = saved.id
    return outcome


def _run_pool(clips: list[Clip], settings: Settings, workers: int, work: Callable[[Path, Settings], dict],
              ) -> Generator[tuple[Clip, dict], None, tuple[list[Clip], list[Clip]]]:
    """One pool of worker processes for these clips, `workers` clips in it at a time: yields (clip,
    result) as each finishes and returns (the clips in it when a worker died, the clips not
    started). On an interruption (Ctrl+C, or the caller stopping) the workers are ended at once,
    not left to finish the batch."""
    # spawn, not fork: MediaPipe and the decoder run threads, which fork does not copy safely.
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=max(1, min(workers, len(clips))), initializer=_worker_init,
                                                  mp_context=multiprocessing.get_context("spawn"))
    waiting, running, died = list(clips), {}, []
    try:
        while running or (waiting and not died):
            while waiting and not died and len(running) < workers:
                clip = waiting.pop(0)
                running[pool.submit(work, clip.path, settings)] = clip
            finished, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for job in finished:
                clip = running.pop(job)
                try:
                    result = job.result()
                except concurrent.futures.process.BrokenProcessPool:  # the pool is gone: no more are started
                    died.append(clip)
                    continue
                yield clip, result
    except BaseException:
        processes = list((pool._processes or {}).values())  # Python 3.11 has no public way to end them
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    pool.shutdown()
    return died, waiting


def pool_results(todo: list[Clip], settings: Settings, workers: int,
                 work: Callable[[Path, Settings], dict] = analyse_clip) -> Iterator[tuple[Clip, dict]]:
    """(clip, result) as each clip finishes, in pools of worker processes on this machine, with
    `workers` clips in flight. A fresh pool every MAX_CLIPS_PER_WORKER clips a worker (memory stays
    flat; ProcessPoolExecutor's own max_tasks_per_child can hang on Python 3.11). When a worker
    dies, the pool breaks and the clips in flight are lost with it: the rest go on in a new pool,
    and those few are run again one at a time, so the one that kills its worker is the only one
    reported. work(path, settings): what a worker does with a clip."""
    waiting, suspects = list(todo), []
    size = workers * MAX_CLIPS_PER_WORKER
    while waiting:
        died, not_started = yield from _run_pool(waiting[:size], settings, workers, work)
        suspects += died
        waiting = not_started + waiting[size:]
    for clip in suspects:
        for _ in range(MAX_ATTEMPTS - 1):
            died, _ = yield from _run_pool([clip], settings, 1, work)
            if not died:
                break
        else:
            yield clip, {"error": "the worker analysing it died (out of memory, or a crash)", "seconds": None}


def run(clips: list[Clip], settings: Settings, store, workers: int,
        on_done: Callable[[Outcome, int, int], None] | None = None, ray: str | None = None) -> list[Outcome]:
    """Analyse every clip not already saved, `workers` processes at a time (or as tasks on the Ray
    cluster at `ray`: `cluster`); save each as it finishes. on_done(outcome, finished, total)
    after each clip (skipped ones included)."""
    from formcheck.video import file_sha256

    outcomes: dict[Path, Outcome] = {}
    todo: list[Clip] = []
    for clip in clips:
        try:
            sha256 = file_sha256(clip.path)
        except OSError as exc:
            outcomes[clip.path] = Outcome(clip.path, clip.athlete, "failed", error=f"cannot read: {exc.strerror}")
            continue
        if (session_id := already_saved(store, clip, sha256, settings)) is not None:
            outcomes[clip.path] = Outcome(clip.path, clip.athlete, "skipped", session_id=session_id,
                                          error="already saved with these settings")
        else:
            todo.append(clip)
    total = len(clips)
    for outcome in list(outcomes.values()):
        if on_done:
            on_done(outcome, len(outcomes), total)

    def finish(outcome: Outcome) -> None:
        outcomes[outcome.clip] = outcome
        if on_done:
            on_done(outcome, len(outcomes), total)

    if not todo:
        return [outcomes[clip.path] for clip in clips]
    if ray:
        from formcheck import cluster

        finished = cluster.results(todo, settings, ray)
    else:
        finished = pool_results(todo, settings, workers)
    with contextlib.closing(finished):  # an error here ends the workers at once
        for clip, result in finished:
            if "error" in result:
                finish(Outcome(clip.path, clip.athlete, "failed", seconds=result["seconds"], error=result["error"]))
                continue
            try:
                finish(_save(store, clip, result))
            except FormcheckError as exc:
                finish(Outcome(clip.path, clip.athlete, "failed", error=f"not saved: {exc}"))
    return [outcomes[clip.path] for clip in clips]


def summary_table(outcomes: list[Outcome]) -> str:
    """The summary as aligned text columns."""
    head = ("clip", "athlete", "status", "session", "lift", "reps", "score", "flags", "seconds")

    def cell(value, spec: str = "") -> str:
        return "-" if value is None else format(value, spec)

    rows = [(o.clip.name, o.athlete, o.status, cell(o.session_id), cell(o.lift), cell(o.reps), cell(o.score, ".0f"),
             cell(o.flags), cell(o.seconds, ".1f")) for o in outcomes]
    widths = [max(len(str(r[k])) for r in [head, *rows]) for k in range(len(head))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip() for r in [head, *rows]]
    errors = [f"  {o.clip.name}: {o.error}" for o in outcomes if o.status in ("failed", "not saved")]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("saved", "skipped", "not saved", "failed")}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines + (["errors:", *errors] if errors else []))
