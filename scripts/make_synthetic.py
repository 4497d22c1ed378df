"""Render synthetic squat/deadlift clips with per-frame ground truth (docs/synthetic.md).

Needs the synth extra: python3 -m venv .venv-synth && .venv-synth/bin/pip install torch==2.13.0
&& .venv-synth/bin/pip install -e '.[synth]'. The same --seed and --count give the same clips.

    .venv-synth/bin/python scripts/make_synthetic.py --seed 1 --out artifacts/synth --count 4
    .venv-synth/bin/python scripts/make_synthetic.py --seed 1 --out DIR --count 1 --lift deadlift --lumbar 20
    .venv-synth/bin/python scripts/make_synthetic.py --seed 1 --set --jobs 2   # benchmarks/synthetic/
    .venv-synth/bin/python scripts/make_synthetic.py --seed 1 --set --only 31-38  # some clips of it
    .venv-synth/bin/python scripts/make_synthetic.py --series --jobs 2   # benchmarks/synthetic_series/
    .venv-synth/bin/python scripts/make_synthetic.py --series --only b0,grow  # body 0, every grow clip

--set renders the committed benchmark set (formcheck/synth/benchset.py; into benchmarks/synthetic/
unless --out says otherwise) and writes its manifest.json with every file's sha256; with --only
(indices and ranges: 31,33-35) or --first it renders those clips only, and the manifest lists
every clip of the set found in the folder. --series does the same for the same-body series
(formcheck/synth/series.py, seed 2; into benchmarks/synthetic_series/), --only naming its clips
by body (b0), role (ref, l15, grow, cam15...) or both (b0_l15). --camera-move DYAW,DDIST,DHEIGHT
moves a plain clip's drawn camera (degrees, metres, metres).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from formcheck.synth import benchset, clip, series


def _make_set_clip(job: tuple[int, int, tuple[int, int], Path]) -> str:
    index, seed, size, out = job
    spec = benchset.spec(index, seed, size)
    return json.dumps({"index": index, "name": spec.name, **clip.make_clip(spec, out)})


def _make_series_clip(job: tuple[str, Path]) -> str:
    key, out = job
    item = series.ITEM_BY_KEY[key]
    return json.dumps({"key": key, "name": item.name, **clip.make_clip(series.spec(item), out)})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, help="seed of the whole set (required except with --series, "
                    f"whose seed is {series.SEED})")
    ap.add_argument("--out", type=Path, help="folder for <name>.mp4 and <name>.truth.{json,csv} "
                    "(with --set: default benchmarks/synthetic; with --series: benchmarks/synthetic_series)")
    ap.add_argument("--set", action="store_true", help="render the benchmark set and write its manifest")
    ap.add_argument("--series", action="store_true", help="render the same-body series and write its manifest")
    ap.add_argument("--jobs", type=int, default=1, help="with --set or --series: clips rendered at once (processes)")
    ap.add_argument("--count", type=int, default=1, help="clips to render (indices 0..count-1)")
    ap.add_argument("--first", type=int, default=0, help="first clip index (with --set: render from there on)")
    ap.add_argument("--only", help="with --set: clip indices to render, e.g. 31,33-35; with --series: "
                    "bodies, roles or body_role, e.g. b0,grow,b3_l15")
    ap.add_argument("--lift", choices=("squat", "deadlift"), help="override the drawn lift")
    ap.add_argument("--lumbar", type=float, help="override the peak lumbar flexion, degrees")
    ap.add_argument("--yaw", type=float, help="override the camera yaw, degrees (90 = side view)")
    ap.add_argument("--plate-radius", type=float, help="override the plate radius, metres (0 = empty bar)")
    ap.add_argument("--camera-move", help="move the drawn camera: DYAW,DDIST,DHEIGHT (deg, m, m), e.g. 5,0.15,0.1")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--size", default="1024x576", help="WIDTHxHEIGHT in pixels, multiples of 16")
    args = ap.parse_args(argv)
    width, height = (int(x) for x in args.size.lower().split("x"))
    if args.series:
        if args.set or (args.seed is not None and args.seed != series.SEED):
            ap.error(f"--series is its own set (seed {series.SEED}): no --set, no other --seed")
        try:
            items = series.select(args.only)
        except ValueError as e:
            ap.error(str(e))
        return _make_series(args.out or series.SERIES_DIR, args.jobs, items)
    if args.seed is None:
        ap.error("--seed is required (except with --series)")
    if args.set:
        indices = parse_indices(args.only, len(benchset.ROWS)) if args.only else list(range(args.first, len(benchset.ROWS)))
        return _make_set(args.seed, (width, height), args.out or benchset.SET_DIR, args.jobs, indices)
    if args.out is None:
        ap.error("--out is required without --set")
    args.out.mkdir(parents=True, exist_ok=True)
    for index in range(args.first, args.first + args.count):
        spec = clip.sample_spec(args.seed, index, lift=args.lift, lumbar_deg=args.lumbar, yaw_deg=args.yaw,
                                fps=args.fps, size=(width, height), plate_radius_m=args.plate_radius)
        if args.camera_move:
            move = [float(x) for x in args.camera_move.split(",")]
            if len(move) != 3:
                ap.error("--camera-move takes DYAW,DDIST,DHEIGHT")
            spec = dataclasses.replace(spec, camera=spec.camera.moved(*move), name=f"{spec.name}_moved")
        summary = clip.make_clip(spec, args.out)
        print(json.dumps({"name": spec.name, **summary}), flush=True)
    return 0


def parse_indices(text: str, count: int) -> list[int]:
    """'31,33-35' -> [31, 33, 34, 35]; every index must be a row of the set (0..count-1)."""
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    if not out or min(out) < 0 or max(out) >= count:
        raise SystemExit(f"--only {text}: indices must lie in 0..{count - 1}")
    return sorted(set(out))


def _make_set(seed: int, size: tuple[int, int], out: Path, jobs: int, indices: list[int]) -> int:
    """Render these clips of the set (truth CSVs are not kept: the JSON holds the same columns),
    then write the manifest of every clip of the set in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    work = [(index, seed, size, out) for index in indices]
    with ProcessPoolExecutor(max(1, jobs), mp_context=multiprocessing.get_context("spawn")) as pool:
        for line in pool.map(_make_set_clip, work):
            print(line, flush=True)
    for csv in out.glob("*.truth.csv"):
        csv.unlink()
    manifest = benchset.write_manifest(out, seed, size)
    total = sum(f["size"] for c in manifest["clips"] for f in c["files"].values())
    print(f"{manifest['count']} clips, {total / 1e6:.1f} MB, manifest {out / benchset.MANIFEST}")
    return 0


def _make_series(out: Path, jobs: int, items: list[series.Item]) -> int:
    """Render these clips of the series, longest first so the jobs end together (no truth CSVs),
    then write the manifest of every clip of the series in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    work = [(i.key, out) for i in sorted(items, key=lambda i: -len(i.role.lumbar_per_rep))]
    with ProcessPoolExecutor(max(1, jobs), mp_context=multiprocessing.get_context("spawn")) as pool:
        for line in pool.map(_make_series_clip, work):
            print(line, flush=True)
    for csv in out.glob("*.truth.csv"):
        csv.unlink()
    manifest = series.write_manifest(out)
    total = sum(f["size"] for c in manifest["clips"] for f in c["files"].values())
    print(f"{manifest['count']} clips, {total / 1e6:.1f} MB, manifest {out / series.MANIFEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
