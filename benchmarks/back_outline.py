"""Can the back's outline show lumbar flexion? The person mask's back edge on the synthetic set's
side-view clips, against the picture and against the true lumbar flexion (docs/back-outline.md).

    .venv/bin/python benchmarks/back_outline.py     # ~2 min on 2 cores (one mask pass per sampled frame)

For each true side-view clip (yaw 90) of benchmarks/synthetic/ (sha256 checked against the
manifest): formcheck's landmarks (analysis.analyze, cached), then PoseLandmarker's person mask
(pose.MaskEstimator, as formcheck's back contour gets it) on every second frame inside the truth's
reps. Rays are cast from the hip->shoulder chord to the back (contour.back_profile) at stations
from 10 % of the chord below the hip up to the shoulder, and three things are measured:

- edge agreement: the mask's back edge against the strongest colour edge of the picture within
  EDGE_SEARCH_PX along the same ray (Sobel gradient of the frame). It tells whether the mask
  (upsampled from the model's 256x256 output) is what blurs the back.
- hollow depth: the outline's deepest point below the straight line from the buttocks (its most
  posterior point at stations -10..30 %) to the upper back (its most posterior point at
  50..100 %), over that line's length. A lumbar lordosis is a hollow there; lumbar flexion
  flattens it. No arm points are dropped here (they lie above the hollow).
- formcheck's bend (contour.back_profile at its own STATIONS, arm points dropped), as scored.

Per truth rep, on the frames whose true trunk is hinged (>= hinged_trunk_deg, as formcheck reads
the contour): the smallest hollow and the largest bend (each sample the median of itself and its
two neighbours, so one ragged mask does not decide), against the rep's largest true lumbar and thoracic
flexion. A measure that detects 15 deg of lumbar flexion with no false alarm must put every rep
with >= 15 deg on one side of a line and every neutral rep on the other: the summary says whether
any line does. Writes docs/back-outline.json and the tables of docs/back-outline.md. numpy, OpenCV.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from formcheck import assets
from formcheck import thresholds as thresholds_mod
from formcheck.analysis import analyze
from formcheck.contour import HOLLOW_STATIONS, back_profile, hollow
from formcheck.landmarks import side_landmark
from formcheck.pose import MaskEstimator, PoseSettings
from formcheck.spine import arm_segments
from formcheck.synth import benchset
from formcheck.synth.compare import array
from formcheck.video import VideoReader

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_accuracy import REPO, write_tables

DOC = REPO / "docs" / "back-outline.md"
DENSE = HOLLOW_STATIONS
EDGE_SEARCH_PX = 6.0
NEUTRAL_DEG = 2.0  # a rep whose true lumbar and thoracic flexion stay under this is neutral
FLEXED_DEG = 15.0  # the goal: 15 deg of lumbar flexion detected in a side view
FLEXED_FRAME_DEG = 10.0  # frames of a flexed clip whose true lumbar flexion is at least this


def edge_gaps(rgb: np.ndarray, edges_px: np.ndarray, posterior: np.ndarray) -> list[float]:
    """Per mask edge point: the strongest picture edge along the ray minus the mask's edge (px,
    + = the picture's edge lies further out)."""
    image = cv2.GaussianBlur(rgb.astype(np.float32), (3, 3), 0)
    magnitude = np.sqrt((cv2.Sobel(image, cv2.CV_32F, 1, 0) ** 2 + cv2.Sobel(image, cv2.CV_32F, 0, 1) ** 2).sum(axis=2))
    height, width = magnitude.shape
    steps = np.arange(-EDGE_SEARCH_PX, EDGE_SEARCH_PX + 0.01, 0.5)
    gaps = []
    for point in edges_px[np.isfinite(edges_px).all(axis=1)]:
        ray = point + steps[:, None] * posterior
        xi, yi = np.round(ray[:, 0]).astype(int), np.round(ray[:, 1]).astype(int)
        if xi.min() < 0 or yi.min() < 0 or xi.max() >= width or yi.max() >= height:
            continue
        gaps.append(float(steps[np.argmax(magnitude[yi, xi])]))
    return gaps


