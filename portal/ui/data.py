"""Database access for pages: one engine per URL per process, short sessions, cached read models."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import streamlit as st
from sqlmodel import Session

from db.engine import get_engine
from db.migrate import upgrade
from portal.addresses import Address, address_book
from portal.config import Settings, load_settings
from portal.grids import GridIndex


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


def housekeeping() -> None:
    """Starts the clock rules in the background (see portal.housekeeping.start_in_background)."""
    from portal import housekeeping as clock_rules

    clock_rules.start_in_background(settings().database_url)


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
    """A short session; a database outage inside it ends the page with one clear message."""
    from portal.ui.outage import DATABASE_ERRORS, database_down, raise_here

    try:
        with Session(get_engine(settings().database_url), expire_on_commit=False) as session:
            yield session
    except DATABASE_ERRORS as exc:
        if raise_here():  # app.py before st.navigation: it says the outage itself
            raise
        database_down(exc)


@st.cache_resource(show_spinner=False, ttl=600)
def _grid_index(url: str) -> GridIndex:
    with Session(get_engine(url)) as session:
        return GridIndex.load(session)


def grid_index() -> GridIndex:
    return _grid_index(settings().database_url)


@st.cache_resource(show_spinner=False, ttl=600)
def _address_book(url: str) -> list[Address]:
    with Session(get_engine(url)) as session:
        return address_book(session, _grid_index(url))


def addresses() -> list[Address]:
    """The community's address list for the address search (rebuilt every ten minutes)."""
    return _address_book(settings().database_url)


def this_year() -> int:
    return datetime.now().year
