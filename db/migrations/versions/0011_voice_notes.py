"""voice notes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 12:00:00
"""

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("mime", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("transcript_engine", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.CheckConstraint(
            "subject_kind IN ('wish', 'proposal', 'task_proof')",
            name=op.f("ck_voice_note_subject_kind"),
        ),
        sa.CheckConstraint("seconds > 0", name=op.f("ck_voice_note_seconds_positive")),
        sa.CheckConstraint("size > 0", name=op.f("ck_voice_note_size_positive")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["account.id"], name=op.f("fk_voice_note_created_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_note")),
        sa.UniqueConstraint("created_by", "subject_kind", "sha256", name="uq_voice_note_once"),
    )
    with op.batch_alter_table("voice_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voice_note_created_by"), ["created_by"], unique=False)
        batch_op.create_index("ix_voice_note_subject", ["subject_kind", "subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("voice_note", schema=None) as batch_op:
        batch_op.drop_index("ix_voice_note_subject")
        batch_op.drop_index(batch_op.f("ix_voice_note_created_by"))

    op.drop_table("voice_note")
