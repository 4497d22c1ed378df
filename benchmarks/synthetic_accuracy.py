"""Accuracy of formcheck on the synthetic benchmark set against its exact ground truth.

    .venv/bin/python benchmarks/synthetic_accuracy.py            # about 5-10 min; reruns ~2 min
    .venv/bin/python benchmarks/synthetic_accuracy.py --reuse    # tables from the reports already made

Runs `formcheck analyze` (real PoseLandmarker; the landmark cache makes reruns fast) on every clip
of benchmarks/synthetic/manifest.json (sha256 checked first), compares each report with the clip's
truth and writes docs/synthetic-accuracy.json and the tables of docs/synthetic-accuracy.md (the
part between its `<!-- tables -->` markers; the prose around them is written by hand).

Angle errors are formcheck minus truth in degrees, per frame where both exist, pooled over the
clips of one camera yaw: bias (mean), MAE (mean absolute error) and 95 % limits of agreement
(Bland-Altman: bias +/- 1.96 SD). Frames of one clip are strongly correlated, so the limits
describe the frames seen, not a population of lifters, and no confidence interval is claimed.
Two truths: `image` (the rig's joints projected through the camera: what formcheck should read in
that view) and `sagittal` (the body's true angles, whatever the camera).

Spine flexion counts as detected in a truth rep when formcheck raised a `spine_flexion` event
(warn or fault) overlapping it; a false alarm is such an event in a rep with no flexion. The same
for every rule the truth labels (LABELLED_RULES): a rep labelled warn or fault is found when
formcheck raised that rule overlapping it; a rule raised on a rep labelled ok is a false alarm.
The labels of the fault variants (clip.fault_labels `extra`: hips rising early, neck, lumbar
extension, bar drift) are computed here from every clip's truth frames, so the first 31 clips,
whose truth files predate them, are scored on them too (bar drift only where the truth has the
foot length: clips 31 on). numpy only.

    .venv/bin/python benchmarks/synthetic_accuracy.py --clips 31-38 --json /tmp/a.json --doc /tmp/a.md
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from formcheck.angles import ANGLE_NAMES
from formcheck.synth import benchset, clip, motion
from formcheck.synth.compare import array, compare

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "synthetic-accuracy.md"
START, END = "<!-- tables -->", "<!-- /tables -->"
Z95 = 1.96
SHORT = {"trunk_incline_deg": "trunk", "hip_deg": "hip", "knee_deg": "knee", "ankle_deg": "ankle",
         "neck_deg": "neck", "elbow_deg": "elbow"}
# What the truth can label (clip.fault_labels) -> formcheck's rule of the same fault.
# lumbar_extension has no rule of its own: a lumbar arch at lockout is what spine_hyperextension is
# for, though formcheck measures it as the trunk leaning back.
LABELLED_RULES = {"spine_flexion": "spine_flexion", "depth": "depth_shallow", "forward_lean": "forward_lean",
                  "lockout_lean_back": "spine_hyperextension", "lumbar_extension": "spine_hyperextension",
                  "hips_rise_early": "hips_rise_early", "neck_misalignment": "neck_misalignment", "bar_far": "bar_far"}
SEVERITY = {"unknown": -1, "ok": 0, "warn": 1, "fault": 2}


def truth_labels(truth: dict) -> list[dict[str, str]]:
    """Per truth rep: label name -> 'ok'/'warn'/'fault'/'unknown'. The labels in the truth file as
    they are; the variants' labels it lacks computed from its frames (clip.fault_labels)."""
    frames = {k: array(v) for k, v in truth["frames"].items() if k != "time_s"}
    reps = [motion.RepMarks(r["start"], r["turn"], r["end"]) for r in truth["reps"]]
    computed = clip.fault_labels(truth["spec"]["motion"]["lift"], reps, frames, extra=True,
                                 foot_length_m=truth.get("foot_length_m"))
    out = []
    for stored, extra in zip(truth["faults"], computed):
        labels = {k: v["label"] for k, v in extra.items() if isinstance(v, dict)}
        labels.update({k: v["label"] for k, v in stored.items() if isinstance(v, dict)})
        out.append(labels)
    return out


def rule_truth(labels: dict[str, str]) -> dict[str, str]:
    """formcheck rule -> the worst truth label of the labels that judge it."""
    out: dict[str, str] = {}
    for name, label in labels.items():
        rule = LABELLED_RULES.get(name)
        if rule is not None and (rule not in out or SEVERITY[label] > SEVERITY[out[rule]]):
            out[rule] = label
    return out


