"""Each session's back shape per rep, and each athlete's reference session per lift.

session_shapes: the per-rep shape measures at matched hip angles, the camera view and scale and
the lifter's proportions in the picture (relative.py), so a reference is compared without parsing
its whole report. athlete_references: the session an athlete marked as their neutral for a lift
(one per athlete and lift; deleting the session deletes the mark). Existing sessions are
back-filled from report_json where their report holds a shape (reports from before this version
do not: such a session must be analysed again to become a reference).
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    shapes = op.create_table(
        "session_shapes",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("shape_json", sa.Text, nullable=False),
    )
    op.create_table(
        "athlete_references",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("athlete_id", sa.Integer, sa.ForeignKey("athletes.id"), nullable=False),
        sa.Column("lift", sa.String(16), nullable=False),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("athlete_id", "lift", name="uq_athlete_references_athlete_lift"),
    )
    conn = op.get_bind()
    rows = []
    for session_id, report_json in conn.execute(sa.text("SELECT id, report_json FROM sessions")):
        shape = json.loads(report_json).get("assessment", {}).get("shape")
        if shape:
            rows.append({"session_id": session_id, "shape_json": json.dumps(shape, separators=(",", ":"))})
    if rows:
        op.bulk_insert(shapes, rows)


def downgrade() -> None:
    op.drop_table("athlete_references")
    op.drop_table("session_shapes")
