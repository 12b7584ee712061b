"""Database access for pages: one engine per URL per process, short sessions, cached read models."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import streamlit as st
from sqlmodel import Session

from db.engine import get_engine
from db.migrate import upgrade
from portal.config import Settings, load_settings
from portal.grids import GridIndex

DEFAULT_HOUSEKEEPING_SECONDS = 300


def settings() -> Settings:
    return load_settings()


@st.cache_resource(show_spinner=False)
def _prepared(url: str) -> bool:
    """Migrates the schema and installs static assets once per process and database."""
    from portal.assets import install_static_assets

    upgrade(url)
    install_static_assets(load_settings().static_dir)
    return True


def prepare() -> None:
    _prepared(settings().database_url)


_housekeeping_lock = threading.Lock()
_housekeeping_last: dict[str, float] = {}


def _housekeeping(url: str) -> None:
    from portal import housekeeping

    try:
        with Session(get_engine(url), expire_on_commit=False) as session:
            logging.getLogger(__name__).info(
                "housekeeping: %s", housekeeping.run(session, GridIndex.load(session))
            )
    except Exception:  # noqa: BLE001 - logged; the next run tries again
        logging.getLogger(__name__).exception("housekeeping failed")


def housekeeping() -> None:
    """Starts the clock rules (escalation, auto-close, expiry, meter checks) in a background
    thread at most every LINLI_HOUSEKEEPING_SECONDS per process and database (0 = never), so no
    page waits for them and a failure never breaks a page."""
    every = float(os.environ.get("LINLI_HOUSEKEEPING_SECONDS", DEFAULT_HOUSEKEEPING_SECONDS))
    if every <= 0:
        return
    url, now = settings().database_url, time.monotonic()
    with _housekeeping_lock:
        if now - _housekeeping_last.get(url, -every) < every:
            return
        _housekeeping_last[url] = now
    threading.Thread(
        target=_housekeeping, args=(url,), daemon=True, name="linli-housekeeping"
    ).start()


def reviewed_translations() -> None:
    """Puts reviewers' newest corrections in use (one small query; reloads only on a change)."""
    from portal import translation_reviews

    try:
        with db() as session:
            translation_reviews.refresh(session)
    except Exception:  # noqa: BLE001 - the catalogs' texts still serve
        logging.getLogger(__name__).exception("reviewed translations could not be loaded")


@contextmanager
def db() -> Iterator[Session]:
    with Session(get_engine(settings().database_url), expire_on_commit=False) as session:
        yield session


@st.cache_resource(show_spinner=False, ttl=600)
def _grid_index(url: str) -> GridIndex:
    with Session(get_engine(url)) as session:
        return GridIndex.load(session)


def grid_index() -> GridIndex:
    return _grid_index(settings().database_url)


def this_year() -> int:
    return datetime.now().year
