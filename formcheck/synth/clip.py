"""One synthetic clip end to end: a spec drawn from a seed -> motion -> posed body -> video + truth.

The truth file (JSON) carries `schema_version`, the spec, the camera, the reps, per-rep fault
labels and per-frame arrays; the CSV has one row per frame. Conventions: truth.py and motion.py.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from formcheck import faults
from formcheck import thresholds as thresholds_mod
from formcheck.synth import body, motion, render, truth

SCHEMA_VERSION = 1
SPINE_MEASURES = {  # name: (lower bone, upper bone) of body.Posed.bones
    "lumbar_flexion_deg": ("root", "spine03"),
    "thoracic_flexion_deg": ("spine03", "spine01"),
    "spine_flexion_deg": ("root", "spine01"),
    "neck_flexion_deg": ("spine01", "head"),
}


@dataclasses.dataclass(frozen=True)
class ClipSpec:
    """Everything that decides one clip. name: file stem; phenotype: anny's 0..1 values;
    extra_labels: also label the rules of the fault variants (fault_labels `extra`);
    noise_seed: the sensor noise's own stream (None: drawn from `seed` alone, as the benchmark
    set's clips are), so clips of one lifter and seed do not share their noise frame for frame."""

    name: str
    motion: motion.MotionParams
    camera: truth.Camera
    look: render.Look
    phenotype: dict
    seed: int = 0
    crf: int = 23
    extra_labels: bool = False
    noise_seed: int | None = None

    def to_dict(self) -> dict:
        out = {"name": self.name, "motion": _asdict(self.motion, motion.LATER_FIELDS),
               "camera": _asdict(self.camera, CAMERA_LATER_FIELDS), "look": dataclasses.asdict(self.look),
               "phenotype": self.phenotype, "seed": self.seed, "crf": self.crf}
        if self.extra_labels:
            out["extra_labels"] = True
        if self.noise_seed is not None:  # absent from the benchmark set's files, which stay byte for byte
            out["noise_seed"] = self.noise_seed
        return out

    @property
    def noise_stream(self) -> list[int]:
        """The seed sequence of the renderer's sensor noise."""
        return [self.seed, 7] if self.noise_seed is None else [self.seed, 7, self.noise_seed]


# Camera fields added after the set's first 31 clips (camera shake): left out while at their defaults.
CAMERA_LATER_FIELDS = ("shake_mm", "shake_deg", "shake_seed", "offset_m", "turn_deg")


def _asdict(obj, later: tuple[str, ...]) -> dict:
    """dataclasses.asdict less the `later` fields that hold their defaults, so that a spec written
    before those fields existed is written byte for byte as it was."""
    out = dataclasses.asdict(obj)
    defaults = {f.name: f.default for f in dataclasses.fields(obj)}
    for name in later:
        if out[name] == defaults[name]:
            del out[name]
    return out


# BGR palettes. Skin tones from light to dark; clothes and plates in colours that are not skin.
SKIN = ((180, 200, 235), (150, 180, 225), (120, 160, 210), (90, 130, 180), (60, 95, 140), (45, 70, 105))
SHIRTS = ((120, 50, 20), (40, 40, 180), (60, 140, 40), (130, 130, 130), (235, 235, 235), (30, 30, 30),
          (180, 90, 30), (50, 30, 110), (130, 120, 20), (40, 200, 220))
SHORTS = ((25, 25, 25), (80, 40, 20), (90, 90, 90), (30, 60, 30), (40, 30, 90), (150, 150, 150))
PLATES = ((30, 30, 30), (40, 40, 170), (150, 70, 30), (50, 120, 40), (70, 70, 70))


def _colour(rng: np.random.Generator, low: int = 20, high: int = 235) -> tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(low, high, 3))


def _pick(rng: np.random.Generator, palette) -> tuple[int, int, int]:
    return tuple(int(c) for c in palette[int(rng.integers(len(palette)))])


