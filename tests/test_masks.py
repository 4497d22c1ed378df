"""The sampled segmentation masks and the pose pass that takes them: packing, sampling, the
cache, and a result that does not depend on how many cores ran it."""

import numpy as np
import pytest

from formcheck import analysis
from formcheck.contour import back_profile
from formcheck.masks import Masks, MaskSample, Sampling
from formcheck.pose import PoseSettings


def _blob(shape=(90, 160), centre=(80, 45), radius=30):
    y, x = np.mgrid[: shape[0], : shape[1]]
    return np.clip(1.2 - np.hypot(x - centre[0], y - centre[1]) / radius, 0, 1).astype(np.float32)


def test_a_packed_mask_reads_back_as_the_model_mask_at_its_level():
    soft = _blob()
    sample = MaskSample.pack(np.array([[80.0, 45.0]]), [soft])
    assert sample.people == 1 and sum(map(len, sample.packed)) < soft.nbytes / 20
    np.testing.assert_array_equal(sample.mask(0), soft >= 0.5)
    hip, shoulder = np.array([80.0, 70.0]), np.array([80.0, 20.0])
    # the contour reads only mask >= 0.5, so the bits give the same profile as the float mask
    assert back_profile(sample.mask(0), hip, shoulder, 1).offsets_px.tolist() == \
        back_profile(soft, hip, shoulder, 1).offsets_px.tolist()


def test_nearest_picks_the_person_nearest_the_lifter_and_none_when_nobody():
    left, right = _blob(centre=(40, 45), radius=15), _blob(centre=(120, 45), radius=15)
    sample = MaskSample.pack(np.array([[40.0, 45.0], [120.0, 45.0]]), [left, right])
    np.testing.assert_array_equal(sample.nearest(np.array([110.0, 40.0])), right >= 0.5)
    assert MaskSample.pack(np.zeros((0, 2)), []).nearest(np.array([1.0, 1.0])) is None


def test_masks_survive_the_cache_format():
    samples = {0: MaskSample.pack(np.array([[80.0, 45.0]]), [_blob()]),
               6: MaskSample.pack(np.zeros((0, 2)), []),
               12: MaskSample.pack(np.array([[40.0, 45.0], [120.0, 45.0]]), [_blob(radius=10), _blob(radius=20)], 0.5)}
    back = Masks.from_npz_dict(Masks(samples).to_npz_dict())
    assert sorted(back.samples) == [0, 6, 12] and [s.people for s in back.samples.values()] == [1, 0, 2]
    for i, s in samples.items():
        b = back.samples[i]
        assert (b.packed, b.shape, b.scale) == (s.packed, s.shape, s.scale)
        np.testing.assert_array_equal(b.centres_px, s.centres_px)


@pytest.mark.parametrize("fps, expected", [(60.0, 6), (30.0, 3), (29.97, 3), (25.0, 3)])
def test_sampling_takes_a_frame_every_tenth_of_a_second(fps, expected):
    sampling = Sampling(10.0)
    taken = [i for i in range(120) if sampling.take(i / fps)]
    assert taken[0] == 0 and set(np.diff(taken)) == {expected}


def test_pieces_split_a_clip_in_two_halves_unless_short():
    assert analysis.pieces(100) == [(0, None)]
    assert analysis.pieces(383) == [(0, 191), (191, None)]


@pytest.mark.real
def test_pose_pass_gives_the_same_result_on_one_core_as_on_two(clip, monkeypatch):
    """The halves and the sample depend only on the clip: one core runs the halves one after the
    other, two at once, and the landmarks and masks are the same."""
    video = clip("deadlift_side_unknown_s01.mp4")
    settings = PoseSettings()
    model = analysis.assets.resolve_model(settings.model)
    info2, found2, masks2 = analysis.run_pose(video, settings, model)
    monkeypatch.setattr(analysis.os, "cpu_count", lambda: 1)
    info1, found1, masks1 = analysis.run_pose(video, settings, model)
    assert info1 == info2 and len(found2.time_s) == info2.frames == 383
    for a, b in zip(analysis.dataclasses.astuple(found1), analysis.dataclasses.astuple(found2)):
        np.testing.assert_array_equal(a, b)
    assert sorted(masks1.samples) == sorted(masks2.samples) and len(masks2.samples) == 64
    assert all(masks1.samples[i].packed == masks2.samples[i].packed for i in masks2.samples)
    # both halves found the lifter: no frame lost at the seam
    assert np.isfinite(found2.image_px[185:197, 0, 0, 0]).all()
    # against one unsplit pass: the same frames at the same times, the same frames sampled, and the
    # same landmarks up to the seam (the second half's tracking starts afresh there)
    monkeypatch.setattr(analysis, "pieces", lambda expected_frames: [(0, None)])
    info0, found0, masks0 = analysis.run_pose(video, settings, model)
    assert info0 == info2 and (np.diff(found0.time_s) > 0).all()
    np.testing.assert_array_equal(found0.time_s, found2.time_s)
    assert sorted(masks0.samples) == sorted(masks2.samples)
    np.testing.assert_array_equal(found0.image_px[:191], found2.image_px[:191])


@pytest.mark.real
def test_two_people_in_view_are_both_found_by_both_models(clip):
    video = clip("neg_people_walking_sports2d.mp4")
    settings = PoseSettings()
    _, found, masks = analysis.run_pose(video, settings, analysis.assets.resolve_model(settings.model))
    people = np.isfinite(found.image_px[:, :, 0, 0]).sum(axis=1)
    assert people.max() == 2 and max(s.people for s in masks.samples.values()) == 2
    # the two models see the second person come into view together: at least one sampled frame
    # on which the mask model saw two is one the tracking model found two on
    both = [i for i, s in masks.samples.items() if s.people == 2]
    assert (people[both] == 2).any()


@pytest.mark.real
@pytest.mark.parametrize("broken", ["PoseEstimator", "MaskEstimator"])
def test_a_model_that_fails_mid_clip_stops_the_pass_with_its_error(clip, monkeypatch, broken):
    """One model raising in its thread ends the whole pass with that error (the other piece and the
    mask sampler stop too: no hang, no other error in its place)."""
    from formcheck import pose

    cls = getattr(pose, broken)
    detect, calls = cls.detect, []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 20:
            raise RuntimeError(f"{broken} broke")
        return detect(self, *args, **kwargs)

    monkeypatch.setattr(cls, "detect", failing)
    settings = PoseSettings()
    with pytest.raises(RuntimeError, match=f"^{broken} broke$"):
        analysis.run_pose(clip("deadlift_side_unknown_s01.mp4"), settings, analysis.assets.resolve_model(settings.model))
