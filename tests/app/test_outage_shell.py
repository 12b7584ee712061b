"""A database outage in app.py before navigation (preparing the database on a fresh server, or
loading the logged-in user): the portal's translated outage message in the visitor's language,
the portal's own sidebar, and no Streamlit error. Before: a fresh server showed the English
"Cannot reach the database at DATABASE_URL=…" text, and neither case registered the portal's
pages, so Streamlit drew its raw list of pages/ in the sidebar."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from portal.i18n import translate
from portal.ui import data
from portal.ui.outage import OUTAGE
from portal.ui.shell import APP_TITLE
from tests.app.conftest import user_id
from tests.conftest import ROOT
from tests.e2e.server import free_port

DOWN = "postgresql+psycopg://nobody@127.0.0.1:{port}/none"


def _sidebar_texts(at: AppTest) -> list[str]:
    return [m.value for m in at.sidebar.markdown]


def test_outage_while_the_shell_loads_the_user(open_app, app_db, monkeypatch):
    assert not open_app("zhang_nainai").exception  # the database prepared for this process
    # A new tab of her logged-in session: AppTest runs app.py (after a switch_page it would run
    # the page alone), and the database goes away as the shell loads her account.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["user_id"] = user_id(app_db, "zhang_nainai")
    at.session_state["lang"] = "ug"  # her language for this session
    down = create_engine(DOWN.format(port=free_port()))
    monkeypatch.setattr(data, "get_engine", lambda url=None: down)
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [translate("ug", OUTAGE)]
    assert f"### {translate('ug', APP_TITLE)}" in _sidebar_texts(at)  # the portal's own sidebar


def test_outage_on_a_fresh_server(app_db, monkeypatch):  # noqa: ARG001 (app_db: caches cleared after)
    monkeypatch.setenv("DATABASE_URL", DOWN.format(port=free_port()).replace("+psycopg", ""))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = "bo"
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert errors == [translate("bo", OUTAGE)], errors
    assert "DATABASE_URL" not in " ".join(errors)  # the server log has it, not the visitor
    assert f"### {translate('bo', APP_TITLE)}" in _sidebar_texts(at)
