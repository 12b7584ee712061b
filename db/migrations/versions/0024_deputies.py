"""deputies' desk: deputies of a community, their reception slots, residents' requests and their trail

deputy (linked to an account by user_id, or a profile the office keeps), deputy_slot (unique per
deputy and start), deputy_request (slot_id unique: one booking per slot; report_id: forwarded as
that report), deputy_request_event (who did what when).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 18:43:42
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import db.types

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deputy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", AutoString(length=60), nullable=False),
        sa.Column("body", AutoString(length=8), nullable=False),
        sa.Column("level", AutoString(length=12), nullable=False),
        sa.Column("bio", AutoString(length=300), nullable=False),
        sa.Column("reception_place", AutoString(length=120), nullable=False),
        sa.Column("reception_days", AutoString(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("body IN ('npc', 'cppcc')", name=op.f("ck_deputy_body")),
        sa.CheckConstraint(
            "level IN ('national', 'province', 'city', 'district')", name=op.f("ck_deputy_level")
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_deputy_name_not_empty")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["account.id"], name=op.f("fk_deputy_created_by_account")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], name=op.f("fk_deputy_grid_id_grid")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["account.id"], name=op.f("fk_deputy_user_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deputy")),
        sa.UniqueConstraint("user_id", name=op.f("uq_deputy_user_id")),
    )
    with op.batch_alter_table("deputy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deputy_grid_id"), ["grid_id"], unique=False)

    op.create_table(
        "deputy_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_deputy_slot_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["account.id"], name=op.f("fk_deputy_slot_created_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["deputy_id"], ["deputy.id"], name=op.f("fk_deputy_slot_deputy_id_deputy")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deputy_slot")),
        sa.UniqueConstraint("deputy_id", "starts_at", name="deputy_slot_once"),
    )
    with op.batch_alter_table("deputy_slot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deputy_slot_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "deputy_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=True),
        sa.Column("topic", AutoString(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", AutoString(length=12), nullable=False),
        sa.Column("outline", AutoString(length=300), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state_changed_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('received', 'answered', 'forwarded', 'closed')",
            name=op.f("ck_deputy_request_state"),
        ),
        sa.CheckConstraint(
            "length(body) > 0 AND length(body) <= 1000", name=op.f("ck_deputy_request_body_length")
        ),
        sa.CheckConstraint("length(topic) > 0", name=op.f("ck_deputy_request_topic_not_empty")),
        sa.ForeignKeyConstraint(
            ["deputy_id"], ["deputy.id"], name=op.f("fk_deputy_request_deputy_id_deputy")
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grid.id"], name=op.f("fk_deputy_request_grid_id_grid")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_deputy_request_report_id_report")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["account.id"], name=op.f("fk_deputy_request_resident_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["deputy_slot.id"], name=op.f("fk_deputy_request_slot_id_deputy_slot")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deputy_request")),
        sa.UniqueConstraint("slot_id", name=op.f("uq_deputy_request_slot_id")),
    )
    with op.batch_alter_table("deputy_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deputy_request_deputy_id"), ["deputy_id"], unique=False
        )
        batch_op.create_index(
            "ix_deputy_request_grid_created", ["grid_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deputy_request_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "deputy_request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("from_state", AutoString(length=12), nullable=True),
        sa.Column("to_state", AutoString(length=12), nullable=True),
        sa.Column("at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["account.id"], name=op.f("fk_deputy_request_event_actor_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["deputy_request.id"],
            name=op.f("fk_deputy_request_event_request_id_deputy_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deputy_request_event")),
    )
    with op.batch_alter_table("deputy_request_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deputy_request_event_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deputy_request_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_request_event_request_id"))

    op.drop_table("deputy_request_event")
    with op.batch_alter_table("deputy_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_request_resident_id"))
        batch_op.drop_index("ix_deputy_request_grid_created")
        batch_op.drop_index(batch_op.f("ix_deputy_request_deputy_id"))

    op.drop_table("deputy_request")
    with op.batch_alter_table("deputy_slot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_slot_starts_at"))

    op.drop_table("deputy_slot")
    with op.batch_alter_table("deputy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_grid_id"))

    op.drop_table("deputy")
