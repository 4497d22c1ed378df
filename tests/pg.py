"""The PostgreSQL server the store's tests use: scripts/test.sh starts one on 127.0.0.1 and names
it in $FORMCHECK_TEST_PG_URL. Each test gets a database of its own, dropped afterwards. Without
the server the PostgreSQL tests skip locally and fail on CI (CI=true)."""

import os
import uuid

import pytest
import sqlalchemy as sa

from formcheck.store import make_engine

ENV = "FORMCHECK_TEST_PG_URL"


def server_url() -> str:
    url = os.environ.get(ENV)
    if not url:
        message = f"no PostgreSQL server: ${ENV} is not set (scripts/test.sh starts one)"
        if os.environ.get("CI"):  # as tests/browser.py: on CI a missing server is a failure
            pytest.fail(message)
        pytest.skip(message)
    return url


def fresh_database():
    """Create a new empty database on the test server; yields its URL, then drops it."""
    admin = make_engine(server_url()).execution_options(isolation_level="AUTOCOMMIT")
    name = f"formcheck_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"the PostgreSQL server in ${ENV} does not answer: {exc.orig}")
    url = sa.make_url(server_url()).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def database_url(kind: str, tmp_path):
    """Generator for a parametrized fixture: 'sqlite' (a real file under tmp_path) or 'postgresql'."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'formcheck.db'}"
    else:
        yield from fresh_database()
