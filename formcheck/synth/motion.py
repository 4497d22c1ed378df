"""Parametric squat and deadlift motion: per-frame segment angles over a set of reps (numpy only).

Angles are in degrees in the lifter's sagittal plane, as inclines from straight up, + towards
the way the lifter faces (the convention of tests/synthetic.py):

| name          | segment                              | standing | bottom of a squat / deadlift start |
|---------------|--------------------------------------|----------|------------------------------------|
| shank_deg     | ankle -> knee                        | 0        | + (knees ahead of the ankles)      |
| thigh_deg     | knee -> hip                          | 0        | - (hips behind the knees)          |
| pelvis_deg    | the pelvis and the base of the spine | 0        | + (tipped forward)                 |
| lumbar_deg    | flexion spread over the lumbar bones | 0        | + flexion (rounding), - extension  |
| thoracic_deg  | flexion spread over the thoracic bones | 0      | + flexion, - extension             |
| neck_deg      | head and neck against the top of the spine | 0  | + head forward/down, - head back   |

0 everywhere is the body model's rest posture (upright, arms placed by the body module). The
pelvis is tipped by the wanted trunk incline less half the spine's flexion: a spine bent through
F degrees as an even arc turns its hip->shoulder chord by F/2, so rounding the back keeps the
trunk chord roughly where the lift puts it and shows as curvature, as it does in a real lifter.
The ground truth is not taken from these numbers but measured on the posed skeleton (truth.py).

Hips rising early (`hips_rise_deg` > 0, `hips_rising_drive`): in the drive (a deadlift's pull, a
squat's ascent) the shins go vertical first, the trunk tips forward by `hips_rise_deg` more than
where it started, peaking `hips_rise_peak` of the way through the drive, and the shoulders rise
more slowly than in a good rep; the thigh follows from the body's segment lengths (so `generate`
needs them: `Segments`), which lifts the hips while the chest stays down. At 0 (the default)
nothing changes.

Chest up (`chest_up_deg` > 0, squats): the thoracic spine extends with depth, to `chest_up_deg`
at the bottom, as a squatter lifts the chest against the bar. It is added to `thoracic_deg` (so the
pelvis tips a little further and the hip->shoulder chord stays where the lift puts it) and is part
of the lift, not a fault: the truth's thoracic and whole-spine flexion, measured from the rest
posture, read it as extension (negative), and the fault labels judge lumbar flexion only.

Per-rep lumbar flexion (`lumbar_peak_per_rep`, one peak per rep): each rep's bump peaks at its
own value instead of `lumbar_peak_deg`, so a set can round more with every rep (fatigue); in the
pauses between reps the peak moves linearly from one rep's to the next (it matters only where the
bump reaches into a pause: a deadlift flexed at the floor, `flexion_phase` 0 or 1). None (the
default) leaves every clip as it was.
"""

from __future__ import annotations

import dataclasses

import numpy as np

LIFTS = ("squat", "deadlift")


