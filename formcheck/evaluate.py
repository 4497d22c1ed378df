"""Evaluation: run the whole analysis on every clip of a labels file and compare.

Labels file columns (../shared/labels.csv): video, lift, view, reps, rep_frames, faults,
fault_frames, confidence, notes; `faults` is `none`, `unspecified` or rule names joined by `;`.

Clip-level fault detection: a clip "has" a rule when the analysis found at least one event of it
at fault severity (warnings do not count). For each rule: recall = found on clips labelled with
it; precision = of the clips it was found on, those labelled with it; false-alarm rate = found on
clips labelled `none`. Clips labelled `unspecified` count in neither set. Good lifts (a lift
labelled with no fault) with any rule at fault level are counted too, all and those whose label
is of high or medium confidence: how often a lifter who did it right is told otherwise. Each rule
is also counted with its warnings (`found_any`): a rule capped at a warning (faults.py) is
measured there.

Held out: a third of the clips, picked by the SHA-1 of the file name (`held_out`) before the rules
of thresholds 2026.12-2 were changed, are reported apart: no rule was changed by looking at them.
View accuracy is given over all clips and over lift clips alone (a clip with nobody lifting has no
view that decides what is scored; labels.csv gives `front` as a placeholder on an empty street).

Absolute and relative side by side: every clip is scored as formcheck scores it (a set of enough
reps judged against its own first reps too, relative.py) and with the absolute limits alone. With
a pairs file (CSV: reference, clip, split, why - clips of the same lifter), each clip is scored
again against its reference clip's shape, as if the lifter had saved that clip as their reference;
the pairs table reports, per split (calibration clips the relative limits were set on, held-out
clips they were not), rounded-back recall and good clips with a fault-level flag, without and
with the reference.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
from pathlib import Path

from formcheck import relative
from formcheck.analysis import AnalysisSettings, analyze
from formcheck.assess import assess
from formcheck.errors import FormcheckError
from formcheck.faults import RULES
from formcheck.pose import PoseSettings
from formcheck.scoring import score_report
from formcheck.thresholds import Thresholds

# A labelled "rear" view cannot be told from a front one (see view.py).
_VIEW_ALIASES = {"rear": "front"}
HELD_OUT_EVERY = 3  # one clip in three is held out (module doc)


def held_out(video: str) -> bool:
    return int(hashlib.sha1(video.encode()).hexdigest(), 16) % HELD_OUT_EVERY == 0


@dataclasses.dataclass(frozen=True)
class ClipResult:
    video: str
    lift: tuple[str, str | None]  # (expected, found)
    view: tuple[str, str | None]
    reps: tuple[int, int]
    faults: tuple[frozenset, frozenset]  # expected (None = unspecified), found
    unspecified: bool
    score: float | None
    error: str | None = None
    confidence: str = ""  # of the fault label: high, medium or low
    found_absolute: frozenset = frozenset()  # fault-level rules with the absolute limits alone
    found_any: frozenset = frozenset()  # rules found at warning or fault level

    def row(self) -> dict:
        return {
            "video": self.video, "lift": list(self.lift), "view": list(self.view), "reps": list(self.reps),
            "faults_expected": "unspecified" if self.unspecified else sorted(self.faults[0]) or ["none"],
            "faults_found": sorted(self.faults[1]) or ["none"], "score": self.score, "error": self.error,
            "confidence": self.confidence, "faults_found_absolute": sorted(self.found_absolute) or ["none"],
            "warned_or_worse": sorted(self.found_any) or ["none"], "held_out": held_out(self.video),
        }


def read_labels(path: str | os.PathLike) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _expected(label: dict) -> frozenset:
    faults = label["faults"].strip()
    return frozenset() if faults in ("none", "unspecified", "") else frozenset(faults.split(";"))


def _found(report, severities: tuple[str, ...] = ("fault",)) -> frozenset:
    return frozenset(e["rule"] for e in report.faults if e["severity"] in severities)


def _scored(video: Path, thresholds: Thresholds, model: str, **kw):
    analysis = analyze(video, AnalysisSettings(pose=PoseSettings(model=model)))
    assessment = assess(analysis)
    return analysis, assessment, score_report(analysis, assessment, thresholds, **kw)


def evaluate_clip(label: dict, videos: Path, thresholds: Thresholds, model: str) -> tuple[ClipResult, dict | None]:
    """The clip's result and its shape (relative.py; None when it has none), for the pairs."""
    unspecified = label["faults"].strip() == "unspecified"
    expected = _expected(label)
    expected_view = _VIEW_ALIASES.get(label["view"], label["view"])
    try:
        analysis, assessment, report = _scored(videos / label["video"], thresholds, model)
        absolute = score_report(analysis, assessment, thresholds, judge_relative=False)
    except FormcheckError as exc:
        return ClipResult(label["video"], (label["lift"], None), (expected_view, None), (int(label["reps"] or 0), 0),
                          (expected, frozenset()), unspecified, None, str(exc), label.get("confidence", "")), None
    return ClipResult(
        label["video"], (label["lift"], report.lift), (expected_view, report.view),
        (int(label["reps"] or 0), len(report.reps)), (expected, _found(report)), unspecified, report.score,
        confidence=label.get("confidence", ""), found_absolute=_found(absolute),
        found_any=_found(report, ("warn", "fault")),
    ), report.assessment.get("shape")


