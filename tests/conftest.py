"""Shared fixtures: a migrated database per test on SQLite and on PostgreSQL, a seeded demo, a clock.

PostgreSQL: LINLI_TEST_PG_URL (default: the local server's `test` database). When it cannot be
reached its tests are skipped, except under CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

import db.schema  # noqa: F401  (every table, for metadata checks)

os.environ.setdefault("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")
os.environ.setdefault("LINLI_TILES", "none")
# AppTest runs pages in this process: no background clock rules racing the tests' own steps
# (portal.housekeeping has tests of its own; the browser tests' servers run it as in production).
os.environ.setdefault("LINLI_HOUSEKEEPING_SECONDS", "0")
# The tests log in with the demo accounts: demo mode on (tests of the refusal switch it off).
os.environ.setdefault("LINLI_DEMO", "1")

from db.engine import DatabaseUnavailable, check_connection, dispose_engines, get_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from portal.demo.seed import seed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("LINLI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_available() -> bool:
    try:
        check_connection(get_engine(PG_URL))
        return True
    except DatabaseUnavailable:
        return False


_PG_URLS_USED: set[str] = set()


def _pg_admin():
    return get_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _pg_create(name: str, template: str | None = None) -> str:
    """(Re)creates a database, optionally as a copy of a template database."""
    url = _pg_url(name)
    if url in _PG_URLS_USED:
        get_engine(url).dispose()
    with _pg_admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    _PG_URLS_USED.add(url)
    return url


@pytest.fixture(scope="session")
def pg_ready() -> dict[str, str]:
    """Template databases for this run, migrated-empty and seeded-demo, with names of its own so
    several runs can share one server. Each test works on a copy made from a template."""
    if not _pg_available():
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and unreachable at {PG_URL}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    prefix = f"linli_t{os.getpid()}"
    names = {"empty": f"{prefix}_empty", "demo": f"{prefix}_demo", "work": f"{prefix}_work"}
    for kind in ("empty", "demo"):
        url = _pg_create(names[kind])
        upgrade(url)
        if kind == "demo":
            seed(url)
        get_engine(url).dispose()
    yield names
    with _pg_admin().connect() as conn:
        for name in names.values():
            get_engine(_pg_url(name)).dispose()
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory) -> dict[str, Path]:
    """A migrated empty database and a seeded demo database, made once and copied per test."""
    folder = tmp_path_factory.mktemp("templates")
    empty, demo = folder / "empty.db", folder / "demo.db"
    upgrade(f"sqlite:///{empty}")
    upgrade(f"sqlite:///{demo}")
    seed(f"sqlite:///{demo}")
    dispose_engines()  # flush WAL into the files before they are copied
    return {"empty": empty, "demo": demo}


def _sqlite_copy(template: Path, tmp_path: Path) -> str:
    target = tmp_path / "linli.db"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, sqlite_templates) -> str:
    """An empty, migrated database, once per backend."""
    if request.param == "sqlite":
        return _sqlite_copy(sqlite_templates["empty"], tmp_path)
    names = request.getfixturevalue("pg_ready")
    return _pg_create(names["work"], template=names["empty"])


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_url(request, tmp_path, sqlite_templates) -> str:
    """The seeded demo community, once per backend."""
    if request.param == "sqlite":
        return _sqlite_copy(sqlite_templates["demo"], tmp_path)
    names = request.getfixturevalue("pg_ready")
    return _pg_create(names["work"], template=names["demo"])


@pytest.fixture
def sqlite_demo_url(tmp_path, sqlite_templates) -> str:
    return _sqlite_copy(sqlite_templates["demo"], tmp_path)


@pytest.fixture
def session(db_url):
    with Session(get_engine(db_url), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def demo_session(demo_url):
    with Session(get_engine(demo_url), expire_on_commit=False) as s:
        yield s


class Clock:
    """A controllable 'now' for rules that depend on time."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()
