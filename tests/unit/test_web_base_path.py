"""Behind a path prefix (LINLI_BASE_URL_PATH) the portal's routes answer under it as well, since
st.App does not prefix its user routes and pages link private media as /<base>/files/…."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal.web import routes


def test_the_media_route_answers_under_the_base_path(demo_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setenv("LINLI_BASE_URL_PATH", "/linli/")
    client = TestClient(Starlette(routes=routes()))
    assert client.get("/linli/files/voice/1").status_code == 401  # the route, login checked
    assert client.get("/files/voice/1").status_code == 401
    assert client.get("/other/files/voice/1").status_code == 404


def test_login_and_logout_redirects_stay_under_the_base_path(demo_url, monkeypatch):
    """Before: /auth/session and /auth/logout sent the browser to "/" (no portal there behind a
    prefix), and the page sent the browser to /auth/… outside the prefix."""
    from portal.web.session_routes import issue_ticket, start_path, under_base

    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setenv("LINLI_BASE_URL_PATH", "/linli/")
    client = TestClient(Starlette(routes=routes()), follow_redirects=False)
    assert (start_path(), under_base("/auth/logout")) == ("/linli/", "/linli/auth/logout")
    answer = client.get(f"/linli/auth/session?ticket={issue_ticket('raw-token')}")
    assert answer.status_code == 303 and answer.headers["location"] == "/linli/"
    assert "linli_session=raw-token" in answer.headers["set-cookie"]
    assert "httponly" in answer.headers["set-cookie"].lower()
    for target, lands in (
        ("/linli/report_map", "/linli/report_map"),
        ("/linli", "/linli"),
        ("/", "/linli/"),  # outside the prefix: the portal's start page
        ("/other/app", "/linli/"),
        ("//evil.example/", "/linli/"),
        ("/\\evil.example/", "/linli/"),
        ("https://evil.example/", "/linli/"),
    ):
        answer = client.get("/linli/auth/logout", params={"next": target})
        assert (answer.status_code, answer.headers["location"]) == (303, lands), target
    assert client.get("/linli/auth/logout").headers["location"] == "/linli/"


def test_without_a_base_path_the_redirects_go_to_the_root(demo_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.delenv("LINLI_BASE_URL_PATH", raising=False)
    client = TestClient(Starlette(routes=routes()), follow_redirects=False)
    assert client.get("/auth/logout").headers["location"] == "/"
    assert client.get("/auth/logout", params={"next": "/report_map"}).headers["location"] == (
        "/report_map"
    )
    assert client.get("/auth/logout", params={"next": "//evil.example"}).headers["location"] == "/"


def test_the_page_sends_the_browser_to_the_cookie_routes_under_the_base_path(monkeypatch):
    import streamlit as st

    import portal.web as portal_web
    from portal.ui import session as ui_session

    monkeypatch.setenv("LINLI_BASE_URL_PATH", "linli")
    monkeypatch.setattr(portal_web, "mounted", True)
    monkeypatch.setattr(ui_session, "db", _no_db)
    st.session_state.clear()
    st.session_state["user_id"] = 1
    ui_session.log_out()
    assert st.session_state[ui_session.NAVIGATE] == "/linli/auth/logout?next=/linli/"
    st.session_state.clear()


class _NoSession:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _no_db():
    return _NoSession()
