"""Engine factory: SQLite by default (WAL, foreign keys, busy timeout), PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import threading

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

from portal.config import load_settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class DatabaseUnavailable(RuntimeError):
    """The database named by DATABASE_URL cannot be reached."""


def normalise_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def _on_sqlite_connect(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _build(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine(url: str | None = None) -> Engine:
    url = normalise_url(url or load_settings().database_url)
    with _lock:
        if url not in _engines:
            if url.startswith("sqlite:///"):
                from pathlib import Path

                Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
            _engines[url] = _build(url)
        return _engines[url]


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(
            f"Cannot reach the database at DATABASE_URL={describe_url(str(engine.url))}: "
            f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from exc


def session_for(url: str | None = None) -> Session:
    return Session(get_engine(url), expire_on_commit=False)


def upsert(session: Session, table, values: dict, *, keys: list[str], changes: dict):
    """INSERT … ON CONFLICT (keys) DO UPDATE SET changes: one atomic statement on SQLite (≥ 3.24)
    and PostgreSQL, safe when several processes write the same row at once."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_update(index_elements=keys, set_=changes)
    )
