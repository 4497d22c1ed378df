"""Assess: from an analysed clip to what was lifted, how, and the spine measures.

analysis (landmarks, angles) -> view -> rep signal and spells -> lift -> reps -> spine (with the
back contour measured on a second, short model pass over the rep frames). Contour results are
cached like the landmarks, so re-scoring with other thresholds runs no model at all.
"""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from formcheck import assets
from formcheck.analysis import Analysis
from formcheck.filtering import FilterSettings, clean
from formcheck.landmarks import Poses
from formcheck.lift import LIFTS, LiftCall, classify_lift
from formcheck.pose import MaskEstimator, PoseSettings
from formcheck.reps import Rep, RepSettings, extension, segment, spells
from formcheck.spine import Spine, SpineSettings, contour_bends, contour_frames, measure, standing_frames
from formcheck.video import VideoReader
from formcheck.view import View, classify_view

UPRIGHT_TRUNK_DEG = 30.0  # a deadlift lockout has the trunk within this of vertical


@dataclasses.dataclass(frozen=True)
class Assessment:
    """motion: landmarks cleaned but keeping points the model marks hidden (for the rep signal and
    the view); extension: the rep signal (see `reps`)."""

    view: View
    lift: LiftCall
    motion: Poses
    extension: np.ndarray
    reps: list[Rep]
    spine: Spine | None


def _bends_cached(
    video: str | os.PathLike, sha256: str, model: str, frames: list[int], poses: Poses, side: str, facing: int,
    max_people: int,
) -> dict[int, float]:
    key = assets.cache_key("contour-v3", sha256, model, max_people, side, facing, frames)
    path = assets.cache_dir("contour") / f"{key}.json"
    if path.is_file():
        return {int(k): (float("nan") if v is None else float(v)) for k, v in json.loads(path.read_text()).items()}
    wanted = set(frames)
    images = {}
    bends: dict[int, float] = {}
    with MaskEstimator(assets.resolve_model(model), PoseSettings(model=model, max_people=max_people)) as estimator, \
            VideoReader(video) as reader:
        for frame in reader.frames("rgb24"):
            if frame.index in wanted:
                images[frame.index] = frame.image
                if len(images) >= 8:  # measure in small batches: frames are large
                    bends.update(contour_bends(images, poses, side, facing, estimator.detect))
                    images.clear()
        bends.update(contour_bends(images, poses, side, facing, estimator.detect))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({str(k): (v if np.isfinite(v) else None) for k, v in bends.items()}))
    os.replace(tmp, path)
    return {k: (v if v is not None else float("nan")) for k, v in bends.items()}


def assess(
    analysis: Analysis, lift: str | None = None, rep_settings: RepSettings = RepSettings(),
    spine_settings: SpineSettings = SpineSettings(), measure_contour: bool = True,
) -> Assessment:
    """lift: 'squat', 'deadlift' or 'rdl' to override the automatic call."""
    report = analysis.report
    motion = clean(analysis.raw, FilterSettings(**{**report.settings["filter"], "min_visibility": 0.0}))
    view = classify_view(motion)
    ext = extension(analysis.poses, motion)
    t = analysis.poses.time_s
    spell_list = spells(ext, t, rep_settings)
    call = classify_lift(motion, analysis.angles["hip_deg"], spell_list)
    if lift is not None:
        call = LiftCall(lift, {**call.evidence, "override": 1.0})
    if call.kind not in LIFTS:
        return Assessment(view, call, motion, ext, [], None)
    trunk = analysis.angles["trunk_incline_deg"]
    upright = ~(np.abs(trunk) > UPRIGHT_TRUNK_DEG)  # NaN (unknown) counts as upright
    reps = segment(ext, t, call.kind, rep_settings, upright=upright)
    side, facing = analysis.angles.side, analysis.angles.facing
    if side is None:
        return Assessment(view, call, motion, ext, reps, None)
    standing = standing_frames(ext, rep_settings.up)
    bends: dict[int, float] = {}
    if measure_contour and reps:
        frames = contour_frames(reps, t, spine_settings)
        pose_settings = report.settings["pose"]
        bends = _bends_cached(report.video.path, report.video.sha256, pose_settings["model"], frames,
                              analysis.poses, side, facing, pose_settings["max_people"])
    spine = measure(analysis.poses, analysis.angles.values, side, standing, bends, spine_settings)
    return Assessment(view, call, motion, ext, reps, spine)

