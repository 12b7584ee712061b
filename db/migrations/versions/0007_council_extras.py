"""council extras: agenda items' own options (ballots may name them), photos and PDF documents on
agenda items and proposals

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 11:15:00
"""

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DEFAULT_KEYS = "'for', 'against', 'abstain'"
BALLOT_KEYS = DEFAULT_KEYS + ", 'o1', 'o2', 'o3', 'o4', 'o5', 'o6'"


CHANGE_COLUMNS = "id, ballot_id, from_choice, to_choice, by_hand, actor_id, at"


def _ballot_checks(keys: str) -> None:
    """Re-creates the two CHECKs naming the keys a ballot may hold. On SQLite batch mode rebuilds
    both tables; council_ballot_change refers to council_ballot, so its rows wait in a holding
    table while council_ballot is rebuilt (foreign keys stay on and hold at every step)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(
            f"CREATE TABLE _hold_council_ballot_change AS SELECT {CHANGE_COLUMNS} "
            "FROM council_ballot_change"
        )
        op.execute("DELETE FROM council_ballot_change")
    with op.batch_alter_table("council_ballot", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_council_ballot_choice"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_council_ballot_choice"), f"choice IN ({keys})"
        )
    with op.batch_alter_table("council_ballot_change", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_council_ballot_change_to_choice"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_council_ballot_change_to_choice"), f"to_choice IN ({keys})"
        )
    if sqlite:
        op.execute(
            f"INSERT INTO council_ballot_change ({CHANGE_COLUMNS}) "
            f"SELECT {CHANGE_COLUMNS} FROM _hold_council_ballot_change"
        )
        op.execute("DROP TABLE _hold_council_ballot_change")


def upgrade() -> None:
    op.create_table(
        "council_item_option",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(label) > 0", name=op.f("ck_council_item_option_label_not_empty")
        ),
        sa.CheckConstraint(
            "position BETWEEN 1 AND 6", name=op.f("ck_council_item_option_position")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["account.id"], name=op.f("fk_council_item_option_created_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["council_item.id"],
            name=op.f("fk_council_item_option_item_id_council_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_item_option")),
        sa.UniqueConstraint("item_id", "label", name="council_item_option_label_once"),
        sa.UniqueConstraint("item_id", "position", name="council_item_option_position_once"),
    )
    with op.batch_alter_table("council_item_option", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_item_option_item_id"), ["item_id"], unique=False
        )

    op.create_table(
        "council_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("thumb_path", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("caption", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('photo', 'document')", name=op.f("ck_council_attachment_kind")
        ),
        sa.CheckConstraint(
            "length(caption) > 0", name=op.f("ck_council_attachment_caption_not_empty")
        ),
        sa.CheckConstraint(
            "removed_at IS NOT NULL OR item_id IS NOT NULL OR proposal_id IS NOT NULL",
            name=op.f("ck_council_attachment_attached_somewhere"),
        ),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_council_attachment_size_positive")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["council_item.id"],
            name=op.f("fk_council_attachment_item_id_council_item"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["council_proposal.id"],
            name=op.f("fk_council_attachment_proposal_id_council_proposal"),
        ),
        sa.ForeignKeyConstraint(
            ["removed_by"], ["account.id"], name=op.f("fk_council_attachment_removed_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["account.id"], name=op.f("fk_council_attachment_uploaded_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_attachment")),
    )
    with op.batch_alter_table("council_attachment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_council_attachment_item_removed", ["item_id", "removed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_attachment_proposal_id"), ["proposal_id"], unique=False
        )

    _ballot_checks(BALLOT_KEYS)


def downgrade() -> None:
    op.execute("DELETE FROM council_ballot_change WHERE to_choice NOT IN (" + DEFAULT_KEYS + ")")
    op.execute("DELETE FROM council_ballot WHERE choice NOT IN (" + DEFAULT_KEYS + ")")
    _ballot_checks(DEFAULT_KEYS)
    with op.batch_alter_table("council_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_attachment_proposal_id"))
        batch_op.drop_index("ix_council_attachment_item_removed")
    op.drop_table("council_attachment")
    with op.batch_alter_table("council_item_option", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_item_option_item_id"))
    op.drop_table("council_item_option")
