"""report.on_behalf_of_id indexed: "my reports" asks reporter_id = me OR on_behalf_of_id = me

Without this index the OR falls back to a scan of every report (the resident home and My reports
at 100 communities, 99,000 reports: ~80 ms of each rerun); with both columns indexed SQLite and
PostgreSQL answer it from the two indexes.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 19:10:00
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_report_on_behalf_of_id", "report", ["on_behalf_of_id"])


def downgrade() -> None:
    op.drop_index("ix_report_on_behalf_of_id", table_name="report")
