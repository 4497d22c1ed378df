"""Report: everything one analysis found, as JSON (schema_version'd) and as a per-frame CSV.

Top-level JSON keys: schema_version, formcheck_version, video, model, settings, camera,
angle_conventions, frames, and lift, view, reps, faults, score, warnings, reference (the
lifter's reference session each rep was compared with, or null), which form scoring fills. Each frame: {index, time_s, pose, angles: {name: degrees or null}}.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from formcheck import __version__
from formcheck.angles import ANGLE_NAMES
from formcheck.video import VideoInfo

SCHEMA_VERSION = 1

ANGLE_CONVENTIONS = {
    "trunk_incline_deg": "hip->shoulder line from vertical; 0 upright, + leaning forward, - leaning back",
    "hip_deg": "shoulder-hip-knee internal angle; 180 straight, < 180 flexed, > 180 extended",
    "knee_deg": "hip-knee-ankle internal angle; 180 straight leg, < 180 flexed",
    "ankle_deg": "knee-ankle-toe internal angle; about 100-110 standing, smaller = more dorsiflexion",
    "neck_deg": "shoulder->ear line against the trunk line; 0 in line, + head forward/down, - head back",
    "elbow_deg": "shoulder-elbow-wrist internal angle; 180 straight arm",
}


def _num(value: float, digits: int = 2) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


@dataclasses.dataclass(frozen=True)
class Report:
    """One analysed clip. `angles` maps each name in ANGLE_NAMES to float (frames,) degrees."""

    video: VideoInfo
    model: dict
    settings: dict
    camera: dict
    time_s: np.ndarray
    pose: np.ndarray
    angles: dict[str, np.ndarray]
    lift: str | None = None
    view: str | None = None
    reps: list = dataclasses.field(default_factory=list)
    faults: list = dataclasses.field(default_factory=list)
    score: float | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    frame_status: list[dict] = dataclasses.field(default_factory=list)  # per frame: status, check
    spine_bend_deg: np.ndarray | None = None  # per frame: back-contour bend (see spine.py), NaN unmeasured
    assessment: dict = dataclasses.field(default_factory=dict)  # lift evidence, spine baseline, thresholds
    reference: dict | None = None  # the reference session judged against (relative.py), or None

    @property
    def pose_fraction(self) -> float:
        return float(np.mean(self.pose)) if len(self.pose) else 0.0

    def frames(self) -> list[dict]:
        return list(self.iter_frames())

    def iter_frames(self) -> Iterator[dict]:
        """The `frames` entries one at a time (the JSON and CSV writers stream them)."""
        status = self.frame_status or [{"status": "unscored", "check": None}] * len(self.time_s)
        return (
            {
                "index": i,
                "time_s": round(float(self.time_s[i]), 4),
                "pose": bool(self.pose[i]),
                "angles": {name: _num(self.angles[name][i]) for name in ANGLE_NAMES},
                "spine_bend_deg": None if self.spine_bend_deg is None else _num(self.spine_bend_deg[i]),
                **status[i],
            }
            for i in range(len(self.time_s))
        )

    def to_dict(self, frames: bool = True) -> dict:
        head = {
            "schema_version": SCHEMA_VERSION,
            "formcheck_version": __version__,
            "video": self.video.to_dict(),
            "model": self.model,
            "settings": self.settings,
            "camera": self.camera,
            "angle_conventions": ANGLE_CONVENTIONS,
            "lift": self.lift,
            "view": self.view,
            "reps": self.reps,
            "faults": self.faults,
            "score": self.score,
            "warnings": self.warnings,
            "reference": self.reference,
            "assessment": self.assessment,
        }
        return {**head, "frames": self.frames()} if frames else head

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"report schema_version {data.get('schema_version')} is not {SCHEMA_VERSION}")
        frames = data["frames"]
        return cls(
            video=VideoInfo.from_dict(data["video"]),
            model=data["model"],
            settings=data["settings"],
            camera=data["camera"],
            time_s=np.array([f["time_s"] for f in frames], np.float64),
            pose=np.array([f["pose"] for f in frames], bool),
            angles={
                name: np.array([np.nan if f["angles"][name] is None else f["angles"][name] for f in frames])
                for name in ANGLE_NAMES
            },
            lift=data["lift"], view=data["view"], reps=data["reps"], faults=data["faults"],
            score=data["score"], warnings=data["warnings"],
            frame_status=[{"status": f.get("status", "unscored"), "check": f.get("check")} for f in frames],
            spine_bend_deg=np.array([np.nan if f.get("spine_bend_deg") is None else f["spine_bend_deg"] for f in frames]),
            assessment=data.get("assessment", {}),
            reference=data.get("reference"),
        )

    def write_json(self, path: str | os.PathLike) -> Path:
        """Written frame by frame, so a long clip's report is never held as one string."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        head = json.dumps({**self.to_dict(frames=False), "frames": None}, indent=1, allow_nan=False)
        before, after = head.rsplit("null", 1)
        with open(tmp, "w") as f:
            f.write(before + "[")
            for i, frame in enumerate(self.iter_frames()):
                f.write(("," if i else "") + "\n  " + json.dumps(frame, allow_nan=False))
            f.write("\n ]" + after)
        os.replace(tmp, path)
        return path

    def write_csv(self, path: str | os.PathLike) -> Path:
        """One row per frame: index, time_s, pose (0/1), each angle (empty where unknown), then the
        frame's status and its worst check (rule, value, limit)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["index", "time_s", "pose", *ANGLE_NAMES, "spine_bend_deg", "status", "rule", "value", "limit"])
            for frame in self.iter_frames():
                check = frame["check"] or {}
                values = [frame["angles"][name] for name in ANGLE_NAMES]
                writer.writerow([frame["index"], f"{frame['time_s']:.4f}", int(frame["pose"]),
                                 *("" if v is None else v for v in values),
                                 "" if frame["spine_bend_deg"] is None else frame["spine_bend_deg"], frame["status"],
                                 check.get("rule", ""), check.get("value", ""), check.get("limit", "")])
        os.replace(tmp, path)
        return path


def read_json(path: str | os.PathLike) -> Report:
    return Report.from_dict(json.loads(Path(path).read_text()))
