"""Reps: segment a set into repetitions from how high the lifter's shoulders are.

The signal is `extension`: shoulder height above the ankle, over the same height when the lifter
stands tall (95th percentile over the clip). 1.0 is standing or locked out; a parallel squat or a
deadlift set-up is ~0.6-0.75. Shoulders drop in both a squat and a hip hinge, and hardly at all
while walking in, unracking or setting the feet, which keeps those out of the count.

Hysteresis: the lifter is "up" above `up`, "down" below `down`, and keeps the last state in
between, so jitter around one line never makes a phantom rep. Then:
- squat and RDL: up -> down -> up is one rep (start, bottom, end); a clip that starts at the
  bottom or ends there holds a partial rep, which is not counted;
- deadlift: down -> up is one pull (lift-off, lockout), with the lowering that follows when
  the clip shows it (LABELS.md: a clip that starts at lockout, lowers and pulls again is one rep).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from formcheck.landmarks import Landmark, Poses


@dataclasses.dataclass(frozen=True)
class RepSettings:
    up: float = 0.92  # extension above which the lifter is standing / locked out
    down: float = 0.82  # extension below which the lifter is in the hole / at the floor
    plateau: float = 0.03  # start and end are where extension comes within this of its turn value
    min_rep_s: float = 0.5  # shorter excursions are jitter or a bounce, not reps
    min_state_s: float = 0.2  # an up or down spell shorter than this is a landmark glitch
    min_concentric_s: float = 0.3  # standing up faster than this is not a loaded rep (e.g. after dropping the bar)
    plausible: tuple[float, float] = (0.15, 1.35)  # extension outside this is a mis-tracked frame


@dataclasses.dataclass(frozen=True)
class Rep:
    """Frames are clip frame indices. `turn` is the bottom (squat, RDL) or the lockout (deadlift).
    eccentric_s / concentric_s: lowering and lifting time; range_of_motion: drop in extension
    (fraction of standing shoulder height) between the top and the bottom."""

    index: int
    start: int
    turn: int
    end: int
    turn_kind: str
    eccentric_s: float
    concentric_s: float
    range_of_motion: float

    def frames(self) -> range:
        return range(self.start, self.end + 1)

    def to_dict(self) -> dict:
        return {
            "index": self.index, "start": self.start, self.turn_kind: self.turn, "end": self.end,
            "eccentric_s": round(self.eccentric_s, 3), "concentric_s": round(self.concentric_s, 3),
            "range_of_motion": round(self.range_of_motion, 3),
        }


def _height_px(poses: Poses) -> np.ndarray:
    """Mid-shoulder height above the lower ankle, in pixels (frames,)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames are expected
        shoulder = np.nanmean(poses.image_px[:, [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER], 1], axis=1)
        ankle = np.nanmax(poses.image_px[:, [Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE], 1], axis=1)
    return ankle - shoulder


def extension(poses: Poses, hidden_too: Poses | None = None) -> np.ndarray:
    """float (frames,): shoulder height above the ankles over the standing value (see module doc).

    poses: cleaned landmarks (hidden points dropped). hidden_too: the same cleaned but keeping
    the points the model marks as hidden, used on frames where `poses` has no height: in a
    side-view deadlift the near plate often hides the ankles, and the model's estimate of them
    is better than no rep signal at all.
    """
    height = _height_px(poses)
    if hidden_too is not None:
        height = np.where(np.isfinite(height), height, _height_px(hidden_too))
    if not np.isfinite(height).any():
        return np.full(poses.n_frames, np.nan)
    standing = np.nanpercentile(height, 95)
    return height / standing if standing > 0 else np.full(poses.n_frames, np.nan)


def _plausible(ext: np.ndarray, settings: RepSettings) -> np.ndarray:
    low, high = settings.plausible
    return np.where((ext >= low) & (ext <= high), ext, np.nan)


def _states(ext: np.ndarray, settings: RepSettings) -> np.ndarray:
    """int8 (frames,): +1 up, -1 down, 0 unknown. A frame between the lines keeps the last state;
    a NaN frame is 0 (it neither lengthens nor ends a spell)."""
    state = np.zeros(len(ext), np.int8)
    current = 0
    for i, value in enumerate(ext):
        if not np.isfinite(value):
            continue
        if value >= settings.up:
            current = 1
        elif value <= settings.down:
            current = -1
        state[i] = current
    return state