def sample_spec(seed: int, index: int, lift: str | None = None, lumbar_deg: float | None = None,
                yaw_deg: float | None = None, fps: float = 30.0, size: tuple[int, int] = (1024, 576),
                plate_radius_m: float | None = None, thoracic_deg: float = 0.0, variant: str = "",
                motion_overrides: dict | None = None, shake: tuple[float, float] = (0.0, 0.0), crf: int = 23,
                extra_labels: bool = False, draw_index: int | None = None) -> ClipSpec:
    """A clip spec drawn reproducibly from (seed, index); arguments given override the draw.
    Deadlifts always have 45 cm plates (the bar starts at their radius); squats draw full
    plates, 32 cm technique plates or an empty bar: in a true side view a full plate hides the
    head and shoulders of a squatter from a camera at hip height. thoracic_deg: peak thoracic
    flexion, at the same phase as the lumbar bump (never drawn; named `_thor<N>` when not 0).
    Squats also draw their posture (chest up 10-12 deg unless thoracic_deg is asked, grip 0.40-0.50 m
    either side, shoulder blades back 10-20 deg and down 10 deg; body._squat_arms) from a stream of
    their own, and the head's extension against the trunk at the bottom from -30 to -10 deg.
    A fault variant: `motion_overrides` (MotionParams fields) replace the drawn motion after every
    draw, `shake` = (mm, deg) shakes the camera (seeded by `index`), `variant` ends the name; none
    of them changes what is drawn, so a row without them is the clip it always was.
    draw_index: draw everything as clip `draw_index` does (the same lifter, camera and motion;
    only the arguments given differ); the name keeps `index` and ends `_as<draw_index>`."""
    if size[0] % 16 or size[1] % 16:
        raise ValueError(f"frame size {size[0]}x{size[1]}: use multiples of 16 (see render.write_clip)")
    drawn = index if draw_index is None else draw_index
    rng = np.random.default_rng([seed, drawn])
    lift = lift or str(rng.choice(motion.LIFTS))
    lumbar = float(lumbar_deg) if lumbar_deg is not None else float(rng.choice([0.0, 0.0, rng.uniform(10, 35)]))
    phenotype = {"gender": float(rng.uniform(0, 1)), "age": float(rng.uniform(0.35, 0.6)),
                 "muscle": float(rng.uniform(0.3, 0.8)), "weight": float(rng.uniform(0.3, 0.7)),
                 "height": float(rng.uniform(0.3, 0.8)), "proportions": 0.5}
    if lift == "deadlift":
        mp = motion.MotionParams(lift=lift, reps=int(rng.integers(1, 3)), fps=fps, rep_s=float(rng.uniform(2.2, 3.0)),
                                 down_fraction=0.45, hold_s=0.7, shank_bottom_deg=float(rng.uniform(10, 20)),
                                 lumbar_peak_deg=lumbar, thoracic_peak_deg=float(thoracic_deg),
                                 flexion_phase=0.2, flexion_width=0.3,
                                 neck_bottom_deg=float(rng.uniform(-20, 10)))
    else:
        mp = motion.MotionParams(lift=lift, reps=int(rng.integers(1, 3)), fps=fps, rep_s=float(rng.uniform(2.2, 3.0)),
                                 down_fraction=0.55, hold_s=0.6, shank_bottom_deg=float(rng.uniform(25, 38)),
                                 thigh_bottom_deg=float(rng.uniform(-95, -65)), trunk_bottom_deg=float(rng.uniform(30, 50)),
                                 lumbar_peak_deg=lumbar, thoracic_peak_deg=float(thoracic_deg),
                                 flexion_phase=0.5, flexion_width=0.2,
                                 neck_bottom_deg=float(rng.uniform(-30, -10)))
        # The squat posture (body._squat_arms), from its own stream so the draws after it are unchanged.
        # Chest up only when no thoracic flexion is asked: that flexion is then the truth's peak.
        posture = np.random.default_rng([seed, drawn, 2])
        chest_up = float(posture.uniform(10, 12))
        mp = dataclasses.replace(mp, chest_up_deg=0.0 if thoracic_deg else chest_up,
                                 grip_half_m=float(posture.uniform(0.40, 0.50)),
                                 shoulder_retract_deg=float(posture.uniform(10, 20)), shoulder_depress_deg=10.0)
    cam = truth.Camera(width_px=size[0], height_px=size[1],
                       yaw_deg=float(yaw_deg) if yaw_deg is not None else 90.0,
                       near_side=str(rng.choice(["left", "right"])), height_m=float(rng.uniform(0.7, 1.1)),
                       distance_m=float(rng.uniform(3.0, 3.6)), hfov_deg=60.0, target_m=(0.0, 0.9, 0.0))
    look = render.Look(skin=_pick(rng, SKIN), shirt=_pick(rng, SHIRTS), shorts=_pick(rng, SHORTS), plate=_pick(rng, PLATES),
                       wall_top=_colour(rng, 150, 235), wall_bottom=_colour(rng, 120, 220), floor=_colour(rng, 50, 150),
                       light_dir=(float(rng.uniform(-0.5, 0.5)), 0.8, float(rng.uniform(-0.6, 0.6))),
                       ambient=float(rng.uniform(0.3, 0.45)))
    if plate_radius_m is None:
        plate_radius_m = render.PLATE_RADIUS_M if lift == "deadlift" else float(rng.choice([render.PLATE_RADIUS_M, 0.16, 0.0]))
    look = dataclasses.replace(look, plate_radius_m=float(plate_radius_m))
    name = f"synth_{seed}_{index:03d}_{lift}_yaw{int(cam.yaw_deg)}_lumbar{int(round(lumbar))}"
    if thoracic_deg:
        name += f"_thor{int(round(thoracic_deg))}"
    name += f"_plate{int(round(200 * plate_radius_m))}"
    if motion_overrides:
        mp = dataclasses.replace(mp, **dict(motion_overrides))
    if shake[0] or shake[1]:
        cam = dataclasses.replace(cam, shake_mm=float(shake[0]), shake_deg=float(shake[1]), shake_seed=int(drawn))
    if variant:
        name += f"_{variant}"
    if draw_index is not None:
        name += f"_as{draw_index:03d}"
    return ClipSpec(name, mp, cam, look, phenotype, seed=seed, crf=int(crf), extra_labels=bool(extra_labels))


