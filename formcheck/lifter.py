"""Lifter: link the people the model found into tracks, and pick the one who lifts.

With several people in view (a spotter, someone walking past) MediaPipe returns them in no fixed
order. Detections are linked frame to frame by the distance of their torso centres, measured in
body heights, and each track is scored by how long it is in view, how large, how central and how
much its hips travel up and down: the lifter is usually the largest, most central person for the
whole clip, and the one whose hips move through the lift.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from formcheck.landmarks import Landmark, Poses
from formcheck.pose import Candidates

_TORSO = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]
_HIPS = [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]


@dataclasses.dataclass(frozen=True)
class TrackingSettings:
    max_jump_body_heights: float = 0.5  # a torso moving further than this between frames is another person
    max_gap_s: float = 1.0  # a track not seen for longer than this is closed


@dataclasses.dataclass(frozen=True)
class LifterChoice:
    """poses: the chosen person's landmarks. people_max: most people seen in one frame.
    tracks: number of distinct people tracks found; chosen_frames: frames the lifter is in."""

    poses: Poses
    people_max: int
    tracks: int
    chosen_frames: int


@dataclasses.dataclass
class _Track:
    frames: list[int]
    slots: list[int]
    centres: list[np.ndarray]
    heights: list[float]

    def last(self) -> tuple[int, np.ndarray, float]:
        return self.frames[-1], self.centres[-1], self.heights[-1]


def _centres_heights(candidates: Candidates) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Torso centre (frames, K, 2), body height (frames, K) in px, and a valid mask (frames, K)."""
    xy = candidates.image_px[..., :2]
    valid = ~np.isnan(xy[..., 0]).all(axis=-1)
    with warnings.catch_warnings():  # all-NaN slots are expected: they are empty
        warnings.simplefilter("ignore", RuntimeWarning)
        centres = np.nanmean(xy[:, :, _TORSO, :], axis=2)
        heights = np.nanmax(xy[..., 1], axis=-1) - np.nanmin(xy[..., 1], axis=-1)
    return centres, heights, valid


def link_tracks(candidates: Candidates, settings: TrackingSettings = TrackingSettings()) -> list[_Track]:
    """Greedy nearest-neighbour linking of detections into tracks."""
    centres, heights, valid = _centres_heights(candidates)
    times = candidates.time_s
    open_tracks: list[_Track] = []
    closed: list[_Track] = []
    for i in range(len(times)):
        still_open = []
        for track in open_tracks:
            (closed if times[i] - times[track.frames[-1]] > settings.max_gap_s else still_open).append(track)
        open_tracks = still_open
        slots = list(np.flatnonzero(valid[i]))
        pairs = []
        for t, track in enumerate(open_tracks):
            _, c, h = track.last()
            for k in slots:
                d = float(np.linalg.norm(centres[i, k] - c)) / max(h, 1.0)
                if d <= settings.max_jump_body_heights:
                    pairs.append((d, t, k))
        used_t, used_k = set(), set()
        for d, t, k in sorted(pairs):
            if t in used_t or k in used_k:
                continue
            used_t.add(t)
            used_k.add(k)
            track = open_tracks[t]
            track.frames.append(i)
            track.slots.append(k)
            track.centres.append(centres[i, k])
            track.heights.append(float(heights[i, k]))
        for k in slots:
            if k not in used_k:
                open_tracks.append(_Track([i], [k], [centres[i, k]], [float(heights[i, k])]))
    return closed + open_tracks


def track_score(track: _Track, frame_w_px: int, frame_h_px: int) -> float:
    """Presence x size x centrality x (1 + vertical hip travel in body heights)."""
    heights = np.asarray(track.heights)
    centres = np.asarray(track.centres)
    size = float(np.median(heights)) / max(frame_h_px, 1)
    off_centre = float(np.median(np.abs(centres[:, 0] - frame_w_px / 2))) / max(frame_w_px / 2, 1)
    centrality = 1.0 - 0.5 * min(off_centre, 1.0)
    travel = (np.percentile(centres[:, 1], 95) - np.percentile(centres[:, 1], 5)) / max(np.median(heights), 1.0)
    return len(track.frames) * size * centrality * (1.0 + float(travel))


def select_lifter(
    candidates: Candidates, frame_w_px: int, frame_h_px: int, settings: TrackingSettings = TrackingSettings()
) -> LifterChoice:
    """The best-scoring track as a Poses record (NaN rows where that person was not found)."""
    poses = Poses.empty(candidates.time_s)
    valid = ~np.isnan(candidates.image_px[..., 0]).all(axis=-1)
    people_max = int(valid.sum(axis=1).max()) if len(valid) else 0
    tracks = link_tracks(candidates, settings)
    if not tracks:
        return LifterChoice(poses, people_max, 0, 0)
    best = max(tracks, key=lambda t: track_score(t, frame_w_px, frame_h_px))
    frames, slots = np.asarray(best.frames), np.asarray(best.slots)
    for name in ("image_px", "visibility", "presence", "world_m"):
        getattr(poses, name)[frames] = getattr(candidates, name)[frames, slots]
    return LifterChoice(poses, people_max, len([t for t in tracks if len(t.frames) > 1]), len(frames))
