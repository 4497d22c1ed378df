"""First schema: athletes, sessions (with the whole report JSON) and the files each session keeps.

Frozen: never edit a migration that has shipped. Later changes are new revisions.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "athletes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(32), nullable=False, unique=True),  # names the session's file folder
        sa.Column("athlete_id", sa.Integer, sa.ForeignKey("athletes.id"), nullable=False),
        sa.Column("lift", sa.String(16), nullable=False),
        sa.Column("recorded_on", sa.Date, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("load_value", sa.Float),
        sa.Column("load_unit", sa.String(4)),
        sa.Column("rpe", sa.Float),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("score", sa.Float),
        sa.Column("reps", sa.Integer, nullable=False),
        sa.Column("faults", sa.Integer, nullable=False),
        sa.Column("thresholds_version", sa.String(64)),
        sa.Column("video_name", sa.String(255), nullable=False),
        sa.Column("video_sha256", sa.String(64), nullable=False),
        sa.Column("report_json", sa.Text, nullable=False),
        sa.Column("report_sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "session_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),  # "thumbnail" or "video"
        sa.Column("frame", sa.Integer),
        sa.Column("path", sa.String(255), nullable=False),  # relative to the data folder
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("session_files")
    op.drop_table("sessions")
    op.drop_table("athletes")