def _fit_deadlift(spec: ClipSpec, seg: motion.Segments | None = None) -> ClipSpec:
    """Deadlift start angles that put the hanging arms on a bar resting on the floor over
    mid-foot (motion.hinge_for_bar with this body's segment lengths)."""
    if spec.motion.lift != "deadlift":
        return spec
    seg = seg or body.rest_segments(spec.phenotype)
    mid_foot_m = 0.07
    thigh, trunk = motion.hinge_for_bar(seg, spec.motion.shank_bottom_deg, mid_foot_m, spec.look.plate_radius_m)
    return dataclasses.replace(spec, motion=dataclasses.replace(spec.motion, thigh_bottom_deg=thigh, trunk_bottom_deg=trunk))


def fault_labels(lift: str, reps, frames: dict[str, np.ndarray], limits=None, extra: bool = False,
                 foot_length_m: float | None = None) -> list[dict]:
    """Per rep: the measured value and 'ok'/'warn'/'fault' for the rules the truth can judge,
    with formcheck's thresholds (thresholds.toml). The body is judged, not the picture: angles
    are the sagittal ones (`sagittal_*`), whatever the camera. Spine flexion is judged on lumbar
    flexion while the trunk is hinged (McKean's measure, cited there).

    extra: also the rules of the fault variants, each measured as formcheck measures it but on the
    body's true angles: `hips_rise_early` (trunk inclination gained in the first half of the
    drive, faults.trunk_gain_first_half), `neck_misalignment` (largest change of the neck angle from
    its value standing tall, depth < STANDING_DEPTH), and for deadlifts `lumbar_extension` (lumbar
    extension in the rep; no rule or published limit of its own, so graded with the spine-flexion
    limits mirrored) and `bar_far` (the bar centre ahead of where it left the floor during the pull,
    in foot lengths; needs foot_length_m, else 'unknown')."""
    limits = limits or thresholds_mod.load()
    depth = frames.get("depth")
    bar_x = frames.get("bar_forward_m")
    frames = {k[len("sagittal_"):]: v for k, v in frames.items() if k.startswith("sagittal_")} | {
        k: v for k, v in frames.items() if k.endswith("flexion_deg")}

    neck_standing = _neck_standing(frames["neck_deg"], depth) if extra else float("nan")
    out = []
    for r in reps:
        sl = slice(r.start, r.end + 1)
        trunk = frames["trunk_incline_deg"][sl]
        hinged = trunk >= limits.get("common", "hinged_trunk_deg")
        lumbar = frames["lumbar_flexion_deg"][sl]
        flex = float(np.max(lumbar[hinged])) if hinged.any() else float("nan")
        rep = {"start": r.start, "turn": r.turn, "end": r.end, "spine_flexion": {
            "lumbar_max_deg": flex, "label": _grade(flex, limits.get("common", "spine_flexion_warn_deg"),
                                                   limits.get("common", "spine_flexion_fault_deg"))}}
        if lift == "squat":
            knee = float(frames["knee_deg"][r.turn])
            rep["depth"] = {"knee_bottom_deg": knee, "label": _grade(knee, limits.get("squat", "depth_knee_warn_deg"),
                                                                   limits.get("squat", "depth_knee_fault_deg"))}
            lean = float(frames["trunk_incline_deg"][r.turn])
            rep["forward_lean"] = {"trunk_bottom_deg": lean, "label": _grade(
                lean, limits.get("squat", "forward_lean_warn_deg"), limits.get("squat", "forward_lean_fault_deg"))}
        else:
            back = float(frames["trunk_incline_deg"][r.turn])
            rep["lockout_lean_back"] = {"trunk_lockout_deg": back, "label": _grade(
                back, limits.get("deadlift", "lockout_lean_back_warn_deg"),
                limits.get("deadlift", "lockout_lean_back_fault_deg"), above=False)}
        if extra:
            rep.update(_extra_labels(lift, r, frames, neck_standing, bar_x, foot_length_m, limits))
        out.append(rep)
    return out


