"""Thresholds: the limits each fault rule uses, from the versioned `thresholds.toml`.

Values are in the units their key names give. A user file overrides single keys; an unknown
table or key is an error, so a typo never silently leaves a default in place. Every report
records the version and the values it was scored with.
"""

from __future__ import annotations

import copy
import functools
import os
import tomllib
from importlib import resources
from pathlib import Path

from formcheck.errors import ConfigError

LIFT_TABLES = ("deadlift", "rdl", "squat")


@functools.cache
def _packaged(name: str) -> dict:
    """A TOML file of the package, read once per process (callers must not change it)."""
    return tomllib.loads(resources.files("formcheck").joinpath(name).read_text())


def _defaults() -> dict:
    return copy.deepcopy(_packaged("thresholds.toml"))


class Thresholds:
    """Read-only view: `t.get("squat", "forward_lean_warn_deg")`, looked up in the lift's table,
    then in [common]."""

    def __init__(self, data: dict):
        self._data = data

    @property
    def version(self) -> str:
        return self._data["version"]

    def get(self, lift: str, key: str) -> float:
        table = self._data.get(lift, {})
        if key in table:
            return float(table[key])
        if key in self._data["common"]:
            return float(self._data["common"][key])
        raise ConfigError(f"no threshold '{key}' for {lift}")

    def has(self, lift: str, key: str) -> bool:
        return key in self._data.get(lift, {}) or key in self._data["common"]

    def to_dict(self) -> dict:
        return copy.deepcopy(self._data)

    def with_value(self, lift: str, key: str, value: float) -> "Thresholds":
        """A copy with one limit changed, in the table `get(lift, key)` reads it from."""
        table = lift if key in self._data.get(lift, {}) else "common"
        return self.with_overrides({table: {key: float(value)}})

    def with_overrides(self, overrides: dict) -> "Thresholds":
        """A copy with some values replaced; `overrides` has the file's shape."""
        data = copy.deepcopy(self._data)
        for table, values in overrides.items():
            if table == "version":
                data["version"] = str(values)
                continue
            if table not in data or not isinstance(values, dict):
                raise ConfigError(f"unknown thresholds table [{table}] (known: {', '.join(k for k in data if k != 'version')})")
            for key, value in values.items():
                if key not in data[table]:
                    raise ConfigError(f"unknown threshold [{table}] {key}")
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise ConfigError(f"threshold [{table}] {key} must be a number, not {value!r}")
                data[table][key] = float(value)
        if overrides:
            data["version"] = f"{data['version']}+custom" if "version" not in overrides else data["version"]
        return Thresholds(data)


PRESETS = ("lenient", "standard", "strict")


def preset(name: str) -> Thresholds:
    """The built-in thresholds moved to a preset (`presets.toml`); 'standard' is the default."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset '{name}': choose one of {', '.join(PRESETS)}")
    base = load()
    if name == "standard":
        return base
    overrides = _packaged("presets.toml")[name]
    return base.with_overrides({**overrides, "version": f"{base.version}+{name}"})


def load(path: str | os.PathLike | None = None) -> Thresholds:
    """The built-in thresholds, with the values in `path` (a TOML file) overriding them."""
    base = Thresholds(_defaults())
    if path is None:
        return base
    try:
        overrides = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read thresholds file {path}: {exc}") from exc
    return base.with_overrides(overrides)
