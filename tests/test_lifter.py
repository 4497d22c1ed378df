import numpy as np

from formcheck.landmarks import Poses
from formcheck.lifter import select_lifter
from formcheck.pose import Candidates
from tests.synthetic import Pose2D, side_view, squat_reps

W, H = 1280, 1000


def _candidates(people: list[Poses], order: np.ndarray | None = None) -> Candidates:
    """Stack people into candidate slots; `order[i]` permutes the slots on frame i."""
    n = people[0].n_frames
    out = Candidates.allocate(n, len(people))
    out.time_s[:] = people[0].time_s
    for i in range(n):
        perm = order[i] if order is not None else np.arange(len(people))
        for slot, p in zip(perm, people):
            out.image_px[i, slot] = p.image_px[i]
            out.visibility[i, slot] = p.visibility[i]
            out.presence[i, slot] = p.presence[i]
            out.world_m[i, slot] = p.world_m[i]
    return out


def _small_walker(n: int, present: slice) -> Poses:
    walker = side_view(Pose2D(), n, ankle_px=(150.0, 600.0))
    image = walker.image_px * np.float32(0.5)
    image[..., 0] += np.linspace(0, 200, n, dtype=np.float32)[:, None]
    mask = np.ones(n, bool)
    mask[present] = False
    image[mask] = np.nan
    return walker.replace(image_px=image)


def test_picks_the_lifter_even_when_slots_swap():
    n = 90
    lifter = side_view(squat_reps(n), n, ankle_px=(640.0, 950.0))
    walker = _small_walker(n, slice(0, n))
    order = np.array([[0, 1] if (i // 7) % 2 else [1, 0] for i in range(n)])
    choice = select_lifter(_candidates([lifter, walker], order), W, H)
    np.testing.assert_allclose(choice.poses.image_px, lifter.image_px)
    assert choice.people_max == 2
    assert choice.chosen_frames == n


def test_a_passer_by_is_not_picked():
    n = 90
    lifter = side_view(squat_reps(n), n, ankle_px=(640.0, 950.0))
    passer = side_view(Pose2D(), n, ankle_px=(100.0, 980.0))  # as big as the lifter, but brief and at the edge
    image = passer.image_px.copy()
    image[:30] = np.nan
    image[50:] = np.nan
    choice = select_lifter(_candidates([passer.replace(image_px=image), lifter]), W, H)
    np.testing.assert_allclose(choice.poses.image_px, lifter.image_px)


def test_lifter_missing_on_some_frames_stays_nan_there():
    n = 60
    lifter = side_view(squat_reps(n), n)
    image = lifter.image_px.copy()
    image[20:25] = np.nan
    choice = select_lifter(_candidates([lifter.replace(image_px=image)]), W, H)
    assert not choice.poses.has_pose[20:25].any()
    assert choice.poses.has_pose[:20].all() and choice.poses.has_pose[25:].all()


def test_nobody():
    empty = Candidates.allocate(10, 2)
    choice = select_lifter(empty, W, H)
    assert choice.chosen_frames == 0 and choice.people_max == 0
    assert not choice.poses.has_pose.any()
