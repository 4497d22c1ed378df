import pytest

from formcheck import thresholds
from formcheck.errors import ConfigError
from formcheck.faults import RULES
from formcheck.thresholds import LIFT_TABLES, load


def test_every_rule_has_its_limits_for_every_lift_it_applies_to():
    t = load()
    for rule in RULES:
        for lift in rule.lifts:
            assert t.has(lift, rule.warn_key) and t.has(lift, rule.fault_key), (rule.name, lift)
            warn, fault = t.get(lift, rule.warn_key), t.get(lift, rule.fault_key)
            assert (fault >= warn) if rule.worse == "above" else (fault <= warn), rule.name


def test_user_file_overrides_single_values(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[squat]\nforward_lean_fault_deg = 70\n")
    t = load(path)
    assert t.get("squat", "forward_lean_fault_deg") == 70.0
    assert t.get("squat", "forward_lean_warn_deg") == load().get("squat", "forward_lean_warn_deg")
    assert t.version.endswith("+custom") and t.to_dict()["squat"]["forward_lean_fault_deg"] == 70.0


@pytest.mark.parametrize("text, words", [
    ("[squat]\nforward_lean_fault = 70\n", "unknown threshold"),
    ("[bench]\nx = 1\n", "unknown thresholds table"),
    ("[squat]\nforward_lean_fault_deg = 'steep'\n", "must be a number"),
    ("[squat\n", "cannot read"),
])
def test_bad_files_are_config_errors(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=words):
        load(path)


def test_tables_and_units():
    data = load().to_dict()
    assert set(LIFT_TABLES) <= set(data)
    for table in LIFT_TABLES + ("common",):
        for key in data[table]:
            assert key.rsplit("_", 1)[-1] in {"deg", "s", "foot", "warn", "fault", "pct", "fraction", "reps", "x"}, key


@pytest.mark.parametrize("name", ["lenient", "strict"])
def test_a_preset_moves_the_rdl_pull_limits_with_the_deadlift(name):
    moved = thresholds.preset(name)
    standard = thresholds.preset("standard")
    for key in ("elbow_warn_deg", "elbow_fault_deg", "bar_ahead_warn_foot", "bar_ahead_fault_foot"):
        assert moved.get("rdl", key) == moved.get("deadlift", key) != standard.get("rdl", key)
