import numpy as np
import pytest

from formcheck.reps import RepSettings, segment, spells

FPS = 30.0


def _cycle(top: float, bottom: float, seconds: float) -> np.ndarray:
    n = int(seconds * FPS)
    return bottom + (top - bottom) * (0.5 + 0.5 * np.cos(np.linspace(0, 2 * np.pi, n)))


def _signal(*parts: np.ndarray, jitter: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    ext = np.concatenate(parts)
    ext = ext + np.random.default_rng(seed).normal(0, jitter, len(ext)) if jitter else ext
    return ext, np.arange(len(ext)) / FPS


def _hold(value: float, seconds: float) -> np.ndarray:
    return np.full(int(seconds * FPS), value)


def test_three_squats_with_jitter_around_the_lines():
    ext, t = _signal(_hold(1.0, 1), _cycle(1.0, 0.6, 2), _cycle(1.0, 0.6, 2), _cycle(1.0, 0.6, 2), _hold(1.0, 1), jitter=0.02)
    reps = segment(ext, t, "squat")
    assert len(reps) == 3
    for rep, start in zip(reps, (30, 90, 150)):
        assert abs(rep.turn - (start + 30)) <= 4  # bottom in the middle of each cycle (flat, jittery)
        assert rep.start < rep.turn < rep.end
        assert rep.eccentric_s == pytest.approx(1.0, abs=0.25) and rep.concentric_s == pytest.approx(1.0, abs=0.25)
        assert rep.range_of_motion == pytest.approx(0.4, abs=0.06)


def test_setup_walkout_and_hovering_near_a_line_are_not_reps():
    # unrack and walk out: shoulders dip a little; hovering right at the 'up' line with jitter
    ext, t = _signal(_cycle(1.0, 0.9, 1.5), _hold(0.92, 2), _cycle(1.0, 0.88, 1), jitter=0.015)
    assert segment(ext, t, "squat") == []


def test_partial_squat_at_start_and_end_is_not_counted():
    half = _cycle(1.0, 0.6, 2)
    ext, t = _signal(half[30:], _hold(1.0, 0.5), _cycle(1.0, 0.6, 2), _hold(1.0, 0.5), half[:30])
    assert len(segment(ext, t, "squat")) == 1


def test_deadlift_from_the_floor_counts_the_pull_and_keeps_the_lowering():
    pull = np.linspace(0.55, 1.0, 30)
    ext, t = _signal(_hold(0.55, 1), pull, _hold(1.0, 0.5), pull[::-1], _hold(0.55, 0.7), pull, _hold(1.0, 1))
    reps = segment(ext, t, "deadlift")
    assert len(reps) == 2
    first = reps[0]
    assert first.turn_kind == "lockout"
    assert abs(first.start - 30) <= 2 and abs(first.turn - 59) <= 3
    assert first.end > first.turn + 15  # the lowering belongs to the rep
    assert reps[1].end == len(ext) - 1  # the last pull ends at lockout: no lowering shown


def test_a_pull_that_never_locks_out_is_not_a_rep():
    pull = np.linspace(0.55, 1.0, 30)
    ext, t = _signal(_hold(0.55, 1), pull, _hold(1.0, 1))
    assert len(segment(ext, t, "deadlift")) == 1
    assert segment(ext, t, "deadlift", upright=np.zeros(len(ext), bool)) == []


def test_one_glitched_frame_does_not_split_a_rep():
    ext, t = _signal(_hold(1.0, 1), _cycle(1.0, 0.6, 2), _hold(1.0, 1))
    ext[45] = -0.4  # a mis-tracked frame: implausible, dropped
    ext[10] = 0.7  # one frame below the 'down' line while standing: too short a spell
    assert len(segment(ext, t, "squat")) == 1


def test_standing_up_fast_after_dropping_the_bar_is_not_a_pull():
    ext, t = _signal(_hold(0.55, 1), np.linspace(0.55, 1.0, 30), _hold(1.0, 0.5), np.linspace(1.0, 0.55, 10),
                     _hold(0.55, 0.5), np.linspace(0.55, 1.0, 4), _hold(1.0, 1))
    assert len(segment(ext, t, "deadlift", RepSettings())) == 1


def test_spells_ignore_nan_frames():
    ext, t = _signal(_hold(1.0, 1), _hold(np.nan, 1), _hold(1.0, 1))
    assert [s[0] for s in spells(ext, t)] == [1]
