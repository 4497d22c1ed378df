"""Load in kilograms and one row per fault event, both filled in from what is already stored.

sessions.load_kg: the load converted from load_value/load_unit, so sessions in kg and lb sort and
chart together. session_faults: the report's fault events as rows, so the weekly fault frequency
is one query instead of parsing every report. Existing rows are back-filled from report_json.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LB_KG = 0.45359237


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("load_kg", sa.Float))
        batch.create_index("ix_sessions_athlete_lift_date", ["athlete_id", "lift", "recorded_on"])
    faults = op.create_table(
        "session_faults",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("rep", sa.Integer),
        sa.Column("frame", sa.Integer, nullable=False),
        sa.Column("time_s", sa.Float, nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("limit", sa.Float),
    )
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE sessions SET load_kg = load_value WHERE load_unit = 'kg'"))
    conn.execute(sa.text("UPDATE sessions SET load_kg = load_value * :f WHERE load_unit = 'lb'"), {"f": LB_KG})
    rows = []
    for session_id, report_json in conn.execute(sa.text("SELECT id, report_json FROM sessions")):
        for e in json.loads(report_json).get("faults", []):
            rows.append({"session_id": session_id, "rule": e["rule"], "severity": e["severity"], "rep": e.get("rep"),
                         "frame": e["peak"], "time_s": e["time_s"], "value": e.get("value"), "limit": e.get("limit")})
    if rows:
        op.bulk_insert(faults, rows)


def downgrade() -> None:
    op.drop_table("session_faults")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_index("ix_sessions_athlete_lift_date")
        batch.drop_column("load_kg")
