"""voice

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 11:15:00
"""

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_clip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("msgid", sa.Text(), nullable=False),
        sa.Column("audio_path", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("language IN ('bo', 'ii')", name=op.f("ck_voice_clip_language")),
        sa.CheckConstraint(
            "content_type IN ('audio/wav', 'audio/mpeg', 'audio/ogg')",
            name=op.f("ck_voice_clip_content_type"),
        ),
        sa.CheckConstraint("length(msgid) > 0", name=op.f("ck_voice_clip_msgid_not_empty")),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["account.id"], name=op.f("fk_voice_clip_recorded_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["removed_by"], ["account.id"], name=op.f("fk_voice_clip_removed_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_clip")),
    )
    with op.batch_alter_table("voice_clip", schema=None) as batch_op:
        batch_op.create_index(
            "uq_voice_clip_current",
            ["language", "msgid"],
            unique=True,
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )
    op.create_table(
        "speech_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("auto_read", sa.Boolean(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["account.id"], name=op.f("fk_speech_preference_user_id_account")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_speech_preference")),
    )


def downgrade() -> None:
    op.drop_table("speech_preference")
    with op.batch_alter_table("voice_clip", schema=None) as batch_op:
        batch_op.drop_index("uq_voice_clip_current")
    op.drop_table("voice_clip")
