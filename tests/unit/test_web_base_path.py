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
