"""verification: residents are confirmed before their actions count

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 04:30:00

account.verification ('verified' | 'unverified'; existing accounts are verified) and the
append-only resident_verification table (who confirmed whom, when, how, at which house);
report.submit_key, unique, so the same report sent from six tabs at once is stored once.
"""

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "verification",
                sqlmodel.sql.sqltypes.AutoString(length=12),
                nullable=False,
                server_default="verified",
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_account_verification"), "verification IN ('verified','unverified')"
        )
    op.create_table(
        "resident_verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("verified_by", sa.Integer(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("house", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("verified_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "method IN ('in_person','house_visit')", name=op.f("ck_resident_verification_method")
        ),
        sa.CheckConstraint(
            "resident_id <> verified_by", name=op.f("ck_resident_verification_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["account.id"],
            name=op.f("fk_resident_verification_resident_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"],
            ["account.id"],
            name=op.f("fk_resident_verification_verified_by_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_verification")),
        sa.UniqueConstraint("resident_id", name="resident_verification_once"),
    )
    with op.batch_alter_table("resident_verification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_verification_verified_by"), ["verified_by"], unique=False
        )

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("submit_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_unique_constraint(op.f("uq_report_submit_key"), ["submit_key"])


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_report_submit_key"), type_="unique")
        batch_op.drop_column("submit_key")
    with op.batch_alter_table("resident_verification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_verification_verified_by"))
    op.drop_table("resident_verification")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_account_verification"), type_="check")
        batch_op.drop_column("verification")
