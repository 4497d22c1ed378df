"""The anny body posed from a Motion: mesh vertices, joint centres and spine-bone rotations.

Needs the `synth` extra (torch and anny); both are imported inside functions, so importing this
module does not. anny (Apache-2.0 code, CC0 MakeHuman/MPFB2 assets, NAVER 2025) is used with its
default MakeHuman rig ("default": 163 bones, spine05 at the sacrum up to spine01 under the neck)
and default topology (13,718 vertices); its optional non-commercial SMPL/SMPL-X topologies are
never loaded (see docs/synthetic.md).

Posing uses anny's 'world-orient' parameterisation: each bone gets its world orientation, its
head follows its parent. A bone's orientation is its rest orientation turned about the lateral
axis by the angle its segment has in the Motion (motion.py), so segments swing in the sagittal
plane from the rest posture. A deadlift's arms are aimed straight down at the bar. A squat's
shoulder blades are pulled back and down and its hands put on the bar on the upper back by
two-bone inverse kinematics, the fingers curled over it (_squat_arms). Everything is returned in
the world frame of truth.py (X forward, Y up, Z right, metres), the floor at y = 0 and the ankles'
midpoint over the origin at rest.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings

import numpy as np

from formcheck.synth.motion import Motion, MotionParams, Segments, generate
from formcheck.synth.truth import LEFT, rotation, rotation_vector

# anny's frame is x = the body's left, y = backwards, z = up; rows map it to X fwd, Y up, Z right.
ANNY_TO_WORLD = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]])
LUMBAR_BONES = ("spine05", "spine04", "spine03")  # sacrum up to about L1/T12 (bone heads)
THORACIC_BONES = ("spine02", "spine01")  # about T12 up to the base of the neck
NECK_BONES = ("neck01", "neck02", "neck03")
# MediaPipe point -> the rig bone whose head is that joint's centre.
JOINT_BONES = {"shoulder": "upperarm01", "elbow": "lowerarm01", "wrist": "wrist", "hip": "upperleg01",
               "knee": "lowerleg01", "ankle": "foot"}
PHENOTYPE_KEYS = ("gender", "age", "muscle", "weight", "height", "proportions")


@functools.lru_cache(maxsize=1)
def load_model():
    """anny's full-body model on the CPU, float32 (the first call compiles warp kernels: minutes)."""
    import anny
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # create_fullbody_model keeps the MakeHuman rig
        model = anny.create_fullbody_model(rig="default", topology="default")
    return model.to(dtype=torch.float32, device="cpu").eval()


@dataclasses.dataclass(frozen=True)
class Posed:
    """One clip posed. vertices: float32 (frames, V, 3); faces: int32 (F, 3); joints: 'left_hip'
    etc. -> (frames, 3); bone_world: float32 (frames, bones, 3, 3) world orientations of `bones`,
    bone_rest: (bones, 3, 3) at rest; region: int8 (V,) 0 skin, 1 shirt, 2 shorts, 3 shoes;
    bar_m: (frames, 3) centre of the bar."""

    vertices: np.ndarray
    faces: np.ndarray
    joints: dict[str, np.ndarray]
    bones: tuple[str, ...]
    bone_world: np.ndarray
    bone_rest: np.ndarray
    region: np.ndarray
    bar_m: np.ndarray


def _world_from_anny(x: np.ndarray) -> np.ndarray:
    return x @ ANNY_TO_WORLD.T


