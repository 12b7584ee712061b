"""Two portal processes behind nginx on one PostgreSQL (tests/proxy.py): every browser sticks to
one process (its websocket, uploads and files reach the process holding its Streamlit session),
both processes take browsers, and a logged-in page runs through the proxy."""

from __future__ import annotations

import os
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from portal import auth
from tests.e2e.server import free_port, start_server
from tests.proxy import NGINX, start_proxy

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists() and not IN_CI,  # required in CI: .ci/run installs it
    reason="nginx is not installed (apt-get install nginx)",
)


def _get(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=20) as response:
        jar = SimpleCookie(response.headers.get("Set-Cookie", ""))
        route = jar["linli_route"].value if "linli_route" in jar else None
        return response.headers["X-Linli-Upstream"], route


def _script_finishes(base: str, cookie: str, page: str = "home") -> bool:
    import websocket
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws = websocket.create_connection(
        base.replace("http", "ws") + "/_stcore/stream",
        subprotocols=["streamlit"],
        header=[f"Cookie: {cookie}"],
        timeout=60,
    )
    try:
        back = BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_name = page
        ws.send_binary(back.SerializeToString())
        while True:
            payload = ws.recv()
            if isinstance(payload, bytes):
                message = ForwardMsg()
                message.ParseFromString(payload)
                if message.WhichOneof("type") == "script_finished":
                    return True
    finally:
        ws.close()


@pytest.fixture
def cluster(demo_url, tmp_path):
    env = {"LINLI_TILES": "none", "LINLI_HOUSEKEEPING_SECONDS": "0"}  # the worker's job
    with (
        start_server(tmp_path / "a", env=env, database_url=demo_url) as a,
        start_server(tmp_path / "b", env=env, database_url=demo_url) as b,
        start_proxy(tmp_path / "nginx", free_port(), [a.port, b.port]) as proxy,
    ):
        yield proxy, {f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"}


@pytest.mark.parametrize("backend", ["postgresql"])
def test_each_browser_sticks_to_one_process_and_both_take_browsers(cluster):
    proxy, upstreams = cluster
    seen = set()
    for _browser in range(16):
        first, route = _get(proxy.url + "/")
        assert route, "the first answer sets the route cookie"
        seen.add(first)
        for path in ("/_stcore/health", "/", "/_stcore/host-config", "/"):
            again, _ = _get(proxy.url + path, f"linli_route={route}")
            assert again == first, path
    assert seen == upstreams  # 16 browsers: both processes got some


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_logged_in_page_runs_through_the_proxy_on_either_process(cluster, demo_url):
    proxy, _upstreams = cluster
    with Session(get_engine(demo_url)) as session:
        uid = session.exec(select(User.id).where(User.username == "zhang_nainai")).one()
        token = auth.issue_login_token(session, uid, 1)
        session.commit()
    get_engine(demo_url).dispose()
    answered = set()
    for _browser in range(6):
        upstream, route = _get(proxy.url + "/")
        assert _script_finishes(proxy.url, f"linli_route={route}; linli_session={token}")
        answered.add(upstream)
    assert answered  # the page ran (on whichever process each browser stuck to)
