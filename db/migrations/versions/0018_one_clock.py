"""one clock: report.resident_due_at, submission + the category's limit, never reset

Existing rows get created_at + their category's time_limit_hours (72 by default).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 05:30:00
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _backfill() -> None:
    bind = op.get_bind()
    report = sa.table(
        "report",
        sa.column("id", sa.Integer),
        sa.column("created_at", UTCDateTime(timezone=True)),
        sa.column("category_id", sa.Integer),
        sa.column("resident_due_at", UTCDateTime(timezone=True)),
    )
    category = sa.table(
        "report_category", sa.column("id", sa.Integer), sa.column("time_limit_hours", sa.Integer)
    )
    hours = dict(bind.execute(sa.select(category.c.id, category.c.time_limit_hours)).all())
    rows = bind.execute(sa.select(report.c.id, report.c.created_at, report.c.category_id)).all()
    for rid, created, cid in rows:
        due = created + timedelta(hours=hours.get(cid) or 72)
        bind.execute(report.update().where(report.c.id == rid).values(resident_due_at=due))


# A placeholder every row loses in the backfill; it lets SQLite add a NOT NULL column in place.
# (Rebuilding the report table would break the foreign keys of the rows that point at it.)
PLACEHOLDER = sa.text("'1970-01-01 00:00:00'")


def upgrade() -> None:
    op.add_column(
        "report",
        sa.Column(
            "resident_due_at",
            UTCDateTime(timezone=True),
            nullable=False,
            server_default=PLACEHOLDER,
        ),
    )
    _backfill()
    if op.get_bind().dialect.name != "sqlite":  # SQLite keeps the unused default
        op.alter_column("report", "resident_due_at", server_default=None)
    op.create_index("ix_report_state_resident_due", "report", ["state", "resident_due_at"])


def downgrade() -> None:
    op.drop_index("ix_report_state_resident_due", table_name="report")
    if op.get_bind().dialect.name == "sqlite":  # in place (SQLite 3.35+), no table rebuild
        op.execute("ALTER TABLE report DROP COLUMN resident_due_at")
    else:
        op.drop_column("report", "resident_due_at")
