"""Store: saved sessions in a real database (SQLAlchemy 2), their files under the data folder.

Where things live:
  data folder  $FORMCHECK_HOME, else $XDG_DATA_HOME/formcheck (by default ~/.local/share/formcheck)
  database     $FORMCHECK_DB_URL, else sqlite:///<data folder>/formcheck.db; the same code runs on
               PostgreSQL given a postgresql:// URL (driver: psycopg 3)
  files        <data folder>/sessions/<uid>/frame_NNNNNN.jpg (flagged-frame thumbnails) and,
               only when asked for, video.<ext>; the database stores paths relative to the folder.

The schema has a version (Alembic, formcheck/migrations/); opening a store upgrades an older
database in place. A save is atomic: the files are written and fsynced in a staging folder,
renamed into place in one step, and only then are the rows committed in one transaction. A crash
before the commit leaves the database as it was and at worst an unreferenced folder, which
`sweep()` removes once it is old enough not to be another process's save in flight. Deleting
commits first and removes the folder after. See docs/store.md.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from formcheck.errors import StoreError
from formcheck.relative import Reference
from formcheck.report import Report

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
LB_KG = 0.45359237
UNITS = ("kg", "lb")
BUSY_TIMEOUT_S = 60  # how long a SQLite writer waits for another process's write to finish
ORPHAN_AGE_S = 3600  # a folder with no row, younger than this, may be a save still in flight
MAX_NAME = 100

metadata = sa.MetaData()
athletes = sa.Table(
    "athletes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(MAX_NAME), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uid", sa.String(32), nullable=False, unique=True),
    sa.Column("athlete_id", sa.Integer, sa.ForeignKey("athletes.id"), nullable=False),
    sa.Column("lift", sa.String(16), nullable=False),
    sa.Column("recorded_on", sa.Date, nullable=False),
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("load_value", sa.Float),
    sa.Column("load_unit", sa.String(4)),
    sa.Column("load_kg", sa.Float),
    sa.Column("rpe", sa.Float),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("reps", sa.Integer, nullable=False),
    sa.Column("faults", sa.Integer, nullable=False),
    sa.Column("thresholds_version", sa.String(64)),
    sa.Column("video_name", sa.String(255), nullable=False),
    sa.Column("video_sha256", sa.String(64), nullable=False),
    sa.Column("report_json", sa.Text, nullable=False),
    sa.Column("report_sha256", sa.String(64), nullable=False),
)
session_files = sa.Table(
    "session_files", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("frame", sa.Integer),
    sa.Column("path", sa.String(255), nullable=False),
    sa.Column("bytes", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
)
session_faults = sa.Table(
    "session_faults", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("rule", sa.String(40), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("rep", sa.Integer),
    sa.Column("frame", sa.Integer, nullable=False),
    sa.Column("time_s", sa.Float, nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("limit", sa.Float),
)
session_shapes = sa.Table(
    "session_shapes", metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("shape_json", sa.Text, nullable=False),
)
athlete_references = sa.Table(
    "athlete_references", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("athlete_id", sa.Integer, sa.ForeignKey("athletes.id"), nullable=False),
    sa.Column("lift", sa.String(16), nullable=False),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("athlete_id", "lift", name="uq_athlete_references_athlete_lift"),
)


def data_home() -> Path:
    if os.environ.get("FORMCHECK_HOME"):
        return Path(os.environ["FORMCHECK_HOME"]).expanduser()
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "formcheck"


def database_url(home: Path | None = None) -> str:
    return os.environ.get("FORMCHECK_DB_URL") or f"sqlite:///{(home or data_home()) / 'formcheck.db'}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_engine(url: str) -> sa.Engine:
    """An engine for `url`. SQLite: WAL journal, synchronous=FULL, foreign keys on, and writes
    take the lock up front (BEGIN IMMEDIATE) so two writers queue instead of failing."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(f"{url!r} is not a database URL (e.g. sqlite:///path/formcheck.db or "
                         f"postgresql://user@127.0.0.1/db)") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            try:
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for {parsed.database}: {exc.strerror}") from None
        # isolation_level=None: the driver issues no BEGIN of its own; the "begin" hook below does
        engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S, "isolation_level": None})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            for pragma in (f"busy_timeout={BUSY_TIMEOUT_S * 1000}", "journal_mode=WAL", "synchronous=FULL",
                           "foreign_keys=ON"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

        return engine
    if backend == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True)
    raise StoreError(f"{parsed.render_as_string(hide_password=True)}: only SQLite and PostgreSQL are supported")