STANDING_DEPTH = 0.02  # depth (motion.py) at or below which the lifter stands tall


def _grade(value: float, warn: float, fault: float, above: bool = True) -> str:
    """'unknown', 'ok', 'warn' or 'fault' for one value, as formcheck grades it (faults.severity)."""
    level = faults.severity(np.array([value], float), warn, fault, "above" if above else "below")[0]
    return ("unknown", "ok", "warn", "fault")[level + 1]


def _neck_standing(neck_deg: np.ndarray, depth: np.ndarray | None) -> float:
    """The clip's neck angle while standing tall (median), the neck label's reference."""
    neck = np.asarray(neck_deg, float)
    standing = np.asarray(depth, float) <= STANDING_DEPTH if depth is not None else np.zeros(len(neck), bool)
    standing &= np.isfinite(neck)
    return float(np.median(neck[standing])) if standing.any() else float("nan")


def _extra_labels(lift, r, frames, neck_standing, bar_x, foot_length_m, limits) -> dict:
    out = {}
    lo, hi = r.drive(lift)
    _, gain = faults.trunk_gain_first_half(np.asarray(frames["trunk_incline_deg"], float), lo, hi)
    out["hips_rise_early"] = {"trunk_gain_deg": gain, "label": _grade(
        gain, limits.get(lift, "hips_rise_trunk_gain_warn_deg"), limits.get(lift, "hips_rise_trunk_gain_fault_deg"))}
    neck = np.asarray(frames["neck_deg"], float)
    change = float(np.nanmax(np.abs(neck[r.start:r.end + 1] - neck_standing))) if np.isfinite(neck_standing) else float("nan")
    out["neck_misalignment"] = {"neck_change_deg": change, "label": _grade(
        change, limits.get(lift, "neck_change_warn_deg"), limits.get(lift, "neck_change_fault_deg"))}
    if lift == "deadlift":
        ext = float(-np.min(frames["lumbar_flexion_deg"][r.start:r.end + 1]))
        out["lumbar_extension"] = {"lumbar_extension_deg": ext, "label": _grade(
            ext, limits.get("common", "spine_flexion_warn_deg"), limits.get("common", "spine_flexion_fault_deg"))}
        if bar_x is not None and foot_length_m:
            bar = np.asarray(bar_x, float)
            drift = float(np.max(bar[r.start:r.turn + 1] - bar[r.start]) / foot_length_m)
        else:
            drift = float("nan")
        out["bar_far"] = {"bar_ahead_foot": drift, "label": _grade(
            drift, limits.get(lift, "bar_ahead_warn_foot"), limits.get(lift, "bar_ahead_fault_foot"))}
    return out


