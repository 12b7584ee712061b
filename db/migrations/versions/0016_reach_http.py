"""reach http: partner api keys and their rate windows, Open311 requests filed through a key,
dead letters of refused device messages and requests, worker heartbeats

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 04:30:00
"""

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heartbeat",
        sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker", name=op.f("pk_heartbeat")),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("per_minute", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("issued_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("scope IN ('open311', 'devices')", name=op.f("ck_api_key_scope")),
        sa.CheckConstraint("length(partner) > 0", name=op.f("ck_api_key_partner_not_empty")),
        sa.CheckConstraint(
            "per_minute > 0 AND per_minute <= 100000", name=op.f("ck_api_key_per_minute")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["account.id"], name=op.f("fk_api_key_issued_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["account.id"], name=op.f("fk_api_key_revoked_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
    )
    op.create_table(
        "api_key_window",
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("minute", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_api_key_window_api_key_id_api_key")
        ),
        sa.PrimaryKeyConstraint("api_key_id", "minute", name=op.f("pk_api_key_window")),
    )
    op.create_table(
        "dead_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("params", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("received_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('mqtt', 'http_devices', 'open311')", name=op.f("ck_dead_letter_source")
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_dead_letter_api_key_id_api_key")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letter")),
    )
    with op.batch_alter_table("dead_letter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dead_letter_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "partner_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_partner_request_api_key_id_api_key")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_partner_request_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_request")),
        sa.UniqueConstraint("report_id", name=op.f("uq_partner_request_report_id")),
        sa.UniqueConstraint("token", name=op.f("uq_partner_request_token")),
    )
    with op.batch_alter_table("partner_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_request_api_key_id"), ["api_key_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_request_api_key_id"))

    op.drop_table("partner_request")
    with op.batch_alter_table("dead_letter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dead_letter_received_at"))

    op.drop_table("dead_letter")
    op.drop_table("api_key_window")
    op.drop_table("api_key")
    op.drop_table("heartbeat")
