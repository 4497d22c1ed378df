"""Command line for the optional login (docs/login.md): `formcheck users add NAME --role
athlete|coach`, `formcheck users remove NAME`, `formcheck users list`.

The users file is $FORMCHECK_USERS, else <data folder>/users.toml (formcheck.users), or --file.
Passwords are asked for twice on a terminal (never as an argument, which would sit in the shell's
history and the process list) or read from standard input with --password-stdin; only their
Argon2id hash is written.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TextIO

from formcheck import users
from formcheck.errors import ConfigError


def add_commands(sub) -> None:
    parser = sub.add_parser("users", help="who may sign in to the pages when the login is on (docs/login.md)")
    parser.add_argument("--file", type=Path, help="the users file (default: $FORMCHECK_USERS, else "
                        "<data folder>/users.toml)")
    parser.add_argument("--verbose", action="store_true")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a user or replace one (new password, role or athletes); turns the "
                             "login on when it creates the file")
    add.add_argument("name", help="login name: letters, digits, '.', '_' or '-'")
    add.add_argument("--role", choices=("athlete", "coach"), required=True)
    add.add_argument("--athlete", help="role athlete: their name in the session history (default: NAME)")
    add.add_argument("--athletes", default="", help="role coach: the athletes they see, comma-separated, e.g. Ada,Bo")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    remove = actions.add_parser("remove", help="remove a user (their sessions stay)")
    remove.add_argument("name")
    actions.add_parser("list", help="the users, their roles and whose sessions they see (no hashes)")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ConfigError("no terminal to ask the password on: pipe it in with --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ConfigError("the two passwords differ")
    return first


def cmd_users(args: argparse.Namespace, err: TextIO) -> int:
    path = args.file or users.users_path()
    if args.action == "add":
        if args.role == "athlete":
            if args.athletes:
                raise ConfigError("--athletes is for a coach; an athlete sees their own sessions (--athlete NAME)")
            athletes = [args.athlete or args.name]
        else:
            if args.athlete:
                raise ConfigError("--athlete is for an athlete; a coach's athletes are given with --athletes A,B")
            athletes = [a for a in (part.strip() for part in args.athletes.split(",")) if a]
        user, new = users.add_user(path, args.name, args.role, athletes, _password(args.password_stdin))
        print(f"{'added' if new else 'replaced'} {user.name} ({user.role}: sees {user.viewer().scope()}) in {path}")
        return 0
    if args.action == "remove":
        users.remove_user(path, args.name)
        print(f"removed {args.name} from {path}")
        return 0
    config = users.load(args.file)  # no file at the default place: the login is off
    print(f"{path}: login {'on' if config.enabled else 'off'}, a login lasts {config.session_minutes:g} min "
          f"({config.idle_minutes:g} min idle)")
    for user in config.users.values():
        print(f"  {user.name}: {user.role}, sees {user.viewer().scope()}")
    return 0


COMMANDS = {"users": cmd_users}
