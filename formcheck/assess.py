"""Assess: from an analysed clip to what was lifted, how, and the spine measures.

analysis (landmarks, angles, sampled masks) -> view -> rep signal and spells -> lift -> reps ->
spine (the back contour read from the masks sampled inside the reps). No model runs here, so
re-scoring with other thresholds or another lift runs no model at all.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck.analysis import Analysis
from formcheck.filtering import FilterSettings, clean
from formcheck.landmarks import Poses
from formcheck.lift import LIFTS, LiftCall, classify_lift
from formcheck.reps import Rep, RepSettings, extension, segment, spells
from formcheck.spine import Spine, SpineSettings, contour_frames, contour_measures, measure, standing_frames
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
    hollows: dict[int, float] = {}
    if measure_contour and reps:
        bends, hollows = contour_measures(analysis.masks, contour_frames(reps, analysis.masks), analysis.poses,
                                          side, facing)
    spine = measure(analysis.poses, analysis.angles.values, side, standing, bends, spine_settings, hollows)
    return Assessment(view, call, motion, ext, reps, spine)

