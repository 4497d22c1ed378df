"""The same-body series (benchmarks/synthetic_series/): each lifter filmed in several sessions.

For judging each rep against the lifter's own reference clip. Six bodies drawn with seed 2 (so
none is a lifter of the benchmark set, seed 1): bodies 0-3 deadlift with 45 cm plates, 4-5 squat
with an empty bar, all in a true side view (yaw 90). Every body has the nine roles of ROLES:

| role | lumbar peak per rep (deg) | camera |
|---|---|---|
| ref | 0, 0, 0 (the reference session) | the body's drawn camera |
| l00, l10, l15, l20, l30 | 0/10/15/20/30, two reps | the same |
| grow | 0, 7.5, 15, 22.5, 30 (rounding more every rep) | the same |
| cam00, cam15 | 0 or 15, two reps | moved: CAMERA_MOVE (yaw, distance, height) |

A body's clips share its phenotype, clothes and colours, light and (but for cam00/cam15) camera:
clip.sample_spec draws them from (SEED, body) whatever the role. They are not frame-for-frame
copies, though: each clip has its own seeded jitter of tempo (rep duration within TEMPO_JITTER),
depth (a few degrees, DEPTH_JITTER_DEG), the pauses (HOLD_JITTER_S) and its own sensor noise
(ClipSpec.noise_seed), so a comparison has to match reps by phase (hip angle), not frame index.

numpy only: reading the manifest (checked_clips) needs neither torch nor anny.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from formcheck.video import file_sha256

SERIES_DIR = Path(__file__).resolve().parent.parent.parent / "benchmarks" / "synthetic_series"
MANIFEST = "manifest.json"
SEED = 2
SIZE = (1024, 576)
FPS = 30.0
YAW_DEG = 90.0
FULL_PLATE_M = 0.225  # 45 cm plates (render.PLATE_RADIUS_M), as in the benchmark set's deadlifts
BODY_LIFTS = ("deadlift", "deadlift", "deadlift", "deadlift", "squat", "squat")
CAMERA_MOVE = (5.0, 0.15, 0.10)  # yaw (deg), distance (m), height (m) added to the body's camera
TEMPO_JITTER = 0.10  # rep duration times U(1 - x, 1 + x), per clip
HOLD_JITTER_S = 0.10  # pauses before, between and after reps: +- this, per clip
# Depth, per clip (degrees, uniform +-): a squat's thigh and shank at the bottom; a deadlift's
# shins at the floor (its thigh and trunk follow from the bar on the floor, clip._fit_deadlift).
DEPTH_JITTER_DEG = {"squat": {"thigh_bottom_deg": 4.0, "shank_bottom_deg": 2.0},
                    "deadlift": {"shank_bottom_deg": 3.0}}


@dataclasses.dataclass(frozen=True)
class Role:
    """One session of a body: its lumbar flexion peak per rep (degrees; the number of reps) and
    whether the camera is moved by CAMERA_MOVE."""

    name: str
    lumbar_per_rep: tuple[float, ...]
    camera_moved: bool = False

    @property
    def camera_move(self) -> tuple[float, float, float]:
        return CAMERA_MOVE if self.camera_moved else (0.0, 0.0, 0.0)


ROLES = (
    Role("ref", (0.0, 0.0, 0.0)),
    *(Role(f"l{peak:02d}", (float(peak),) * 2) for peak in (0, 10, 15, 20, 30)),
    Role("grow", (0.0, 7.5, 15.0, 22.5, 30.0)),
    Role("cam00", (0.0, 0.0), camera_moved=True),
    Role("cam15", (15.0, 15.0), camera_moved=True),
)
ROLE_BY_NAME = {r.name: r for r in ROLES}


@dataclasses.dataclass(frozen=True)
class Item:
    """One clip of the series: body index (0..5) and role."""

    body: int
    role: Role

    @property
    def key(self) -> str:
        return f"b{self.body}_{self.role.name}"

    @property
    def lift(self) -> str:
        return BODY_LIFTS[self.body]

    @property
    def plate_radius_m(self) -> float:
        return FULL_PLATE_M if self.lift == "deadlift" else 0.0

    @property
    def name(self) -> str:
        return f"series_{SEED}_b{self.body}_{self.lift}_{self.role.name}"

    @property
    def noise_seed(self) -> int:
        """The clip's own sensor-noise stream: unique within the series."""
        return 100 * self.body + ROLES.index(self.role)


