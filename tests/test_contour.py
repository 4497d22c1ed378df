import numpy as np
import pytest

from formcheck.contour import STATIONS, back_profile, bend_deg


def _trunk_mask(bend: float, facing: int = 1, size: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A person mask for a horizontal trunk (a hinge): hips at x=100, shoulders at x=300 (swapped
    when facing=-1), back edge 40 px above the chord, bulging by the sagitta of a `bend` arc."""
    hip, shoulder = np.array([100.0, 220.0]), np.array([300.0, 220.0])
    if facing < 0:
        hip, shoulder = shoulder, hip
    span = 200.0 * (STATIONS[-1] - STATIONS[0])
    mid = 200.0
    sagitta = span / 2 * np.tan(np.radians(bend) / 4)
    xs = np.arange(size)
    edge = 180.0 - sagitta * np.clip(1 - ((xs - mid) / (span / 2)) ** 2, -1, 1)
    mask = np.zeros((size, size), np.float32)
    for x in range(60, 340):
        mask[int(round(edge[x])):260, x] = 1.0
    return mask, hip, shoulder


def test_flat_back_reads_near_zero():
    mask, hip, shoulder = _trunk_mask(0.0)
    profile = back_profile(mask, hip, shoulder, facing=1)
    assert profile.bend_deg == pytest.approx(0.0, abs=1.5)
    assert np.nanmean(profile.offsets_px) == pytest.approx(40.0, abs=1.5)


@pytest.mark.parametrize("bend", [20.0, 40.0])
def test_rounded_back_reads_its_bend(bend):
    mask, hip, shoulder = _trunk_mask(bend)
    assert back_profile(mask, hip, shoulder, facing=1).bend_deg == pytest.approx(bend, abs=3.0)


def test_facing_the_other_way_measures_the_same_back():
    mask, hip, shoulder = _trunk_mask(30.0, facing=-1)
    assert back_profile(mask, hip, shoulder, facing=-1).bend_deg == pytest.approx(30.0, abs=3.0)


def test_bend_formula_on_an_exact_parabola():
    chord = 300.0
    x = STATIONS * chord
    span = (STATIONS[-1] - STATIONS[0]) * chord
    sagitta = 12.0
    mid = x.mean()
    offsets = 50 + sagitta * (1 - ((x - mid) / (span / 2)) ** 2)  # bulges away from the chord
    assert bend_deg(offsets, chord) == pytest.approx(np.degrees(4 * np.arctan(2 * sagitta / span)), rel=1e-6)


def test_unmeasurable_profile_is_nan():
    offsets = np.full(len(STATIONS), np.nan)
    offsets[:3] = 10
    assert np.isnan(bend_deg(offsets, 200.0))


def test_arms_along_the_back_leave_it_unmeasured():
    """A bar on the back: elbows and hands lie on the upper back's outline, so it is the arm's."""
    mask, hip, shoulder = _trunk_mask(0.0)
    elbow, wrist = np.array([220.0, 178.0]), np.array([290.0, 172.0])
    profile = back_profile(mask, hip, shoulder, facing=1, arms_px=[(shoulder, elbow), (elbow, wrist)])
    assert np.isnan(profile.bend_deg)
    kept = np.isfinite(profile.offsets_px)
    assert kept[:4].all() and not kept[-5:].any()  # the lower back is still read, the upper is not


def test_arms_hanging_in_front_do_not_change_the_back():
    mask, hip, shoulder = _trunk_mask(30.0)
    elbow, wrist = shoulder + [0.0, 80.0], shoulder + [0.0, 160.0]  # towards the floor, under the chest
    alone = back_profile(mask, hip, shoulder, facing=1)
    with_arms = back_profile(mask, hip, shoulder, facing=1, arms_px=[(shoulder, elbow), (elbow, wrist)])
    np.testing.assert_array_equal(with_arms.offsets_px, alone.offsets_px)
    assert with_arms.bend_deg == pytest.approx(30.0, abs=3.0)
