"""Compare formcheck's report on a synthetic clip with the clip's ground truth (docs/synthetic.md).

    .venv/bin/formcheck analyze CLIP.mp4 --no-video --json CLIP.report.json
    .venv/bin/python scripts/synth_compare.py CLIP.truth.json CLIP.report.json [--json out.json]

Prints the pose-detection rate, per-angle mean absolute error and bias (formcheck - truth, over
frames where both exist) against the `image` truth (the posed joints projected through the
camera), rep counts, the detected lift and view, and per-rep spine measures. numpy only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ANGLES = ("trunk_incline_deg", "hip_deg", "knee_deg", "ankle_deg", "neck_deg", "elbow_deg")


def _array(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], float)


def compare(truth: dict, report: dict) -> dict:
    """Figures for one clip (see module doc)."""
    frames = report["frames"]
    n = min(len(frames), truth["n_frames"])
    detected = np.array([bool(f["pose"]) for f in frames[:n]])
    out = {"clip": truth["spec"]["name"], "frames": n, "detection_rate": round(float(detected.mean()), 4),
           "lift": {"truth": truth["spec"]["motion"]["lift"], "formcheck": report.get("lift")},
           "view": report.get("view"), "reps": {"truth": len(truth["reps"]), "formcheck": len(report.get("reps", []))},
           "angles": {}}
    for name in ANGLES:
        est = _array([f["angles"].get(name) for f in frames[:n]])
        ref = _array(truth["frames"][name][:n])
        ok = np.isfinite(est) & np.isfinite(ref)
        err = est[ok] - ref[ok]
        out["angles"][name] = ({"n": int(ok.sum()), "mae_deg": round(float(np.abs(err).mean()), 2),
                                "bias_deg": round(float(err.mean()), 2), "p95_abs_deg": round(float(np.percentile(np.abs(err), 95)), 2)}
                               if ok.any() else {"n": 0})
    bend = _array([f.get("spine_bend_deg") for f in frames[:n]])
    spine = []
    for rep in truth["faults"]:
        sl = slice(rep["start"], rep["end"] + 1)
        finite = bend[sl][np.isfinite(bend[sl])]
        spine.append({"truth_lumbar_max_deg": rep["spine_flexion"]["lumbar_max_deg"],
                      "truth_spine_max_deg": float(np.nanmax(_array(truth["frames"]["spine_flexion_deg"][sl]))),
                      "truth_label": rep["spine_flexion"]["label"],
                      "formcheck_bend_max_deg": float(finite.max()) if len(finite) else None})
    out["spine"] = spine
    out["formcheck_faults"] = sorted({f["rule"] + ":" + f["severity"] for f in report.get("faults", [])})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("truth", type=Path)
    ap.add_argument("report", type=Path)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    result = compare(json.loads(args.truth.read_text()), json.loads(args.report.read_text()))
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