def _median3(values: list[float]) -> np.ndarray:
    v = np.asarray(values, float)
    return np.array([np.nanmedian(v[max(i - 1, 0):i + 2]) if np.isfinite(v[max(i - 1, 0):i + 2]).any() else np.nan
                     for i in range(len(v))])


def clip_rows(entry: dict, folder: Path, estimator: MaskEstimator, hinged_deg: float):
    """(per-rep rows, edge gaps in px, chord lengths in px, per-frame samples) of one clip.
    samples: frame -> (hollow, bend, true trunk inclination, true lumbar flexion)."""
    video = folder / entry["files"]["video"]["file"]
    truth = json.loads((folder / entry["files"]["truth"]["file"]).read_text())
    frames = {k: array(v) for k, v in truth["frames"].items()}
    analysis = analyze(video)
    side, facing = analysis.angles.side, analysis.angles.facing
    if side is None:
        return [], [], [], None
    wanted = {i for r in truth["reps"] for i in range(r["start"], r["end"] + 1, 2)}
    samples, gaps, chords = {}, [], []
    with VideoReader(video) as reader:
        for frame in reader.frames("rgb24"):
            if frame.index not in wanted:
                continue
            points = analysis.poses.image_px[frame.index]
            hip, shoulder = (points[side_landmark(side, j), :2].astype(np.float64) for j in ("hip", "shoulder"))
            if not (np.isfinite(hip).all() and np.isfinite(shoulder).all()):
                continue
            mask = estimator.detect(frame.image).nearest((hip + shoulder) / 2)
            if mask is None:
                continue
            dense = back_profile(mask, hip, shoulder, facing, stations=DENSE)
            chord = float(np.linalg.norm(shoulder - hip))
            u = (shoulder - hip) / chord
            posterior = np.array([u[1], -u[0]]) if facing > 0 else np.array([-u[1], u[0]])
            middle = (DENSE >= 0.1) & (DENSE <= 0.9)
            gaps += edge_gaps(frame.image, dense.edge_px[middle], posterior)
            chords.append(chord)
            scored = back_profile(mask, hip, shoulder, facing, arm_segments(points))
            samples[frame.index] = (hollow(dense.offsets_px, chord), scored.bend_deg,
                                    float(frames["trunk_incline_deg"][frame.index]),
                                    float(frames["lumbar_flexion_deg"][frame.index]))
    rows = []
    for k, rep in enumerate(truth["reps"]):
        span = slice(rep["start"], rep["end"] + 1)
        hinged = [i for i in sorted(samples) if rep["start"] <= i <= rep["end"] and frames["trunk_incline_deg"][i] >= hinged_deg]
        hollows = _median3([samples[i][0] for i in hinged]) if hinged else np.array([])
        bends = _median3([samples[i][1] for i in hinged]) if hinged else np.array([])
        rows.append({
            "clip": entry["name"], "index": entry["index"], "lift": entry["lift"], "rep": k,
            "lumbar_max_deg": round(float(np.nanmax(frames["lumbar_flexion_deg"][span])), 1),
            "thoracic_max_deg": round(float(np.nanmax(frames["thoracic_flexion_deg"][span])), 1),
            "hinged_samples": len(hinged),
            "hollow_min": round(float(np.nanmin(hollows)), 3) if np.isfinite(hollows).any() else None,
            "bend_max_deg": round(float(np.nanmax(bends)), 1) if np.isfinite(bends).any() else None,
        })
    return rows, gaps, chords, {"samples": samples, "reps": truth["reps"], "fps": truth["fps"]}


def _held(deficits: dict[int, float], fps: float, hold_s: float) -> float:
    """Largest median of the deficits within hold_s (centred): like formcheck's fault hold, one
    frame does not decide."""
    frames = np.array(sorted(deficits))
    values = np.array([deficits[i] for i in frames])
    half = hold_s * fps / 2
    held = [np.median(values[np.abs(frames - i) <= half]) for i in frames]
    return float(np.max(held)) if held else float("nan")


