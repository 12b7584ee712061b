"""Shared fixtures: a migrated database per test on SQLite and on PostgreSQL, a seeded demo, a clock.

PostgreSQL: LINLI_TEST_PG_URL (default: the local server's `test` database). When it cannot be
reached its tests are skipped, except under CI (CI=true), where that is a failure.

On PostgreSQL a test that only asks for `session`/`demo_session` runs inside one transaction that
is rolled back at its end (the services' own commits release SAVEPOINTs inside it), on one
database shared by the whole run. A test that asks for `db_url`/`demo_url` (it opens sessions of
its own, from threads or from code that takes a URL) or is marked `real_commits` gets a fresh copy
of a template database instead, where commits are real and other connections see them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
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
    names = {kind: f"{prefix}_{kind}" for kind in ("empty", "demo", "work", "shared_empty")}
    names["shared_demo"] = f"{prefix}_shared_demo"
    for kind in ("empty", "demo"):
        url = _pg_create(names[kind])
        upgrade(url)
        if kind == "demo":
            seed(url)
        get_engine(url).dispose()
    for kind in ("empty", "demo"):  # templates take no connections; rolled-back tests use copies
        _pg_create(names[f"shared_{kind}"], template=names[kind])
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
def backend(request) -> str:
    """Which database a test runs on; every database fixture of one test shares it."""
    return request.param


@pytest.fixture
def db_url(backend, request, tmp_path, sqlite_templates) -> str:
    """An empty, migrated database of the test's own, where commits are real."""
    if backend == "sqlite":
        return _sqlite_copy(sqlite_templates["empty"], tmp_path)
    names = request.getfixturevalue("pg_ready")
    return _pg_create(names["work"], template=names["empty"])


@pytest.fixture
def demo_url(backend, request, tmp_path, sqlite_templates) -> str:
    """A copy of the seeded demo community of the test's own, where commits are real."""
    if backend == "sqlite":
        return _sqlite_copy(sqlite_templates["demo"], tmp_path)
    names = request.getfixturevalue("pg_ready")
    return _pg_create(names["work"], template=names["demo"])


@pytest.fixture
def sqlite_demo_url(tmp_path, sqlite_templates) -> str:
    return _sqlite_copy(sqlite_templates["demo"], tmp_path)


def _needs_real_commits(request) -> bool:
    """The test sees the database through a URL (other sessions, threads) or says it must."""
    asks_for_url = {"db_url", "demo_url"} & set(request.fixturenames)
    return bool(asks_for_url) or request.node.get_closest_marker("real_commits") is not None


@contextmanager
def _rolled_back_session(url: str) -> Iterator[Session]:
    """A session inside one outer transaction that is rolled back whatever the test committed."""
    with get_engine(url).connect() as connection:
        outer = connection.begin()
        try:
            with Session(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            ) as s:
                yield s
        finally:
            outer.rollback()


def _session_on(kind: str, backend: str, request) -> Iterator[Session]:
    url_fixture = "db_url" if kind == "empty" else "demo_url"
    if backend == "postgresql" and not _needs_real_commits(request):
        names = request.getfixturevalue("pg_ready")
        with _rolled_back_session(_pg_url(names[f"shared_{kind}"])) as s:
            yield s
        return
    with Session(get_engine(request.getfixturevalue(url_fixture)), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def session(backend, request):
    """A session on an empty migrated database (rolled back at the end on PostgreSQL)."""
    yield from _session_on("empty", backend, request)


@pytest.fixture
def demo_session(backend, request):
    """A session on the seeded demo (rolled back at the end on PostgreSQL)."""
    yield from _session_on("demo", backend, request)


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
