"""The optional login's users file (docs/login.md): whether the login is on, how long a login
lasts, and who may sign in with which role and whose sessions they see. Passwords are kept only
as Argon2id hashes (argon2-cffi), never in clear.

Where: $FORMCHECK_USERS, else <data folder>/users.toml (see formcheck.store.data_home): outside
the repository. The login is off when that default file is absent or says `enabled = false`; a
$FORMCHECK_USERS naming a file that is not there is an error, so a typo in it never opens every
athlete's history to whoever reaches the page. `formcheck users add` writes the file;
docs/users.example.toml shows its format:

    [login]
    enabled = true
    session_minutes = 720  # a login ends this many minutes after signing in ...
    idle_minutes = 60      # ... or after this many minutes without a click

    [users.ada]
    role = "athlete"
    athlete = "Ada"        # her name in the session history
    password_hash = "$argon2id$..."

    [users.kim]
    role = "coach"
    athletes = ["Ada", "Bo"]
    password_hash = "$argon2id$..."
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from formcheck.access import ROLES, Viewer
from formcheck.errors import ConfigError, FormcheckError
from formcheck.store import clean_name, data_home

ENV = "FORMCHECK_USERS"
SESSION_MINUTES = 720.0  # a working day at the gym: sign in once per session of coaching
IDLE_MINUTES = 60.0  # a phone left on the bench: the next person does not inherit the login
MIN_PASSWORD = 8
NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")  # login names are bare TOML keys
_LOGIN_KEYS = {"enabled", "session_minutes", "idle_minutes"}
_USER_KEYS = {"role", "athlete", "athletes", "password_hash"}
_HASHER = PasswordHasher()  # Argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile)
# checked against when the name is unknown (made once by _HASHER.hash; no hashing at import time)
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$YD/ZPVyDFvTm1zezk29jNQ$FwXIYf+Ov1arnjUD0Na2MWAkkcFqSQ/upS34OZIUU0Q"


@dataclasses.dataclass(frozen=True)
class User:
    """One login. athletes: for an athlete their own name (one), for a coach their athletes."""

    name: str
    role: str
    athletes: tuple[str, ...]
    password_hash: str

    def viewer(self) -> Viewer:
        return Viewer(self.name, self.role, self.athletes)


@dataclasses.dataclass(frozen=True)
class LoginConfig:
    """The users file as read. enabled False: no login, everyone sees everything."""

    enabled: bool = False
    session_minutes: float = SESSION_MINUTES
    idle_minutes: float = IDLE_MINUTES
    users: Mapping[str, User] = dataclasses.field(default_factory=dict)
    path: Path | None = None

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is theirs; None otherwise. An unknown name costs the same
        hash check as a known one, so the time taken does not tell which names exist."""
        user = self.users.get((name or "").strip())
        try:
            _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password or "")
        except (VerificationError, InvalidHashError):
            return None
        return user


@dataclasses.dataclass(frozen=True)
class Login:
    """A signed-in browser session: who, when they signed in and when last seen (wall-clock
    seconds, time.time())."""

    user: str
    since_s: float
    seen_s: float

    def ended(self, config: LoginConfig, now_s: float) -> str | None:
        """Why this login is over (in words), or None while it holds."""
        if self.user not in config.users:
            return f"the user {self.user} is no longer in the users file"
        if now_s - self.since_s > config.session_minutes * 60:
            return f"a login lasts {config.session_minutes:g} minutes"
        if now_s - self.seen_s > config.idle_minutes * 60:
            return f"nothing was done for {config.idle_minutes:g} minutes"
        return None


def users_path() -> Path:
    return Path(os.environ[ENV]).expanduser() if os.environ.get(ENV) else data_home() / "users.toml"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"a password needs {MIN_PASSWORD} characters or more")
    return _HASHER.hash(password)


def _positive(table: dict, key: str, default: float, path: Path) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{path}: [login] {key} must be a number of minutes above 0")
    return float(value)