def same_body(clips: dict[int, dict], manifest_entries: list[dict], hinged_deg: float, hold_s: float) -> list[dict]:
    """A lifter against themself: each row drawn as another row's lifter (benchset.Row.body_of)
    against that row frame for frame (same motion and camera; only the spine differs), and the
    neutral row's second rep against its first. The hollow deficit is the reference's hollow
    minus this clip's at the same frame (+ = flatter), on frames whose true trunk is hinged."""
    out = []
    for entry in manifest_entries:
        if entry.get("body_of") is None or entry["body_of"] not in clips or entry["index"] not in clips:
            continue
        own, base = clips[entry["index"]], clips[entry["body_of"]]
        if not out and len(base["reps"]) > 1:
            shift = base["reps"][1]["start"] - base["reps"][0]["start"]
            first = base["reps"][0]
            deficits = {i: base["samples"][i][0] - base["samples"][i + shift][0]
                        for i in range(first["start"], first["end"] + 1)
                        if i in base["samples"] and i + shift in base["samples"] and base["samples"][i][2] >= hinged_deg}
            out.append({"clip": f"{entry['body_of']:03d}", "against": f"{entry['body_of']:03d} rep 0", "rep": 1,
                        "lumbar_max_deg": 0.0, "held_deficit": round(_held(deficits, base["fps"], hold_s), 3),
                        "median_deficit_flexed": None})
        for k, rep in enumerate(own["reps"]):
            span = [i for i in range(rep["start"], rep["end"] + 1) if i in own["samples"] and i in base["samples"]
                    and own["samples"][i][2] >= hinged_deg]
            deficits = {i: base["samples"][i][0] - own["samples"][i][0] for i in span}
            flexed = [deficits[i] for i in span if own["samples"][i][3] >= FLEXED_FRAME_DEG]
            out.append({"clip": f"{entry['index']:03d}", "against": f"{entry['body_of']:03d} rep {k}", "rep": k,
                        "lumbar_max_deg": round(max(own["samples"][i][3] for i in span), 1) if span else None,
                        "held_deficit": round(_held(deficits, own["fps"], hold_s), 3) if deficits else None,
                        "median_deficit_flexed": round(float(np.median(flexed)), 3) if flexed else None})
    return out


def separation(rows: list[dict], key: str, flexed_low: bool) -> dict:
    """Ranges of `key` over neutral and >= FLEXED_DEG reps, and whether one line splits them."""
    def values(sel):
        return [r[key] for r in rows if sel(r) and r[key] is not None]
    neutral = values(lambda r: r["lumbar_max_deg"] < NEUTRAL_DEG and r["thoracic_max_deg"] < NEUTRAL_DEG)
    flexed = values(lambda r: r["lumbar_max_deg"] >= FLEXED_DEG)
    if not neutral or not flexed:
        return {"neutral": neutral, "flexed": flexed, "separable": None}
    split = max(flexed) < min(neutral) if flexed_low else min(flexed) > max(neutral)
    return {"neutral": [min(neutral), max(neutral), len(neutral)], "flexed": [min(flexed), max(flexed), len(flexed)],
            "separable": bool(split)}


