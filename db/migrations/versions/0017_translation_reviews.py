"""translation reviews: reviewers per language, their corrections; voice clips say their source

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 04:29:03
"""

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translation_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("msgid", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "language IN ('zh_Hans', 'en', 'bo', 'ug', 'ii')",
            name=op.f("ck_translation_correction_language"),
        ),
        sa.CheckConstraint(
            "length(msgid) > 0", name=op.f("ck_translation_correction_msgid_not_empty")
        ),
        sa.CheckConstraint(
            "length(text) > 0", name=op.f("ck_translation_correction_text_not_empty")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["account.id"],
            name=op.f("fk_translation_correction_reviewer_id_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_correction")),
    )
    with op.batch_alter_table("translation_correction", schema=None) as batch_op:
        batch_op.create_index(
            "ix_translation_correction_message", ["language", "msgid", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_translation_correction_reviewer_id"), ["reviewer_id"], unique=False
        )

    op.create_table(
        "translation_reviewer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("appointed_by", sa.Integer(), nullable=False),
        sa.Column("appointed_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "language IN ('zh_Hans', 'en', 'bo', 'ug', 'ii')",
            name=op.f("ck_translation_reviewer_language"),
        ),
        sa.ForeignKeyConstraint(
            ["appointed_by"],
            ["account.id"],
            name=op.f("fk_translation_reviewer_appointed_by_account"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by"], ["account.id"], name=op.f("fk_translation_reviewer_ended_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["account.id"], name=op.f("fk_translation_reviewer_user_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_reviewer")),
    )
    with op.batch_alter_table("translation_reviewer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_translation_reviewer_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "uq_translation_reviewer_current",
            ["user_id", "language"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    with op.batch_alter_table("voice_clip", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "source",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                server_default="recorded",
                nullable=False,
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_voice_clip_source"), "source IN ('recorded', 'machine')"
        )


def downgrade() -> None:
    with op.batch_alter_table("voice_clip", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_voice_clip_source"), type_="check")
        batch_op.drop_column("source")

    with op.batch_alter_table("translation_reviewer", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_translation_reviewer_current",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_translation_reviewer_user_id"))

    op.drop_table("translation_reviewer")
    with op.batch_alter_table("translation_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_translation_correction_reviewer_id"))
        batch_op.drop_index("ix_translation_correction_message")

    op.drop_table("translation_correction")