def make_clip(spec: ClipSpec, out_dir: str | Path) -> dict:
    """Render `spec` to out_dir/<name>.mp4 with <name>.truth.json and <name>.truth.csv.
    Returns a summary with timings."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    seg = body.rest_segments(spec.phenotype) if spec.motion.hips_rise_deg else None
    spec = _fit_deadlift(spec, seg)
    mot = motion.generate(spec.motion, seg)
    posed = body.pose(mot, spec.phenotype)
    t_pose = time.perf_counter() - t0
    cameras = spec.camera.per_frame(mot.n_frames)
    gt = truth.ground_truth(posed.joints, mot.time_s, spec.camera, cameras if spec.camera.shaken else None)
    frames = {k: np.asarray(v, float) for k, v in gt["image"].items()}
    frames.update({f"sagittal_{k}": np.asarray(v, float) for k, v in gt["sagittal"].items()})
    bi = {b: i for i, b in enumerate(posed.bones)}
    for name, (lo, hi) in SPINE_MEASURES.items():
        frames[name] = truth.flexion_deg(posed.bone_rest[bi[lo]], posed.bone_world[:, bi[lo]],
                                         posed.bone_rest[bi[hi]], posed.bone_world[:, bi[hi]])
    frames["bar_forward_m"] = posed.bar_m[:, 0]
    frames["bar_height_m"] = posed.bar_m[:, 1]
    frames["depth"] = mot.depth
    colours = render.face_colours(posed.region, posed.faces, spec.look)
    rng = np.random.default_rng(spec.noise_stream)
    t1 = time.perf_counter()
    images = (render.render_frame(cameras[i], spec.look, posed.vertices[i], posed.faces, colours, posed.bar_m[i], rng)
              for i in range(mot.n_frames))
    video = render.write_clip(out_dir / f"{spec.name}.mp4", images, spec.motion.fps, spec.camera.width_px,
                              spec.camera.height_px, crf=spec.crf)
    t_render = time.perf_counter() - t1
    reps = [dataclasses.asdict(r) for r in mot.reps]
    # Foot length (heel to toe tip, side view, at the first frame), for the bar_far label.
    foot = posed.joints["left_foot_index"][0, :2] - posed.joints["left_heel"][0, :2]
    foot_length_m = float(np.hypot(*foot))
    record = {
        "schema_version": SCHEMA_VERSION,
        "spec": spec.to_dict(),
        "n_frames": mot.n_frames,
        "fps": spec.motion.fps,
        "reps": reps,
        "faults": fault_labels(spec.motion.lift, mot.reps, frames, extra=spec.extra_labels,
                               foot_length_m=foot_length_m),
        "frames": {"time_s": mot.time_s.round(4).tolist(),
                   **{k: [None if not np.isfinite(x) else round(float(x), 3) for x in v] for k, v in frames.items()}},
        "image_px": {k: np.round(v[:, :2], 2).tolist() for k, v in gt["image_px"].items()},
    }
    if spec.extra_labels:  # not in the first 31 clips' files, which stay byte for byte
        record["foot_length_m"] = round(foot_length_m, 4)
    (out_dir / f"{spec.name}.truth.json").write_text(json.dumps(record))
    with open(out_dir / f"{spec.name}.truth.csv", "w", newline="") as f:
        w = csv.writer(f)
        names = list(frames)
        w.writerow(["frame", "time_s", *names])
        for i in range(mot.n_frames):
            w.writerow([i, f"{mot.time_s[i]:.4f}", *(f"{frames[k][i]:.3f}" for k in names)])
    return {"video": str(video), "frames": mot.n_frames, "pose_s": round(t_pose, 2), "render_s": round(t_render, 2),
            "render_ms_per_frame": round(1000 * t_render / mot.n_frames, 1)}