@dataclasses.dataclass(frozen=True)
class MotionParams:
    """What one clip's lifter does. Angles in degrees (see module doc), times in seconds."""

    lift: str = "squat"
    reps: int = 2
    fps: float = 30.0
    rep_s: float = 2.4  # one rep, top to bottom to top (squat) or floor to lockout to floor
    down_fraction: float = 0.5  # share of a squat rep spent descending (deadlift: pulling)
    hold_s: float = 0.6  # pause before, between and after reps
    shank_bottom_deg: float = 30.0
    thigh_bottom_deg: float = -70.0
    trunk_bottom_deg: float = 40.0
    # Spine flexion profile: a smooth bump of `*_peak_deg` centred at `flexion_phase` (0..1 of
    # the rep; 0.5 is the bottom of a squat, 0 and 1 the floor in a deadlift) and `flexion_width`
    # wide (phase units, full width at half height).
    lumbar_peak_deg: float = 0.0
    # One lumbar peak per rep (degrees), overriding lumbar_peak_deg rep by rep; None: every rep
    # peaks at lumbar_peak_deg.
    lumbar_peak_per_rep: tuple[float, ...] | None = None
    thoracic_peak_deg: float = 0.0
    flexion_phase: float = 0.5
    flexion_width: float = 0.3
    lockout_extension_deg: float = 0.0  # lumbar hyperextension at lockout (+ = more arched)
    lockout_lean_back_deg: float = 0.0  # trunk behind vertical at lockout (+ = leaning back)
    neck_deg: float = 0.0  # head against the trunk, held
    neck_bottom_deg: float = 0.0  # added at the bottom (looking up in a hinge is negative)
    hips_rise_deg: float = 0.0  # extra trunk inclination early in the drive (hips rising early)
    hips_rise_peak: float = 0.35  # where in the drive (0..1) that extra inclination peaks
    # Squat posture (body.py poses the arms and shoulders from these; a deadlift ignores them):
    # thoracic extension ("chest up") growing with depth to `chest_up_deg` at the bottom, hands on
    # the bar `grip_half_m` either side of its centre, shoulder blades pulled back and down by
    # `shoulder_retract_deg` and `shoulder_depress_deg` while the bar is on the back.
    chest_up_deg: float = 0.0
    grip_half_m: float = 0.45
    shoulder_retract_deg: float = 15.0
    shoulder_depress_deg: float = 10.0

    def __post_init__(self) -> None:
        if self.lift not in LIFTS:
            raise ValueError(f"lift must be one of {LIFTS}, got {self.lift!r}")
        if self.reps < 1 or self.fps <= 0 or self.rep_s <= 0 or not 0.1 <= self.down_fraction <= 0.9:
            raise ValueError("reps >= 1, fps > 0, rep_s > 0 and 0.1 <= down_fraction <= 0.9")
        if self.hips_rise_deg < 0 or not 0.05 <= self.hips_rise_peak <= 0.5:
            raise ValueError("hips_rise_deg >= 0 and 0.05 <= hips_rise_peak <= 0.5 (first half of the drive)")
        if self.chest_up_deg < 0 or not 0.2 <= self.grip_half_m <= 0.8:
            raise ValueError("chest_up_deg >= 0 (extension) and 0.2 <= grip_half_m <= 0.8")
        if self.lumbar_peak_per_rep is not None:
            if len(self.lumbar_peak_per_rep) != self.reps:
                raise ValueError(f"lumbar_peak_per_rep needs one peak per rep ({self.reps}), "
                                 f"got {len(self.lumbar_peak_per_rep)}")
            # A tuple of floats whatever came in (a list from JSON), so specs compare and hash alike.
            object.__setattr__(self, "lumbar_peak_per_rep", tuple(float(x) for x in self.lumbar_peak_per_rep))


# Fields added after the benchmark set's first 31 clips were made: a spec leaves them out of its
# truth file while they hold their defaults, so those clips' files stay byte for byte.
LATER_FIELDS = ("hips_rise_deg", "hips_rise_peak", "chest_up_deg", "grip_half_m", "shoulder_retract_deg",
                "shoulder_depress_deg", "lumbar_peak_per_rep")


@dataclasses.dataclass(frozen=True)
class RepMarks:
    """Frame indices of one rep: start, turn (bottom of a squat, lockout of a deadlift), end."""

    start: int
    turn: int
    end: int

    def drive(self, lift: str) -> tuple[int, int]:
        """First and last frame of the drive: off the floor to lockout (deadlift), out of the
        bottom to standing (squat)."""
        return (self.start, self.turn) if lift == "deadlift" else (self.turn, self.end)


@dataclasses.dataclass(frozen=True)
class Motion:
    """Per-frame angles, each float64 (frames,), in degrees (module doc); time_s from 0 at fps;
    depth: 0 standing tall .. 1 at the bottom (squat) or the floor (deadlift)."""

    params: MotionParams
    time_s: np.ndarray
    depth: np.ndarray
    shank_deg: np.ndarray
    thigh_deg: np.ndarray
    pelvis_deg: np.ndarray
    lumbar_deg: np.ndarray
    thoracic_deg: np.ndarray
    neck_deg: np.ndarray
    reps: tuple[RepMarks, ...]

    @property
    def n_frames(self) -> int:
        return len(self.time_s)


