"""The committed synthetic benchmark set (benchmarks/synthetic/, docs/synthetic-accuracy.md).

One row per clip: what the set fixes (lift, camera yaw, peak lumbar and thoracic flexion, plate
radius); everything else (body shape, reps, tempo, depth, camera height and distance, colours,
light) is drawn by `clip.sample_spec` from (seed, index), so every clip has its own body, but
rows 46-47, drawn from (seed, `Row.body_of`): the lifter of row 0 again with lumbar flexion. The
manifest lists each file with its sha256 and the clip's parameters; `scripts/make_synthetic.py
--seed 1 --set` remakes the same bytes (frame size a multiple of 16, docs/synthetic.md). Rows
39 on vary the frame size and rate (`Row.size`, `Row.fps`) and add bodies to the side-view ladder.
numpy only: reading the manifest needs neither torch nor anny.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from formcheck.video import file_sha256

SET_DIR = Path(__file__).resolve().parent.parent.parent / "benchmarks" / "synthetic"
MANIFEST = "manifest.json"
SEED = 1
SIZE = (1024, 576)
FPS = 30.0
FULL_PLATE_M = 0.225  # 45 cm plates (render.PLATE_RADIUS_M); deadlifts always use them
SHAKE = (3.0, 0.25)  # camera shake of the shaky rows: SD of the lens wobble (mm) and of its aim (deg)
SHAKE_CRF = 30  # and their H.264 quality (the others 23): a phone's harder compression
FIRST_VARIANT = 31  # rows from here on carry every truth label (31-38: fault variants)
FIRST_FORMAT = 39  # rows from here on: frame size / rate variants and more bodies for the ladder


@dataclasses.dataclass(frozen=True)
class Row:
    """One clip of the set. Angles in degrees; yaw 90 = true side view, 0 = front."""

    lift: str
    yaw_deg: float
    lumbar_deg: float
    thoracic_deg: float = 0.0
    plate_radius_m: float = FULL_PLATE_M
    # A fault variant (clip.sample_spec): name suffix, MotionParams overrides as (field, value)
    # pairs, camera shake (mm, deg) and the H.264 crf. Variant rows carry every truth label.
    variant: str = ""
    motion: tuple[tuple[str, float], ...] = ()
    shake: tuple[float, float] = (0.0, 0.0)
    crf: int = 23
    # Frame size (multiples of 16) and rate; None / FPS: the set's (SIZE, 30 fps). A row that sets
    # either ends its clip's name with them (`_1920x1072_60fps`).
    size: tuple[int, int] | None = None
    fps: float = FPS
    # The same lifter as row `body_of`: its body, look, camera and motion drawn as for that row,
    # only the flexion differs; the name ends `_as<NNN>`.
    body_of: int | None = None

    @property
    def format_suffix(self) -> str:
        if self.size is None and self.fps == FPS:
            return ""
        w, h = self.size or SIZE
        return f"_{w}x{h}_{self.fps:g}fps"


def _rows() -> tuple[Row, ...]:
    rows = []
    for lift, plate in (("deadlift", FULL_PLATE_M), ("squat", 0.0)):
        # Side view: the flexion ladder, a second neutral body (false alarms) and one with the
        # flexion in the thoracic spine instead of the lumbar spine.
        rows += [Row(lift, 90, lumbar, plate_radius_m=plate) for lumbar in (0, 0, 10, 15, 20, 30)]
        rows.append(Row(lift, 90, 0, thoracic_deg=20, plate_radius_m=plate))
        # Oblique and front views: none, moderate, severe (front: none and severe).
        rows += [Row(lift, yaw, lumbar, plate_radius_m=plate) for yaw in (60, 45) for lumbar in (0, 15, 30)]
        rows += [Row(lift, 0, lumbar, plate_radius_m=plate) for lumbar in (0, 30)]
    # Squats are mostly with an empty bar: with 45 cm plates a true side view from hip height
    # hides the squatter's head and shoulders behind the near plate (docs/synthetic.md). One
    # neutral clip keeps that case in the set.
    rows.append(Row("squat", 90, 0, plate_radius_m=FULL_PLATE_M))
    # Fault variants (index 31 on; appended, so the clips above keep their indices and bytes), side
    # view: lean-back at lockout, lumbar hyperextension at lockout (the trunk chord stays upright),
    # hips rising early (a fault and a warning in a deadlift, a fault in a squat), the head thrown
    # back off the floor, and a neutral deadlift and squat filmed with a shaking camera and harder
    # compression.
    dl, sq = ("deadlift", FULL_PLATE_M), ("squat", 0.0)
    for (lift, plate), variant, params in (
            (dl, "leanback15", (("lockout_lean_back_deg", 15.0),)),
            (dl, "lumbarext20", (("lockout_extension_deg", 20.0),)),
            (dl, "hipsrise18", (("hips_rise_deg", 18.0),)),
            (dl, "hipsrise12", (("hips_rise_deg", 12.0),)),
            (sq, "hipsrise18", (("hips_rise_deg", 18.0),)),
            (dl, "headback60", (("neck_bottom_deg", -60.0),))):
        rows.append(Row(lift, 90, 0, plate_radius_m=plate, variant=variant, motion=params))
    rows.append(Row("deadlift", 90, 0, variant="shake", shake=SHAKE, crf=SHAKE_CRF))
    rows.append(Row("squat", 90, 0, plate_radius_m=0.0, variant="shake", shake=SHAKE, crf=SHAKE_CRF))
    # Rows 39 on (appended, so the clips above keep their indices and bytes), side view. Frame
    # size and rate: a neutral deadlift at 1920x1072 (1080p has a height that is no multiple of
    # 16) and 60 fps, a neutral empty-bar squat at 1280x720 and 24 fps, a deadlift with 20 deg
    # lumbar flexion at 640x352 (for 640x360) and 30 fps. Then one more body each at 15 and 30 deg
    # of lumbar flexion per lift for the spine-flexion ladder.
    rows.append(Row("deadlift", 90, 0, size=(1920, 1072), fps=60.0))
    rows.append(Row("squat", 90, 0, plate_radius_m=0.0, size=(1280, 720), fps=24.0))
    rows.append(Row("deadlift", 90, 20, size=(640, 352)))
    rows += [Row(lift, 90, lumbar, plate_radius_m=plate) for lift, plate in (dl, sq) for lumbar in (15, 30)]
    # Rows 46-47: the lifter of row 0 (a neutral deadlift) again at 15 and 30 deg of lumbar
    # flexion, frame for frame the same motion and camera: a lifter compared with themself
    # (benchmarks/back_outline.py).
    rows += [Row("deadlift", 90, lumbar, body_of=0) for lumbar in (15, 30)]
    return tuple(rows)


ROWS = _rows()


def spec(index: int, seed: int = SEED, size: tuple[int, int] = SIZE):
    """The clip.ClipSpec of row `index` of the set; `size` is the set's frame size, used by rows
    that do not set their own. Rows from FIRST_VARIANT on carry every truth label; a row with
    `body_of` is drawn as that row (clip.sample_spec's draw_index)."""
    from formcheck.synth import clip  # imports formcheck.synth.body lazily only when rendering

    row = ROWS[index]
    s = clip.sample_spec(seed, index, lift=row.lift, lumbar_deg=row.lumbar_deg, yaw_deg=row.yaw_deg,
                         fps=row.fps, size=row.size or size, plate_radius_m=row.plate_radius_m,
                         thoracic_deg=row.thoracic_deg, variant=row.variant, motion_overrides=dict(row.motion),
                         shake=row.shake, crf=row.crf, extra_labels=index >= FIRST_VARIANT, draw_index=row.body_of)
    return dataclasses.replace(s, name=s.name + row.format_suffix) if row.format_suffix else s


def write_manifest(folder: Path, seed: int = SEED, size: tuple[int, int] = SIZE) -> dict:
    """Write folder/manifest.json for the clips of the set found there; returns it."""
    clips = []
    for index in range(len(ROWS)):
        s = spec(index, seed, size)
        files = {kind: f"{s.name}{ext}" for kind, ext in (("video", ".mp4"), ("truth", ".truth.json"))}
        if not all((folder / f).is_file() for f in files.values()):
            continue
        truth = json.loads((folder / files["truth"]).read_text())
        clips.append({
            "index": index, "name": s.name,
            "files": {kind: {"file": f, "sha256": file_sha256(folder / f), "size": (folder / f).stat().st_size}
                      for kind, f in files.items()},
            "lift": s.motion.lift, "yaw_deg": s.camera.yaw_deg, "lumbar_peak_deg": s.motion.lumbar_peak_deg,
            "thoracic_peak_deg": s.motion.thoracic_peak_deg, "plate_radius_m": s.look.plate_radius_m,
            "reps": s.motion.reps, "frames": truth["n_frames"], "fps": s.motion.fps,
            "phenotype": {k: round(v, 3) for k, v in s.phenotype.items()},
            "camera": {"near_side": s.camera.near_side, "height_m": round(s.camera.height_m, 3),
                       "distance_m": round(s.camera.distance_m, 3)},
            "labels": [{k: rep[k]["label"] for k in rep if isinstance(rep[k], dict)} for rep in truth["faults"]],
        })
        row = ROWS[index]
        if row.variant:  # keys only for variant rows: the first 31 entries read as they did
            clips[-1]["variant"] = {"name": row.variant, "motion": dict(row.motion),
                                    "camera_shake": {"mm": row.shake[0], "deg": row.shake[1]}, "crf": row.crf}
        if index >= FIRST_FORMAT:  # frame size per clip from row 39 on (before: the manifest's "size")
            clips[-1]["size"] = [s.camera.width_px, s.camera.height_px]
        if row.body_of is not None:
            clips[-1]["body_of"] = row.body_of
    manifest = {
        "about": "Synthetic squat and deadlift clips with exact ground truth (docs/synthetic.md, "
                 "docs/synthetic-accuracy.md). Rendered from an anny body (CC0 assets, Apache-2.0 code); "
                 "free to redistribute.",
        "command": f".venv-synth/bin/python scripts/make_synthetic.py --seed {seed} --set --size {size[0]}x{size[1]}",
        "seed": seed, "size": list(size), "count": len(clips), "clips": clips,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def load_manifest(folder: Path = SET_DIR) -> dict:
    return json.loads((folder / MANIFEST).read_text())


def checked_clips(folder: Path = SET_DIR, yaw_deg: int | None = None, indices=None) -> list[dict]:
    """The manifest's clip entries (only this camera yaw / these indices if given), each file
    checked against its sha256 first: a changed clip or truth stops the caller."""
    entries = [e for e in load_manifest(folder)["clips"]
               if (yaw_deg is None or e["yaw_deg"] == yaw_deg) and (indices is None or e["index"] in indices)]
    for entry in entries:
        for f in entry["files"].values():
            if file_sha256(folder / f["file"]) != f["sha256"]:
                raise SystemExit(f"{folder / f['file']} does not match its sha256 in the manifest")
    return entries