def evaluate_pair(pair: dict, labels: dict[str, dict], shapes: dict[str, dict | None], videos: Path,
                  thresholds: Thresholds, model: str) -> dict:
    """One clip against its same-lifter reference clip (module doc)."""
    label = labels[pair["clip"]]
    row = {"reference": pair["reference"], "clip": pair["clip"], "split": pair["split"],
           "faults_expected": "unspecified" if label["faults"].strip() == "unspecified" else
           sorted(_expected(label)) or ["none"]}
    shape = shapes.get(pair["reference"])
    if shape is None:
        return {**row, "basis": None, "why_not_reference": "the reference clip has no shape (no side-view reps)",
                "faults_found_absolute": None, "faults_found": None}
    reference = relative.Reference(pair["reference"], "", shape["lift"], shape)
    try:
        analysis, assessment, report = _scored(videos / pair["clip"], thresholds, model, reference=reference)
        absolute = score_report(analysis, assessment, thresholds, judge_relative=False)
    except FormcheckError as exc:
        return {**row, "basis": None, "why_not_reference": str(exc), "faults_found_absolute": None, "faults_found": None}
    rel = report.assessment.get("relative") or {}
    worst = [r["worst"] for r in rel.get("reps", []) if r["worst"]]
    return {**row, "basis": rel.get("basis"), "why_not_reference": rel.get("why_not_reference"),
            "faults_found_absolute": sorted(_found(absolute)) or ["none"], "faults_found": sorted(_found(report)) or ["none"],
            "worst": max(worst, key=lambda w: w["deviation"] / w["warn"], default=None)}


def summarise_pairs(rows: list[dict]) -> dict:
    """Per split: rounded-back recall and good clips with a fault-level flag, absolute / with reference."""
    out = {}
    for split in sorted({r["split"] for r in rows}):
        picked = [r for r in rows if r["split"] == split and r["faults_found"] is not None]
        rounded = [r for r in picked if "spine_flexion" in r["faults_expected"]]
        good = [r for r in picked if r["faults_expected"] == ["none"]]
        out[split] = {
            "pairs": len([r for r in rows if r["split"] == split]), "judged_against_reference":
                sum(r["basis"] == "reference" for r in picked),
            "spine_flexion_labelled": len(rounded),
            "spine_flexion_found_absolute": sum("spine_flexion" in r["faults_found_absolute"] for r in rounded),
            "spine_flexion_found_reference": sum("spine_flexion" in r["faults_found"] for r in rounded),
            "good_clips": len(good),
            "good_flagged_absolute": sum(r["faults_found_absolute"] != ["none"] for r in good),
            "good_flagged_reference": sum(r["faults_found"] != ["none"] for r in good),
        }
    return out


def _share(hits: int, of: int) -> float | None:
    return hits / of if of else None