def _user(name: str, entry: dict, path: Path) -> User:
    if not isinstance(entry, dict) or not NAME.fullmatch(name):
        raise ConfigError(f"{path}: [users.{name}] must be a table, named with letters, digits, '.', '_' or '-'")
    if set(entry) - _USER_KEYS:
        raise ConfigError(f"{path}: [users.{name}]: unknown {', '.join(sorted(set(entry) - _USER_KEYS))}")
    role = entry.get("role")
    if role == "athlete":
        athletes = [entry.get("athlete", name)]
    elif role == "coach":
        athletes = entry.get("athletes", [])
    else:
        raise ConfigError(f"{path}: [users.{name}] role must be one of {', '.join(ROLES)}")
    if not isinstance(athletes, list) or not all(isinstance(a, str) for a in athletes):
        raise ConfigError(f"{path}: [users.{name}] athletes must be a list of names")
    if not str(entry.get("password_hash", "")).startswith("$argon2"):
        raise ConfigError(f"{path}: [users.{name}] needs a password_hash from `formcheck users add`")
    try:
        return User(name, role, tuple(dict.fromkeys(clean_name(a) for a in athletes)), entry["password_hash"])
    except FormcheckError as exc:
        raise ConfigError(f"{path}: [users.{name}]: {exc}") from None


def load(path: Path | None = None) -> LoginConfig:
    """The users file at `path` (default: users_path()). Raises ConfigError for a file that
    cannot be read or has unknown keys, and for a login turned on with no user in it."""
    explicit = path is not None or bool(os.environ.get(ENV))
    path = path or users_path()
    if not path.is_file():
        if explicit:
            raise ConfigError(f"{path}: no such users file (create it with `formcheck users add`)")
        return LoginConfig(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read as TOML ({exc})") from None
    if set(data) - {"login", "users"}:
        raise ConfigError(f"{path}: unknown table(s) {', '.join(sorted(set(data) - {'login', 'users'}))}")
    login, entries = data.get("login", {}), data.get("users", {})
    if set(login) - _LOGIN_KEYS:
        raise ConfigError(f"{path}: [login]: unknown {', '.join(sorted(set(login) - _LOGIN_KEYS))}")
    enabled = login.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{path}: [login] enabled must be true or false")
    users = {name: _user(name, entry, path) for name, entry in entries.items()}
    if enabled and not users:
        raise ConfigError(f"{path}: the login is on but no user is in it: add one with `formcheck users add`")
    return LoginConfig(enabled, _positive(login, "session_minutes", SESSION_MINUTES, path),
                       _positive(login, "idle_minutes", IDLE_MINUTES, path), users, path)


def _toml(config: LoginConfig) -> str:
    """The file's text. Strings are written as JSON strings, which TOML reads the same."""
    lines = ["# formcheck login (docs/login.md): written by `formcheck users`; passwords are Argon2id hashes.",
             "[login]", f"enabled = {'true' if config.enabled else 'false'}",
             f"session_minutes = {config.session_minutes:g}  # a login ends this long after signing in",
             f"idle_minutes = {config.idle_minutes:g}  # or after this long without a click"]
    for user in config.users.values():
        lines += ["", f"[users.{user.name}]", f"role = {json.dumps(user.role)}"]
        if user.role == "athlete":
            lines.append(f"athlete = {json.dumps(user.athletes[0])}")
        else:
            lines.append(f"athletes = [{', '.join(json.dumps(a) for a in user.athletes)}]")
        lines.append(f"password_hash = {json.dumps(user.password_hash)}")
    return "\n".join(lines) + "\n"


def write(config: LoginConfig, path: Path) -> None:
    """Replace the file in one step, readable by its owner only (it holds the hashes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".users.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(_toml(config))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_user(path: Path, name: str, role: str, athletes: list[str], password: str) -> tuple[User, bool]:
    """Add a user, or replace one of that name (a new password, role or athletes); the file is
    created with the login on. (the user, True when it is new)."""
    config = load(path) if path.is_file() else LoginConfig(enabled=True, path=path)
    if role == "athlete" and len(athletes) != 1:
        raise ConfigError("an athlete sees exactly one athlete's sessions: give their name once (--athlete)")
    entry = {"role": role, "password_hash": hash_password(password)}
    if role == "athlete":
        entry["athlete"] = athletes[0]
    else:
        entry["athletes"] = athletes
    user = _user(name, entry, path)
    new = name not in config.users
    write(dataclasses.replace(config, users={**config.users, name: user}), path)
    return user, new


def remove_user(path: Path, name: str) -> None:
    config = load(path)
    if name not in config.users:
        raise ConfigError(f"{path}: no user {name!r} (users: {', '.join(config.users) or 'none'})")
    if config.enabled and len(config.users) == 1:
        raise ConfigError(f"{name} is the last user: set enabled = false in {path} to turn the login off first")
    write(dataclasses.replace(config, users={k: v for k, v in config.users.items() if k != name}), path)
