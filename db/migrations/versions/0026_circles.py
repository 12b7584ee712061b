"""circles

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 18:43:35
"""

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "circle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("courtyard_grid_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'courtyard') = (courtyard_grid_id IS NOT NULL)",
            name=op.f("ck_circle_courtyard_grid"),
        ),
        sa.CheckConstraint("kind IN ('interest', 'courtyard')", name=op.f("ck_circle_kind")),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_circle_name_not_empty")),
        sa.ForeignKeyConstraint(
            ["courtyard_grid_id"], ["grid.id"], name=op.f("fk_circle_courtyard_grid_id_grid")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["account.id"], name=op.f("fk_circle_created_by_account")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], name=op.f("fk_circle_grid_id_grid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle")),
        sa.UniqueConstraint("grid_id", "name", name="circle_name_once"),
    )
    with op.batch_alter_table("circle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_circle_grid_id"), ["grid_id"], unique=False)

    op.create_table(
        "circle_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circle.id"], name=op.f("fk_circle_member_circle_id_circle")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["account.id"], name=op.f("fk_circle_member_user_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_member")),
        sa.UniqueConstraint("circle_id", "user_id", name="circle_member_once"),
    )
    with op.batch_alter_table("circle_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_circle_member_user_id"), ["user_id"], unique=False)

    op.create_table(
        "circle_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_by", sa.Integer(), nullable=True),
        sa.Column("hidden_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("photo_path", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("turned_into_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("turned_into_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "turned_into_kind IS NULL OR turned_into_kind IN ('wish', 'report')",
            name=op.f("ck_circle_post_turned_into_kind"),
        ),
        sa.CheckConstraint(
            "length(body) BETWEEN 1 AND 500", name=op.f("ck_circle_post_body_length")
        ),
        sa.CheckConstraint(
            "turned_into_id IS NULL OR turned_into_kind IS NOT NULL",
            name=op.f("ck_circle_post_turned_into_id"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["account.id"], name=op.f("fk_circle_post_author_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circle.id"], name=op.f("fk_circle_post_circle_id_circle")
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by"], ["account.id"], name=op.f("fk_circle_post_hidden_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_post")),
        sa.UniqueConstraint("turned_into_kind", "turned_into_id", name="circle_post_turned_once"),
    )
    with op.batch_alter_table("circle_post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_circle_post_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            "ix_circle_post_circle_created", ["circle_id", "created_at"], unique=False
        )

    op.create_table(
        "circle_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_by", sa.Integer(), nullable=True),
        sa.Column("hidden_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.CheckConstraint(
            "length(body) BETWEEN 1 AND 500", name=op.f("ck_circle_reply_body_length")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["account.id"], name=op.f("fk_circle_reply_author_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by"], ["account.id"], name=op.f("fk_circle_reply_hidden_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["circle_post.id"], name=op.f("fk_circle_reply_post_id_circle_post")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_reply")),
    )
    with op.batch_alter_table("circle_reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_circle_reply_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            "ix_circle_reply_post_created", ["post_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("circle_reply", schema=None) as batch_op:
        batch_op.drop_index("ix_circle_reply_post_created")
        batch_op.drop_index(batch_op.f("ix_circle_reply_author_id"))

    op.drop_table("circle_reply")
    with op.batch_alter_table("circle_post", schema=None) as batch_op:
        batch_op.drop_index("ix_circle_post_circle_created")
        batch_op.drop_index(batch_op.f("ix_circle_post_author_id"))

    op.drop_table("circle_post")
    with op.batch_alter_table("circle_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_circle_member_user_id"))

    op.drop_table("circle_member")
    with op.batch_alter_table("circle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_circle_grid_id"))

    op.drop_table("circle")
