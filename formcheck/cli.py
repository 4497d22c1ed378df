"""Command line: `formcheck analyze VIDEO`, `formcheck batch PATHS...`, `formcheck eval`, `formcheck fetch`,
`formcheck app`; the saved sessions' commands are in cli_history, `formcheck users` in cli_users.

Exit status: 0 on success, 2 when the input is at fault (one line on stderr saying what is
wrong; tracebacks only with --verbose), 1 on an internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from formcheck import __version__, assets, cli_history, cli_users
from formcheck.errors import FormcheckError

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage mistakes are bad input too: exit 2, one line
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="formcheck", description="Check squat and deadlift form from a video.")
    parser.add_argument("--version", action="version", version=f"formcheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    analyze = sub.add_parser("analyze", help="analyse one video: per-frame landmarks and angles")
    analyze.add_argument("video", type=Path)
    analyze.add_argument("--model", choices=assets.MODEL_NAMES, default=assets.DEFAULT_MODEL,
                         help="PoseLandmarker size (default: %(default)s)")
    analyze.add_argument("--out", type=Path, help="folder for report.json, frames.csv and annotated.mp4 "
                         "(default: formcheck_out/<video name>)")
    analyze.add_argument("--json", type=Path, help="write the JSON report here")
    analyze.add_argument("--csv", type=Path, help="write the per-frame CSV here")
    analyze.add_argument("--annotated", type=Path, help="write the annotated H.264 MP4 here")
    analyze.add_argument("--no-video", action="store_true", help="skip the annotated video")
    analyze.add_argument("--max-people", type=int, default=2, help="people looked for per frame (default: 2)")
    analyze.add_argument("--lift", choices=("auto", "squat", "deadlift", "rdl"), default="auto",
                         help="what is lifted (default: detected)")
    analyze.add_argument("--thresholds", type=Path, help="TOML file overriding fault thresholds")
    analyze.add_argument("--no-cache", action="store_true", help="run the model even if landmarks are cached")
    analyze.add_argument("--verbose", action="store_true", help="show tracebacks and the model's own logs")
    cli_history.add_save_options(analyze)

    evaluate = sub.add_parser("eval", help="run the analysis on every clip of a labels file and compare")
    evaluate.add_argument("--labels", type=Path, required=True, help="CSV in the format of shared/labels.csv")
    evaluate.add_argument("--videos", type=Path, required=True, help="folder holding the clips")
    evaluate.add_argument("--out", type=Path, help="write evaluation.json and evaluation.md here")
    evaluate.add_argument("--model", choices=assets.MODEL_NAMES, default=assets.DEFAULT_MODEL)
    evaluate.add_argument("--thresholds", type=Path, help="TOML file overriding fault thresholds")
    evaluate.add_argument("--pairs", type=Path, help="CSV reference,clip,split,why: same-lifter clips, each "
                          "also scored against its reference (e.g. benchmarks/same_lifter_pairs.csv)")
    evaluate.add_argument("--verbose", action="store_true")

    batch = sub.add_parser("batch", help="analyse many clips with a pool of workers and save every session")
    batch.add_argument("paths", nargs="+", type=Path, help="video files and folders (searched recursively)")
    whose = batch.add_mutually_exclusive_group()
    whose.add_argument("--athlete", help="every clip is this athlete's")
    whose.add_argument("--athlete-from", metavar="folder|FILE.csv",
                       help="'folder': the clip's folder is the athlete's name; or a CSV with columns "
                            "video,athlete (optional: date, load, rpe, notes)")
    batch.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 1) // 2),
                       help="worker processes (default: one per two cores, here %(default)s)")
    batch.add_argument("--ray", metavar="auto|ADDRESS",
                       help="run the clips as tasks on a running Ray cluster instead of local workers "
                            "(needs formcheck[cluster]; docs/cluster.md)")
    batch.add_argument("--store", metavar="URL", help="database URL (default: $FORMCHECK_DB_URL or the local SQLite store)")
    batch.add_argument("--model", choices=assets.MODEL_NAMES, default=assets.DEFAULT_MODEL)
    batch.add_argument("--max-people", type=int, default=2)
    batch.add_argument("--lift", choices=("auto", "squat", "deadlift", "rdl"), default="auto")
    batch.add_argument("--thresholds", type=Path, help="TOML file overriding fault thresholds")
    batch.add_argument("--summary", type=Path, help="also write the summary as JSON here")
    batch.add_argument("--verbose", action="store_true")

    fetch = sub.add_parser("fetch", help="put the model bundles and sample clips in place")
    fetch.add_argument("--models", default=",".join(assets.MODEL_NAMES), help="comma-separated (default: all)")
    fetch.add_argument("--no-samples", action="store_true")
    fetch.add_argument("--verbose", action="store_true")
    cli_history.add_commands(sub)
    cli_users.add_commands(sub)
    app = sub.add_parser("app", help="open the review page (Streamlit) in the browser")
    app.add_argument("--port", type=int, default=8501, help="port to serve on (default: %(default)s)")
    app.add_argument("--address", default="localhost", help="address to serve on (default: %(default)s)")
    app.add_argument("--verbose", action="store_true")
    return parser


@contextlib.contextmanager
def native_logs_hidden(hide: bool = True) -> Iterator[TextIO]:
    """MediaPipe's C++ core writes INFO/WARNING lines straight to file descriptor 2. Point fd 2 at
    /dev/null while it runs and give our own messages a duplicate of the real stderr."""
    if not hide:
        yield sys.stderr
        return
    sys.stderr.flush()
    saved = os.dup(2)
    real = os.fdopen(os.dup(2), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield real
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        real.close()


def _progress_bar(stream: TextIO, label: str):
    """A tqdm bar on a terminal; nothing when stderr is a file or pipe."""
    if not stream.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=0, unit="frame", desc=label, file=stream, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, update


def _outputs(args: argparse.Namespace) -> dict[str, Path | None]:
    explicit = {"json": args.json, "csv": args.csv, "annotated": args.annotated}
    if args.out is None and any(explicit.values()):
        return explicit
    folder = args.out or Path("formcheck_out") / args.video.stem
    defaults = {"json": folder / "report.json", "csv": folder / "frames.csv", "annotated": folder / "annotated.mp4"}
    return {key: explicit[key] or defaults[key] for key in defaults}


def cmd_analyze(args: argparse.Namespace, err: TextIO) -> int:
    from formcheck import thresholds, verdict
    from formcheck.analysis import AnalysisSettings, analyze
    from formcheck.assess import assess
    from formcheck.pose import PoseSettings
    from formcheck.render import render_video
    from formcheck.scoring import score_report

    if args.max_people < 1:
        raise FormcheckError("--max-people must be 1 or more")
    outputs = _outputs(args)
    saving = cli_history.save_options(args)  # checked before the model runs
    limits = thresholds.load(args.thresholds)
    settings = AnalysisSettings(pose=PoseSettings(model=args.model, max_people=args.max_people))
    bar, update = _progress_bar(err, "pose")
    try:
        result = analyze(args.video, settings, progress=update, use_cache=not args.no_cache)
    finally:
        if bar:
            bar.close()
    assessment = assess(result, lift=None if args.lift == "auto" else args.lift)
    report = score_report(result, assessment, limits,
                          reference=cli_history.reference_for(args, assessment.lift.kind))
    written = []
    if outputs["json"]:
        written.append(report.write_json(outputs["json"]))
    if outputs["csv"]:
        written.append(report.write_csv(outputs["csv"]))
    if outputs["annotated"] and not args.no_video:
        bar, update = _progress_bar(err, "video")
        try:
            written.append(render_video(args.video, result.poses.image_px, result.angles.values,
                                        result.angles.side, outputs["annotated"], progress=update,
                                        statuses=report.frame_status))
        finally:
            if bar:
                bar.close()
    v = report.video
    print(f"{v.path}: {v.frames} frames, {v.fps:.2f} fps, {v.width_px}x{v.height_px}, rotation {v.rotation_deg}, "
          f"{v.codec}; model {report.model['name']}{' (landmarks from cache)' if result.from_cache else ''}")
    print(f"lifter found on {report.camera['pose_frames']}/{v.frames} frames ({report.pose_fraction:.0%}); "
          f"side facing the camera: {report.camera['side'] or 'unknown'}")
    if report.lift and report.lift != "none":
        scored = f"score {report.score:.0f}/100" if report.score is not None else "no score"
        print(f"{report.lift}, {report.view} view: {len(report.reps)} reps, {scored}, "
              f"{len(report.faults)} flagged moments")
        if assessment.lift.uncertain:
            print(f"  not sure it is a {report.lift}: {assessment.lift.uncertain}; if not, run again with --lift")
        for sentence in verdict.sentences(report.faults, len(report.reps), report.assessment.get("relative")):
            print(f"  {sentence}")
        if report.faults:
            print("flagged moments:")
        for event in report.faults:
            rep = "" if event["rep"] is None else f" rep {event['rep'] + 1}"
            basis = {"reference": " more than your reference", "set": " more than the set's first reps"}.get(
                event.get("basis"), "")
            print(f"  {event['time_s']:6.2f} s{rep}: {event['rule']} ({event['severity']}) "
                  f"{event['value']} {event['unit']}{basis} against {event['limit']} - {event['cue']}")
    for warning in report.warnings:
        print(f"warning: {warning}")
    print("formcheck is not medical advice: sharp, shooting or radiating pain, numbness or weakness "
          "need a professional.")
    for path in written:
        print(f"wrote {path}")
    cli_history.save_analyzed(saving, args.video, result, assessment, report)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace, err: TextIO) -> int:
    from formcheck import evaluate, thresholds

    if not args.labels.is_file():
        raise FormcheckError(f"{args.labels}: no such labels file")
    if not args.videos.is_dir():
        raise FormcheckError(f"{args.videos}: no such folder")
    if args.pairs is not None and not args.pairs.is_file():
        raise FormcheckError(f"{args.pairs}: no such pairs file")
    bar, update = _progress_bar(err, "clips")
    try:
        _, _, text = evaluate.run(args.labels, args.videos, thresholds.load(args.thresholds), args.model,
                                  args.out, progress=update, pairs=args.pairs)
    finally:
        if bar:
            bar.close()
    print(text)
    if args.out:
        print(f"wrote {args.out / 'evaluation.json'} and {args.out / 'evaluation.md'}")
    return EXIT_OK


def cmd_batch(args: argparse.Namespace, err: TextIO) -> int:
    import json

    from formcheck import batch, thresholds
    from formcheck.store import Store

    if args.workers < 1:
        raise FormcheckError("--workers must be 1 or more")
    if args.max_people < 1:
        raise FormcheckError("--max-people must be 1 or more")
    thresholds.load(args.thresholds)  # a bad file is reported before any clip runs
    clips = batch.assign_athletes(batch.find_videos(args.paths), args.athlete, args.athlete_from)
    settings = batch.Settings(args.model, args.max_people, None if args.lift == "auto" else args.lift,
                              str(args.thresholds) if args.thresholds else None)
    bar = None
    if err.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(clips), unit="clip", desc="clips", file=err)
    failed = [0]

    def on_done(outcome: batch.Outcome, finished: int, total: int) -> None:
        failed[0] += outcome.status == "failed"
        what = {"saved": f"saved session {outcome.session_id}: {outcome.lift}, {outcome.reps} reps, score "
                         f"{'-' if outcome.score is None else format(outcome.score, '.0f')}",
                "skipped": f"skipped: already saved as session {outcome.session_id}"}.get(
                    outcome.status, f"{outcome.status}: {outcome.error}")
        line = f"[{finished}/{total}] {outcome.clip.name} ({outcome.athlete}): {what}"
        if bar is not None:
            bar.write(line, file=sys.stdout)
            bar.set_postfix(failed=failed[0])
            bar.update(1)
        else:
            print(line, flush=True)

    with Store(url=args.store) as store:
        where = f"the Ray cluster at {args.ray}" if args.ray else f"{args.workers} worker(s)"
        print(f"{len(clips)} clips, {where}, saving to {store.describe()}", flush=True)
        try:
            outcomes = batch.run(clips, settings, store, args.workers, on_done, ray=args.ray)
        finally:
            if bar is not None:
                bar.close()
    print(batch.summary_table(outcomes))
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(json.dumps({"clips": [o.to_dict() for o in outcomes]}, indent=1, default=str))
        print(f"wrote {args.summary}")
    return EXIT_BAD_INPUT if any(o.status == "failed" for o in outcomes) else EXIT_OK


def cmd_fetch(args: argparse.Namespace, err: TextIO) -> int:
    names = tuple(n.strip() for n in args.models.split(",") if n.strip())
    copied = assets.fetch_models(names)
    if not args.no_samples:
        copied += assets.fetch_samples()
    print(f"models and samples in place ({len(copied)} copied)")
    return EXIT_OK


def app_script() -> Path:
    """The app (review and History pages): app.py beside the package (a source checkout or an editable install)."""
    path = assets.REPO_DIR / "app.py"
    if not path.is_file():
        raise FormcheckError(f"the review page {path} is missing: run `formcheck app` from a source checkout "
                             "(pip install -e .)")
    return path


def app_command(args: argparse.Namespace) -> list[str]:
    """`streamlit run app.py` with this interpreter; the upload limit is passed as well as set in
    .streamlit/config.toml, which Streamlit reads only from the folder it is started in."""
    from formcheck.review import MAX_UPLOAD_MB

    return [sys.executable, "-m", "streamlit", "run", str(app_script()), "--server.port", str(args.port),
            "--server.address", args.address, f"--server.maxUploadSize={MAX_UPLOAD_MB}",
            "--browser.gatherUsageStats=false"]


def cmd_app(args: argparse.Namespace, err: TextIO) -> int:
    if not 0 < args.port < 65536:
        raise FormcheckError(f"--port {args.port} is not a port number")
    command = app_command(args)
    print(f"formcheck review page on http://{args.address}:{args.port} (Ctrl+C stops it)", file=err)
    err.flush()
    # Streamlit replaces this process (so a signal to its pid stops the server), started in the
    # repo folder so its .streamlit/config.toml applies, with the real stderr for its log.
    os.chdir(app_script().parent)
    os.dup2(err.fileno(), 2)
    os.execv(command[0], command)
    return EXIT_INTERNAL  # not reached


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    command = {"analyze": cmd_analyze, "eval": cmd_eval, "batch": cmd_batch, "fetch": cmd_fetch, "app": cmd_app, **cli_history.COMMANDS,
               **cli_users.COMMANDS}[args.command]
    with native_logs_hidden(hide=not args.verbose) as err:
        try:
            return command(args, err)
        except FormcheckError as exc:
            if args.verbose:
                raise
            print(f"formcheck: error: {exc}", file=err)
            return EXIT_BAD_INPUT
        except KeyboardInterrupt:
            print("formcheck: interrupted", file=err)
            return 130
        except Exception as exc:  # a bug, not the user's fault: still one line unless --verbose
            if args.verbose:
                raise
            print(f"formcheck: internal error: {type(exc).__name__}: {exc} (run again with --verbose)", file=err)
            return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
