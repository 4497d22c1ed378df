"""Where MediaPipe puts its landmarks against the synthetic rig's joint centres, and how much of
formcheck's side-view angle bias that explains (docs/landmark-offsets.md says what was found).

    .venv/bin/python benchmarks/landmark_offsets.py      # a few seconds with the landmark cache warm

On the true side-view clips (yaw 90; not 46-47, clip 000's lifter again) of benchmarks/synthetic/ (sha256 checked against the
manifest), per frame: formcheck.analysis.analyze's landmarks (`raw`, as the model gave them for
the chosen lifter, and `poses`, after formcheck's filtering) minus the truth's `image_px` (the
rig's joint centres and the ear/heel/toe vertices projected through the camera), both mirrored so
the lifter faces +x. Each offset is expressed in the frame of a segment of the truth skeleton
(SEGMENTS: `along` from its first to its second point, `across` perpendicular, + in front of the
segment when it points up; for the foot, + below it), as a fraction of the segment's length in
that frame, and in cm at the body's mid-plane (pixels x camera distance / focal length; the near
and far sides are ~3 % nearer/farther). Frames are grouped by lift and, in deadlifts, by whether
the near plate covers the near leg (the near knee, ankle or mid-shin inside the plate's projected
outline, from the truth's bar position and the renderer's plate geometry). On the shaky clips
(camera shake, e.g. 037 and 038) the truth's `image_px` already follow the camera of each frame,
and the plate outline is projected through the same per-frame cameras (Camera.per_frame), not the
spec's steady one.

Attribution: for each clip, the median of the other clips' mean offsets (leave one clip out;
learned on the same lift, both lifts or squats only) is added to the clip's truth points in their
segment frames (APPLY; the hip on the thigh, or on the trunk for comparison), and formcheck's
angle maths (formcheck.synth.truth.joint_angles = angles.compute_angles, on the side formcheck
measured) is run on the shifted points. `definition` is that angle minus the truth angle; `left`
is formcheck's angle minus that angle: what remains once a constant body-relative offset of the
landmarks is allowed for. For comparison: each clip's own offsets (in-sample) and a constant
per-angle correction. Writes docs/landmark-offsets.json and the part of docs/landmark-offsets.md
between its `<!-- tables -->` markers. numpy and OpenCV; no model run when the cache is warm.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from formcheck.analysis import analyze
from formcheck.angles import ANGLE_NAMES
from formcheck.landmarks import side_landmark
from formcheck.synth import benchset, render
from formcheck.synth.compare import array
from formcheck.synth.truth import POINTS, Camera, joint_angles

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_accuracy import REPO, SHORT, agreement, write_tables

DOC = REPO / "docs" / "landmark-offsets.md"
# segment: (from, to) truth points; `along` runs from -> to.
SEGMENTS = {"trunk": ("hip", "shoulder"), "thigh": ("knee", "hip"), "shank": ("ankle", "knee"),
            "upper arm": ("elbow", "shoulder"), "forearm": ("wrist", "elbow"), "foot": ("heel", "foot_index")}
# (landmark, segment) rows of the tables; the first row of a landmark is the frame its offset is
# applied in for the attribution. MediaPipe's hip rides with the thigh: in the thigh's frame its
# offset hardly changes with the hip angle, in the trunk's it slides 0.3-1.9 cm per 10 degrees.
FRAMES = (("shoulder", "trunk"), ("hip", "thigh"), ("hip", "trunk"), ("knee", "thigh"), ("ankle", "shank"),
          ("heel", "foot"), ("foot_index", "foot"), ("elbow", "upper arm"), ("wrist", "forearm"), ("ear", "trunk"))
APPLY = {lm: seg for lm, seg in reversed(FRAMES)}
ATTRIBUTED = ANGLE_NAMES
GROUPS = ("squat", "deadlift, leg clear", "deadlift, leg behind plate", "squat, 45 cm plates")


def clip_data(entry: dict, folder: Path) -> dict:
    """Truth and formcheck's landmarks of one clip, mirrored so the lifter faces +x."""
    truth = json.loads((folder / entry["files"]["truth"]["file"]).read_text())
    cam = Camera.from_dict(truth["spec"]["camera"])
    facing = cam.facing()
    analysis = analyze(folder / entry["files"]["video"]["file"])
    n = truth["n_frames"]
    if analysis.raw.n_frames != n or np.abs(analysis.raw.time_s - array(truth["frames"]["time_s"])).max() > 1e-3:
        raise SystemExit(f"{entry['name']}: frames of the video and the truth do not line up")
    flip = np.array([facing, 1.0])
    near = cam.near_side
    far = "left" if near == "right" else "right"
    tr, mp = {}, {"raw": {}, "filtered": {}}
    for side, role in ((near, "near"), (far, "far")):
        for p in POINTS:
            tr[role, p] = np.asarray(truth["image_px"][f"{side}_{p}"], float) * flip
            mp["raw"][role, p] = analysis.raw.image_px[:, side_landmark(side, p), :2].astype(float) * flip
            mp["filtered"][role, p] = analysis.poses.image_px[:, side_landmark(side, p), :2].astype(float) * flip
    return {"entry": entry, "truth": truth, "camera": cam, "tr": tr, "mp": mp, "n": n,
            "m_per_px": cam.distance_m / cam.focal_px, "side": analysis.angles.side, "near": near,
            "angles": analysis.angles.values, "detected": float(analysis.raw.has_pose.mean()),
            "hidden": leg_behind_plate(truth, cam.per_frame(n), tr)}