@dataclasses.dataclass(frozen=True)
class Segments:
    """A body's side-view geometry at rest: lengths in metres (ankle->knee, knee->hip,
    hip->shoulder, shoulder->hand with the arm straight down) and rest inclines in degrees."""

    shank_m: float
    thigh_m: float
    trunk_m: float
    arm_m: float
    shank_rest_deg: float = 0.0
    thigh_rest_deg: float = 0.0
    trunk_rest_deg: float = 0.0
    ankle_height_m: float = 0.07


def hinge_for_bar(seg: Segments, shank_deg: float, bar_x_m: float, bar_y_m: float) -> tuple[float, float]:
    """Thigh and trunk angles (motion convention: rotation from rest) that put straight, hanging
    arms on a bar at (bar_x_m ahead of the ankle, bar_y_m above the floor), shins at shank_deg
    from rest. Two-link inverse kinematics, hips behind the knees. Raises ValueError if the bar
    is out of reach."""
    s = np.radians(shank_deg + seg.shank_rest_deg)
    knee = np.array([seg.shank_m * np.sin(s), seg.ankle_height_m + seg.shank_m * np.cos(s)])
    shoulder = np.array([bar_x_m, bar_y_m + seg.arm_m])
    d = shoulder - knee
    dist = float(np.hypot(*d))
    if not abs(seg.thigh_m - seg.trunk_m) < dist < seg.thigh_m + seg.trunk_m:
        raise ValueError(f"bar out of reach: knee->shoulder {dist:.3f} m")
    # Angle at the knee end between knee->shoulder and knee->hip (law of cosines).
    cos_a = (seg.thigh_m**2 + dist**2 - seg.trunk_m**2) / (2 * seg.thigh_m * dist)
    base = np.arctan2(d[0], d[1])  # incline of knee->shoulder from straight up, + forward
    thigh = base - np.arccos(np.clip(cos_a, -1, 1))  # hip behind the knee-shoulder line
    hip = knee + seg.thigh_m * np.array([np.sin(thigh), np.cos(thigh)])
    trunk = np.arctan2(*(shoulder - hip))
    return float(np.degrees(thigh) - seg.thigh_rest_deg), float(np.degrees(trunk) - seg.trunk_rest_deg)


def _ease(x: np.ndarray) -> np.ndarray:
    """0 -> 1 with zero slope at both ends (half a cosine)."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def depth_profile(phase: np.ndarray, down_fraction: float) -> np.ndarray:
    """Depth over one squat rep, phase 0..1: 0 -> 1 at `down_fraction` -> 0."""
    phase = np.asarray(phase, float)
    down = _ease(phase / down_fraction)
    up = 1.0 - _ease((phase - down_fraction) / (1.0 - down_fraction))
    return np.where(phase < down_fraction, down, up)


def bump(phase: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Smooth bump of height 1 at `centre`, 0 beyond `width` on either side (raised cosine,
    so `width` is also its full width at half height)."""
    x = (np.asarray(phase, float) - centre) / width
    return np.where(np.abs(x) < 1.0, 0.5 + 0.5 * np.cos(np.pi * x), 0.0)


# Hips rising early: the shins are vertical this far into the drive; the shoulders follow their
# good-rep height path at drive**SHOULDER_LAG (later in the drive than in a good rep).
HIPS_RISE_SHANK_END = 0.5
HIPS_RISE_SHOULDER_LAG = 1.5


