"""A PostgreSQL database of a bench's own: created, optionally as a copy of a seeded one, and
dropped at the end. A bench never touches a database it did not create (the test suite's `test`
least of all)."""

from __future__ import annotations

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def pg_database(name: str, template: str | None = None):
    """(create, drop) for the bench's own database `name`; create() returns its URL. template:
    an existing database to copy (CREATE DATABASE … TEMPLATE), e.g. one seeded earlier."""
    from sqlalchemy import text

    from db.engine import get_engine

    if not name.startswith("linli_bench_"):
        raise ValueError(f"a bench database is named linli_bench_…, not {name!r}")
    url = f"{PG_SERVER}/{name}"

    def admin(statement: str) -> None:
        engine = get_engine(f"{PG_SERVER}/postgres").execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(statement))

    def create() -> str:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return url

    def drop() -> None:
        get_engine(url).dispose()
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return create, drop
