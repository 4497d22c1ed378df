"""Side-by-side speed benchmark: formcheck against the naive tutorial loop, stage by stage, with
peak memory and batch throughput. It writes docs/benchmark.md (the whole page: edit this script,
not the page).

    .venv/bin/python benchmarks/bench_pipeline.py --out docs/benchmark.md   # the full run, ~25 min
    .venv/bin/python benchmarks/bench_pipeline.py --quick --max-people 1 --min-ratio 1.0  # ratio only, ~1 min (CI)

The naive loop is the tutorial's: cv2.VideoCapture -> cvtColor to RGB -> mp.Image ->
PoseLandmarker.detect_for_video with default options (one person, no masks), nothing else.
formcheck is what `formcheck analyze VIDEO --no-video --no-cache` does, in this process: the pose
pass (both tracked halves and the mask sample), the lifter, filtering and angles, view, lift,
reps and the back contour, scoring, and the JSON report and CSV written. Both load their models
inside the timing. They run one after the other on the same clip, --repeats times, and each
pair gives a ratio (naive seconds / formcheck seconds: above 1 formcheck is faster); the median,
min and max are reported. --quick runs only the bundled clip, three pairs, and exits 1 when the
median ratio is below --min-ratio: a ratio, never an absolute time, so a slower machine does not
fail it but a slower formcheck does.

Also measured (full run): frames per second per stage on the first clip; start-up time; peak RSS
and seconds of `formcheck analyze --no-video --no-cache` as a subprocess on the clip looped to
0.5, 2 and 10 minutes (by copying its H.264 packets: same picture, no re-encoding); and
`formcheck batch` throughput on --batch-clips clips with 1 and 2 workers.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import psutil

from formcheck import assets, thresholds
from formcheck.analysis import AnalysisSettings, analyze, extract_candidates
from formcheck.assess import assess
from formcheck.cli import native_logs_hidden
from formcheck.pose import MaskEstimator, PoseEstimator, PoseSettings
from formcheck.scoring import score_report
from formcheck.video import VideoReader

CLIPS = ("deadlift_side_unknown_s01.mp4", "deadlift_side_good_m01.mp4", "squat_bw_side_unknown_t01.mp4")
LOOP_MINUTES = (0.5, 2.0, 10.0)
TARGET_RATIO = 1.2
MB = 1 << 20


@dataclasses.dataclass(frozen=True)
class MemoryRun:
    minutes: float
    frames: int
    seconds: float
    sampled_peak_mb: float  # the largest RSS seen by psutil, polled every 0.2 s
    hwm_peak_mb: float  # the kernel's high-water mark (VmHWM), as of the last poll


# ---------------------------------------------------------------- side by side


def naive_loop(path: Path, model: str) -> tuple[float, int]:
    """The tutorial loop; (seconds, frames)."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    start = time.perf_counter()
    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(assets.resolve_model(model))),
                                           running_mode=vision.RunningMode.VIDEO)
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    n = 0
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(n * 1000 / fps))
            n += 1
    capture.release()
    return time.perf_counter() - start, n


def formcheck_run(path: Path, model: str, max_people: int, out_dir: Path) -> tuple[float, int]:
    """What `formcheck analyze VIDEO --no-video --no-cache --max-people N` does; (seconds, frames)."""
    start = time.perf_counter()
    analysis = analyze(path, AnalysisSettings(pose=PoseSettings(model=model, max_people=max_people)), use_cache=False)
    report = score_report(analysis, assess(analysis), thresholds.load(None))
    report.write_json(out_dir / "report.json")
    report.write_csv(out_dir / "frames.csv")
    return time.perf_counter() - start, report.video.frames


@dataclasses.dataclass(frozen=True)
class Pairs:
    clip: str
    max_people: int
    frames: int
    naive_s: list[float]
    formcheck_s: list[float]
    what: str = "`formcheck analyze --no-video`"

    @property
    def ratios(self) -> list[float]:
        return [n / f for n, f in zip(self.naive_s, self.formcheck_s)]