def chain_2d(seg: Segments, shank_deg, thigh_deg, trunk_deg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Side-view knee, hip and shoulder (..., 2) (x forward of the ankle, y above the floor, metres)
    of segment angles in the motion convention (rotations from rest, degrees)."""
    s, t, k = (np.radians(np.asarray(a, float) + r)
               for a, r in ((shank_deg, seg.shank_rest_deg), (thigh_deg, seg.thigh_rest_deg), (trunk_deg, seg.trunk_rest_deg)))
    knee = np.stack([seg.shank_m * np.sin(s), seg.ankle_height_m + seg.shank_m * np.cos(s)], -1)
    hip = knee + seg.thigh_m * np.stack([np.sin(t), np.cos(t)], -1)
    shoulder = hip + seg.trunk_m * np.stack([np.sin(k), np.cos(k)], -1)
    return knee, hip, shoulder


def hips_rising_drive(seg: Segments, u: np.ndarray, shank_bottom_deg: float, thigh_bottom_deg: float,
                      trunk_bottom_deg: float, gain_deg: float, peak: float = 0.35) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shank, thigh and trunk angles (motion convention) over a drive with the hips rising early.
    u: progress through the drive, 0 (the floor / the bottom) .. 1 (standing tall). A good drive
    has every angle at bottom * (1 - ease(u)). Here the shank reaches 0 by HIPS_RISE_SHANK_END,
    the trunk rises to trunk_bottom + gain_deg at u = peak and then eases to 0, the shoulders rise
    along the good drive's height path at u**HIPS_RISE_SHOULDER_LAG, and the thigh is what puts the
    hip under those shoulders (hip behind the knee). At u = 0 and 1 it is the good drive exactly."""
    u = np.clip(np.asarray(u, float), 0.0, 1.0)
    good = 1.0 - _ease(u)
    shank = shank_bottom_deg * (1.0 - _ease(u / HIPS_RISE_SHANK_END))
    top = trunk_bottom_deg + gain_deg
    trunk = np.where(u <= peak, trunk_bottom_deg + gain_deg * _ease(u / peak), top * (1.0 - _ease((u - peak) / (1.0 - peak))))
    lag = 1.0 - _ease(u**HIPS_RISE_SHOULDER_LAG)
    shoulder_y = chain_2d(seg, shank_bottom_deg * lag, thigh_bottom_deg * lag, trunk_bottom_deg * lag)[2][..., 1]

    def thigh_abs(knee_y, trunk_deg, sh_y):  # hip behind the knee: thigh incline in [-180, 0]
        hip_y = sh_y - seg.trunk_m * np.cos(np.radians(trunk_deg + seg.trunk_rest_deg))
        return -np.degrees(np.arccos(np.clip((hip_y - knee_y) / seg.thigh_m, -1.0, 1.0)))

    knee_y = chain_2d(seg, shank, 0.0 * u, 0.0 * u)[0][..., 1]
    good_knee_y, _, good_shoulder = chain_2d(seg, shank_bottom_deg * good, thigh_bottom_deg * good, trunk_bottom_deg * good)
    # The good drive's thigh plus the change: exact where both solve alike (u = 0, 1), whatever the rest inclines.
    thigh = (thigh_bottom_deg * good + thigh_abs(knee_y, trunk, shoulder_y)
             - thigh_abs(good_knee_y[..., 1], trunk_bottom_deg * good, good_shoulder[..., 1]))
    return shank, thigh, trunk


def drive_progress(phase: np.ndarray, lift: str, down_fraction: float) -> np.ndarray:
    """Progress through the drive (0..1) of rep phases (0..1), NaN outside it: a deadlift drives
    from the floor (phase 0) to lockout (down_fraction), a squat from the bottom to the top."""
    phase = np.asarray(phase, float)
    if lift == "deadlift":
        u = phase / down_fraction
    else:
        u = (phase - down_fraction) / (1.0 - down_fraction)
    return np.where((u >= 0.0) & (u <= 1.0), u, np.nan)


def lumbar_peak_per_frame(marks, peaks_deg, n: int) -> np.ndarray:
    """float64 (n,): the lumbar peak in force at each frame. Rep r's peak from its start to its end
    frame (RepMarks), moving linearly to the next rep's over the pause between them; before the
    first rep the first peak, after the last rep the last."""
    knots = [m for r in marks for m in (r.start, r.end)]
    values = [float(v) for v in peaks_deg for _ in range(2)]
    return np.interp(np.arange(n, dtype=float), knots, values)


def generate(params: MotionParams, segments: Segments | None = None) -> Motion:
    """Per-frame angles for `params` (see module doc). Reps follow each other after `hold_s`.
    segments: the body's side-view geometry, needed only when the hips rise early."""
    p = params
    hold = int(round(p.hold_s * p.fps))
    rep_n = max(int(round(p.rep_s * p.fps)), 4)
    n = hold + p.reps * (rep_n + hold)
    phase = np.full(n, np.nan)  # phase within a rep, NaN while holding
    marks = []
    for r in range(p.reps):
        start = hold + r * (rep_n + hold)
        phase[start:start + rep_n + 1] = np.linspace(0.0, 1.0, rep_n + 1)[: min(rep_n + 1, n - start)]
        marks.append(RepMarks(start, start + int(round(p.down_fraction * rep_n)), min(start + rep_n, n - 1)))
    holding = np.isnan(phase)
    ph = np.nan_to_num(phase)
    if p.lift == "squat":
        depth = np.where(holding, 0.0, depth_profile(ph, p.down_fraction))
    else:  # floor -> lockout -> floor, the bar resting on the floor between reps
        depth = np.where(holding, 1.0, 1.0 - depth_profile(ph, p.down_fraction))
    flex = np.where(holding, 0.0, bump(ph, p.flexion_phase, p.flexion_width))
    if p.lift == "deadlift" and p.flexion_phase in (0.0, 1.0):
        flex = np.where(holding, 1.0, np.maximum(bump(ph, 0.0, p.flexion_width), bump(ph, 1.0, p.flexion_width)))
    lockout = 1.0 - depth  # 1 when standing tall
    lockout_only = np.clip((lockout - 0.9) / 0.1, 0.0, 1.0) if p.lift == "deadlift" else 0.0 * depth
    peak = p.lumbar_peak_deg if p.lumbar_peak_per_rep is None else lumbar_peak_per_frame(marks, p.lumbar_peak_per_rep, n)
    lumbar = peak * flex - p.lockout_extension_deg * lockout_only
    thoracic = p.thoracic_peak_deg * flex
    if p.chest_up_deg:  # posture, not a fault: the truth reads it as (negative) thoracic flexion
        thoracic = thoracic - p.chest_up_deg * depth
    trunk = p.trunk_bottom_deg * depth - p.lockout_lean_back_deg * lockout_only
    shank, thigh = p.shank_bottom_deg * depth, p.thigh_bottom_deg * depth
    if p.hips_rise_deg:  # only then: every other clip's arrays stay bit for bit
        if segments is None:
            raise ValueError("hips_rise_deg needs the body's Segments")
        u = np.where(holding, np.nan, drive_progress(ph, p.lift, p.down_fraction))
        drive = np.isfinite(u)
        s, t, k = hips_rising_drive(segments, u[drive], p.shank_bottom_deg, p.thigh_bottom_deg, p.trunk_bottom_deg,
                                    p.hips_rise_deg, p.hips_rise_peak)
        shank, thigh = shank.copy(), thigh.copy()
        shank[drive], thigh[drive] = s, t
        trunk = trunk.copy()
        trunk[drive] = k - (p.lockout_lean_back_deg * lockout_only)[drive]
    return Motion(
        params=p,
        time_s=np.arange(n) / p.fps,
        depth=depth,
        shank_deg=shank,
        thigh_deg=thigh,
        pelvis_deg=trunk - 0.5 * (lumbar + thoracic),
        lumbar_deg=lumbar,
        thoracic_deg=thoracic,
        neck_deg=p.neck_deg + p.neck_bottom_deg * depth,
        reps=tuple(marks),
    )