ITEMS = tuple(Item(b, role) for b in range(len(BODY_LIFTS)) for role in ROLES)
ITEM_BY_KEY = {i.key: i for i in ITEMS}


def select(words: str | None) -> list[Item]:
    """Items picked by a comma list of `b<N>` (all roles of body N), a role name (that role of
    every body) or `b<N>_<role>`; None or '' for all. Raises ValueError on a word that picks none."""
    if not words:
        return list(ITEMS)
    out = []
    for word in (w.strip() for w in words.split(",")):
        picked = [i for i in ITEMS if word in (i.key, f"b{i.body}", i.role.name)]
        if not picked:
            raise ValueError(f"{word!r} names no clip of the series (b0..b{len(BODY_LIFTS) - 1}, "
                             f"{', '.join(ROLE_BY_NAME)} or b<N>_<role>)")
        out += [i for i in picked if i not in out]
    return [i for i in ITEMS if i in out]


def jitter(item: Item) -> dict:
    """The clip's own small changes to the body's drawn motion (seeded by body and role):
    `rep_s_factor`, `hold_s_delta` and per-field degrees added (`depth_deg`)."""
    rng = np.random.default_rng([SEED, item.body, 1000 + ROLES.index(item.role)])
    out = {"rep_s_factor": round(float(rng.uniform(1 - TEMPO_JITTER, 1 + TEMPO_JITTER)), 4),
           "hold_s_delta": round(float(rng.uniform(-HOLD_JITTER_S, HOLD_JITTER_S)), 4)}
    out["depth_deg"] = {f: round(float(rng.uniform(-a, a)), 3) for f, a in DEPTH_JITTER_DEG[item.lift].items()}
    return out


def spec(item: Item):
    """The clip.ClipSpec of one item: body, look, light and camera drawn as clip.sample_spec draws
    clip `item.body` of seed SEED (the role does not change the draw), then the role's reps and
    lumbar peaks, the clip's jitter, its camera move and its noise seed. Every truth label is kept."""
    from formcheck.synth import clip  # imports formcheck.synth.body lazily only when rendering

    peaks = item.role.lumbar_per_rep
    base = clip.sample_spec(SEED, item.body, lift=item.lift, lumbar_deg=max(peaks), yaw_deg=YAW_DEG, fps=FPS,
                            size=SIZE, plate_radius_m=item.plate_radius_m, extra_labels=True)
    j = jitter(item)
    mp = base.motion
    mp = dataclasses.replace(mp, reps=len(peaks), lumbar_peak_deg=max(peaks), lumbar_peak_per_rep=peaks,
                             rep_s=mp.rep_s * j["rep_s_factor"], hold_s=mp.hold_s + j["hold_s_delta"],
                             **{f: getattr(mp, f) + d for f, d in j["depth_deg"].items()})
    camera = base.camera.moved(*item.role.camera_move)
    return dataclasses.replace(base, name=item.name, motion=mp, camera=camera, noise_seed=item.noise_seed)


def command(items: list[Item] | None = None) -> str:
    """The command that renders these items (None: the whole series)."""
    only = f" --only {','.join(i.key for i in items)}" if items else ""
    return f".venv-synth/bin/python scripts/make_synthetic.py --series --jobs 2{only}"


