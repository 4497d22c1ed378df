"""The login's users file (formcheck.users) and `formcheck users`: off by default, hashes only,
unknown keys and half-configured logins refused, logins that end."""

import io
import stat

import pytest

from formcheck import users
from formcheck.cli import main
from formcheck.errors import ConfigError

PASSWORD = "correct horse"


@pytest.fixture
def path(home):
    return home / "users.toml"


def _add(path, name, role, athletes, password=PASSWORD):
    return users.add_user(path, name, role, athletes, password)


def test_off_when_there_is_no_users_file(home):
    config = users.load()
    assert not config.enabled and config.path == home / "users.toml"


def test_a_named_file_that_is_not_there_is_an_error_not_an_open_door(home, monkeypatch):
    monkeypatch.setenv(users.ENV, str(home / "typo.toml"))
    with pytest.raises(ConfigError, match="typo.toml: no such users file"):
        users.load()


def test_added_users_sign_in_with_their_password_only(path):
    user, new = _add(path, "ada", "athlete", ["Ada"])
    assert new and user.viewer().athletes == ("Ada",)
    _add(path, "kim", "coach", ["Ada", " Bo "])
    text = path.read_text()
    assert PASSWORD not in text and text.count("$argon2id$") == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = users.load()
    assert config.enabled and config.session_minutes == users.SESSION_MINUTES
    assert config.authenticate("ada", PASSWORD).name == "ada"
    assert config.authenticate(" kim ", PASSWORD).viewer().athletes == ("Ada", "Bo")
    assert config.authenticate("ada", "wrong password") is None
    assert config.authenticate("nobody", PASSWORD) is None
    assert config.authenticate("ada", "") is None
    _, new = _add(path, "ada", "athlete", ["Ada"], "another password")  # a new password replaces the old
    assert not new and users.load().authenticate("ada", PASSWORD) is None


@pytest.mark.parametrize("text, message", [
    ("[login]\nenabled = true\n", "no user is in it"),
    ("[login]\nenabled = 'yes'\n", "true or false"),
    ("[login]\nenabled = false\nsession_minutes = 0\n", "above 0"),
    ("[login]\nexpiry = 3\n", "unknown expiry"),
    ("[admins]\n", "unknown table"),
    ("[users.ada]\nrole = 'athlete'\npassword = 'secret'\n", "unknown password"),
    ("[users.ada]\nrole = 'athlete'\npassword_hash = 'secret'\n", "needs a password_hash"),
    ("[users.ada]\nrole = 'admin'\npassword_hash = '$argon2id$x'\n", "role must be"),
    ("[users.kim]\nrole = 'coach'\nathletes = 'Ada'\npassword_hash = '$argon2id$x'\n", "list of names"),
    ("[users.'a b']\nrole = 'coach'\npassword_hash = '$argon2id$x'\n", "named with letters"),
    ("[login\n", "cannot be read as TOML"),
])
def test_a_bad_users_file_is_refused(path, text, message):
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        users.load()


def test_turned_off_in_the_file(path):
    _add(path, "ada", "athlete", ["Ada"])
    path.write_text(path.read_text().replace("enabled = true", "enabled = false"))
    assert not users.load().enabled


def test_short_passwords_and_odd_athlete_lists_are_refused(path):
    with pytest.raises(ConfigError, match="8 characters"):
        _add(path, "ada", "athlete", ["Ada"], "short")
    with pytest.raises(ConfigError, match="exactly one"):
        _add(path, "ada", "athlete", ["Ada", "Bo"])
    assert not path.exists()


def test_the_last_user_is_not_removed_while_the_login_is_on(path):
    _add(path, "ada", "athlete", ["Ada"])
    _add(path, "kim", "coach", ["Ada"])
    users.remove_user(path, "kim")
    assert list(users.load().users) == ["ada"]
    with pytest.raises(ConfigError, match="last user"):
        users.remove_user(path, "ada")
    with pytest.raises(ConfigError, match="no user 'kim'"):
        users.remove_user(path, "kim")


def test_a_login_ends_after_its_time_when_idle_or_when_its_user_is_removed(path):
    _add(path, "ada", "athlete", ["Ada"])
    path.write_text(path.read_text().replace("session_minutes = 720", "session_minutes = 30")
                    .replace("idle_minutes = 60", "idle_minutes = 10"))
    config = users.load()
    login = users.Login("ada", since_s=1000.0, seen_s=1000.0)
    assert login.ended(config, 1000.0 + 9 * 60) is None
    assert "nothing was done for 10 minutes" in login.ended(config, 1000.0 + 11 * 60)
    assert "a login lasts 30 minutes" in users.Login("ada", 1000.0, 1000.0 + 29 * 60).ended(config, 1000.0 + 31 * 60)
    assert "no longer in the users file" in users.Login("bo", 1000.0, 1000.0).ended(config, 1000.0)


def test_users_command_adds_lists_and_removes(path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "ada", "--role", "athlete", "--athlete", "Ada", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "kim", "--role", "coach", "--athletes", "Ada, Bo", "--password-stdin"]) == 0
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "added ada (athlete: sees Ada's sessions)" in out and "login on" in out
    assert "kim: coach, sees the sessions of Ada and Bo" in out and "$argon2" not in out
    assert users.load().authenticate("kim", PASSWORD) is not None
    assert main(["users", "remove", "kim"]) == 0 and list(users.load().users) == ["ada"]
    assert main(["users", "add", "bo", "--role", "athlete", "--athletes", "Bo", "--password-stdin"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["users", "add", "bo", "--role", "athlete"]) == 2  # no terminal to ask on
