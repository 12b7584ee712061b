"""many communities: district and street grids above communities; offices anchored to their grid

grid.kind admits 'district' and 'street'. department.grid_id (the office grid a department
serves) with department.service (what kind of work: each street has its own of each),
notice.grid_id (the office grid a notice belongs to) and points_reward.grid_id (whose
catalogue) are new, all nullable: None keeps today's meaning, the whole deployment. A deployment
with exactly one community gets its notices and rewards anchored to it.

SQLite: the columns are added in place and the grid check is rewritten in the schema (the
documented procedure for changing a CHECK constraint): rebuilding grid, department or notice
would break the foreign keys of every row that points at them.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 15:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('community','general','micro','exclusive')"
NEW_KINDS = "kind IN ('district','street','community','general','micro','exclusive')"
ANCHORED = (("department", "grid_id"), ("notice", "grid_id"), ("points_reward", "grid_id"))


def _set_grid_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_grid_kind"), "grid", type_="check")
        op.create_check_constraint(op.f("ck_grid_kind"), "grid", new)
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = replace(sql, :old, :new) WHERE name = 'grid'"),
        {"old": old, "new": new},
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version or 0) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def _anchor_to_the_only_community() -> None:
    bind = op.get_bind()
    communities = bind.execute(sa.text("SELECT id FROM grid WHERE kind = 'community'")).all()
    if len(communities) != 1:
        return
    (community,) = communities[0]
    for table in ("notice", "points_reward"):
        bind.execute(sa.text(f"UPDATE {table} SET grid_id = :g"), {"g": community})


def upgrade() -> None:
    _set_grid_check(OLD_KINDS, NEW_KINDS)
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    for table, column in ANCHORED:
        name = f"fk_{table}_{column}_grid"
        if column in {c["name"] for c in sa.inspect(bind).get_columns(table)}:
            continue  # SQLite keeps these columns on a downgrade (see downgrade)
        if sqlite:  # in place; SQLite takes a REFERENCES clause on a nullable new column
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
                f"CONSTRAINT {name} REFERENCES grid (id)"
            )
        else:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, table, "grid", [column], ["id"])
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
    op.add_column("department", sa.Column("service", AutoString(length=32), nullable=True))
    op.create_index("ix_department_service", "department", ["service"], unique=False)
    op.execute("UPDATE department SET service = code")
    _anchor_to_the_only_community()


def downgrade() -> None:
    """SQLite cannot drop a column that holds a foreign key, nor rebuild these tables while rows
    point at them: there the three grid_id columns stay (unused by older code, nullable) and an
    upgrade again finds them in place."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_department_service", table_name="department")
    op.drop_column("department", "service")
    offices = "(SELECT id FROM grid WHERE kind IN ('district','street'))"
    for table, column in ANCHORED:
        if sqlite:
            op.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} IN {offices}")
            continue
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.drop_constraint(f"fk_{table}_{column}_grid", table, type_="foreignkey")
        op.drop_column(table, column)
    op.execute(f"DELETE FROM grid_duty WHERE grid_id IN {offices}")
    op.execute(f"UPDATE account SET home_grid_id = NULL WHERE home_grid_id IN {offices}")
    op.execute(f"UPDATE grid SET parent_id = NULL WHERE parent_id IN {offices}")
    op.execute("DELETE FROM grid WHERE kind IN ('district','street')")
    _set_grid_check(NEW_KINDS, OLD_KINDS)
