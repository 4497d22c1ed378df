"""A formcheck report against a synthetic clip's ground truth (numpy only).

`compare(truth, report)` takes the truth JSON (clip.make_clip) and the report `formcheck analyze
--json` writes, both as dicts, and returns the pose-detection
rate, per-angle mean absolute error and bias (formcheck - truth, over frames where both exist)
against the `image` truth (the posed joints projected through the camera), rep counts, the
detected lift and view, per-rep spine measures and formcheck's faults.
"""

from __future__ import annotations

import numpy as np

from formcheck.angles import ANGLE_NAMES


def array(values) -> np.ndarray:
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
    for name in ANGLE_NAMES:
        est = array([f["angles"].get(name) for f in frames[:n]])
        ref = array(truth["frames"][name][:n])
        ok = np.isfinite(est) & np.isfinite(ref)
        err = est[ok] - ref[ok]
        out["angles"][name] = ({"n": int(ok.sum()), "mae_deg": round(float(np.abs(err).mean()), 2),
                                "bias_deg": round(float(err.mean()), 2), "p95_abs_deg": round(float(np.percentile(np.abs(err), 95)), 2)}
                               if ok.any() else {"n": 0})
    bend = array([f.get("spine_bend_deg") for f in frames[:n]])
    spine = []
    for rep in truth["faults"]:
        sl = slice(rep["start"], rep["end"] + 1)
        finite = bend[sl][np.isfinite(bend[sl])]
        spine.append({"truth_lumbar_max_deg": rep["spine_flexion"]["lumbar_max_deg"],
                      "truth_spine_max_deg": float(np.nanmax(array(truth["frames"]["spine_flexion_deg"][sl]))),
                      "truth_label": rep["spine_flexion"]["label"],
                      "formcheck_bend_max_deg": float(finite.max()) if len(finite) else None})
    out["spine"] = spine
    out["formcheck_faults"] = sorted({f["rule"] + ":" + f["severity"] for f in report.get("faults", [])})
    return out
