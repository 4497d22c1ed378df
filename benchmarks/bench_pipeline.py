"""Benchmark formcheck's analysis engine: decoding, the pose model, and the whole pipeline.

Run from the repository root:

    .venv/bin/python benchmarks/bench_pipeline.py [--quick] [--out docs/benchmark.md]

Options: --video PATH (default: the 1080p60 sample deadlift_side_unknown_s01.mp4),
--models lite,full,heavy (default: all; --quick runs only full), --max-frames N (frames held in
memory for the model-only stage, default 300), --long-minutes M (length of the long clip for the
memory measurement, default 10). A smoke run: `--quick --max-frames 60 --long-minutes 0.5`.

What is measured, frames per second on one clip, with the same PoseSettings throughout:
  1. decode only: VideoReader.frames("rgb24") over every frame;
  2. model only: PoseEstimator.detect on frames decoded beforehand (the first --max-frames);
  3. naive loop: decode bgr24 -> cv2.cvtColor to RGB -> detect, all in one thread;
  4. end to end: analysis.analyze(use_cache=False), and the CLI's work (analyze, then the JSON
     report, the CSV and the annotated video from render.render_video).
Then peak RSS of `formcheck analyze --no-video --no-cache` run as a subprocess on the clip looped
to --long-minutes and to a short length (1 min, or half the long one if that is shorter), to show
whether memory grows with the length of the video. The looped clips are made by copying the
clip's H.264 packets with shifted timestamps (no re-encoding: same resolution and quality, and a
10-minute clip takes seconds to build); they are kept in the formcheck cache folder under bench/.

Targets are shown, not asserted: end to end >= 0.9x model only and >= 1.2x the naive loop (same
model); peak RSS <= 600 MB and not growing with the length of the video.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib.metadata
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import psutil

from formcheck import assets
from formcheck.analysis import AnalysisSettings, analyze
from formcheck.cli import native_logs_hidden
from formcheck.pose import PoseEstimator, PoseSettings
from formcheck.render import render_video
from formcheck.video import VideoInfo, VideoReader

DEFAULT_VIDEO = "deadlift_side_unknown_s01.mp4"
RSS_TARGET_MB = 600
RSS_GROWTH_TOLERANCE = 0.10  # "not growing": the long clip's peak within 10 % of the short one's
MB = 1 << 20


STAGES = {
    "decode": "decode only (rgb24)",
    "model": "model only (frames decoded beforehand)",
    "naive": "naive loop (decode bgr24, cvtColor, detect)",
    "analyze": "end to end: analyze (report only)",
    "cli": "end to end: analyze + JSON, CSV, annotated video",
}


@dataclasses.dataclass(frozen=True)
class Timing:
    stage: str  # a key of STAGES
    model: str
    frames: int
    seconds: float

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else math.nan


@dataclasses.dataclass(frozen=True)
class MemoryRun:
    minutes: float
    frames: int
    seconds: float
    sampled_peak_mb: float  # the largest RSS seen by psutil, polled every 0.2 s
    hwm_peak_mb: float  # the kernel's high-water mark (VmHWM), as of the last poll


# ---------------------------------------------------------------- throughput


def time_decode(path: Path) -> tuple[Timing, VideoInfo]:
    start = time.perf_counter()
    with VideoReader(path) as reader:
        n = sum(1 for _ in reader.frames("rgb24"))
        seconds = time.perf_counter() - start
        info = reader.info()  # hashes the file: not timed
    return Timing("decode", "-", n, seconds), info


def decode_first(path: Path, max_frames: int) -> list:
    """The first max_frames frames as RGB, held in memory (about 6 MB each at 1080p)."""
    frames = []
    with VideoReader(path) as reader:
        iterator = reader.frames("rgb24")
        for frame in iterator:
            frames.append(frame)
            if len(frames) >= max_frames:
                break
        iterator.close()
    return frames


def time_model_only(frames: list, settings: PoseSettings) -> Timing:
    """Only the detect calls are timed; loading the model is not."""
    with PoseEstimator(assets.resolve_model(settings.model), settings) as estimator:
        start = time.perf_counter()
        for frame in frames:
            estimator.detect(frame.image, frame.time_s)
        seconds = time.perf_counter() - start
    return Timing("model", settings.model, len(frames), seconds)


def time_naive(path: Path, settings: PoseSettings) -> Timing:
    """Decode, convert and detect one frame after another in one thread; loading the model and
    opening the file are timed, as they are in analyze()."""
    start = time.perf_counter()
    model_path = assets.resolve_model(settings.model)
    n = 0
    with VideoReader(path) as reader, PoseEstimator(model_path, settings) as estimator:
        for frame in reader.frames("bgr24"):
            rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
            estimator.detect(rgb, frame.time_s)
            n += 1
    return Timing("naive", settings.model, n, time.perf_counter() - start)


def time_analyze(path: Path, settings: PoseSettings) -> Timing:
    start = time.perf_counter()
    result = analyze(path, AnalysisSettings(pose=settings), use_cache=False)
    return Timing("analyze", settings.model, result.report.video.frames,
                  time.perf_counter() - start)


def time_cli_equivalent(path: Path, settings: PoseSettings, out_dir: Path) -> Timing:
    """What `formcheck analyze VIDEO --no-cache` does: analyze, then JSON, CSV and annotated video."""
    start = time.perf_counter()
    result = analyze(path, AnalysisSettings(pose=settings), use_cache=False)
    result.report.write_json(out_dir / "report.json")
    result.report.write_csv(out_dir / "frames.csv")
    render_video(path, result.poses.image_px, result.angles.values, result.angles.side,
                 out_dir / "annotated.mp4")
    return Timing("cli", settings.model, result.report.video.frames, time.perf_counter() - start)


# ---------------------------------------------------------------- memory


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


def _tree_memory(pid: int) -> tuple[int, int]:
    """(RSS now, VmHWM) in bytes, summed over the process and its children; (0, 0) once it has exited.

    VmHWM (Linux) is the peak RSS of the process's own address space, so it catches peaks between
    polls. ru_maxrss (getrusage, wait4) is not used: at exec the kernel carries the parent's
    high-water mark into the child's, so a child of this large benchmark process would report this
    process's peak instead of its own.
    """
    rss = hwm = 0
    try:
        parent = psutil.Process(pid)
        for proc in [parent, *parent.children(recursive=True)]:
            rss += proc.memory_info().rss
            status = Path(f"/proc/{proc.pid}/status").read_text()
            hwm += next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmHWM:"))
    except (psutil.Error, OSError, StopIteration):  # exited between two polls, or a zombie
        return 0, 0
    return rss, hwm


def measure_cli_memory(video: Path, settings: PoseSettings, out_dir: Path) -> MemoryRun:
    """Run `formcheck analyze VIDEO --no-video --no-cache` in a subprocess and record its peak RSS."""
    json_path, csv_path = out_dir / f"{video.stem}.json", out_dir / f"{video.stem}.csv"
    command = [sys.executable, "-m", "formcheck.cli", "analyze", str(video), "--no-video", "--no-cache",
               "--model", settings.model, "--max-people", str(settings.max_people),
               "--json", str(json_path), "--csv", str(csv_path)]
    log_path = out_dir / f"{video.stem}.log"
    start = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    sampled = hwm = 0
    while proc.poll() is None:
        rss_now, hwm_now = _tree_memory(proc.pid)
        sampled, hwm = max(sampled, rss_now), max(hwm, hwm_now)
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}:\n{log_path.read_text()}")
    clip = json.loads(json_path.read_text())["video"]
    return MemoryRun(clip["duration_s"] / 60, clip["frames"], seconds, sampled / MB, hwm / MB)


# ---------------------------------------------------------------- report


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; RAM {psutil.virtual_memory().total / (1 << 30):.1f} GiB",
        f"- Python {platform.python_version()}, mediapipe {importlib.metadata.version('mediapipe')}, "
        f"av {av.__version__}, opencv {cv2.__version__}; {platform.platform()}",
    ]


def _mark(ok: bool) -> str:
    return "yes" if ok else "**no**"


def markdown(info: VideoInfo, settings: PoseSettings, timings: list[Timing],
             memory: list[MemoryRun]) -> str:
    lines = [f"# formcheck pipeline benchmark ({datetime.date.today().isoformat()})", "", *machine(),
             f"- Clip: `{Path(info.path).name}`, {info.width_px}x{info.height_px}, {info.fps:.2f} fps, "
             f"{info.frames} frames, {info.codec}; PoseSettings(max_people={settings.max_people}) for every model",
             "",
             "| stage | model | frames | seconds | frames/s |", "|---|---|---:|---:|---:|"]
    lines += [f"| {STAGES[t.stage]} | {t.model} | {t.frames} | {t.seconds:.2f} | {t.fps:.1f} |" for t in timings]

    def fps(stage: str, model: str) -> float:
        return next(t.fps for t in timings if t.stage == stage and t.model == model)

    lines += ["", "| model | end to end / model only | >= 0.9x | end to end / naive | >= 1.2x |",
              "|---|---:|:-:|---:|:-:|"]
    for model in dict.fromkeys(t.model for t in timings if t.model != "-"):
        e2e = fps("analyze", model)
        vs_model, vs_naive = e2e / fps("model", model), e2e / fps("naive", model)
        lines.append(f"| {model} | {vs_model:.2f}x | {_mark(vs_model >= 0.9)} "
                     f"| {vs_naive:.2f}x | {_mark(vs_naive >= 1.2)} |")
    if memory:
        lines += ["", f"Peak RSS of `formcheck analyze --no-video --no-cache --model {settings.model}` "
                  "(subprocess) on the clip looped (MB = 2^20 bytes):", "",
                  "| looped clip | frames | seconds | peak RSS, sampled (MB) | peak RSS, VmHWM (MB) "
                  f"| <= {RSS_TARGET_MB} MB |", "|---|---:|---:|---:|---:|:-:|"]
        for m in memory:
            lines.append(f"| {m.minutes:.2f} min | {m.frames} | {m.seconds:.1f} | {m.sampled_peak_mb:.0f} "
                         f"| {m.hwm_peak_mb:.0f} | {_mark(m.hwm_peak_mb <= RSS_TARGET_MB)} |")
        short, long = memory[0], memory[-1]
        growth = long.hwm_peak_mb - short.hwm_peak_mb
        lines += ["", f"Growth from {short.minutes:.2f} to {long.minutes:.2f} min: {growth:+.0f} MB "
                  f"({growth / short.hwm_peak_mb:+.1%}); not growing (within "
                  f"{RSS_GROWTH_TOLERANCE:.0%}): {_mark(growth <= RSS_GROWTH_TOLERANCE * short.hwm_peak_mb)}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, help=f"clip to measure (default: sample {DEFAULT_VIDEO})")
    parser.add_argument("--models", default=",".join(assets.MODEL_NAMES), help="comma-separated (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="only the full model")
    parser.add_argument("--max-frames", type=int, default=300, help="frames held in memory for model only")
    parser.add_argument("--max-people", type=int, default=2, help="PoseSettings.max_people (default: 2)")
    parser.add_argument("--long-minutes", type=float, default=10.0, help="long clip for peak RSS (default: 10)")
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    args = parser.parse_args(argv)
    args.models = ["full"] if args.quick else [m.strip() for m in args.models.split(",") if m.strip()]
    if unknown := set(args.models) - set(assets.MODEL_NAMES):
        parser.error(f"unknown model(s) {', '.join(sorted(unknown))}: choose from {', '.join(assets.MODEL_NAMES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    video = args.video or assets.sample_path(DEFAULT_VIDEO)
    settings = {m: PoseSettings(model=m, max_people=args.max_people) for m in args.models}
    timings: list[Timing] = []
    memory: list[MemoryRun] = []
    with native_logs_hidden() as err, tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp:
        def say(text: str) -> None:
            print(f"[{time.strftime('%H:%M:%S')}] {text}", file=err, flush=True)

        say(f"decoding {video}")
        timing, info = time_decode(video)
        timings.append(timing)

        say(f"decoding the first {args.max_frames} frames into memory")
        frames = decode_first(video, args.max_frames)
        for m in args.models:
            say(f"model only: {m}")
            timings.append(time_model_only(frames, settings[m]))
        del frames
        for m in args.models:
            say(f"naive loop: {m}")
            timings.append(time_naive(video, settings[m]))
            say(f"analyze: {m}")
            timings.append(time_analyze(video, settings[m]))
            say(f"analyze + JSON, CSV, annotated video: {m}")
            timings.append(time_cli_equivalent(video, settings[m], Path(tmp)))

        memory_settings = PoseSettings(model="full", max_people=args.max_people)
        for minutes in (min(1.0, args.long_minutes / 2), args.long_minutes):
            clip, repeats = looped_clip(video, minutes)
            say(f"peak RSS: {clip} ({repeats} repeats)")
            memory.append(measure_cli_memory(clip, memory_settings, Path(tmp)))

    text = markdown(info, memory_settings, timings, memory)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