def review_page_run(path: Path, out_dir: Path, k: int) -> tuple[float, int]:
    """What the review page does from an upload to its result (default settings, a cache of its
    own so the model runs): `review.analyse`, then the scoring the page shows; (seconds, frames)."""
    from formcheck import review

    os.environ["FORMCHECK_CACHE_DIR"] = str(out_dir / f"cache-review-{k}")
    start = time.perf_counter()
    reviewed = review.analyse(path, path.name)
    report = review.rescore(reviewed, thresholds.load(None))
    return time.perf_counter() - start, report.video.frames


def side_by_side(path: Path, model: str, max_people: int, repeats: int, out_dir: Path, say,
                 review_page: bool = False) -> Pairs:
    """review_page: time the review page's analysis (default settings) instead of the CLI's."""
    naive_s, formcheck_s, frames = [], [], 0
    for k in range(repeats):
        seconds, frames = naive_loop(path, model)
        naive_s.append(seconds)
        seconds, _ = review_page_run(path, out_dir, k) if review_page else formcheck_run(path, model, max_people, out_dir)
        formcheck_s.append(seconds)
        say(f"{path.name} --max-people {max_people}{' review page' if review_page else ''}, pair {k + 1}/{repeats}: "
            f"naive {naive_s[-1]:.2f} s, formcheck {formcheck_s[-1]:.2f} s")
    return Pairs(path.name, max_people, frames, naive_s, formcheck_s,
                 "the review page (upload to result)" if review_page else Pairs.what)


# ---------------------------------------------------------------- stages


def decoded_images(path: Path, max_frames: int) -> list:
    import mediapipe as mp

    images = []
    with VideoReader(path) as reader:
        iterator = reader.frames("rgb24")
        for frame in iterator:
            images.append((frame.time_s, mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.image)))
            if len(images) >= max_frames:
                break
        iterator.close()
    return images


def stage_times(path: Path, model: str, max_frames: int, say) -> list[tuple[str, int, float]]:
    """(stage, frames, seconds): the parts, each on its own."""
    rows = []
    start = time.perf_counter()
    with VideoReader(path, threads=1) as reader:
        n = sum(1 for _ in reader.frames("rgb24"))
    rows.append(("decode to RGB, one FFmpeg thread (formcheck's decoder)", n, time.perf_counter() - start))
    say("stages: models on frames in memory")
    images = decoded_images(path, max_frames)
    model_path = assets.resolve_model(model)
    for people, label in ((1, "tracking model, one person (`--max-people 1`, as the naive loop)"),
                          (2, "tracking model, two people: the person detector on every frame (the default)")):
        with PoseEstimator(model_path, PoseSettings(model=model, max_people=people)) as estimator:
            start = time.perf_counter()
            for t, image in images:
                estimator.detect(image, t)
            rows.append((label, len(images), time.perf_counter() - start))
    sampled = images[::6]
    with MaskEstimator(model_path, PoseSettings(model=model)) as estimator:
        start = time.perf_counter()
        for _, image in sampled:
            estimator.detect(image)
        rows.append(("mask model: IMAGE mode, masks, two people (the 10 Hz sample)", len(sampled),
                     time.perf_counter() - start))
    del images, sampled
    say("stages: formcheck's own")
    settings = AnalysisSettings(pose=PoseSettings(model=model))
    start = time.perf_counter()
    info, _, _, _ = extract_candidates(path, settings.pose, use_cache=True)  # also fills the cache
    rows.append(("formcheck's pose pass: two halves at once + the mask sample (both cores)", info.frames,
                 time.perf_counter() - start))
    start = time.perf_counter()
    analysis = analyze(path, settings)
    rows.append(("lifter, filtering, angles (landmarks from the cache)", info.frames, time.perf_counter() - start))
    start = time.perf_counter()
    assessment = assess(analysis)
    rows.append(("view, lift, reps, back contour from the sampled masks", info.frames, time.perf_counter() - start))
    start = time.perf_counter()
    report = score_report(analysis, assessment, thresholds.load(None))
    with tempfile.TemporaryDirectory() as tmp:
        report.write_json(Path(tmp) / "r.json")
        report.write_csv(Path(tmp) / "f.csv")
    rows.append(("scoring, JSON report and CSV", info.frames, time.perf_counter() - start))
    return rows