def analyse(video: Path, report: Path, model: str) -> None:
    run = subprocess.run([sys.executable, "-m", "formcheck.cli", "analyze", str(video), "--no-video",
                          "--json", str(report), "--model", model], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"formcheck analyze {video.name} failed: {run.stderr.strip()}")


def agreement(err: np.ndarray) -> dict:
    """Bias, MAE and 95 % limits of agreement of errors (degrees)."""
    if len(err) < 2:
        return {"n": int(len(err))}
    bias, sd = float(err.mean()), float(err.std(ddof=1))
    return {"n": int(len(err)), "bias_deg": round(bias, 2), "mae_deg": round(float(np.abs(err).mean()), 2),
            "loa_deg": [round(bias - Z95 * sd, 2), round(bias + Z95 * sd, 2)]}


def clip_figures(entry: dict, truth: dict, report: dict) -> dict:
    """compare() plus per-frame errors against both truths and per-rep spine detection."""
    fig = compare(truth, report)
    frames = report["frames"]
    n = fig["frames"]
    fig["errors"] = {}
    for name in ANGLE_NAMES:
        est = array([f["angles"].get(name) for f in frames[:n]])
        for kind, key in (("image", name), ("sagittal", f"sagittal_{name}")):
            ref = array(truth["frames"][key][:n])
            ok = np.isfinite(est) & np.isfinite(ref)
            fig["errors"][f"{kind}:{name}"] = est[ok] - ref[ok]
    events = report.get("faults", [])
    reps = []
    for rep, labels in zip(truth["faults"], truth_labels(truth)):
        sl = slice(rep["start"], rep["end"] + 1)
        overlapping = [e for e in events if e["start"] <= rep["end"] and e["end"] >= rep["start"]]
        got = {e["rule"] for e in overlapping}
        by_rule = rule_truth(labels)
        reps.append({
            "lumbar_max_deg": float(np.nanmax(array(truth["frames"]["lumbar_flexion_deg"][sl]))),
            "thoracic_max_deg": float(np.nanmax(array(truth["frames"]["thoracic_flexion_deg"][sl]))),
            "spine_flexion_found": "spine_flexion" in got,
            "labels": labels,
            "truth_labels": by_rule,
            "rules_found": sorted(got),
            "unexpected": sorted(r for r in got if by_rule.get(r, "ok") == "ok"),
        })
    fig["rep_checks"] = reps
    fig["entry"] = {k: entry[k] for k in ("name", "lift", "yaw_deg", "lumbar_peak_deg", "thoracic_peak_deg",
                                          "plate_radius_m", "reps")}
    fig["entry"]["variant"] = entry.get("variant", {}).get("name", "")
    return fig


def rule_scores(figs: list[dict]) -> dict:
    """Per labelled rule, side view (yaw 90) and other yaws apart: reps labelled warn or fault and
    how many of them formcheck found (the rule raised overlapping the rep), reps labelled ok and
    how many of them it raised the rule on (false alarms). 'unknown' labels are left out."""
    out: dict = {}
    for rule in dict.fromkeys(LABELLED_RULES.values()):
        for where, sel in (("side", [f for f in figs if f["entry"]["yaw_deg"] == 90]),
                           ("other", [f for f in figs if f["entry"]["yaw_deg"] != 90])):
            cell = {"labelled": 0, "found": 0, "ok_reps": 0, "false_alarms": 0, "clips_labelled": []}
            for f in sel:
                for rep in f["rep_checks"]:
                    label = rep["truth_labels"].get(rule)
                    if label in ("warn", "fault"):
                        cell["labelled"] += 1
                        cell["found"] += rule in rep["rules_found"]
                        if f["entry"]["name"].split("_")[2] not in cell["clips_labelled"]:
                            cell["clips_labelled"].append(f["entry"]["name"].split("_")[2])
                    elif label == "ok":
                        cell["ok_reps"] += 1
                        cell["false_alarms"] += rule in rep["rules_found"]
            out.setdefault(rule, {})[where] = cell
    return out