def summarise(results: list[ClipResult], absolute_too: bool = True, splits: bool = True) -> dict:
    """absolute_too: also the same summary with the absolute limits alone (`absolute_only`);
    splits: also each split's own summary (`splits`: calibration, held_out)."""
    n = len(results)
    lifts = [r for r in results if r.lift[0] != "none"]
    summary = {
        "clips": n,
        "lift_accuracy": _share(sum(r.lift[0] == r.lift[1] for r in results), n),
        "view_accuracy": _share(sum(r.view[0] == r.view[1] for r in results), n),
        "view_accuracy_lift_clips": _share(sum(r.view[0] == r.view[1] for r in lifts), len(lifts)),
        "rep_count_exact": _share(sum(r.reps[0] == r.reps[1] for r in results), n),
        "faults": {},
    }
    # good lifts: a lift labelled with no fault and analysed; "flagged" = any rule at fault level
    good = [r for r in results if not r.unspecified and not r.faults[0] and r.lift[0] != "none" and not r.error]
    for key, clips in (("good_lifts", good), ("good_lifts_high_medium",
                                              [r for r in good if r.confidence in ("high", "medium")])):
        flagged = sum(bool(r.faults[1]) for r in clips)
        summary[key] = {"clips": len(clips), "with_fault_flag": flagged,
                        "share": flagged / len(clips) if clips else None}
    for rule in RULES:
        labelled = [r for r in results if not r.unspecified]
        positives = [r for r in labelled if rule.name in r.faults[0]]
        clean = [r for r in labelled if not r.faults[0]]
        found = [r for r in labelled if rule.name in r.faults[1]]
        hits = [r for r in positives if rule.name in r.faults[1]]
        alarms = [r for r in clean if rule.name in r.faults[1]]
        found_any = [r for r in labelled if rule.name in r.found_any]
        hits_any = [r for r in positives if rule.name in r.found_any]
        summary["faults"][rule.name] = {
            "labelled": len(positives), "found": len(found), "hits": len(hits), "false_alarms": len(alarms),
            "recall": _share(len(hits), len(positives)), "precision": _share(len(hits), len(found)),
            "false_alarm_rate": _share(len(alarms), len(clean)), "cap": rule.cap,
            "found_any": len(found_any), "recall_any": _share(len(hits_any), len(positives)),
            "precision_any": _share(len(hits_any), len(found_any)),
        }
    if absolute_too:
        summary["absolute_only"] = summarise(
            [dataclasses.replace(r, faults=(r.faults[0], r.found_absolute)) for r in results], False, False)
    if splits:
        summary["splits"] = {name: summarise([r for r in results if held_out(r.video) == flag], False, False)
                             for name, flag in (("calibration", False), ("held_out", True))}
    return summary


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def _good(g: dict) -> str:
    return f"{g['with_fault_flag']} of {g['clips']} ({_pct(g['share'])})"


def _splits_table(summary: dict) -> list[str]:
    splits = summary["splits"]
    lines = ["", "Calibration clips against held-out clips (module doc of formcheck/evaluate.py):", "",
             "| split | clips | lift right | view right (lift clips) | reps exact | good lifts with a fault-level "
             "flag | rules found at fault level: hits of calls |", "|---|---:|---:|---:|---:|---|---|"]
    for name, s in splits.items():
        calls = ", ".join(f"{rule} {f['hits']}/{f['found']}" for rule, f in s["faults"].items() if f["found"])
        lines.append(f"| {name.replace('_', '-')} | {s['clips']} | {_pct(s['lift_accuracy'])} | "
                     f"{_pct(s['view_accuracy_lift_clips'])} | {_pct(s['rep_count_exact'])} | "
                     f"{_good(s['good_lifts'])} | {calls or '-'} |")
    return lines