def _alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def schema_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _scripts(config):
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config)


@functools.cache
def head_revision() -> str:
    """The newest schema revision, as Alembic reads it from formcheck/migrations/versions/."""
    return _scripts(_alembic_config()).get_current_head()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` in place, in one transaction under a lock, so two processes
    opening an old database at once upgrade it once. Data is kept (see the migrations)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = _alembic_config()
    script = _scripts(config)
    known = {s.revision for s in script.walk_revisions()}
    head = script.get_current_head()
    target = head if revision == "head" else revision
    with engine.connect().execution_options(write=True) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(5155001)"))
        current = MigrationContext.configure(conn).get_current_revision()
        if current == target:
            return
        if current is not None and current not in known:
            raise StoreError(f"the session database has schema {current}, newer than this formcheck "
                             f"knows ({head}): update formcheck")
        config.attributes["connection"] = conn
        command.upgrade(config, target)


@dataclasses.dataclass(frozen=True)
class NewSession:
    """What a save needs. thumbnails: frame index -> JPEG bytes. video: a file to keep a copy of
    (only when the user opted in). load_unit: 'kg' or 'lb'. rpe: 1-10. video_name: the uploaded
    file's own name (an upload is kept under its sha256)."""

    athlete: str
    report: Report | dict
    recorded_on: dt.date
    load_value: float | None = None
    load_unit: str | None = None
    rpe: float | None = None
    notes: str = ""
    thumbnails: dict[int, bytes] = dataclasses.field(default_factory=dict)
    video: Path | None = None
    video_name: str | None = None  # the name the lifter knows the clip by (default: the report's file name)
    phase_stills: dict[int, bytes] = dataclasses.field(default_factory=dict)  # sessions.phase_stills


@dataclasses.dataclass(frozen=True)
class SessionRecord:
    """One saved session as listed (the report itself comes from `Store.report`)."""

    id: int
    uid: str
    athlete: str
    lift: str
    recorded_on: dt.date
    saved_at: dt.datetime
    load_value: float | None
    load_unit: str | None
    load_kg: float | None
    rpe: float | None
    notes: str
    score: float | None
    reps: int
    faults: int
    thresholds_version: str | None
    video_name: str

    @property
    def load(self) -> str:
        return "" if self.load_value is None else f"{self.load_value:g} {self.load_unit}"

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["recorded_on"] = self.recorded_on.isoformat()
        d["saved_at"] = self.saved_at.isoformat()
        return d


def clean_name(name: str) -> str:
    cleaned = " ".join(str(name or "").split())
    if not cleaned:
        raise StoreError("the athlete's name is empty")
    if len(cleaned) > MAX_NAME:
        raise StoreError(f"the athlete's name is longer than {MAX_NAME} characters")
    return cleaned


def check_fields(load_value: float | None, load_unit: str | None, rpe: float | None) -> None:
    """What a save or an edit checks in the typed fields: a load has a number and a unit (kg or lb)
    under 2000, an RPE is 1-10. Raises StoreError."""
    if (load_value is None) != (load_unit is None):
        raise StoreError("a load needs both a number and a unit (kg or lb)")
    if load_unit is not None and load_unit not in UNITS:
        raise StoreError(f"load unit {load_unit!r}: use kg or lb")
    if load_value is not None and not (0 <= load_value < 2000):
        raise StoreError(f"load {load_value:g}: must be between 0 and 2000")
    if rpe is not None and not (1 <= rpe <= 10):
        raise StoreError(f"RPE {rpe:g}: must be between 1 and 10")


def _load_kg(value: float | None, unit: str | None) -> float | None:
    return None if value is None else round(value * (LB_KG if unit == "lb" else 1.0), 3)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Store:
    """Sessions of every athlete. Open once per process; safe for several processes at once."""

    def __init__(self, url: str | None = None, home: str | os.PathLike | None = None):
        self.home = Path(home) if home is not None else data_home()
        self.url = url or database_url(self.home)
        self.engine = make_engine(self.url)
        try:
            upgrade(self.engine)
        except sa.exc.OperationalError as exc:
            self.engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(f"cannot open the session database {self.describe()}: {reason}") from None
        self.sweep()

    def describe(self) -> str:
        return sa.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            yield conn

    # --- saving --------------------------------------------------------------------------
    def save(self, new: NewSession) -> SessionRecord:
        name = clean_name(new.athlete)
        check_fields(new.load_value, new.load_unit, new.rpe)
        report = new.report if isinstance(new.report, dict) else new.report.to_dict()
        if not report.get("lift") or report["lift"] == "none":
            raise StoreError("no lift was found in this clip, so there is no session to save")
        if new.video is not None and not Path(new.video).is_file():
            raise StoreError(f"{new.video}: no such video to keep")
        report_json = json.dumps(report, allow_nan=False, separators=(",", ":"))
        uid = uuid.uuid4().hex
        try:
            folder, file_rows = self._write_files(uid, new.thumbnails, new.video, new.phase_stills)
        except OSError as exc:
            shutil.rmtree(self.home / "sessions" / ".staging" / uid, ignore_errors=True)
            raise StoreError(f"cannot write the session's files under {self.home}: {exc.strerror}") from None
        now = dt.datetime.now(dt.timezone.utc)
        try:
            with self._write() as conn:
                athlete_id = self._athlete_id(conn, name, now)
                session_id = conn.execute(sa.insert(sessions).values(
                    uid=uid, athlete_id=athlete_id, lift=report["lift"], recorded_on=new.recorded_on, saved_at=now,
                    load_value=new.load_value, load_unit=new.load_unit, load_kg=_load_kg(new.load_value, new.load_unit),
                    rpe=new.rpe, notes=new.notes or "", score=report.get("score"), reps=len(report.get("reps", [])),
                    faults=len(report.get("faults", [])),
                    thresholds_version=(report.get("assessment", {}).get("thresholds") or {}).get("version"),
                    video_name=(new.video_name or Path(report["video"]["path"]).name)[:255], video_sha256=report["video"]["sha256"],
                    report_json=report_json, report_sha256=_sha256(report_json.encode()),
                )).inserted_primary_key[0]
                if file_rows:
                    conn.execute(sa.insert(session_files), [{**r, "session_id": session_id} for r in file_rows])
                fault_rows = [
                    {"session_id": session_id, "rule": e["rule"], "severity": e["severity"], "rep": e.get("rep"),
                     "frame": e["peak"], "time_s": e["time_s"], "value": e.get("value"), "limit": e.get("limit")}
                    for e in report.get("faults", [])
                ]
                if fault_rows:
                    conn.execute(sa.insert(session_faults), fault_rows)
                shape = report.get("assessment", {}).get("shape")
                if shape:
                    conn.execute(sa.insert(session_shapes).values(
                        session_id=session_id, shape_json=json.dumps(shape, separators=(",", ":"))))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return self.session(session_id)

    def _athlete_id(self, conn: sa.Connection, name: str, now: dt.datetime) -> int:
        """Get or create, race-free: two processes adding the same new athlete get one row."""
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        conn.execute(insert(athletes).values(name=name, created_at=now).on_conflict_do_nothing(index_elements=["name"]))
        return conn.execute(sa.select(athletes.c.id).where(athletes.c.name == name)).scalar_one()

    def _write_files(self, uid: str, thumbnails: dict[int, bytes], video: Path | None,
                     phase_stills: dict[int, bytes] | None = None) -> tuple[Path, list[dict]]:
        staging = self.home / "sessions" / ".staging" / uid
        staging.mkdir(parents=True)
        rows = []
        for kind, prefix, stills in (("thumbnail", "frame", thumbnails), ("phase", "phase", phase_stills or {})):
            for frame, data in sorted(stills.items()):
                name = f"{prefix}_{int(frame):06d}.jpg"
                _write_synced(staging / name, data)
                rows.append({"kind": kind, "frame": int(frame), "path": f"sessions/{uid}/{name}",
                             "bytes": len(data), "sha256": _sha256(data)})
        if video is not None:
            name = "video" + (Path(video).suffix.lower() or ".mp4")
            digest = hashlib.sha256()
            with open(video, "rb") as src, open(staging / name, "wb") as dst:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            rows.append({"kind": "video", "frame": None, "path": f"sessions/{uid}/{name}",
                         "bytes": (staging / name).stat().st_size, "sha256": digest.hexdigest()})
        _fsync_dir(staging)
        folder = self.home / "sessions" / uid
        os.rename(staging, folder)  # the whole folder appears at once
        _fsync_dir(folder.parent)
        return folder, rows

    # --- reading -------------------------------------------------------------------------
    def _select(self):
        return (sa.select(*[c for c in sessions.c if c.name not in ("report_json", "report_sha256", "athlete_id",
                                                                     "video_sha256")],
                          athletes.c.name.label("athlete"))
                .join(athletes, athletes.c.id == sessions.c.athlete_id))

    @staticmethod
    def _record(row) -> SessionRecord:
        m = row._mapping
        saved = m["saved_at"]
        if saved.tzinfo is None:  # SQLite keeps no zone; we always write UTC
            saved = saved.replace(tzinfo=dt.timezone.utc)
        return SessionRecord(**{f.name: m[f.name] for f in dataclasses.fields(SessionRecord) if f.name != "saved_at"},
                             saved_at=saved)

    def sessions(self, athlete: str | None = None, lift: str | None = None,
                 since: dt.date | None = None, among: Collection[str] | None = None) -> list[SessionRecord]:
        """Oldest first (by the date recorded, then the order saved). among: only these athletes'
        sessions (formcheck.access passes the ones a logged-in user may see)."""
        query = self._select()
        if athlete is not None:
            query = query.where(athletes.c.name == clean_name(athlete))
        if among is not None:
            query = query.where(athletes.c.name.in_(list(among)))
        if lift is not None:
            query = query.where(sessions.c.lift == lift)
        if since is not None:
            query = query.where(sessions.c.recorded_on >= since)
        with self.engine.connect() as conn:
            return [self._record(r) for r in conn.execute(query.order_by(sessions.c.recorded_on, sessions.c.id))]

    def sessions_of_video(self, athlete: str, video_sha256: str) -> list[int]:
        """Ids of the athlete's sessions analysed from this clip (by its bytes' sha256), oldest first."""
        query = (sa.select(sessions.c.id).join(athletes, athletes.c.id == sessions.c.athlete_id)
                 .where(athletes.c.name == clean_name(athlete), sessions.c.video_sha256 == video_sha256)
                 .order_by(sessions.c.id))
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def session(self, session_id: int) -> SessionRecord:
        with self.engine.connect() as conn:
            row = conn.execute(self._select().where(sessions.c.id == session_id)).first()
        if row is None:
            raise StoreError(f"no saved session {session_id}")
        return self._record(row)

    def owners(self, session_ids: Collection[int]) -> dict[int, str]:
        """Session id -> its athlete's name, for the ids that exist."""
        query = (sa.select(sessions.c.id, athletes.c.name).join(athletes, athletes.c.id == sessions.c.athlete_id)
                 .where(sessions.c.id.in_([int(i) for i in session_ids])))
        with self.engine.connect() as conn:
            return dict(conn.execute(query).all())

    def athletes(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(athletes.c.name).order_by(athletes.c.name)).scalars())

    def lifts(self, athlete: str | None = None) -> list[str]:
        query = sa.select(sessions.c.lift).distinct().join(athletes, athletes.c.id == sessions.c.athlete_id)
        if athlete is not None:
            query = query.where(athletes.c.name == clean_name(athlete))
        with self.engine.connect() as conn:
            return sorted(conn.execute(query).scalars())

    def report_dict(self, session_id: int) -> dict:
        with self.engine.connect() as conn:
            text = conn.execute(sa.select(sessions.c.report_json).where(sessions.c.id == session_id)).scalar()
        if text is None:
            raise StoreError(f"no saved session {session_id}")
        return json.loads(text)

    def report(self, session_id: int) -> Report:
        """The stored report, as the analysis made it: no video and no model needed."""
        try:
            return Report.from_dict(self.report_dict(session_id))
        except (ValueError, KeyError) as exc:
            raise StoreError(f"saved session {session_id}: its report cannot be read by this formcheck "
                             f"({exc})") from None

    def fault_rows(self, session_ids: list[int]) -> list[dict]:
        if not session_ids:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(session_faults).where(session_faults.c.session_id.in_(session_ids))
                                .order_by(session_faults.c.session_id, session_faults.c.frame))
            return [dict(r._mapping) for r in rows]

    def files(self, session_id: int) -> list[dict]:
        """{kind, frame, path (absolute), bytes, sha256}, thumbnails by frame, then the video."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(session_files).where(session_files.c.session_id == session_id)
                                .order_by(session_files.c.kind.desc(), session_files.c.frame))
            return [{**dict(r._mapping), "path": self.home / r.path} for r in rows]

    # --- changing ------------------------------------------------------------------------
    def update(self, session_id: int, **fields) -> SessionRecord:
        """Edit what the user typed: recorded_on, load_value + load_unit, rpe, notes."""
        allowed = {"recorded_on", "load_value", "load_unit", "rpe", "notes"}
        if set(fields) - allowed:
            raise StoreError(f"cannot edit {', '.join(sorted(set(fields) - allowed))}")
        current = self.session(session_id)
        merged = {"load_value": current.load_value, "load_unit": current.load_unit, "rpe": current.rpe, **fields}
        check_fields(merged["load_value"], merged["load_unit"], merged["rpe"])
        if "load_value" in fields or "load_unit" in fields:
            fields["load_kg"] = _load_kg(merged["load_value"], merged["load_unit"])
        with self._write() as conn:
            conn.execute(sa.update(sessions).where(sessions.c.id == session_id).values(**fields))
        return self.session(session_id)

    def delete(self, session_id: int) -> None:
        """Rows first (one transaction), then the files: a crash in between leaves only a folder
        nothing points at, which `sweep` removes."""
        with self._write() as conn:
            uid = conn.execute(sa.select(sessions.c.uid).where(sessions.c.id == session_id)).scalar()
            if uid is None:
                raise StoreError(f"no saved session {session_id}")
            for table in (athlete_references, session_shapes, session_faults, session_files):
                conn.execute(sa.delete(table).where(table.c.session_id == session_id))
            conn.execute(sa.delete(sessions).where(sessions.c.id == session_id))
        shutil.rmtree(self.home / "sessions" / uid, ignore_errors=True)

    # --- references ----------------------------------------------------------------------
    def set_reference(self, session_id: int) -> SessionRecord:
        """Mark a saved session as its athlete's reference for its lift (replacing any other)."""
        record = self.session(session_id)
        with self._write() as conn:
            if conn.execute(sa.select(session_shapes.c.session_id).where(session_shapes.c.session_id == session_id)
                            ).first() is None:
                raise StoreError(f"session {session_id} has no back-shape measures (no side-view reps, or it was "
                                 "analysed by an older formcheck): analyse the clip again to use it as a reference")
            athlete_id = conn.execute(sa.select(sessions.c.athlete_id).where(sessions.c.id == session_id)).scalar_one()
            conn.execute(sa.delete(athlete_references).where(athlete_references.c.athlete_id == athlete_id,
                                                             athlete_references.c.lift == record.lift))
            conn.execute(sa.insert(athlete_references).values(athlete_id=athlete_id, lift=record.lift,
                                                              session_id=session_id,
                                                              set_at=dt.datetime.now(dt.timezone.utc)))
        return record

    def clear_reference(self, athlete: str, lift: str) -> bool:
        """Unmark the athlete's reference for a lift; False when there was none."""
        with self._write() as conn:
            athlete_id = conn.execute(sa.select(athletes.c.id).where(athletes.c.name == clean_name(athlete))).scalar()
            if athlete_id is None:
                return False
            return conn.execute(sa.delete(athlete_references).where(
                athlete_references.c.athlete_id == athlete_id, athlete_references.c.lift == lift)).rowcount > 0

    def references(self, athlete: str) -> dict[str, SessionRecord]:
        """Lift -> the athlete's reference session."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(athlete_references.c.lift, athlete_references.c.session_id)
                                .join(athletes, athletes.c.id == athlete_references.c.athlete_id)
                                .where(athletes.c.name == clean_name(athlete))).all()
        return {lift: self.session(session_id) for lift, session_id in rows}

    def shapes(self, session_ids: list[int]) -> dict[int, dict]:
        """Session id -> its stored back shape (sessions without one are left out)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(session_shapes.c.session_id, session_shapes.c.shape_json)
                                .where(session_shapes.c.session_id.in_(session_ids))).all()
        return {sid: json.loads(text) for sid, text in rows}

    def reference(self, athlete: str, lift: str) -> Reference | None:
        """The athlete's reference for a lift with its stored shape, or None."""
        record = self.references(athlete).get(lift)
        if record is None:
            return None
        return Reference(record.uid, record.recorded_on.isoformat(), lift, self.shapes([record.id])[record.id],
                         record.athlete, record.id)

    # --- integrity -----------------------------------------------------------------------
    def orphans(self, min_age_s: float = 0) -> list[Path]:
        """Session folders no row points at (and staging folders), older than min_age_s."""
        root = self.home / "sessions"
        if not root.is_dir():
            return []
        with self.engine.connect() as conn:
            known = set(conn.execute(sa.select(sessions.c.uid)).scalars())
        now = time.time()
        candidates = [p for p in root.iterdir() if p.is_dir() and p.name != ".staging" and p.name not in known]
        if (root / ".staging").is_dir():
            candidates += list((root / ".staging").iterdir())
        out = []
        for path in candidates:
            try:
                if now - path.stat().st_mtime >= min_age_s:
                    out.append(path)
            except FileNotFoundError:  # renamed or removed by another process meanwhile
                continue
        return sorted(out)

    def sweep(self, min_age_s: float = ORPHAN_AGE_S) -> list[Path]:
        """Remove what interrupted saves and deletes left behind."""
        removed = self.orphans(min_age_s)
        for path in removed:
            shutil.rmtree(path, ignore_errors=True)
        return removed

    def check(self) -> list[str]:
        """Every problem found: the database's own integrity check (SQLite), each session's report
        against its checksum and its fault rows, each file against its size and sha256."""
        problems = []
        with self.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                result = conn.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                if result != ["ok"]:
                    problems += [f"sqlite: {r}" for r in result]
            counts = dict(conn.execute(sa.select(session_faults.c.session_id, sa.func.count())
                                       .group_by(session_faults.c.session_id)).all())
            for sid, text, digest, faults in conn.execute(
                    sa.select(sessions.c.id, sessions.c.report_json, sessions.c.report_sha256, sessions.c.faults)):
                if _sha256(text.encode()) != digest:
                    problems.append(f"session {sid}: report does not match its checksum")
                elif len(json.loads(text).get("faults", [])) != faults or counts.get(sid, 0) != faults:
                    problems.append(f"session {sid}: fault rows do not match the report")
            for sid, path, size, digest in conn.execute(
                    sa.select(session_files.c.session_id, session_files.c.path, session_files.c.bytes,
                              session_files.c.sha256)):
                full = self.home / path
                if not full.is_file():
                    problems.append(f"session {sid}: {path} is missing")
                elif full.stat().st_size != size or _sha256(full.read_bytes()) != digest:
                    problems.append(f"session {sid}: {path} does not match its checksum")
        return problems

    # --- export --------------------------------------------------------------------------
    def export(self, athlete: str) -> dict:
        """Everything stored for one athlete, as one JSON-able dict: each session's fields, the
        whole report, and its thumbnails (base64 JPEG). A kept video is listed by path."""
        name = clean_name(athlete)
        records = self.sessions(athlete=name)
        if not records:
            known = ", ".join(self.athletes()) or "none yet"
            raise StoreError(f"no sessions saved for {name!r} (athletes: {known})")
        out = []
        for record in records:
            files = []
            for f in self.files(record.id):
                entry = {k: f[k] for k in ("kind", "frame", "bytes", "sha256")}
                entry["path"] = str(f["path"])
                if f["kind"] == "thumbnail" and f["path"].is_file():
                    entry["jpeg_base64"] = base64.b64encode(f["path"].read_bytes()).decode()
                files.append(entry)
            out.append({**record.to_dict(), "report": self.report_dict(record.id), "files": files})
        return {"formcheck_export": 1, "athlete": name, "schema": head_revision(),
                "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "sessions": out}
