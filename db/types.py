"""Column types shared by the tables, and the typed helpers for ids and row counts (row_id, rowcount)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, DateTime, Result
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


class HasId(Protocol):
    id: int | None


def row_id(row: HasId) -> int:
    """The id of a row that is in the database (loaded, or added and flushed): set by then.

    SQLModel types every id as `int | None` (None before the INSERT); this says where it is known.
    """
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush the session first")
    return row.id


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched.

    `Session.execute` types its result as `Result`, which has no rowcount; for an UPDATE or DELETE
    it is a `CursorResult`, which has. One place says so instead of every caller.
    """
    return cast(CursorResult[Any], result).rowcount


def sql_values(values: tuple[str, ...]) -> str:
    """ "'a', 'b'": the values of a CHECK constraint's IN list (our own constants, never user text)."""
    return ", ".join(f"'{v}'" for v in values)


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """ "column IN ('a', 'b')" for a CHECK constraint."""
    return f"{column} IN ({sql_values(values)})"