def leg_behind_plate(truth: dict, cameras: list[Camera], tr: dict) -> np.ndarray:
    """bool (frames,): the near plate's projected outline covers the near knee, ankle or mid-shin.
    cameras: one per frame (Camera.per_frame: shaken for the shaky clips, as the renderer drew them)."""
    radius = truth["spec"]["look"]["plate_radius_m"]
    n = truth["n_frames"]
    if radius <= 0:
        return np.zeros(n, bool)
    cam = cameras[0]
    z = (-1.0 if cam.near_side == "left" else 1.0) * (render.PLATE_OFFSET_M + np.array([0.0, render.PLATE_WIDTH_M]))
    t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    flip = np.array([cam.facing(), 1.0])
    out = np.zeros(n, bool)
    for i, cam in enumerate(cameras):
        c = np.array([truth["frames"]["bar_forward_m"][i], truth["frames"]["bar_height_m"][i]])
        rim = np.concatenate([np.stack([c[0] + radius * np.cos(t), c[1] + radius * np.sin(t), np.full_like(t, zz)], -1)
                              for zz in z])
        hull = cv2.convexHull((cam.project(rim)[:, :2] * flip).astype(np.float32))
        pts = (tr["near", "knee"][i], tr["near", "ankle"][i], (tr["near", "knee"][i] + tr["near", "ankle"][i]) / 2)
        out[i] = any(cv2.pointPolygonTest(hull, (float(p[0]), float(p[1])), False) >= 0 for p in pts)
    return out


