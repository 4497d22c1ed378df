"""Who sees what: the access rules of the optional login (docs/login.md).

A `Viewer` is who is looking at the pages: with the login off, anyone (every athlete's sessions,
as on a single-user laptop); with it on, an athlete (their own sessions) or a coach (the athletes
assigned to them). `ScopedStore` wraps a `Store` so that every read and write the pages make goes
through these rules: lists leave out the athletes the viewer may not see, and a session asked for
by id that is not theirs is refused with `AccessError`, whether it exists or not (a refusal does
not tell which ids are taken). The rules hold here, below the widgets, so a hand-made URL or a
stale widget value cannot get round them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from formcheck.errors import AccessError, ConfigError, StoreError
from formcheck.relative import Reference
from formcheck.store import NewSession, SessionRecord, Store, clean_name

ROLES = ("athlete", "coach")


@dataclasses.dataclass(frozen=True)
class Viewer:
    """user: the login name, None with the login off. role: 'athlete' or 'coach' (None with the
    login off). athletes: the athlete names (as stored) whose sessions they may see; None for
    everyone's. An athlete sees exactly one: their own."""

    user: str | None = None
    role: str | None = None
    athletes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.user is None:
            if self.role is not None or self.athletes is not None:
                raise ConfigError("a viewer without a login sees everyone: no role, no athlete list")
            return
        if self.role not in ROLES:
            raise ConfigError(f"user {self.user}: role {self.role!r}, use one of {', '.join(ROLES)}")
        if self.athletes is None:
            raise ConfigError(f"user {self.user}: a login needs the athletes it may see")
        object.__setattr__(self, "athletes", tuple(dict.fromkeys(clean_name(a) for a in self.athletes)))
        if self.role == "athlete" and len(self.athletes) != 1:
            raise ConfigError(f"user {self.user}: an athlete sees exactly one athlete's sessions, their own")

    @property
    def restricted(self) -> bool:
        return self.athletes is not None

    def may_see(self, athlete: str) -> bool:
        return self.athletes is None or athlete in self.athletes

    def scope(self) -> str:
        """Whose sessions, in words: "Ada's sessions", "the sessions of Ada and Bo", "every athlete's sessions"."""
        if self.athletes is None:
            return "every athlete's sessions"
        if len(self.athletes) == 1:
            return f"{self.athletes[0]}'s sessions"
        if not self.athletes:
            return "no athlete's sessions yet (none is assigned to you)"
        return f"the sessions of {', '.join(self.athletes[:-1])} and {self.athletes[-1]}"

    def refusal(self, what: str) -> AccessError:
        return AccessError(f"{what} is not yours to open: signed in as {self.user}, you see {self.scope()} only")


EVERYONE = Viewer()


class ScopedStore:
    """The part of a Store one Viewer may use: the methods the pages call, each checked. Anything
    else of the Store (export, check, sweep) is not offered here."""

    def __init__(self, store: Store, viewer: Viewer):
        self.store, self.viewer = store, viewer
        self.url, self.home = store.url, store.home

    def describe(self) -> str:
        return self.store.describe()

    # --- the checks --------------------------------------------------------------------------
    def athlete(self, name: str) -> str:
        """The cleaned name, when the viewer may see that athlete; AccessError otherwise."""
        cleaned = clean_name(name)
        if not self.viewer.may_see(cleaned):
            raise self.viewer.refusal(f"{cleaned}'s history")
        return cleaned

    def require(self, record: SessionRecord) -> SessionRecord:
        """A record read elsewhere (a cache), checked again before it is shown."""
        if not self.viewer.may_see(record.athlete):
            raise self.viewer.refusal(f"Session {record.id}")
        return record

    def _ids(self, session_ids: Collection[int]) -> list[int]:
        ids = [int(i) for i in session_ids]
        if self.viewer.restricted and ids:
            owners = self.store.owners(ids)
            for i in ids:
                if not self.viewer.may_see(owners.get(i, "")):
                    raise self.viewer.refusal(f"Session {i}")
        return ids

    # --- reading -------------------------------------------------------------------------------
    def athletes(self) -> list[str]:
        return [name for name in self.store.athletes() if self.viewer.may_see(name)]

    def lifts(self, athlete: str) -> list[str]:
        return self.store.lifts(self.athlete(athlete))

    def sessions(self, athlete: str | None = None, lift: str | None = None, since=None) -> list[SessionRecord]:
        if athlete is not None:
            athlete = self.athlete(athlete)
        return self.store.sessions(athlete, lift, since, among=self.viewer.athletes)

    def session(self, session_id: int) -> SessionRecord:
        """One session by id: refused alike whether it is another athlete's or does not exist."""
        if not self.viewer.restricted:
            return self.store.session(session_id)
        try:
            return self.require(self.store.session(int(session_id)))
        except StoreError:
            raise self.viewer.refusal(f"Session {session_id}") from None

    def report(self, session_id: int):
        return self.store.report(self.session(session_id).id)

    def report_dict(self, session_id: int) -> dict:
        return self.store.report_dict(self.session(session_id).id)

    def files(self, session_id: int) -> list[dict]:
        return self.store.files(self.session(session_id).id)

    def fault_rows(self, session_ids: list[int]) -> list[dict]:
        return self.store.fault_rows(self._ids(session_ids))

    def shapes(self, session_ids: list[int]) -> dict[int, dict]:
        return self.store.shapes(self._ids(session_ids))

    def references(self, athlete: str) -> dict[str, SessionRecord]:
        return self.store.references(self.athlete(athlete))

    def reference(self, athlete: str, lift: str) -> Reference | None:
        return self.store.reference(self.athlete(athlete), lift)

    # --- changing ------------------------------------------------------------------------------
    def save(self, new: NewSession) -> SessionRecord:
        """Saved under an athlete the viewer may see (their own name, or a coach's athlete)."""
        self.athlete(new.athlete)
        return self.store.save(new)

    def update(self, session_id: int, **fields) -> SessionRecord:
        return self.store.update(self.session(session_id).id, **fields)

    def delete(self, session_id: int) -> None:
        self.store.delete(self.session(session_id).id)

    def set_reference(self, session_id: int) -> SessionRecord:
        return self.store.set_reference(self.session(session_id).id)

    def clear_reference(self, athlete: str, lift: str) -> bool:
        return self.store.clear_reference(self.athlete(athlete), lift)
