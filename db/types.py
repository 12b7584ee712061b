"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores UTC; always hands back timezone-aware UTC datetimes (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def sql_values(values: tuple[str, ...]) -> str:
    """ "'a', 'b'": the values of a CHECK constraint's IN list (our own constants, never user text)."""
    return ", ".join(f"'{v}'" for v in values)


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """ "column IN ('a', 'b')" for a CHECK constraint."""
    return f"{column} IN ({sql_values(values)})"