def summarise(figs: list[dict]) -> dict:
    yaws = sorted({f["entry"]["yaw_deg"] for f in figs}, reverse=True)
    out = {"clips": len(figs), "reps": sum(f["reps"]["truth"] for f in figs), "angles": {}, "detection": {},
           "reps_counted": {}, "view": {}, "spine": {}, "false_alarms": {}}
    # The goal of issue 6 is about a true side view: per lift, and on the clips tracked well.
    side = [f for f in figs if f["entry"]["yaw_deg"] == 90]
    for lift in ("deadlift", "squat"):
        for name in ANGLE_NAMES:
            sel = [f for f in side if f["entry"]["lift"] == lift]
            good = [f for f in sel if f["detection_rate"] >= 0.95]
            out.setdefault("side_by_lift", {}).setdefault(lift, {})[name] = {
                "all": agreement(_cat([f["errors"][f"image:{name}"] for f in sel])),
                "tracked_95pct": agreement(_cat([f["errors"][f"image:{name}"] for f in good])),
                "clips": len(sel), "clips_tracked_95pct": len(good)}
    for yaw in yaws:
        sel = [f for f in figs if f["entry"]["yaw_deg"] == yaw]
        key = str(int(yaw))
        for kind in ("image", "sagittal"):
            for name in ANGLE_NAMES:
                err = np.concatenate([f["errors"][f"{kind}:{name}"] for f in sel])
                out["angles"].setdefault(kind, {}).setdefault(name, {})[key] = agreement(err)
        for lift in ("deadlift", "squat"):
            lsel = [f for f in sel if f["entry"]["lift"] == lift]
            frames = sum(f["frames"] for f in lsel)
            out["detection"].setdefault(lift, {})[key] = round(
                sum(f["detection_rate"] * f["frames"] for f in lsel) / frames, 4) if frames else None
        out["reps_counted"][key] = {"clips": len(sel), "exact": sum(f["reps"]["truth"] == f["reps"]["formcheck"] for f in sel),
                                    "truth_reps": sum(f["reps"]["truth"] for f in sel),
                                    "formcheck_reps": sum(f["reps"]["formcheck"] for f in sel)}
        out["view"][key] = dict(sorted(_count(f["view"] for f in sel).items()))
        # Spine flexion by lift and the clip's asked-for peak (thoracic clips apart).
        for lift in ("deadlift", "squat"):
            table = defaultdict(lambda: [0, 0])
            for f in sel:
                e = f["entry"]
                if e["lift"] != lift:
                    continue
                level = f"thoracic {int(e['thoracic_peak_deg'])}" if e["thoracic_peak_deg"] else f"lumbar {int(e['lumbar_peak_deg'])}"
                for rep in f["rep_checks"]:
                    table[level][0] += rep["spine_flexion_found"]
                    table[level][1] += 1
            cell = {level: {"found": v[0], "reps": v[1]} for level, v in sorted(table.items(), key=_level_order)}
            lumbar_ok = [int(level.split()[1]) for level, v in cell.items()
                         if level.startswith("lumbar") and int(level.split()[1]) > 0 and v["found"] >= 0.9 * v["reps"]]
            cell["smallest_lumbar_found_90pct_deg"] = min(lumbar_ok) if lumbar_ok else None
            out["spine"].setdefault(key, {})[lift] = cell
        alarms = defaultdict(int)
        neutral = 0
        for f in sel:
            for rep in f["rep_checks"]:
                neutral += rep["lumbar_max_deg"] < 1 and rep["thoracic_max_deg"] < 1
                for rule in rep["unexpected"]:
                    alarms[rule] += 1
        out["false_alarms"][key] = {"reps": sum(len(f["rep_checks"]) for f in sel), "neutral_reps": neutral,
                                    "spine_flexion_on_neutral_reps": sum(
                                        r["spine_flexion_found"] for f in sel for r in f["rep_checks"]
                                        if r["lumbar_max_deg"] < 1 and r["thoracic_max_deg"] < 1),
                                    "by_rule": dict(sorted(alarms.items()))}
    out["rules"] = rule_scores(figs)
    return out


def _cat(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0)


def _count(items) -> dict:
    out: dict = defaultdict(int)
    for x in items:
        out[str(x)] += 1
    return out


def _level_order(item):
    kind, deg = item[0].split()
    return (kind != "lumbar", int(deg))