def startup_times() -> list[tuple[str, float]]:
    rows = []
    for label, code in (("`import formcheck.cli` (what every command loads first)", "import formcheck.cli"),
                        ("`import mediapipe` (loaded only when a model runs)", "import mediapipe")):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        rows.append((label, time.perf_counter() - start))
    return rows


# ---------------------------------------------------------------- memory and length


def looped_clip(path: Path, minutes: float) -> tuple[Path, int]:
    """The clip repeated to about `minutes` (whole repeats), built once by copying its video packets
    with shifted timestamps; audio is dropped. Returns the path and the number of repeats."""
    with av.open(str(path)) as source:
        stream = source.streams.video[0]
        packets = [p for p in source.demux(stream) if p.pts is not None]
        span = max(p.pts + (p.duration or 0) for p in packets) - min(p.pts for p in packets)
        clip_s = float(span * stream.time_base)
    repeats = max(1, round(minutes * 60 / clip_s))
    target = assets.cache_dir("bench") / f"{path.stem}_x{repeats}.mp4"
    if target.is_file():
        return target, repeats
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.stem + ".part.mp4")
    with av.open(str(tmp), "w") as out:
        for k in range(repeats):
            with av.open(str(path)) as source:
                stream = source.streams.video[0]
                if k == 0:
                    out_stream = out.add_stream_from_template(stream)
                for packet in source.demux(stream):
                    if packet.pts is None:  # the demuxer's empty end-of-stream packet
                        continue
                    packet.pts += k * span
                    packet.dts += k * span
                    packet.stream = out_stream
                    out.mux(packet)
    os.replace(tmp, target)
    return target, repeats


def _peaks(pid: int) -> tuple[int, int]:
    """(RSS now summed over the process tree, the largest VmHWM of one process in it) in bytes;
    (0, 0) once it has exited. VmHWM (Linux) is a process's own peak RSS, so it catches peaks
    between polls; ru_maxrss is not used: at exec the kernel carries the parent's high-water mark
    into the child's, so a child of this large process would report this process's peak."""
    rss = hwm = 0
    try:
        parent = psutil.Process(pid)
        for proc in [parent, *parent.children(recursive=True)]:
            rss += proc.memory_info().rss
            status = Path(f"/proc/{proc.pid}/status").read_text()
            hwm = max(hwm, next(int(line.split()[1]) * 1024 for line in status.splitlines()
                                if line.startswith("VmHWM:")))
    except (psutil.Error, OSError, StopIteration):  # exited between two polls, or a zombie
        return 0, 0
    return rss, hwm


def run_measured(command: list[str], log_path: Path, env: dict | None = None,
                 also: tuple[int, ...] = ()) -> tuple[float, float, float]:
    """Run a command; (seconds, peak RSS of the whole tree sampled every 0.2 s, largest one-process
    VmHWM) in MB, over its tree and the trees of the processes `also` (a Ray node's raylet, whose
    workers run the tasks). Raises if it fails."""
    start = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    tree = hwm = 0
    while proc.poll() is None:
        peaks = [_peaks(pid) for pid in (proc.pid, *also)]
        tree, hwm = max(tree, sum(r for r, _ in peaks)), max(hwm, *(h for _, h in peaks))
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}:\n{log_path.read_text()[-3000:]}")
    return seconds, tree / MB, hwm / MB


def cli_on_length(video: Path, model: str, out_dir: Path) -> MemoryRun:
    json_path = out_dir / f"{video.stem}.json"
    seconds, tree, hwm = run_measured(
        [sys.executable, "-m", "formcheck.cli", "analyze", str(video), "--no-video", "--no-cache", "--model", model,
         "--json", str(json_path), "--csv", str(out_dir / f"{video.stem}.csv")], out_dir / f"{video.stem}.log")
    clip = json.loads(json_path.read_text())["video"]
    return MemoryRun(clip["duration_s"] / 60, clip["frames"], seconds, tree, hwm)


# ---------------------------------------------------------------- batch


@dataclasses.dataclass(frozen=True)
class BatchRun:
    workers: str
    clips: int
    frames: int
    seconds: float
    tree_peak_mb: float
    worker_peak_mb: float


