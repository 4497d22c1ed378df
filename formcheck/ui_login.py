"""The optional login on the pages (docs/login.md): the sign-in form, who is signed in, log out.

With the login off (no users file, or `enabled = false`), `current()` is `access.EVERYONE` and
nothing shows. With it on, a browser session signs in once and keeps its login in the session
state until it logs out, the login's time is up or it has been idle too long (formcheck.users);
a reload of the page or a new tab signs in again. The access rules themselves are applied by
`access.ScopedStore`, which formcheck.ui_store opens for the signed-in viewer. Each page starts
with `gate()`.
"""

from __future__ import annotations

import time
from typing import NoReturn

import streamlit as st

from formcheck import users
from formcheck.access import EVERYONE, Viewer
from formcheck.errors import ConfigError

STATE = "login"  # session-state key of the users.Login
ENDED = "login_ended"  # why the last login ended, said once on the sign-in form


def _config() -> users.LoginConfig:
    """The users file, read on every run so a removed user or a changed role applies at once."""
    try:
        return users.load()
    except ConfigError as exc:
        st.error(f"The login is misconfigured, so no page is shown: {exc}", icon=":material/lock:")
        st.stop()


def current() -> Viewer | None:
    """Who is looking: EVERYONE with the login off, the signed-in user's Viewer, or None when
    somebody has to sign in (a login that has ended is dropped here, and why is kept to say)."""
    config = _config()
    if not config.enabled:
        return EVERYONE
    login = st.session_state.get(STATE)
    if login is None:
        return None
    now = time.time()
    reason = login.ended(config, now)
    if reason is not None:
        st.session_state.clear()  # the next person to sign in inherits nothing: no upload, no picks
        st.session_state[ENDED] = reason
        return None
    st.session_state[STATE] = users.Login(login.user, login.since_s, now)
    return config.users[login.user].viewer()


def sign_in() -> NoReturn:
    """The sign-in form in place of the page; the script stops here until a user signs in."""
    st.title("formcheck")
    ended = st.session_state.pop(ENDED, None)
    if ended:
        st.info(f"You were signed out: {ended}. Sign in again.", icon=":material/timer_off:")
    with st.form("login_form", border=True):
        st.markdown("**Sign in** to see your sessions.")
        name = st.text_input("User name", key="login_user", max_chars=64, autocomplete="username")
        password = st.text_input("Password", key="login_password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        user = _config().authenticate(name, password)
        if user is None:
            st.error("Wrong user name or password.", icon=":material/lock:")
        else:
            now = time.time()
            st.session_state[STATE] = users.Login(user.name, now, now)
            st.rerun()
    st.stop()


def gate() -> Viewer:
    """At the top of each page: the sign-in form (and nothing else) when the login is on and
    nobody is signed in; otherwise who is signed in, in the sidebar. Each page calls it itself,
    so a page run without app.py (Streamlit runs pages/*.py directly when a server's first
    request names one) is behind the login too."""
    viewer = current() or sign_in()
    account(viewer)
    return viewer


def account(viewer: Viewer) -> None:
    """In the sidebar: who is signed in, whose sessions they see, and Log out (nothing with the
    login off)."""
    if viewer.user is None:
        return
    st.sidebar.markdown(f"Signed in as **{viewer.user}** ({viewer.role})  \nYou see {viewer.scope()}.")
    if st.sidebar.button("Log out", icon=":material/logout:", key="logout"):
        st.session_state.clear()
        st.rerun()
