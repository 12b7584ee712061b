"""on behalf

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 11:15:00
"""

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "behalf_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("given_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("open_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.CheckConstraint(
            "method IN ('in_person', 'signed_paper', 'phone_resident', 'phone_family')",
            name=op.f("ck_behalf_consent_method"),
        ),
        sa.CheckConstraint("actor_id <> resident_id", name=op.f("ck_behalf_consent_not_self")),
        sa.CheckConstraint("valid_until > given_at", name=op.f("ck_behalf_consent_period")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["account.id"], name=op.f("fk_behalf_consent_actor_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["account.id"], name=op.f("fk_behalf_consent_resident_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["account.id"], name=op.f("fk_behalf_consent_revoked_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_behalf_consent")),
        sa.UniqueConstraint("open_key", name=op.f("uq_behalf_consent_open_key")),
    )
    with op.batch_alter_table("behalf_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_behalf_consent_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            "ix_behalf_consent_resident_given", ["resident_id", "given_at"], unique=False
        )

    op.create_table(
        "behalf_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('report', 'wish_vote', 'task_claim')", name=op.f("ck_behalf_action_kind")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["behalf_consent.id"],
            name=op.f("fk_behalf_action_consent_id_behalf_consent"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["account.id"], name=op.f("fk_behalf_action_actor_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["account.id"], name=op.f("fk_behalf_action_resident_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_behalf_action")),
    )
    with op.batch_alter_table("behalf_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_behalf_action_consent_id"), ["consent_id"], unique=False
        )
        batch_op.create_index("ix_behalf_action_target", ["kind", "target_id"], unique=False)
        batch_op.create_index("ix_behalf_action_resident_at", ["resident_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_table("behalf_action")
    op.drop_table("behalf_consent")