def segment_frame(tr: dict, role: str, segment: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit along (frames, 2), unit across (frames, 2; + in front) and length (frames,) in pixels."""
    a, b = SEGMENTS[segment]
    d = tr[role, b] - tr[role, a]
    length = np.hypot(d[:, 0], d[:, 1])
    u = d / length[:, None]
    return u, np.stack([-u[:, 1], u[:, 0]], -1), length


def offsets(clip: dict, source: str) -> dict:
    """(role, landmark, segment) -> (frames, 2) offsets as fractions of the segment: along, across."""
    out = {}
    for role in ("near", "far"):
        for lm, seg in FRAMES:
            u, v, length = segment_frame(clip["tr"], role, seg)
            d = clip["mp"][source][role, lm] - clip["tr"][role, lm]
            out[role, lm, seg] = np.stack([(d * u).sum(1), (d * v).sum(1)], -1) / length[:, None]
    return out


def group_of(clip: dict) -> np.ndarray:
    e = clip["entry"]
    if e["lift"] == "squat":
        return np.full(clip["n"], GROUPS[3] if e["plate_radius_m"] > 0 else GROUPS[0], object)
    return np.where(clip["hidden"], GROUPS[2], GROUPS[1]).astype(object)


def stats(clips: list[dict], source: str) -> dict:
    """group -> 'role landmark / segment' -> pooled and per-clip statistics (fractions and cm)."""
    pooled = defaultdict(lambda: defaultdict(list))
    for c in clips:
        off = offsets(c, source)
        groups = group_of(c)
        for key, val in off.items():
            _, _, length = segment_frame(c["tr"], key[0], key[2])
            cm = val * (length * c["m_per_px"] * 100)[:, None]
            for g in set(groups):
                sel = (groups == g) & np.isfinite(val).all(1)
                if sel.any():
                    pooled[g][key].append((c["entry"]["index"], val[sel], cm[sel]))
    out = {}
    for g, per in pooled.items():
        for key, items in per.items():
            frac = np.concatenate([x[1] for x in items])
            cm = np.concatenate([x[2] for x in items])
            clip_means = np.array([x[1].mean(0) for x in items])
            clip_cm = np.array([x[2].mean(0) for x in items])
            out.setdefault(g, {})[" ".join(key[:2]) + " / " + key[2]] = {
                "frames": len(frac), "clips": len(items),
                "mean": frac.mean(0).round(4).tolist(), "sd": frac.std(0, ddof=1).round(4).tolist() if len(frac) > 1 else None,
                "mean_cm": cm.mean(0).round(2).tolist(), "sd_cm": cm.std(0, ddof=1).round(2).tolist() if len(cm) > 1 else None,
                "clip_means": {str(x[0]): m.round(4).tolist() for x, m in zip(items, clip_means)},
                "clip_means_cm": {str(x[0]): m.round(2).tolist() for x, m in zip(items, clip_cm)},
                "clip_median": np.median(clip_means, 0).round(4).tolist(),
                "clip_sd": clip_means.std(0, ddof=1).round(4).tolist() if len(items) > 1 else None,
                "clip_sd_cm": clip_cm.std(0, ddof=1).round(2).tolist() if len(items) > 1 else None,
                "clip_range": [clip_means.min(0).round(4).tolist(), clip_means.max(0).round(4).tolist()]}
    return out


def clip_offset_means(clip: dict, source: str, apply: dict) -> dict:
    """(role, landmark) -> mean offset (2,) in the landmark's `apply` frame over frames tracked."""
    off = offsets(clip, source)
    out = {}
    for role in ("near", "far"):
        for lm in POINTS:
            val = off[role, lm, apply[lm]]
            ok = np.isfinite(val).all(1)
            if ok.sum() >= 5:
                out[role, lm] = val[ok].mean(0)
    return out


def _plated_squat(clip: dict) -> bool:
    """The squat with 45 cm plates: tracked on 6 % of frames, its offsets are a lost track."""
    return clip["entry"]["lift"] == "squat" and clip["entry"]["plate_radius_m"] > 0


def attribute(clips: list[dict], source: str = "filtered", learn: str = "same", hip: str = "thigh",
              own: bool = False) -> dict:
    """Per clip: formcheck's, the truth's and the model's angles, the model being the truth joints
    shifted by the median of the other clips' mean offsets. learn: which other clips, 'same' lift,
    'both' lifts or 'squat' only (no plate in the way); own: the clip's own mean offsets instead
    (in-sample). hip: the segment whose frame carries the hip."""
    apply = dict(APPLY, hip=hip)
    means = {c["entry"]["index"]: clip_offset_means(c, source, apply) for c in clips}
    per_clip = {}
    for c in clips:
        e = c["entry"]
        if c["side"] is None:
            continue
        others = [c] if own else [o for o in clips if o is not c and not _plated_squat(o)
                                  and (learn == "both" or o["entry"]["lift"] == (e["lift"] if learn == "same" else learn))]
        role_of = {c["near"]: "near", ("left" if c["near"] == "right" else "right"): "far"}
        shifted = {}
        for side, role in role_of.items():
            for lm in POINTS:
                vals = [means[o["entry"]["index"]][role, lm] for o in others if (role, lm) in means[o["entry"]["index"]]]
                off = np.median(vals, 0) if vals else np.zeros(2)
                u, v, length = segment_frame(c["tr"], role, apply[lm])
                p = c["tr"][role, lm] + (off[0] * u + off[1] * v) * length[:, None]
                shifted[f"{side}_{lm}"] = np.concatenate([p, np.zeros((c["n"], 1))], 1)
        t = array(c["truth"]["frames"]["time_s"])
        per_clip[e["index"]] = {"clip": c, "model": joint_angles(shifted, t, c["side"], 1),
                                "truth": {k: array(c["truth"]["frames"][k]) for k in ATTRIBUTED}}
    return per_clip


def attribution_table(per_clip: dict, clips_sel, own: dict | None = None) -> dict:
    """Pooled over the selected clips: total error, the part the offsets explain, what is left;
    for comparison what is left with each clip's own offsets (`own`, per_clip of attribute(own=True))
    and after a constant angle correction (the other clips' median angle bias)."""
    out = {}
    for name in ATTRIBUTED:
        acc = defaultdict(list)
        biases = {}
        for idx, d in per_clip.items():
            est, ref = d["clip"]["angles"][name], d["truth"][name]
            ok = np.isfinite(est) & np.isfinite(ref)
            if ok.sum():
                biases[idx] = float(np.mean(est[ok] - ref[ok]))
        for idx, d in per_clip.items():
            if idx not in clips_sel:
                continue
            est, ref, model = d["clip"]["angles"][name], d["truth"][name], d["model"][name]
            ok = np.isfinite(est) & np.isfinite(ref) & np.isfinite(model)
            if not ok.sum():
                continue
            acc["total"].append(est[ok] - ref[ok])
            acc["definition"].append(model[ok] - ref[ok])
            acc["left_after_offsets"].append(est[ok] - model[ok])
            if own:
                acc["left_after_own_clip_offsets"].append(est[ok] - own[idx]["model"][name][ok])
            other = [b for i, b in biases.items() if i != idx and i in clips_sel]
            acc["left_after_constant_angle"].append(est[ok] - ref[ok] - (np.median(other) if other else 0.0))
        if acc:
            out[name] = {k: agreement(np.concatenate(v)) for k, v in acc.items()}
    return out


def fmt(m: list, sd: list | None, scale: float = 100.0, dec: int = 1) -> tuple[str, str]:
    a = f"{scale * m[0]:+.{dec}f}" + (f" ± {scale * sd[0]:.{dec}f}" if sd else "")
    b = f"{scale * m[1]:+.{dec}f}" + (f" ± {scale * sd[1]:.{dec}f}" if sd else "")
    return a, b


def offset_tables(summary: dict) -> list[str]:
    lines = []
    for g in GROUPS[:3]:  # the plated squat (tracked on 6 % of frames) is in the JSON only
        per = summary["raw"].get(g)
        if not per:
            continue
        filt = summary["filtered"].get(g, {})
        lines += ["", f"#### {g}", "",
                  ("| landmark / segment | frames (clips) | along % | across % | along cm | across cm | "
                  "clip means along % (SD) | across % (SD) | filtered: along cm | across cm |"),
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for key, s in per.items():
            al, ac = fmt(s["mean"], s["sd"])
            cal, cac = fmt(s["mean_cm"], s["sd_cm"], 1.0)
            lo, hi = s["clip_range"]
            csd = s["clip_sd"] or [float("nan")] * 2
            f = filt.get(key)
            fal, fac = fmt(f["mean_cm"], None, 1.0) if f else ("-", "-")
            lines.append(f"| {key} | {s['frames']} ({s['clips']}) | {al} | {ac} | {cal} | {cac} | "
                         f"{100 * lo[0]:+.0f} to {100 * hi[0]:+.0f} ({100 * csd[0]:.1f}) | "
                         f"{100 * lo[1]:+.0f} to {100 * hi[1]:+.0f} ({100 * csd[1]:.1f}) | {fal} | {fac} |")
    return lines


def attribution_lines(attr: dict) -> list[str]:
    lines = [("| clips | offsets from | hip carried by | angle | frames | total bias | total MAE | definition bias | "
             "left: bias | left: MAE | left: LoA | left with own-clip offsets: MAE | constant-angle correction: MAE |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for label, per in attr.items():
        for name, v in per.items():
            t, d, r = v["total"], v["definition"], v["left_after_offsets"]
            o, k = v["left_after_own_clip_offsets"], v["left_after_constant_angle"]
            lines.append(f"| {label} | {SHORT[name]} | {t['n']} | {t['bias_deg']:+.1f} | {t['mae_deg']:.1f} | "
                         f"{d['bias_deg']:+.1f} | {r['bias_deg']:+.1f} | **{r['mae_deg']:.1f}** | "
                         f"{r['loa_deg'][0]:+.1f} to {r['loa_deg'][1]:+.1f} | {o['mae_deg']:.1f} | {k['mae_deg']:.1f} |")
    return lines


# (lift, only clips tracked >= 95 %, offsets learned on (attribute's `learn`), hip frame, angles shown)
CONFIGS = (("squat", False, "same", "thigh", ATTRIBUTED), ("squat", False, "same", "trunk", ATTRIBUTED[:3]),
           ("squat", False, "both", "thigh", ATTRIBUTED[:3]),
           ("deadlift", True, "same", "thigh", ATTRIBUTED), ("deadlift", True, "same", "trunk", ATTRIBUTED[:3]),
           ("deadlift", True, "squat", "thigh", ATTRIBUTED[:3]), ("deadlift", False, "same", "thigh", ATTRIBUTED[:3]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=benchset.SET_DIR)
    ap.add_argument("--json", type=Path, default=REPO / "docs" / "landmark-offsets.json")
    ap.add_argument("--doc", type=Path, default=DOC)
    args = ap.parse_args(argv)
    clips = []
    for entry in benchset.checked_clips(args.set, yaw_deg=90):
        if entry.get("body_of") is not None:
            continue  # clip 000's lifter again: a third copy of one body would leak into leave-one-clip-out
        clips.append(clip_data(entry, args.set))
        c = clips[-1]
        print(f"{entry['name']}: detected {c['detected']:.0%}, side {c['side']} (near {c['near']}), "
              f"leg behind plate on {c['hidden'].mean():.0%} of frames", flush=True)
    summary = {"raw": stats(clips, "raw"), "filtered": stats(clips, "filtered")}
    tracked = {c["entry"]["index"] for c in clips if c["detected"] >= 0.95}
    attr, attr_json, cache = {}, {}, {}
    for lift, only_tracked, learn, hip, shown in CONFIGS:
        if (learn, hip) not in cache:
            cache[learn, hip] = (attribute(clips, learn=learn, hip=hip), attribute(clips, hip=hip, own=True))
        per_clip, own = cache[learn, hip]
        sel = {i for i, d in per_clip.items() if d["clip"]["entry"]["lift"] == lift
               and d["clip"]["entry"]["plate_radius_m"] == (0.0 if lift == "squat" else render.PLATE_RADIUS_M)}
        sel = sel & tracked if only_tracked else sel
        label = (f"{lift}: {len(sel)}{' tracked ≥ 95 %' if only_tracked else ''} | "
                 f"{'both lifts' if learn == 'both' else (lift if learn == 'same' else learn) + 's'} | {hip}")
        res = attribution_table(per_clip, sel, own)
        attr[label] = {k: res[k] for k in shown if k in res}
        attr_json[label] = res
    per_clip, own = cache["same", "thigh"]
    per_clip_rows = {str(i): {"name": d["clip"]["entry"]["name"], "side": d["clip"]["side"], "near": d["clip"]["near"],
                              "detected": round(d["clip"]["detected"], 4),
                              "leg_behind_plate": round(float(d["clip"]["hidden"].mean()), 4),
                              **{SHORT[k]: v for k, v in attribution_table(per_clip, {i}, own).items() if k in ATTRIBUTED[:3]}}
                     for i, d in per_clip.items()}
    about = {"offsets": "source (raw/filtered) -> frame group -> 'role landmark / segment': [along, across] as fractions "
                        "of the segment (mean, sd over frames; clip_means per clip index; clip_median, clip_sd, "
                        "clip_range over clips) and the same in cm (*_cm); MediaPipe minus truth, lifter facing +x, "
                        "along from the segment's first to its second point, across + in front (foot: below)",
             "attribution": "label 'lift: clips | offsets learned on | hip carried by' -> angle -> agreement (n, bias_deg, "
                            "mae_deg, loa_deg) of total (formcheck - truth), definition (shifted truth - truth), "
                            "left_after_offsets (formcheck - shifted truth), left_after_own_clip_offsets, "
                            "left_after_constant_angle",
             "clips": "per clip: side measured, near side, detection, share of frames with the near leg behind the "
                      "plate, and the attribution of trunk/hip/knee (offsets of the same lift, hip on the thigh)"}
    args.json.write_text(json.dumps({"about": about, "offsets": summary, "attribution": attr_json,
                                     "clips": per_clip_rows}) + "\n")
    text = "\n".join(["### Landmark offsets (MediaPipe minus rig), raw model output",
                      "", ("Mean ± SD over frames; % of the segment's length in that frame; cm at the body's mid-plane. "
                      "Clip means: range over clips (SD of the clip means). `filtered`: mean after formcheck's "
                      "visibility drop and low-pass.")] + offset_tables(summary) +
                     ["", "### Angle bias attributed (filtered landmarks, offsets learned leave one clip out)", "",
                      ("Degrees. total: formcheck minus truth. definition: the truth joints moved by the other clips' "
                      "median offsets, minus truth. left: formcheck minus those moved joints (tracking error). "
                      "constant-angle correction: formcheck minus truth minus the other clips' median angle bias."), ""]
                     + attribution_lines(attr))
    write_tables(args.doc, text, "Landmark offsets")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