def markdown(summary: dict, results: list[ClipResult], thresholds_version: str, model: str) -> str:
    lines = [
        f"Model `{model}`, thresholds `{thresholds_version}`, {summary['clips']} clips.",
        "",
        "| measure | value |", "|---|---:|",
        f"| lift right (incl. no lift) | {_pct(summary['lift_accuracy'])} |",
        f"| view right, all clips | {_pct(summary['view_accuracy'])} |",
        f"| view right, lift clips | {_pct(summary['view_accuracy_lift_clips'])} |",
        f"| rep count exact | {_pct(summary['rep_count_exact'])} |",
        *[f"| good lifts{label} with a fault-level flag (absolute limits alone: "
          f"{a['with_fault_flag']} of {a['clips']}) | {_good(g)} |"
          for label, g, a in (("", summary["good_lifts"], summary["absolute_only"]["good_lifts"]),
                              (" (high/medium label)", summary["good_lifts_high_medium"],
                               summary["absolute_only"]["good_lifts_high_medium"]))],
        *_splits_table(summary),
        "", "Faults as formcheck scores them (absolute limits, and a set of 3 or more reps against its own first "
        "reps); in brackets, with the absolute limits alone. *Capped*: the rule can raise a warning, not a "
        "fault (faults.py); its warnings are counted in the last three columns.", "",
        "| fault | can call | labelled | found | recall | precision | false alarms on `none` clips | "
        "found incl. warnings | recall incl. warnings | precision incl. warnings |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, f in summary["faults"].items():
        a = summary["absolute_only"]["faults"][name]
        lines.append(f"| {name} | {'warning (capped)' if f['cap'] == 'warn' else 'fault'} | {f['labelled']} | "
                     f"{f['found']} ({a['found']}) | {_pct(f['recall'])} ({_pct(a['recall'])}) | "
                     f"{_pct(f['precision'])} ({_pct(a['precision'])}) | {f['false_alarms']} ({a['false_alarms']}) | "
                     f"{f['found_any']} | {_pct(f['recall_any'])} | {_pct(f['precision_any'])} |")
    lines += ["", "Held-out clips are marked H.", "",
              "| clip | lift (label / found) | view | reps | faults labelled | faults found | warnings too | score |",
              "|---|---|---|---|---|---|---|---:|"]
    for r in results:
        row = r.row()
        mark = lambda ok: "" if ok else " ✗"  # noqa: E731
        warned = sorted(r.found_any - r.faults[1])
        lines.append(
            f"| {r.video}{' H' if held_out(r.video) else ''} | {r.lift[0]} / {r.lift[1]}{mark(r.lift[0] == r.lift[1])} | "
            f"{r.view[0]} / {r.view[1]}{mark(r.view[0] == r.view[1])} | {r.reps[0]} / {r.reps[1]}"
            f"{mark(r.reps[0] == r.reps[1])} | "
            f"{', '.join(row['faults_expected']) if isinstance(row['faults_expected'], list) else row['faults_expected']} | "
            f"{', '.join(row['faults_found'])} | {', '.join(warned) or '-'} | {'-' if r.score is None else r.score} |"
            + (f" error: {r.error}" if r.error else "")
        )
    return "\n".join(lines) + "\n"


def _faults(found: list[str] | None) -> str:
    return "-" if found is None else ", ".join(found)


def pairs_markdown(summary: dict, rows: list[dict]) -> str:
    lines = ["", "## Against the lifter's own reference", "",
             "Each clip scored again against a clip of the same lifter as if it were their saved reference "
             "(relative.py). Calibration: the clips the relative limits were set on; held-out: clips they "
             "were not set on.", "",
             "| split | pairs | judged against the reference | rounded back found: absolute → with reference | "
             "good clips with a fault-level flag: absolute → with reference |", "|---|---:|---:|---|---|"]
    for split, s in summary.items():
        lines.append(f"| {split} | {s['pairs']} | {s['judged_against_reference']} | "
                     f"{s['spine_flexion_found_absolute']} → {s['spine_flexion_found_reference']} of "
                     f"{s['spine_flexion_labelled']} | {s['good_flagged_absolute']} → {s['good_flagged_reference']} "
                     f"of {s['good_clips']} |")
    lines += ["", "| reference | clip | split | faults labelled | found: absolute | found: with reference | basis | "
              "worst deviation / why not compared |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        w = r.get("worst")
        worst = (f"{w['measure']} {w['deviation']} {w['unit']} (warn {w['warn']}, fault {w['fault']}) at hip "
                 f"{w['hip_deg']}°" if w else "-")
        lines.append(f"| {r['reference']} | {r['clip']} | {r['split']} | {_faults(r['faults_expected']) if isinstance(r['faults_expected'], list) else r['faults_expected']} | "
                     f"{_faults(r['faults_found_absolute'])} | {_faults(r['faults_found'])} | {r['basis'] or '-'} | "
                     f"{r['why_not_reference'] or worst} |")
    return "\n".join(lines) + "\n"


def run(labels: str | os.PathLike, videos: str | os.PathLike, thresholds: Thresholds, model: str = "full",
        out: str | os.PathLike | None = None, progress=None,
        pairs: str | os.PathLike | None = None) -> tuple[dict, list[ClipResult], str]:
    rows = read_labels(labels)
    pair_rows = read_labels(pairs) if pairs else []
    results, shapes = [], {}
    total = len(rows) + len(pair_rows)
    for i, label in enumerate(rows):
        result, shapes[label["video"]] = evaluate_clip(label, Path(videos), thresholds, model)
        results.append(result)
        if progress:
            progress(i + 1, total)
    summary = summarise(results)
    text = markdown(summary, results, thresholds.version, model)
    by_video = {label["video"]: label for label in rows}
    judged = []
    for i, pair in enumerate(pair_rows):
        if pair["clip"] not in by_video:
            raise FormcheckError(f"{pairs}: {pair['clip']} is not in {labels}")
        judged.append(evaluate_pair(pair, by_video, shapes, Path(videos), thresholds, model))
        if progress:
            progress(len(rows) + i + 1, total)
    if pair_rows:
        summary["pairs"] = summarise_pairs(judged)
        text += pairs_markdown(summary["pairs"], judged)
    if out:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "evaluation.json").write_text(json.dumps(
            {"model": model, "thresholds_version": thresholds.version, "summary": summary,
             "clips": [r.row() for r in results], "pairs": judged}, indent=1))
        (folder / "evaluation.md").write_text(text)
    return summary, results, text