def tables(figs: list[dict], summary: dict) -> str:
    yaws = list(summary["reps_counted"])
    lines = ["### Angles against the image truth (what formcheck should read in that view)", "",
             "Degrees, formcheck minus truth, all frames of all clips of that yaw where both exist. "
             "LoA: 95 % limits of agreement (bias ± 1.96 SD).", "",
             "| angle | yaw | frames | bias | MAE | LoA | sagittal bias | sagittal MAE |", "|---|---|---|---|---|---|---|---|"]
    for name in ANGLE_NAMES:
        for yaw in yaws:
            a, s = summary["angles"]["image"][name][yaw], summary["angles"]["sagittal"][name][yaw]
            if a["n"] < 2:
                lines.append(f"| {SHORT[name]} | {yaw}° | {a['n']} | - | - | - | - | - |")
                continue
            lines.append(f"| {SHORT[name]} | {yaw}° | {a['n']} | {a['bias_deg']:+.1f} | {a['mae_deg']:.1f} | "
                         f"{a['loa_deg'][0]:+.1f} to {a['loa_deg'][1]:+.1f} | {s['bias_deg']:+.1f} | {s['mae_deg']:.1f} |")
    lines += ["", "### True side view (yaw 90) by lift", "",
              "The same against the image truth; the last two columns only on clips where the lifter was found on "
              "≥ 95 % of frames.", "",
              "| lift | angle | frames | bias | MAE | LoA | clips ≥ 95 % | MAE there | LoA there |",
              "|---|---|---|---|---|---|---|---|---|"]
    for lift, per in summary["side_by_lift"].items():
        for name, v in per.items():
            a, g = v["all"], v["tracked_95pct"]
            if a["n"] < 2:
                continue
            if g["n"] < 2:
                g = {"mae_deg": float("nan"), "loa_deg": [float("nan")] * 2}
            lines.append(f"| {lift} | {SHORT[name]} | {a['n']} | {a['bias_deg']:+.1f} | {a['mae_deg']:.1f} | "
                         f"{a['loa_deg'][0]:+.1f} to {a['loa_deg'][1]:+.1f} | {v['clips_tracked_95pct']}/{v['clips']} | "
                         f"{g['mae_deg']:.1f} | {g['loa_deg'][0]:+.1f} to {g['loa_deg'][1]:+.1f} |")
    lines += ["", "### Pose detection, view, reps", "",
              "| yaw | frames with a pose: deadlift | squat | view told (clips) | reps exact (clips) | reps truth / formcheck |",
              "|---|---|---|---|---|---|"]
    for yaw in yaws:
        d, r = summary["detection"], summary["reps_counted"][yaw]
        view = ", ".join(f"{k} {v}" for k, v in summary["view"][yaw].items())
        pct = lambda x: "-" if x is None else f"{100 * x:.0f} %"  # noqa: E731
        lines.append(f"| {yaw}° | {pct(d['deadlift'][yaw])} | {pct(d['squat'][yaw])} | {view} | "
                     f"{r['exact']}/{r['clips']} | {r['truth_reps']} / {r['formcheck_reps']} |")
    levels = sorted({lv for yaw in yaws for per in summary["spine"][yaw].values() for lv in per if " " in lv},
                    key=lambda lv: _level_order((lv,)))
    lines += ["", "### Spine flexion found (reps with a `spine_flexion` event / reps)", "",
              "Lumbar 0° is the false-alarm column: there a found rep is a false alarm.", "",
              "| yaw | lift | " + " | ".join(f"{lv}°" for lv in levels) + " | smallest lumbar found ≥ 90 % |",
              "|---|---|" + "---|" * (len(levels) + 1)]
    for yaw in yaws:
        for lift, per in summary["spine"][yaw].items():
            cells = []
            for lv in levels:
                v = per.get(lv)
                cells.append("-" if v is None else f"{v['found']}/{v['reps']}")
            best = per["smallest_lumbar_found_90pct_deg"]
            lines.append(f"| {yaw}° | {lift} | " + " | ".join(cells) + f" | {'none' if best is None else f'{best}°'} |")
    lines += ["", "### Faults raised where the truth has none (reps)", "",
              "| yaw | reps | `spine_flexion` on reps with no flexion | every rule raised on a rep the truth calls ok |",
              "|---|---|---|---|"]
    for yaw in yaws:
        fa = summary["false_alarms"][yaw]
        rules = ", ".join(f"{k} {v}" for k, v in fa["by_rule"].items()) or "none"
        lines.append(f"| {yaw}° | {fa['reps']} | {fa['spine_flexion_on_neutral_reps']}/{fa['neutral_reps']} | {rules} |")
    sources = defaultdict(list)
    for name, rule in LABELLED_RULES.items():
        sources[rule].append(name)
    lines += ["", "### Every labelled rule: found and false alarms (reps)", "",
              "Found: reps the truth labels warn or fault on which formcheck raised the rule (warn or fault). "
              "False alarms: reps the truth labels ok on which it raised the rule. Side view = yaw 90.", "",
              "| rule | truth label | side: found / labelled | side: false alarms / ok reps | other yaws: found / labelled "
              "| other yaws: false alarms / ok reps | labelled clips |", "|---|---|---|---|---|---|---|"]
    for rule, per in summary["rules"].items():
        s_, o_ = per["side"], per["other"]
        clips = ", ".join(s_["clips_labelled"] + o_["clips_labelled"]) or "-"
        lines.append(f"| `{rule}` | {', '.join(sources[rule])} | {s_['found']}/{s_['labelled']} | "
                     f"{s_['false_alarms']}/{s_['ok_reps']} | {o_['found']}/{o_['labelled']} | "
                     f"{o_['false_alarms']}/{o_['ok_reps']} | {clips} |")
    lines += ["", "### Clip by clip", "",
              "MAE in degrees against the image truth; spine: truth peak lumbar (thoracic) flexion / formcheck's "
              "largest back-contour bend in the reps.", "",
              "| # | lift | yaw | lumbar | thor. | plate Ø cm | detected | lift / view | reps | trunk | hip | knee | spine | faults |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for f in figs:
        e = f["entry"]
        mae = lambda k: "-" if f["angles"][k].get("n", 0) == 0 else f"{f['angles'][k]['mae_deg']:.1f}"  # noqa: E731
        bends = [s["formcheck_bend_max_deg"] for s in f["spine"] if s["formcheck_bend_max_deg"] is not None]
        truth_peak = max(r["lumbar_max_deg"] for r in f["rep_checks"])
        thor = max(r["thoracic_max_deg"] for r in f["rep_checks"])
        spine = f"{round(truth_peak)}" + (f" ({round(thor)})" if thor >= 1 else "") + " / " + (f"{round(max(bends))}" if bends else "-")
        faults = ", ".join(f["formcheck_faults"]) or "none"
        number = e["name"].split("_")[2] + (f" {e['variant']}" if e.get("variant") else "")
        lines.append(f"| {number} | {e['lift']} | {int(e['yaw_deg'])}° | {e['lumbar_peak_deg']:.0f} | "
                     f"{e['thoracic_peak_deg']:.0f} | {200 * e['plate_radius_m']:.0f} | {100 * f['detection_rate']:.0f} % | "
                     f"{f['lift']['formcheck']} / {f['view']} | {f['reps']['truth']}/{f['reps']['formcheck']} | "
                     f"{mae('trunk_incline_deg')} | {mae('hip_deg')} | {mae('knee_deg')} | {spine} | {faults} |")
    return "\n".join(lines)


def write_tables(doc: Path, text: str, title: str) -> None:
    """Put `text` between the START and END markers of `doc`, keeping the prose around them; a
    missing doc is made with a `# title` heading and empty markers first."""
    old = doc.read_text() if doc.is_file() else f"# {title}\n\n{START}\n{END}\n"
    head, rest = old.split(START, 1)
    doc.write_text(f"{head}{START}\n{text}\n{END}{rest.split(END, 1)[1]}")


def _span(part: str) -> range:
    lo, _, hi = part.strip().partition("-")
    return range(int(lo), int(hi or lo) + 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=benchset.SET_DIR, help="folder with manifest.json, clips and truths")
    ap.add_argument("--work", type=Path, default=REPO / "artifacts" / "synthetic-accuracy", help="reports go here")
    ap.add_argument("--model", default="full", choices=("lite", "full", "heavy"))
    ap.add_argument("--reuse", action="store_true", help="keep reports already in --work")
    ap.add_argument("--json", type=Path, default=REPO / "docs" / "synthetic-accuracy.json")
    ap.add_argument("--doc", type=Path, default=DOC, help="markdown whose tables section is rewritten")
    ap.add_argument("--clips", help="only these clip indices, e.g. 31-38 or 0,31-33 (write --json and --doc "
                    "elsewhere then: the committed ones describe the whole set)")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    wanted = {i for part in args.clips.split(",") for i in _span(part)} if args.clips else None
    figs = []
    for entry in benchset.checked_clips(args.set, indices=wanted):
        files = {k: args.set / v["file"] for k, v in entry["files"].items()}
        report = args.work / f"{entry['name']}.{args.model}.report.json"
        if not (args.reuse and report.is_file()):
            analyse(files["video"], report, args.model)
        fig = clip_figures(entry, json.loads(files["truth"].read_text()), json.loads(report.read_text()))
        figs.append(fig)
        print(f"{entry['name']}: detected {fig['detection_rate']:.0%}, reps {fig['reps']['truth']}/{fig['reps']['formcheck']}, "
              f"view {fig['view']}, faults {', '.join(fig['formcheck_faults']) or 'none'}", flush=True)
    summary = summarise(figs)
    summary["model"] = args.model
    per_clip = [{k: v for k, v in f.items() if k != "errors"} for f in figs]
    args.json.write_text(json.dumps({"summary": summary, "clips": per_clip}, indent=1) + "\n")
    text = tables(figs, summary)
    write_tables(args.doc, text, "Synthetic accuracy")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