def batch_clips(count: int) -> list[Path]:
    """`count` lift clips from ../shared/videos (or the bundled samples), shortest names first."""
    shared = assets.shared_dir()
    folder = shared / "videos" if shared else assets.sample_path(CLIPS[0]).parent
    clips = sorted(p for p in folder.glob("*.mp4") if not p.name.startswith("neg_"))
    return clips[:count]


def batch_run(clips: list[Path], workers: int | None, model: str, out_dir: Path) -> BatchRun:
    """`formcheck batch` with an empty landmark cache and a new SQLite store, as a subprocess:
    `workers` local worker processes, or (None) through a Ray head started here for the run
    (`ray start --head` with every core, loopback only), its workers' memory counted with the batch's."""
    label = "Ray head, local" if workers is None else str(workers)
    tag = "ray" if workers is None else str(workers)
    env = {**os.environ, "FORMCHECK_CACHE_DIR": str(out_dir / f"cache-{tag}"), "FORMCHECK_HOME": str(out_dir / f"home-{tag}"),
           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    env.pop("FORMCHECK_DB_URL", None)
    summary = out_dir / f"batch-{tag}.json"
    command = [sys.executable, "-m", "formcheck.cli", "batch", *map(str, clips), "--athlete", "bench", "--model", model,
               "--summary", str(summary)]
    ray = Path(sys.executable).with_name("ray")
    if workers is not None:
        seconds, tree, hwm = run_measured([*command, "--workers", str(workers)], out_dir / f"batch-{tag}.log", env)
    else:
        port = 6390
        subprocess.run([str(ray), "start", "--head", f"--port={port}", f"--num-cpus={os.cpu_count()}",
                        "--include-dashboard=false", "--disable-usage-stats"], env=env, check=True, capture_output=True)
        try:
            raylet = [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "raylet"]
            seconds, tree, hwm = run_measured([*command, "--ray", f"127.0.0.1:{port}"], out_dir / f"batch-{tag}.log",
                                              env, also=tuple(raylet))
        finally:
            subprocess.run([str(ray), "stop", "--force"], env=env, capture_output=True)
    rows = json.loads(summary.read_text())["clips"]
    return BatchRun(label, len(rows), sum(r.get("frames") or 0 for r in rows), seconds, tree, hwm)


# ---------------------------------------------------------------- report


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; RAM {psutil.virtual_memory().total / (1 << 30):.1f} GiB",
        f"- Python {platform.python_version()}, mediapipe {importlib.metadata.version('mediapipe')}, "
        f"av {av.__version__}, opencv {cv2.__version__}; {platform.platform()}",
    ]


def _ratio_row(p: Pairs) -> str:
    r = p.ratios
    ok = "yes" if statistics.median(r) >= TARGET_RATIO else "**no**"
    return (f"| `{p.clip}` | {p.what} | {p.max_people} | {p.frames} | {statistics.median(p.naive_s):.2f} | {statistics.median(p.formcheck_s):.2f} "
            f"| **{statistics.median(r):.2f}x** | {min(r):.2f}x | {max(r):.2f}x | {ok} |")


