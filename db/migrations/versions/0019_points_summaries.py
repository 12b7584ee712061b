"""points summaries: per person and grid totals, per month totals, so figures never scan the ledger

Backfilled from the existing ledger (one range query per Beijing month). The same sums are kept
by portal.points.summaries.record() in the transaction of every new ledger line.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 12:10:00
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from db.types import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

BEIJING = ZoneInfo("Asia/Shanghai")
EXCLUDED = ("reward", "refund")  # not "earned" (portal.points.common.EARNING_EXCLUDED)


def _backfill() -> None:
    """The summaries of the ledger as it is (as portal.points.summaries.rebuild)."""
    bind = op.get_bind()
    e = sa.table(
        "points_entry",
        sa.column("user_id", sa.Integer),
        sa.column("grid_id", sa.Integer),
        sa.column("amount", sa.Integer),
        sa.column("source", sa.String),
        sa.column("created_at", UTCDateTime(timezone=True)),
    ).c
    user_total = sa.table(
        "points_user_total", *(sa.column(n) for n in ("user_id", "grid_key", "earned", "entries"))
    )
    user_month = sa.table(
        "points_user_month",
        *(sa.column(n) for n in ("month", "grid_key", "user_id", "earned", "entries")),
    )
    grid_month = sa.table(
        "points_grid_month",
        *(sa.column(n) for n in ("month", "grid_key", "issued", "earned", "redeemed", "entries")),
    )
    gkey = sa.func.coalesce(e.grid_id, 0)
    earning = e.source.notin_(EXCLUDED)
    bind.execute(
        user_total.insert().from_select(
            ["user_id", "grid_key", "earned", "entries"],
            sa.select(e.user_id, gkey, sa.func.sum(e.amount), sa.func.count())
            .where(earning)
            .group_by(e.user_id, gkey),
        )
    )
    first, last = bind.execute(
        sa.select(sa.func.min(e.created_at), sa.func.max(e.created_at))
    ).one()
    if first is None:
        return
    issued = sa.func.sum(sa.case(((e.amount > 0) & (e.source != "refund"), e.amount), else_=0))
    earned = sa.func.sum(sa.case((earning, e.amount), else_=0))
    redeemed = sa.func.sum(sa.case((e.source.in_(EXCLUDED), -e.amount), else_=0))
    start = first.astimezone(BEIJING).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while start <= last:
        end = (start + timedelta(days=32)).replace(day=1)
        label = start.strftime("%Y-%m")
        during = (e.created_at >= start) & (e.created_at < end)
        bind.execute(
            user_month.insert().from_select(
                ["month", "grid_key", "user_id", "earned", "entries"],
                sa.select(
                    sa.literal(label), gkey, e.user_id, sa.func.sum(e.amount), sa.func.count()
                )
                .where(during, earning)
                .group_by(gkey, e.user_id),
            )
        )
        bind.execute(
            grid_month.insert().from_select(
                ["month", "grid_key", "issued", "earned", "redeemed", "entries"],
                sa.select(sa.literal(label), gkey, issued, earned, redeemed, sa.func.count())
                .where(during)
                .group_by(gkey),
            )
        )
        start = end


def upgrade() -> None:
    op.create_table(
        "points_user_total",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("grid_key", sa.Integer(), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["account.id"], name=op.f("fk_points_user_total_user_id_account")
        ),
        sa.PrimaryKeyConstraint("user_id", "grid_key", name=op.f("pk_points_user_total")),
    )
    op.create_table(
        "points_user_month",
        sa.Column("month", AutoString(length=7), nullable=False),
        sa.Column("grid_key", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["account.id"], name=op.f("fk_points_user_month_user_id_account")
        ),
        sa.PrimaryKeyConstraint("month", "grid_key", "user_id", name=op.f("pk_points_user_month")),
    )
    op.create_table(
        "points_grid_month",
        sa.Column("month", AutoString(length=7), nullable=False),
        sa.Column("grid_key", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.Column("redeemed", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "grid_key", name=op.f("pk_points_grid_month")),
    )
    _backfill()


def downgrade() -> None:
    op.drop_table("points_grid_month")
    op.drop_table("points_user_month")
    op.drop_table("points_user_total")
