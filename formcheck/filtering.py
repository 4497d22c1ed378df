"""Signal: clean landmark trajectories before angles are taken.

1. Points the model marks as probably hidden (visibility < min_visibility) are dropped.
2. Gaps up to max_gap_s are filled by linear interpolation; longer gaps stay gaps, since
   invented data would be scored as if it had been seen.
3. A Butterworth low-pass filter runs forwards and backwards (scipy.signal.filtfilt), so it adds
   no lag: a fault is flagged at the frame where it happens. The cut-off is in hertz, so 30 and
   60 fps clips are smoothed alike. Each unbroken run of samples is filtered on its own, on a
   uniform time grid (variable-frame-rate clips are resampled to it and back).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import signal

from formcheck.landmarks import Poses


@dataclasses.dataclass(frozen=True)
class FilterSettings:
    min_visibility: float = 0.5  # 0..1, MediaPipe's visibility score below which a point is dropped
    max_gap_s: float = 0.25  # s, longest gap filled by interpolation (about 8 frames at 30 fps)
    # Hz. Barbell squats and deadlifts move below ~3 Hz; 6 Hz is the usual cut-off for
    # markerless human-movement data and keeps the turn at the bottom of a fast rep.
    cutoff_hz: float = 6.0
    order: int = 4  # Butterworth order (the forward-backward pass doubles it)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def drop_hidden(poses: Poses, min_visibility: float) -> Poses:
    """NaN out image and world points whose visibility is below min_visibility."""
    hidden = ~(poses.visibility >= min_visibility)  # NaN visibility counts as hidden
    image = poses.image_px.copy()
    world = poses.world_m.copy()
    image[hidden] = np.nan
    world[hidden] = np.nan
    return poses.replace(image_px=image, world_m=world)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the True runs in a 1-D bool array."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def fill_gaps(values: np.ndarray, time_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Linear interpolation across interior NaN gaps no longer than max_gap_s.

    values: (frames, ...) float; each trailing column is treated on its own. A gap's length is
    the time between the samples on either side of it. Leading and trailing gaps stay NaN.
    """
    out = np.array(values, dtype=np.float64, copy=True)
    flat = out.reshape(len(out), -1)
    for col in range(flat.shape[1]):
        y = flat[:, col]
        missing = np.isnan(y)
        if not missing.any() or missing.all():
            continue
        for start, stop in runs(missing):
            if start == 0 or stop == len(y):
                continue
            if time_s[stop] - time_s[start - 1] <= max_gap_s + 1e-9:
                y[start:stop] = np.interp(time_s[start:stop], [time_s[start - 1], time_s[stop]], [y[start - 1], y[stop]])
    return out.astype(values.dtype, copy=False)


def lowpass(values: np.ndarray, time_s: np.ndarray, cutoff_hz: float, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth low-pass over time, run by run (NaN gaps are kept).

    values: (frames, ...) float. Runs too short for filtfilt's padding are left as they are.
    """
    out = np.array(values, dtype=np.float64, copy=True)
    flat = out.reshape(len(out), -1)
    finite_rows = np.isfinite(flat)
    for col in range(flat.shape[1]):
        for start, stop in runs(finite_rows[:, col]):
            flat[start:stop, col] = _lowpass_run(flat[start:stop, col], time_s[start:stop], cutoff_hz, order)
    return out.astype(values.dtype, copy=False)


def _lowpass_run(y: np.ndarray, t: np.ndarray, cutoff_hz: float, order: int) -> np.ndarray:
    n = len(y)
    if n < 2 or t[-1] <= t[0]:
        return y
    fs = (n - 1) / (t[-1] - t[0])
    if cutoff_hz >= 0.45 * fs:  # nothing left to remove below the Nyquist frequency
        return y
    b, a = signal.butter(order, cutoff_hz, btype="low", fs=fs)
    padlen = 3 * max(len(a), len(b))
    if n <= padlen:
        return y
    grid = np.linspace(t[0], t[-1], n)
    uniform = np.allclose(grid, t, atol=1e-4 / fs)
    series = y if uniform else np.interp(grid, t, y)
    smooth = signal.filtfilt(b, a, series, padlen=padlen)
    return smooth if uniform else np.interp(t, grid, smooth)


def clean(poses: Poses, settings: FilterSettings = FilterSettings()) -> Poses:
    """Drop hidden points, fill short gaps and low-pass the image and world landmarks."""
    visible = drop_hidden(poses, settings.min_visibility)
    t = poses.time_s
    image = lowpass(fill_gaps(visible.image_px, t, settings.max_gap_s), t, settings.cutoff_hz, settings.order)
    world = lowpass(fill_gaps(visible.world_m, t, settings.max_gap_s), t, settings.cutoff_hz, settings.order)
    return visible.replace(image_px=image.astype(np.float32), world_m=world.astype(np.float32))
