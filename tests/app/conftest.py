"""AppTest helpers: the real app against a copy of the seeded demo database."""

from __future__ import annotations

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from db.engine import dispose_engines, get_engine
from db.models import User
from tests.conftest import ROOT

# One demo account per role (usernames from portal/demo/seed.py).
ROLE_USERS = {
    "resident": "zhang_nainai",
    "merchant": "chen_shop",
    "grid_worker": "chief_g1m1",
    "staff": "staff01",
    "handler": "handler_street",
    "admin": "admin",
}


@pytest.fixture
def app_db(sqlite_demo_url, monkeypatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield sqlite_demo_url
    st.cache_resource.clear()
    dispose_engines()


def user_id(url: str, username: str) -> int:
    with Session(get_engine(url)) as session:
        return session.exec(select(User.id).where(User.username == username)).one()


@pytest.fixture
def open_app(app_db):
    """open_app(username=None, page=None, entry="app.py") → an AppTest that has run once."""

    def _open(
        username: str | None = None, page: str | None = None, entry: str = "app.py"
    ) -> AppTest:
        at = AppTest.from_file(str(ROOT / entry), default_timeout=60)
        if username:
            at.session_state["user_id"] = user_id(app_db, username)
        at.run()
        if page:
            at.switch_page(page).run()
        return at

    return _open


def texts(at: AppTest) -> str:
    """All visible text of the run, to look for what must or must not be there."""
    parts = (
        [e.value for e in at.title] + [e.value for e in at.header] + [e.value for e in at.subheader]
    )
    parts += (
        [e.value for e in at.markdown] + [e.value for e in at.error] + [e.value for e in at.warning]
    )
    parts += [e.value for e in at.info] + [e.value for e in at.success]
    return "\n".join(str(p) for p in parts)