def _aim(rest_dir: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Smallest rotations (n, 3, 3) turning unit rest_dir (3,) onto unit targets (n, 3)."""
    a = rest_dir / np.linalg.norm(rest_dir)
    b = target / np.linalg.norm(target, axis=-1, keepdims=True)
    axis = np.cross(a, b)
    s = np.linalg.norm(axis, axis=-1)
    c = b @ a
    k = np.zeros(axis.shape[:-1] + (3, 3))
    k[..., 0, 1], k[..., 0, 2], k[..., 1, 2] = -axis[..., 2], axis[..., 1], -axis[..., 0]
    k = k - np.swapaxes(k, -1, -2)
    factor = np.where(s > 1e-9, (1 - c) / np.where(s > 1e-9, s**2, 1.0), 0.0)[..., None, None]
    return np.eye(3) + k + factor * (k @ k)


def _arm_direction(n: int, side: str) -> np.ndarray:
    """World direction (n, 3) of the whole arm on one side of a deadlift: straight down, a little
    outside the knees, to the bar. (Squat arms: _squat_arms.)"""
    out = 1.0 if side == "left" else -1.0  # left is -Z
    return np.tile([0.0, -1.0, -0.12 * out], (n, 1))


def _world_deltas(explicit: dict[str, np.ndarray], labels, parents, count: int, n: int) -> np.ndarray:
    """World-frame rotations (n, count, 3, 3) of the first `count` bones: the explicit one, else
    the parent's (bones come after their parents)."""
    delta = np.empty((n, count, 3, 3))
    for i in range(count):
        name = labels[i]
        delta[:, i] = explicit[name] if name in explicit else (delta[:, parents[i]] if i else np.eye(3))
    return delta


def _frame_rotation(a0: np.ndarray, b0: np.ndarray, a1: np.ndarray, b1: np.ndarray) -> np.ndarray:
    """Rotations (n, 3, 3) taking the frame of a0 (3,) and b0 (3,) (b0's part across a0) onto the
    frame of a1 (n, 3) and b1 (n, 3): a0 onto a1 exactly, b0 as close to b1 as that allows."""
    def frame(a, b):
        a = a / np.linalg.norm(a, axis=-1, keepdims=True)
        b = b - (b * a).sum(-1, keepdims=True) * a
        b = b / np.linalg.norm(b, axis=-1, keepdims=True)
        return np.stack([a, b, np.cross(a, b)], -1)  # columns
    f0 = frame(np.asarray(a0, float), np.asarray(b0, float))
    return frame(a1, b1) @ np.swapaxes(f0, -1, -2)


def two_bone_ik(root: np.ndarray, target: np.ndarray, upper_m: float, lower_m: float,
                pole: np.ndarray) -> np.ndarray:
    """Middle joint (n, 3) of a two-bone chain from `root` (n, 3) reaching `target` (n, 3), bent
    towards `pole` (n, 3 directions); a target out of reach is approached along the line."""
    d = target - root
    dist = np.linalg.norm(d, axis=-1)
    dist_c = np.clip(dist, abs(upper_m - lower_m) + 1e-6, upper_m + lower_m - 1e-6)
    u = d / dist[:, None]
    side = pole - (pole * u).sum(-1, keepdims=True) * u
    side /= np.linalg.norm(side, axis=-1, keepdims=True)
    cos_a = np.clip((upper_m**2 + dist_c**2 - lower_m**2) / (2 * upper_m * dist_c), -1.0, 1.0)
    return root + upper_m * (cos_a[:, None] * u + np.sqrt(1 - cos_a**2)[:, None] * side)


def _heads(delta_anny: np.ndarray, rest_heads: np.ndarray, parents: list[int], upto: int) -> np.ndarray:
    """Bone heads (n, upto, 3) in anny's frame for world deltas (n, B, 3, 3) of bones 0..upto-1:
    each head follows its parent's head, turned by the parent's delta (as anny poses them)."""
    heads = np.empty((len(delta_anny), upto, 3))
    heads[:, 0] = rest_heads[0]
    for i in range(1, upto):
        p = parents[i]
        heads[:, i] = heads[:, p] + delta_anny[:, p] @ (rest_heads[i] - rest_heads[p])
    return heads


# Squat grip: the wrist sits this far (m) below the bar's centre along the trunk and behind it, the
# hand points up the trunk with the palm forward against the bar and the thumb towards the neck,
# and the fingers curl over the top of the bar by these angles at their three joints (deg).
WRIST_BELOW_BAR_M = 0.07
WRIST_BEHIND_BAR_M = 0.025
FINGER_CURL_DEG = (55.0, 50.0, 35.0)
ELBOW_FORWARD = 0.5  # the elbows' pole: down the trunk and this much forward (under the bar, not behind the back)


def _squat_arms(motion: Motion, explicit: dict[str, np.ndarray], labels: list[str], parents: list[int],
                rest_heads: np.ndarray, top_deg: np.ndarray) -> None:
    """Squat: shoulder blades back and down, hands on the bar on the upper back (two-bone IK to a
    grip `grip_half_m` either side of the bar's centre, elbows pointing down the trunk), wrists
    turned so the hand wraps the bar. Adds the arm, shoulder and hand bones to `explicit`."""
    p = motion.params
    n = motion.n_frames
    index = {name: i for i, name in enumerate(labels)}
    a_to_w, w_to_a = ANNY_TO_WORLD, ANNY_TO_WORLD.T
    trunk = rotation(LEFT, top_deg)  # (n, 3, 3): the top of the spine's world delta
    t_up, t_back = trunk @ np.array([0.0, 1.0, 0.0]), trunk @ np.array([-1.0, 0.0, 0.0])
    for s, out in (("L", -1.0), ("R", 1.0)):  # out: the side's world Z
        # Retraction about the trunk's long axis (the shoulder end goes back), depression about
        # the forward axis (it goes down), in the trunk's frame.
        girdle = trunk @ rotation(np.array([1.0, 0.0, 0.0]), out * p.shoulder_depress_deg) @ rotation(
            np.array([0.0, 1.0, 0.0]), -out * p.shoulder_retract_deg)
        for bone in ("clavicle", "shoulder01"):
            explicit[f"{bone}.{s}"] = girdle
    last = max([index[f"upperarm01.{s}"] for s in "LR"] + [index["neck01"]]) + 1  # the heads needed
    delta = _world_deltas(explicit, labels, parents, last, n)
    heads = _world_from_anny(_heads(w_to_a @ delta @ a_to_w, rest_heads, parents, last))
    neck = heads[:, index["neck01"]]
    bar = neck + trunk @ BAR_ON_BACK_M
    for s, out in (("L", -1.0), ("R", 1.0)):
        i_s, i_e, i_w = (index[f"{b}.{s}"] for b in ("upperarm01", "lowerarm01", "wrist"))
        rs, re, rw = (_world_from_anny(rest_heads[i]) for i in (i_s, i_e, i_w))
        shoulder = heads[:, i_s]
        wrist = (bar + np.array([0.0, 0.0, out * p.grip_half_m]) - WRIST_BELOW_BAR_M * t_up
                 + WRIST_BEHIND_BAR_M * t_back)
        elbow = two_bone_ik(shoulder, wrist, float(np.linalg.norm(re - rs)), float(np.linalg.norm(rw - re)),
                            -t_up - ELBOW_FORWARD * t_back)
        upper0, fore0 = re - rs, rw - re
        upper1, fore1 = elbow - shoulder, wrist - elbow
        # The upper arm takes the rest elbow's bend onto the new one; the forearm turns about the
        # elbow's hinge from there, so the forearm's twist follows the upper arm's.
        d_upper = _frame_rotation(upper0, fore0, upper1, fore1)
        d_fore = _frame_rotation(fore0, np.cross(upper0, fore0), fore1, np.cross(upper1, fore1))
        for bone in ("upperarm01", "upperarm02"):
            explicit[f"{bone}.{s}"] = d_upper
        # The hand: wrist -> middle knuckle up the trunk, pinky -> index knuckle towards the neck.
        knuckle = {f: _world_from_anny(rest_heads[index[f"finger{f}-1.{s}"]]) for f in (2, 3, 5)}
        d_hand = _frame_rotation(knuckle[3] - rw, knuckle[2] - knuckle[5], t_up, np.tile([0.0, 0.0, -out], (n, 1)))
        # The distal forearm bone takes half of the twist between the forearm and the hand.
        twist = d_hand @ np.swapaxes(d_fore, -1, -2)
        axis = fore1 / np.linalg.norm(fore1, axis=-1, keepdims=True)
        half = rotation_about(axis, 0.5 * np.degrees((rotation_vector(twist) * axis).sum(-1)))
        explicit[f"lowerarm01.{s}"] = d_fore
        explicit[f"lowerarm02.{s}"] = half @ d_fore
        explicit[f"wrist.{s}"] = d_hand
        curl_axis = np.cross(t_up, -t_back)  # turns the fingers towards the palm (forward)
        total = 0.0
        for k, curl in enumerate(FINGER_CURL_DEG, 1):
            total += curl
            for f in (2, 3, 4, 5):
                explicit[f"finger{f}-{k}.{s}"] = rotation_about(curl_axis, np.full(n, total)) @ d_hand


def rotation_about(axes: np.ndarray, angle_deg: np.ndarray) -> np.ndarray:
    """Rotations (n, 3, 3) about per-frame unit axes (n, 3) by angle_deg (n,)."""
    return np.stack([rotation(a, t) for a, t in zip(axes, angle_deg)])


# A squat's bar: on the upper back, from the head of neck01 in the top of the spine's frame (m).
BAR_ON_BACK_M = np.array([-0.08, -0.05, 0.0])


def pose(motion: Motion, phenotype: dict[str, float] | None = None, batch: int = 16) -> Posed:
    """Pose the body for every frame of `motion`. phenotype: anny's 0..1 values (PHENOTYPE_KEYS)."""
    import torch

    model = load_model()
    labels = list(model.bone_labels)
    parents = [int(p) for p in model.bone_parents]
    index = {name: i for i, name in enumerate(labels)}
    if any(p >= i for i, p in enumerate(parents) if i):
        raise RuntimeError("anny bones are not in parent-first order")
    phen = {k: float(v) for k, v in (phenotype or {}).items()}
    unknown = set(phen) - set(PHENOTYPE_KEYS)
    if unknown:
        raise ValueError(f"unknown phenotype keys {sorted(unknown)}")
    with torch.no_grad():
        rest = model(phenotype_kwargs=phen)
    rest_rot = rest["rest_bone_poses"][0, :, :3, :3].numpy().astype(np.float64)
    rest_heads = rest["rest_bone_heads"][0].numpy().astype(np.float64)
    rest_verts = rest["rest_vertices"][0].numpy().astype(np.float64)

    n = motion.n_frames
    a_to_w, w_to_a = ANNY_TO_WORLD, ANNY_TO_WORLD.T
    sag = lambda deg: rotation(LEFT, deg)  # noqa: E731  world-frame sagittal swing
    m = motion
    top = m.pelvis_deg + m.lumbar_deg + m.thoracic_deg
    explicit: dict[str, np.ndarray] = {"root": sag(m.pelvis_deg)}
    cumulative = m.pelvis_deg.copy()
    for name in LUMBAR_BONES:
        cumulative = cumulative + m.lumbar_deg / len(LUMBAR_BONES)
        explicit[name] = sag(cumulative)
    for name in THORACIC_BONES:
        cumulative = cumulative + m.thoracic_deg / len(THORACIC_BONES)
        explicit[name] = sag(cumulative)
    for k, name in enumerate(NECK_BONES, 1):
        explicit[name] = sag(top + m.neck_deg * k / len(NECK_BONES))
    for s, side in (("L", "left"), ("R", "right")):
        explicit[f"pelvis.{s}"] = explicit["root"]
        for bone in ("upperleg01", "upperleg02"):
            explicit[f"{bone}.{s}"] = sag(m.thigh_deg)
        for bone in ("lowerleg01", "lowerleg02"):
            explicit[f"{bone}.{s}"] = sag(m.shank_deg)
        explicit[f"foot.{s}"] = np.tile(np.eye(3), (n, 1, 1))  # feet flat on the floor
        if m.params.lift == "squat":
            continue
        arm = _arm_direction(n, side)
        for bone in ("upperarm01", "upperarm02", "lowerarm01", "lowerarm02"):
            rest_dir = a_to_w @ rest_rot[index[f"{bone}.{s}"]][:, 1]  # a bone's y axis runs head -> tail
            explicit[f"{bone}.{s}"] = _aim(rest_dir, arm)
    if m.params.lift == "squat":
        _squat_arms(m, explicit, labels, parents, rest_heads, top)
    # World-frame deltas for every bone: explicit, else the parent's; then into anny's frame.
    delta = _world_deltas(explicit, labels, parents, len(labels), n)
    delta_anny = w_to_a @ delta @ a_to_w
    world_orient = delta_anny @ rest_rot  # (n, B, 3, 3)

    verts, bone_poses = [], []
    with torch.no_grad():
        for start in range(0, n, batch):
            d = np.zeros((min(batch, n - start), len(labels), 4, 4), np.float32)
            d[..., :3, :3] = world_orient[start:start + batch]
            d[..., 3, 3] = 1.0
            out = model(pose_parameters=torch.from_numpy(d), phenotype_kwargs=phen,
                        pose_parameterization="world-orient")
            verts.append(out["vertices"].numpy())
            bone_poses.append(out["bone_poses"].numpy())
    verts = _world_from_anny(np.concatenate(verts).astype(np.float64))
    bone_poses = np.concatenate(bone_poses).astype(np.float64)
    heads = _world_from_anny(bone_poses[..., :3, 3])
    rest_w = _world_from_anny(rest_verts)
    # Floor at the soles, the ankles' midpoint over the origin at rest; then keep the ankles put.
    rest_ankles = _world_from_anny(rest_heads[[index["foot.L"], index["foot.R"]]]).mean(0)
    origin = np.array([rest_ankles[0], rest_w[:, 1].min(), rest_ankles[2]])
    shift = (rest_ankles - origin) - heads[:, [index["foot.L"], index["foot.R"]]].mean(1)
    verts += shift[:, None]
    heads += shift[:, None]

    joints = {}
    for s, side in (("L", "left"), ("R", "right")):
        for joint, bone in JOINT_BONES.items():
            joints[f"{side}_{joint}"] = heads[:, index[f"{bone}.{s}"]]
        for joint, vi in _surface_points(rest_w - origin, side).items():
            joints[f"{side}_{joint}"] = verts[:, vi]
    spine = ("root",) + LUMBAR_BONES + THORACIC_BONES + NECK_BONES + ("head",)
    sel = [index[b] for b in spine]
    to_world = lambda r: a_to_w @ r @ w_to_a  # noqa: E731  a rotation expressed in the world frame
    # Deadlift: the bar in the hands. Squat: on the upper back, behind the base of the neck.
    if m.params.lift == "deadlift":
        bar = heads[:, [index["finger3-1.L"], index["finger3-1.R"]]].mean(1)
    else:
        bar = heads[:, index["neck01"]] + (rotation(LEFT, top) @ BAR_ON_BACK_M)
    return Posed(
        vertices=verts.astype(np.float32),
        faces=model.get_triangular_faces().numpy().astype(np.int32),
        joints=joints,
        bones=spine,
        bone_world=to_world(bone_poses[:, sel, :3, :3]).astype(np.float32),  # as anny posed them
        bone_rest=to_world(rest_rot[sel]).astype(np.float32),
        region=_regions(model, labels),
        bar_m=bar,
    )


def _surface_points(rest_w: np.ndarray, side: str) -> dict[str, int]:
    """Vertex indices standing in for MediaPipe points with no rig joint: ear, heel, toe tip.
    rest_w: rest vertices in the world frame with the floor at y = 0."""
    sign = -1.0 if side == "left" else 1.0  # left is -Z
    z = rest_w[:, 2] * sign
    height = rest_w[:, 1].max()
    # Ear canal height is ~0.925 of stature (adult anthropometry, eye ~0.935): the outermost point
    # of the head in that band is the ear.
    head = (rest_w[:, 1] > 0.905 * height) & (rest_w[:, 1] < 0.935 * height)
    ear = np.flatnonzero(head)[np.argmax(z[head])]
    foot = (rest_w[:, 1] < 0.06 * height) & (z > 0.02)
    heel = np.flatnonzero(foot)[np.argmin(rest_w[foot, 0])]
    toe = np.flatnonzero(foot)[np.argmax(rest_w[foot, 0])]
    return {"ear": int(ear), "heel": int(heel), "foot_index": int(toe)}


def _regions(model, labels: list[str]) -> np.ndarray:
    """Clothing region per vertex from the bone that moves it most (see Posed.region)."""
    weights = model.vertex_bone_weights.numpy()
    bones = model.vertex_bone_indices.numpy()
    main = [labels[b] for b in bones[np.arange(len(bones)), weights.argmax(1)]]
    region = np.zeros(len(main), np.int8)
    for i, name in enumerate(main):
        base = name.split(".")[0]
        if base.startswith(("spine", "breast", "clavicle", "shoulder01", "upperarm01")):
            region[i] = 1
        elif base.startswith(("root", "pelvis", "upperleg")):
            region[i] = 2
        elif base.startswith(("foot", "toe")):
            region[i] = 3
    return region


def rest_segments(phenotype: dict[str, float] | None = None) -> Segments:
    """The body's side-view lengths and rest inclines (left side), for motion.hinge_for_bar."""
    standing = generate(MotionParams(lift="deadlift", reps=1, fps=1.0, rep_s=4.0, hold_s=0.0))
    posed = pose(standing, phenotype)
    k = int(np.argmin(standing.depth))  # lockout: arms hanging straight down
    j = {name: v[k] for name, v in posed.joints.items()}
    hand = posed.bar_m[k]

    def seg(a, b):
        d = b - a
        return float(np.hypot(d[0], d[1])), float(np.degrees(np.arctan2(d[0], d[1])))

    shank, shank_inc = seg(j["left_ankle"], j["left_knee"])
    thigh, thigh_inc = seg(j["left_knee"], j["left_hip"])
    trunk, trunk_inc = seg(j["left_hip"], j["left_shoulder"])
    return Segments(shank, thigh, trunk, float(j["left_shoulder"][1] - hand[1]),
                    shank_inc, thigh_inc, trunk_inc, float(j["left_ankle"][1]))