def write_manifest(folder: Path = SERIES_DIR) -> dict:
    """Write folder/manifest.json for the clips of the series found there; returns it."""
    clips = []
    for item in ITEMS:
        s = spec(item)
        files = {kind: f"{s.name}{ext}" for kind, ext in (("video", ".mp4"), ("truth", ".truth.json"))}
        if not all((folder / f).is_file() for f in files.values()):
            continue
        truth = json.loads((folder / files["truth"]).read_text())
        cam, move = s.camera, item.role.camera_move
        clips.append({
            "key": item.key, "name": s.name, "body": item.body, "role": item.role.name,
            "files": {kind: {"file": f, "sha256": file_sha256(folder / f), "size": (folder / f).stat().st_size}
                      for kind, f in files.items()},
            "lift": item.lift, "plate_radius_m": s.look.plate_radius_m,
            "lumbar_peak_per_rep": list(item.role.lumbar_per_rep),
            "reps": s.motion.reps, "frames": truth["n_frames"], "fps": s.motion.fps,
            "size": [cam.width_px, cam.height_px],
            "rep_s": round(s.motion.rep_s, 4), "hold_s": round(s.motion.hold_s, 4), "jitter": jitter(item),
            "phenotype": {k: round(v, 3) for k, v in s.phenotype.items()},
            "camera": {"near_side": cam.near_side, "yaw_deg": round(cam.yaw_deg, 3), "height_m": round(cam.height_m, 3),
                       "distance_m": round(cam.distance_m, 3),
                       "move": {"yaw_deg": move[0], "distance_m": move[1], "height_m": move[2]}},
            "reps_frames": [[r["start"], r["turn"], r["end"]] for r in truth["reps"]],
            # Per rep: the bones' largest lumbar flexion (what was asked), and the truth label's
            # measure, the largest while the trunk is hinged (clip.fault_labels): lower where the
            # flexion peaks as an upright lifter's trunk is already under the hinge limit.
            "lumbar_max_deg": [_rep_max(truth["frames"]["lumbar_flexion_deg"], r) for r in truth["reps"]],
            "lumbar_hinged_max_deg": [round(rep["spine_flexion"]["lumbar_max_deg"], 2) for rep in truth["faults"]],
            "labels": [{k: rep[k]["label"] for k in rep if isinstance(rep[k], dict)} for rep in truth["faults"]],
            "command": command([item]),
        })
    manifest = {
        "about": "Same-body series: six synthetic lifters (seed 2), each in a reference session and in "
                 "sessions with known lumbar flexion, one rounding more every rep and two with the camera "
                 "moved (docs/synthetic.md). Rendered from an anny body (CC0 assets, Apache-2.0 code); "
                 "free to redistribute.",
        "command": command(),
        "seed": SEED, "size": list(SIZE), "fps": FPS, "roles": [r.name for r in ROLES],
        "camera_move": {"yaw_deg": CAMERA_MOVE[0], "distance_m": CAMERA_MOVE[1], "height_m": CAMERA_MOVE[2]},
        "count": len(clips), "clips": clips,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def _rep_max(values: list, rep: dict) -> float:
    """Largest value of a truth frame column over one rep (its start to end frame), 2 decimals."""
    return round(float(np.nanmax(np.array(values[rep["start"]:rep["end"] + 1], float))), 2)


def load_manifest(folder: Path = SERIES_DIR) -> dict:
    return json.loads((folder / MANIFEST).read_text())


def checked_clips(folder: Path = SERIES_DIR, bodies=None, roles=None) -> list[dict]:
    """The manifest's clip entries (only these body indices / role names if given), each file
    checked against its sha256 first (a changed clip or truth stops the caller), with `video` and
    `truth`: the files' absolute paths."""
    folder = Path(folder).resolve()
    entries = [e for e in load_manifest(folder)["clips"]
               if (bodies is None or e["body"] in bodies) and (roles is None or e["role"] in roles)]
    for entry in entries:
        for kind, f in entry["files"].items():
            path = folder / f["file"]
            if file_sha256(path) != f["sha256"]:
                raise SystemExit(f"{path} does not match its sha256 in the manifest")
            entry[kind] = path
    return entries


def by_body(entries: list[dict]) -> dict[int, dict[str, dict]]:
    """Entries (checked_clips) as {body: {role: entry}}, e.g. by_body(...)[0]['ref']."""
    out: dict[int, dict[str, dict]] = {}
    for e in entries:
        out.setdefault(e["body"], {})[e["role"]] = e
    return out
