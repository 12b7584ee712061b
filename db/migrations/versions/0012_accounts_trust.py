"""accounts trust: session epoch and demo mark on accounts, wider login throttle keys

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 04:30:00
"""

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("is_demo", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.alter_column(
            "username_key",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=200),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute("DELETE FROM login_throttle")  # keys longer than the old column do not fit
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.alter_column(
            "username_key",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
            type_=sqlmodel.sql.sqltypes.AutoString(length=64),
            existing_nullable=False,
        )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("is_demo")
        batch_op.drop_column("session_epoch")