def _spells(state: np.ndarray, time_s: np.ndarray, min_s: float) -> list[tuple[int, int, int]]:
    """(state, first, last) for each run of equal non-zero state; runs shorter than min_s are
    dropped and their neighbours of equal state merged."""
    runs: list[tuple[int, int, int]] = []
    for i, s in enumerate(state):
        if s == 0:
            continue
        if runs and runs[-1][0] == s:
            runs[-1] = (s, runs[-1][1], i)
        else:
            runs.append((int(s), i, i))
    kept: list[tuple[int, int, int]] = []
    for run in runs:
        if time_s[run[2]] - time_s[run[1]] < min_s and run is not runs[-1]:
            continue
        if kept and kept[-1][0] == run[0]:
            kept[-1] = (run[0], kept[-1][1], run[2])
        else:
            kept.append(run)
    return kept


def _edge(ext: np.ndarray, lo: int, hi: int, target: float, tol: float, last: bool) -> int:
    """First (or last) frame in [lo, hi] whose extension is within tol of target."""
    idx = np.arange(lo, hi + 1)
    near = idx[np.abs(ext[lo:hi + 1] - target) <= tol]
    if len(near) == 0:
        return hi if last else lo
    return int(near[-1] if last else near[0])


def spells(ext: np.ndarray, time_s: np.ndarray, settings: RepSettings = RepSettings()) -> list[tuple[int, int, int]]:
    """(state, first frame, last frame) of each up (+1) or down (-1) spell, glitches removed."""
    filled = _plausible(np.asarray(ext, np.float64), settings)
    return _spells(_states(filled, settings), time_s, settings.min_state_s)


def segment(
    ext: np.ndarray, time_s: np.ndarray, lift: str, settings: RepSettings = RepSettings(),
    upright: np.ndarray | None = None,
) -> list[Rep]:
    """Reps in a clip. lift: 'squat', 'rdl' or 'deadlift' (see module doc for what a rep is).

    upright: bool (frames,), True where the trunk is upright enough for a lockout (unknown frames
    True). A deadlift pull counts only if the lifter is upright somewhere in its 'up' spell:
    LABELS.md, "a pull that never reaches lockout does not count".
    """
    filled = _plausible(np.asarray(ext, np.float64), settings)
    runs = spells(ext, time_s, settings)
    reps: list[Rep] = []

    def arg(fn, lo: int, hi: int) -> int:  # every run holds at least the finite frame that set it
        return lo + int(fn(filled[lo:hi + 1]))

    for k in range(len(runs) - 1):
        s0, a0, b0 = runs[k]
        s1, a1, b1 = runs[k + 1]
        if lift == "deadlift" and s0 == -1 and s1 == 1:
            if upright is not None and not upright[a1:b1 + 1].any():
                continue
            low = arg(np.nanargmin, a0, b0)
            start = _edge(filled, low, b0, filled[low], settings.plateau, last=True)
            top = arg(np.nanargmax, a1, b1)
            lockout = _edge(filled, b0, top, filled[top], settings.plateau, last=False)
            if k + 2 < len(runs):  # lowered again: the rep ends when the bar is back down
                a2, b2 = runs[k + 2][1], runs[k + 2][2]
                floor = arg(np.nanargmin, a2, b2)
                end = _edge(filled, b1, floor, filled[floor], settings.plateau, last=False)
            else:
                end = b1
            eccentric = time_s[end] - time_s[lockout] if end > lockout else 0.0
            concentric = time_s[lockout] - time_s[start]
            rom = filled[top] - filled[low]
            if concentric + eccentric >= settings.min_rep_s and concentric >= settings.min_concentric_s:
                reps.append(Rep(len(reps), start, lockout, end, "lockout", eccentric, concentric, float(rom)))
        elif lift != "deadlift" and s0 == 1 and s1 == -1 and k + 2 < len(runs):
            a2, b2 = runs[k + 2][1], runs[k + 2][2]
            top_before = arg(np.nanargmax, a0, b0)
            start = _edge(filled, top_before, b0, filled[top_before], settings.plateau, last=True)
            bottom = arg(np.nanargmin, a1, b1)
            top_after = arg(np.nanargmax, a2, b2)
            end = _edge(filled, b1, top_after, filled[top_after], settings.plateau, last=False)
            eccentric, concentric = time_s[bottom] - time_s[start], time_s[end] - time_s[bottom]
            rom = min(filled[top_before], filled[top_after]) - filled[bottom]
            if eccentric + concentric >= settings.min_rep_s and concentric >= settings.min_concentric_s:
                reps.append(Rep(len(reps), start, bottom, end, "bottom", eccentric, concentric, float(rom)))
    return reps
