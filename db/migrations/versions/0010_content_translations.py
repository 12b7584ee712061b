"""content translations

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 11:15:00
"""

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_translation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("translator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('wish', 'report', 'proposal')", name=op.f("ck_content_translation_kind")
        ),
        sa.CheckConstraint(
            "language IN ('zh_Hans', 'en', 'bo', 'ug', 'ii')",
            name=op.f("ck_content_translation_language"),
        ),
        sa.CheckConstraint("length(body) > 0", name=op.f("ck_content_translation_body_not_empty")),
        sa.ForeignKeyConstraint(
            ["translator_id"],
            ["account.id"],
            name=op.f("fk_content_translation_translator_id_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_translation")),
    )
    with op.batch_alter_table("content_translation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_content_translation_item",
            ["kind", "item_id", "language", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_content_translation_translator_id"), ["translator_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("content_translation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_translation_translator_id"))
        batch_op.drop_index("ix_content_translation_item")
    op.drop_table("content_translation")
