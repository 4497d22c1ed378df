import subprocess
import sys

import numpy as np
import pytest

from formcheck.errors import BadVideoError
from formcheck.video import SEEK_AFTER_S, VideoReader, prefetch
from tests import media


def read_all(path):
    with VideoReader(path) as reader:
        frames = list(reader.frames())
        return frames, reader.info()


def _zero(p):
    p.write_bytes(b"")
    return p


def _text(p):
    p.write_text("this is not a video\n" * 50)
    return p


def _truncated_index_at_end(p):
    full = media.write_video(p.with_suffix(".full.mp4"), n=60)
    p.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    return p


def _truncated_index_at_start(p):
    full = media.write_video(p.with_suffix(".full.mp4"), n=150, options={"movflags": "faststart"})
    p.write_bytes(full.read_bytes()[: full.stat().st_size // 3])
    return p


BAD_INPUTS = {
    "zero_byte": (_zero, "empty"),
    "text_named_mp4": (_text, "not a video file"),
    "truncated_index_at_end": (_truncated_index_at_end, "truncated"),
    "truncated_index_at_start": (_truncated_index_at_start, "truncated"),
    "image": (media.write_image, "still image"),
    "audio_only": (media.write_audio, "no video stream"),
    "unknown_codec": (media.write_unknown_codec, "codec"),
    "missing": (lambda p: p, "no such file"),
}


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_bad_input_is_one_clear_error(kind, tmp_path):
    make, words = BAD_INPUTS[kind]
    path = make(tmp_path / f"{kind}.mp4")
    with pytest.raises(BadVideoError, match=words) as info:
        read_all(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_cli_bad_input_exits_2_with_one_line(kind, tmp_path):
    make, words = BAD_INPUTS[kind]
    path = make(tmp_path / f"{kind}.mp4")
    run = subprocess.run([sys.executable, "-m", "formcheck.cli", "analyze", str(path), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("formcheck: error:") and words in lines[0]
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("codec", ["libx264", "libx265", "libvpx-vp9", "mpeg4"])
def test_codecs_decode_with_timestamps(codec, tmp_path):
    suffix = ".webm" if "vpx" in codec else ".mkv" if codec == "libx265" else ".mp4"
    frames, info = read_all(media.write_video(tmp_path / f"clip{suffix}", codec=codec, n=24, fps=24))
    assert len(frames) == 24 == info.frames
    assert info.fps == pytest.approx(24.0, rel=0.01)
    assert frames[0].image.shape == (120, 160, 3) and frames[0].image.dtype == np.uint8
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(24) / 24, atol=2e-3)


def test_variable_frame_rate_keeps_real_timestamps(tmp_path):
    times = np.cumsum([0] + [1 / 60] * 20 + [1 / 20] * 20)[:41]
    frames, info = read_all(media.write_video(tmp_path / "vfr.mkv", n=41, times_s=list(times)))
    np.testing.assert_allclose([f.time_s for f in frames], times, atol=2e-3)
    assert info.variable_frame_rate


@pytest.mark.parametrize("fps", [20, 60])
def test_frame_rates_from_20_to_60(fps, tmp_path):
    frames, info = read_all(media.write_video(tmp_path / "c.mp4", n=fps, fps=fps))
    assert info.frames == fps and info.fps == pytest.approx(fps, rel=0.01)


def test_prefetch_passes_items_and_errors_through():
    def items():
        yield 1
        yield 2
        raise BadVideoError("boom")

    got = []
    with pytest.raises(BadVideoError, match="boom"):
        for item in prefetch(items(), depth=1):
            got.append(item)
    assert got == [1, 2]


def test_prefetch_closed_early_stops_the_producer():
    gen = prefetch(iter(range(10_000)), depth=2)
    assert next(gen) == 0
    gen.close()  # must return promptly, not hang on a full queue


# Real clips from ../shared/videos (via sample_videos/).

@pytest.mark.parametrize(
    "name, size, rotation",
    [("squat_bw_oblique_good_k01.mp4", (848, 480), 90), ("neg_person_armraise_rot180.mp4", (480, 848), 180)],
)
def test_rotation_metadata_applied_once(clip, name, size, rotation):
    with VideoReader(clip(name)) as reader:
        first = next(iter(reader.frames()))
    assert first.image.shape[:2] == size  # (height, width) of the upright picture
    frames, info = read_all(clip(name))
    assert info.rotation_deg == rotation
    assert (info.height_px, info.width_px) == size


def test_wrong_container_frame_count_is_not_trusted(clip):
    path = clip("deadlift_side_bad_m01.mp4")  # its container says 118 frames; 102 decode
    with VideoReader(path) as reader:
        assert reader.reported_frames == 118
    _, info = read_all(path)
    assert info.frames == 102


@pytest.mark.parametrize("name, codec", [("neg_people_walking_sports2d.mp4", "vp9"), ("deadlift_side_good_m01.mp4", "mpeg4")])
def test_real_vp9_and_mpeg4_clips(clip, name, codec):
    frames, info = read_all(clip(name))
    assert info.codec == codec and info.frames == len(frames) > 100


@pytest.mark.parametrize("name", ["squat_bw_side_unknown_e02.mp4", "neg_people_walking_sports2d.mp4",
                                  "deadlift_side_good_m01.mp4", "squat_bw_oblique_good_k01.mp4"])
def test_frames_at_seeks_to_the_same_pictures_as_a_full_decode(clip, name, monkeypatch):
    """H.264, VP9, MPEG-4 and a rotated (90 deg) phone clip: the frames reached by seeking are the frames
    (index, time, pixels) a decode from the start gives, and no decode from the start is made."""
    frames, info = read_all(clip(name))
    times = [f.time_s for f in frames]
    middle = int(np.searchsorted(times, (SEEK_AFTER_S + times[-1]) / 2))
    wanted = [len(frames) - 1, middle, middle + 1]
    assert times[middle] >= SEEK_AFTER_S
    with monkeypatch.context() as patch:
        patch.setattr(VideoReader, "frames", lambda *a, **k: pytest.fail("decoded from the start"))
        with VideoReader(clip(name)) as reader:
            got = list(reader.frames_at(wanted, times))
    assert [f.index for f in got] == sorted(wanted)
    for f in got:
        assert f.time_s == pytest.approx(times[f.index], abs=1e-6)
        assert np.array_equal(f.image, frames[f.index].image)
    # an early frame among them: all of them from one decode from the start
    with VideoReader(clip(name)) as reader:
        got = list(reader.frames_at(wanted + [3], times))
    assert [f.index for f in got] == sorted(wanted + [3])
    assert all(np.array_equal(f.image, frames[f.index].image) for f in got)


def test_frames_at_with_a_timeline_that_is_not_the_clips_decodes_from_the_start(tmp_path):
    path = media.write_video(tmp_path / "c.mp4", n=150, fps=30)
    frames, _ = read_all(path)
    shifted = [f.time_s + 1 / 60 for f in frames]  # half a frame off: no frame matches it
    with VideoReader(path) as reader:
        got = list(reader.frames_at([140, 100], shifted))
    assert [f.index for f in got] == [100, 140]
    assert all(np.array_equal(f.image, frames[f.index].image) for f in got)