def markdown(model: str, repeats: int, pairs: list[Pairs], stages: list[tuple[str, int, float]],
             startup: list[tuple[str, float]], lengths: list[MemoryRun], batches: list[BatchRun],
             commit: str) -> str:
    lines = [
        "# Benchmark: speed and memory", "",
        "Written by `benchmarks/bench_pipeline.py --out docs/benchmark.md` (do not edit by hand: rerun it).",
        f"Run of {datetime.date.today().isoformat()}, commit {commit}, PoseLandmarker {model}, on:", "",
        *machine(), "",
        "## formcheck against the naive tutorial loop", "",
        "The naive loop: `cv2.VideoCapture` -> `cvtColor` -> `mp.Image` -> `detect_for_video`, default options",
        "(one person, no masks), nothing else. formcheck: what `formcheck analyze VIDEO --no-video --no-cache`",
        "does, everything it measures included (two people looked for, the back's outline from segmentation",
        "masks, reps, rules, score, JSON and CSV). Both load their model inside the timing, on the same clip,",
        f"one after the other, {repeats} pairs per clip; ratio = naive seconds / formcheck seconds, per pair.", "",
        f"| clip | formcheck run | `--max-people` | frames | naive (s, median) | formcheck (s, median) | ratio, median | min | max | >= {TARGET_RATIO}x |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|:-:|",
        *[_ratio_row(p) for p in pairs], "",
        "The review page row times `review.analyse` and the scoring the page shows, with a cache of its own",
        "each time (a new upload); drawing the stills and the page itself come after and are not in it.", "",
        "## Where the time goes (first clip, each part on its own)", "",
        "| stage | frames | seconds | ms a frame | frames/s |", "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {label} | {n} | {s:.2f} | {1000 * s / n:.1f} | {n / s:.1f} |" for label, n, s in stages]
    lines += ["", "| start-up | seconds |", "|---|---:|", *[f"| {label} | {s:.2f} |" for label, s in startup], ""]
    per_frame = {label: 1000 * sec / n for label, n, sec in stages}
    one, two = (next(v for k, v in per_frame.items() if k.startswith(f"tracking model, {w}")) for w in ("one", "two"))
    lines += [
        "How formcheck runs: it tracks the clip in two halves at once, each with its own decoder thread",
        "and tracking model, and a third thread runs the mask model (IMAGE mode, segmentation masks) on",
        "a 10 Hz sample of the frames, so the back's outline needs no second pass over the video.",
        "Decoded frames are freed by the thread that made them (no page given back to the kernel and",
        "faulted in again per frame). Which frames belong to which half and which are sampled depend",
        "only on the clip, so the result is the same on one core or two (on one core the halves run one",
        "after the other).", "",
        "What holds the default back: looking for two people (so a spotter or passer-by is not taken",
        f"for the lifter) runs the person detector on every frame, {two:.1f} ms a frame against {one:.1f} ms",
        "for one tracked person, and the naive loop looks for one. With `--max-people 1` formcheck does the",
        "naive loop's model work plus everything else and is faster; with two people it does more model",
        "work than the naive loop, on two cores. Why the default is not one tracked person: docs/engine.md.", "",
        "What the halves cost: the second half's decoder decodes the first half too (without converting",
        "it to RGB), the tracking restarts once in the middle of the clip, and three models are loaded",
        "instead of one (about 80 MB each, see the memory table).", "",
    ]
    if lengths:
        lines += [
            "## Length of the clip: time and peak memory", "",
            f"`formcheck analyze --no-video --no-cache --model {model}` as a subprocess on the first clip looped",
            "to each length (packets copied: same picture), polled every 0.2 s; VmHWM is the kernel's peak RSS",
            "of the process.", "",
            "| clip length | frames | seconds | frames/s | peak RSS, sampled (MB) | peak RSS, VmHWM (MB) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [f"| {m.minutes:.2f} min | {m.frames} | {m.seconds:.1f} | {m.frames / m.seconds:.1f} "
                  f"| {m.sampled_peak_mb:.0f} | {m.hwm_peak_mb:.0f} |" for m in lengths]
        growth = lengths[-1].hwm_peak_mb - lengths[0].hwm_peak_mb
        lines += ["", f"From {lengths[0].minutes:.1f} to {lengths[-1].minutes:.1f} min the peak grows by "
                  f"{growth:+.0f} MB: the landmark arrays (2 people x 33 points x 8 floats a frame) and the "
                  "sampled masks (bits, zlib-compressed: a few KB each at 10 a second) grow with the clip; no "
                  "frame is kept.", ""]
    if batches:
        lines += [
            "## Batch: `formcheck batch`", "",
            f"{batches[0].clips} clips from ../shared/videos, empty landmark cache, a new SQLite store, every",
            "session saved; peak RSS is the largest of one process (the parent or a worker).", "",
            "| workers | clips | frames | seconds | clips/min | frames/s | peak RSS, whole tree (MB) "
            "| peak RSS, one process (MB) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [f"| {b.workers} | {b.clips} | {b.frames} | {b.seconds:.1f} | {60 * b.clips / b.seconds:.1f} "
                  f"| {b.frames / b.seconds:.1f} | {b.tree_peak_mb:.0f} | {b.worker_peak_mb:.0f} |" for b in batches]
        lines += ["", "Each analysis already keeps both cores busy, so on this 2-core machine a second worker",
                  "adds little; workers pay off with more cores. The Ray row is the same batch as tasks on a",
                  "Ray head started on this machine (`ray start --head`, its workers' memory counted with the",
                  "batch's): the cost of going through Ray on one machine. How a gym runs it on several",
                  "machines: docs/cluster.md.", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=assets.MODEL_NAMES, default="full")
    parser.add_argument("--clips", default=",".join(CLIPS), help="bundled sample clips, comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="naive/formcheck pairs per clip (default: 3)")
    parser.add_argument("--quick", action="store_true", help="the first clip only, three pairs (the median of three), ratio only")
    parser.add_argument("--max-people", type=int, help="only this setting (default: 2 on every clip, and 1 on the first)")
    parser.add_argument("--min-ratio", type=float, help="exit 1 when a clip's median ratio is below this")
    parser.add_argument("--max-frames", type=int, default=150, help="frames held in memory for the model stages")
    parser.add_argument("--loop-minutes", default=",".join(map(str, LOOP_MINUTES)), help="lengths for the memory table")
    parser.add_argument("--batch-clips", type=int, default=20, help="clips for the batch table (0: skip it)")
    parser.add_argument("--out", type=Path, help="write the Markdown page here")
    args = parser.parse_args(argv)
    args.clips = [c.strip() for c in args.clips.split(",") if c.strip()]
    if args.quick:
        args.clips, args.repeats = args.clips[:1], 3
    args.loop_minutes = [float(m) for m in args.loop_minutes.split(",") if m.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip() or "unknown"
    with native_logs_hidden() as err, tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp:
        def say(text: str) -> None:
            print(f"[{time.strftime('%H:%M:%S')}] {text}", file=err, flush=True)

        out_dir = Path(tmp)
        os.environ["FORMCHECK_CACHE_DIR"] = str(out_dir / "cache")  # nothing from an earlier run is reused
        runs = [(c, n) for c in args.clips for n in ([args.max_people] if args.max_people else [2])]
        if not args.max_people:
            runs.append((args.clips[0], 1))
        pairs = [side_by_side(assets.sample_path(c), args.model, n, args.repeats, out_dir, say) for c, n in runs]
        if not args.quick and args.model == assets.DEFAULT_MODEL:  # the review page runs the default model
            pairs.append(side_by_side(assets.sample_path(args.clips[0]), args.model, 2, args.repeats, out_dir, say,
                                      review_page=True))
            os.environ["FORMCHECK_CACHE_DIR"] = str(out_dir / "cache")
        for p in pairs:
            print(f"{p.clip} --max-people {p.max_people}: ratio median {statistics.median(p.ratios):.2f}x (min {min(p.ratios):.2f}, "
                  f"max {max(p.ratios):.2f}; naive {statistics.median(p.naive_s):.2f} s, formcheck "
                  f"{statistics.median(p.formcheck_s):.2f} s)")
        failed = [p for p in pairs if args.min_ratio is not None and statistics.median(p.ratios) < args.min_ratio]
        if args.quick:
            for p in failed:
                print(f"FAIL: {p.clip} median ratio {statistics.median(p.ratios):.2f}x < {args.min_ratio}x", file=err)
            return 1 if failed else 0
        stages = stage_times(assets.sample_path(args.clips[0]), args.model, args.max_frames, say)
        startup = startup_times()
        lengths = []
        for minutes in args.loop_minutes:
            clip, repeats = looped_clip(assets.sample_path(args.clips[0]), minutes)
            say(f"length: {clip.name} ({repeats} repeats)")
            lengths.append(cli_on_length(clip, args.model, out_dir))
        batches = []
        if args.batch_clips:
            clips = batch_clips(args.batch_clips)
            for workers in (1, 2, None):
                say(f"batch: {len(clips)} clips, {workers or 'Ray'} worker(s)")
                batches.append(batch_run(clips, workers, args.model, out_dir))
    text = markdown(args.model, args.repeats, pairs, stages, startup, lengths, batches, commit)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
