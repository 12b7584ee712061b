"""Bring the schema to the newest Alembic revision: `python -m db.migrate`."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from db.engine import DatabaseUnavailable, check_connection, describe_url, get_engine
from portal.config import load_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(url: str | None = None) -> None:
    url = url or load_settings().database_url
    check_connection(get_engine(url))
    command.upgrade(alembic_config(url), "heads")


def main() -> int:
    url = load_settings().database_url
    try:
        upgrade(url)
    except DatabaseUnavailable as exc:
        print(exc, file=sys.stderr)
        print("Set DATABASE_URL to a reachable database (see README).", file=sys.stderr)
        return 2
    print(f"Database {describe_url(url)} is at the newest schema.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
