"""Evaluation: run the whole analysis on every clip of a labels file and compare.

Labels file columns (../shared/labels.csv): video, lift, view, reps, rep_frames, faults,
fault_frames, confidence, notes; `faults` is `none`, `unspecified` or rule names joined by `;`.

Clip-level fault detection: a clip "has" a rule when the analysis found at least one event of it
at fault severity (warnings do not count). For each rule: recall = found on clips labelled with
it; precision = of the clips it was found on, those labelled with it; false-alarm rate = found on
clips labelled `none`. Clips labelled `unspecified` count in neither set. Good lifts (a lift
labelled with no fault) with any rule at fault level are counted too, all and those whose label
is of high or medium confidence: how often a lifter who did it right is told otherwise.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
from pathlib import Path

from formcheck.analysis import AnalysisSettings, analyze
from formcheck.assess import assess
from formcheck.errors import FormcheckError
from formcheck.faults import RULES
from formcheck.pose import PoseSettings
from formcheck.scoring import score_report
from formcheck.thresholds import Thresholds

# A labelled "rear" view cannot be told from a front one (see view.py).
_VIEW_ALIASES = {"rear": "front"}


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

    def row(self) -> dict:
        return {
            "video": self.video, "lift": list(self.lift), "view": list(self.view), "reps": list(self.reps),
            "faults_expected": "unspecified" if self.unspecified else sorted(self.faults[0]) or ["none"],
            "faults_found": sorted(self.faults[1]) or ["none"], "score": self.score, "error": self.error,
            "confidence": self.confidence,
        }


def read_labels(path: str | os.PathLike) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def evaluate_clip(label: dict, videos: Path, thresholds: Thresholds, model: str) -> ClipResult:
    expected_faults = label["faults"].strip()
    unspecified = expected_faults == "unspecified"
    expected = frozenset() if expected_faults in ("none", "unspecified", "") else frozenset(expected_faults.split(";"))
    expected_view = _VIEW_ALIASES.get(label["view"], label["view"])
    try:
        analysis = analyze(videos / label["video"], AnalysisSettings(pose=PoseSettings(model=model)))
        report = score_report(analysis, assess(analysis), thresholds)
    except FormcheckError as exc:
        return ClipResult(label["video"], (label["lift"], None), (expected_view, None), (int(label["reps"] or 0), 0),
                          (expected, frozenset()), unspecified, None, str(exc), label.get("confidence", ""))
    found = frozenset(e["rule"] for e in report.faults if e["severity"] == "fault")
    return ClipResult(
        label["video"], (label["lift"], report.lift), (expected_view, report.view),
        (int(label["reps"] or 0), len(report.reps)), (expected, found), unspecified, report.score,
        confidence=label.get("confidence", ""),
    )


def summarise(results: list[ClipResult]) -> dict:
    n = len(results)
    summary = {
        "clips": n,
        "lift_accuracy": sum(r.lift[0] == r.lift[1] for r in results) / n if n else None,
        "view_accuracy": sum(r.view[0] == r.view[1] for r in results) / n if n else None,
        "rep_count_exact": sum(r.reps[0] == r.reps[1] for r in results) / n if n else None,
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
        summary["faults"][rule.name] = {
            "labelled": len(positives), "found": len(found), "hits": len(hits), "false_alarms": len(alarms),
            "recall": len(hits) / len(positives) if positives else None,
            "precision": len(hits) / len(found) if found else None,
            "false_alarm_rate": len(alarms) / len(clean) if clean else None,
        }
    return summary


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def markdown(summary: dict, results: list[ClipResult], thresholds_version: str, model: str) -> str:
    lines = [
        f"Model `{model}`, thresholds `{thresholds_version}`, {summary['clips']} clips.",
        "",
        "| measure | value |", "|---|---:|",
        f"| lift right (incl. no lift) | {_pct(summary['lift_accuracy'])} |",
        f"| view right | {_pct(summary['view_accuracy'])} |",
        f"| rep count exact | {_pct(summary['rep_count_exact'])} |",
        *[f"| good lifts{label} with a fault-level flag | {g['with_fault_flag']} of {g['clips']} ({_pct(g['share'])}) |"
          for label, g in (("", summary["good_lifts"]), (" (high/medium label)", summary["good_lifts_high_medium"]))],
        "", "| fault | labelled | found | recall | precision | false alarms on `none` clips |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, f in summary["faults"].items():
        lines.append(f"| {name} | {f['labelled']} | {f['found']} | {_pct(f['recall'])} | {_pct(f['precision'])} | "
                     f"{f['false_alarms']} ({_pct(f['false_alarm_rate'])}) |")
    lines += ["", "| clip | lift (label / found) | view | reps | faults labelled | faults found | score |",
              "|---|---|---|---|---|---|---:|"]
    for r in results:
        row = r.row()
        mark = lambda ok: "" if ok else " ✗"  # noqa: E731
        lines.append(
            f"| {r.video} | {r.lift[0]} / {r.lift[1]}{mark(r.lift[0] == r.lift[1])} | {r.view[0]} / {r.view[1]}"
            f"{mark(r.view[0] == r.view[1])} | {r.reps[0]} / {r.reps[1]}{mark(r.reps[0] == r.reps[1])} | "
            f"{', '.join(row['faults_expected']) if isinstance(row['faults_expected'], list) else row['faults_expected']} | "
            f"{', '.join(row['faults_found'])} | {'-' if r.score is None else r.score} |"
            + (f" error: {r.error}" if r.error else "")
        )
    return "\n".join(lines) + "\n"


def run(labels: str | os.PathLike, videos: str | os.PathLike, thresholds: Thresholds, model: str = "full",
        out: str | os.PathLike | None = None, progress=None) -> tuple[dict, list[ClipResult], str]:
    rows = read_labels(labels)
    results = []
    for i, label in enumerate(rows):
        results.append(evaluate_clip(label, Path(videos), thresholds, model))
        if progress:
            progress(i + 1, len(rows))
    summary = summarise(results)
    text = markdown(summary, results, thresholds.version, model)
    if out:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "evaluation.json").write_text(json.dumps(
            {"model": model, "thresholds_version": thresholds.version, "summary": summary,
             "clips": [r.row() for r in results]}, indent=1))
        (folder / "evaluation.md").write_text(text)
    return summary, results, text