def tables(rows: list[dict], edges: dict, summary: dict, same: list[dict], hold_s: float) -> str:
    lines = ["### The mask's back edge against the picture's edge", "",
             "Along each ray at stations 10-90 % of the chord: strongest picture edge minus mask edge (px, + = picture's edge further out).", "",
             "| edge points | median | median absolute | 90th percentile absolute | chord length (median px) |",
             "|---:|---:|---:|---:|---:|",
             f"| {edges['points']} | {edges['median_px']:+.1f} | {edges['median_abs_px']:.1f} | {edges['p90_abs_px']:.1f} | {edges['chord_median_px']:.0f} |",
             "", "### Neutral against flexed reps", "",
             f"Neutral: true lumbar and thoracic flexion under {NEUTRAL_DEG:.0f}°; flexed: true lumbar flexion ≥ {FLEXED_DEG:.0f}°. "
             "Range over the reps (min to max, reps). Separable: one limit would put every flexed rep on one side and every neutral rep on the other.", "",
             "| lift | measure | neutral reps | flexed reps | separable |", "|---|---|---|---|---|"]
    for lift, parts in summary.items():
        for key, name in (("hollow_min", "smallest hollow (÷ line length)"), ("bend_max_deg", "largest bend (°)")):
            s = parts[key]
            if s["separable"] is None:
                lines.append(f"| {lift} | {name} | - | - | - |")
                continue
            n, f = s["neutral"], s["flexed"]
            lines.append(f"| {lift} | {name} | {n[0]:g} to {n[1]:g} ({n[2]}) | {f[0]:g} to {f[1]:g} ({f[2]}) | {'yes' if s['separable'] else 'no'} |")
    lines += ["", "### A lifter against themself", "",
              "Each row's lifter against the same lifter's neutral clip, frame for frame (same motion and camera), "
              "and the neutral clip's second rep against its first. Hollow deficit: the reference's hollow minus this "
              f"clip's (+ = flatter), on frames with the true trunk hinged; held: the largest median over {hold_s:g} s; "
              f"flexed frames: true lumbar flexion ≥ {FLEXED_FRAME_DEG:.0f}°.", "",
              "| clip | against | rep | true lumbar max (°) | held deficit | median deficit on flexed frames |",
              "|---|---|---:|---:|---:|---:|"]
    for r in same:
        lines.append(f"| {r['clip']} | {r['against']} | {r['rep']} | {r['lumbar_max_deg']} | {r['held_deficit']} | "
                     f"{'-' if r['median_deficit_flexed'] is None else r['median_deficit_flexed']} |")
    lines += ["", "### Per rep", "", "| clip | lift | rep | true lumbar max (°) | true thoracic max (°) | hinged samples | smallest hollow | largest bend (°) |",
              "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(rows, key=lambda r: (r["lift"], r["lumbar_max_deg"], r["index"], r["rep"])):
        lines.append(f"| {r['index']:03d} | {r['lift']} | {r['rep']} | {r['lumbar_max_deg']:.1f} | {r['thoracic_max_deg']:.1f} | "
                     f"{r['hinged_samples']} | {'-' if r['hollow_min'] is None else r['hollow_min']} | "
                     f"{'-' if r['bend_max_deg'] is None else r['bend_max_deg']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=benchset.SET_DIR)
    ap.add_argument("--json", type=Path, default=REPO / "docs" / "back-outline.json")
    ap.add_argument("--doc", type=Path, default=DOC)
    args = ap.parse_args(argv)
    limits = thresholds_mod.load()
    hinged_deg, hold_s = limits.get("common", "hinged_trunk_deg"), limits.get("common", "min_fault_s")
    rows, gaps, chords, per_clip = [], [], [], {}
    with MaskEstimator(assets.resolve_model("full"), PoseSettings(model="full")) as estimator:
        entries = benchset.checked_clips(args.set, yaw_deg=90)
        for entry in entries:
            clip, g, c, samples = clip_rows(entry, args.set, estimator, hinged_deg)
            if samples is not None:
                per_clip[entry["index"]] = samples
            rows += clip
            gaps += g
            chords += c
            print(f"{entry['name']}: {len(clip)} reps, {len(c)} masks", flush=True)
    gaps, chords = np.array(gaps), np.array(chords)
    summary = {lift: {"hollow_min": separation([r for r in rows if r["lift"] == lift], "hollow_min", flexed_low=True),
                      "bend_max_deg": separation([r for r in rows if r["lift"] == lift], "bend_max_deg", flexed_low=False)}
               for lift in ("deadlift", "squat")}
    edges = {"points": int(len(gaps)), "median_px": float(np.median(gaps)), "median_abs_px": float(np.median(np.abs(gaps))),
             "p90_abs_px": float(np.percentile(np.abs(gaps), 90)), "chord_median_px": float(np.median(chords))}
    same = same_body(per_clip, entries, hinged_deg, hold_s)
    args.json.write_text(json.dumps({"edges": edges, "summary": summary, "same_body": same, "reps": rows}, indent=1) + "\n")
    text = tables(rows, edges, summary, same, hold_s)
    write_tables(args.doc, text, "Back outline against true lumbar flexion")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
