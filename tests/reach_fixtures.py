"""Fixtures for the HTTP and MQTT face: api keys on the demo, a TestClient of the routes, a live
uvicorn server of the same routes on loopback, and the real Mosquitto broker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from portal import api_keys
from tests.conftest import IN_CI, ROOT
from tests.e2e.server import free_port

MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883


@dataclass
class Keys:
    staff_id: int
    open311: str
    devices: str


def issue_keys(url: str, per_minute: int = 1000) -> Keys:
    with Session(get_engine(url), expire_on_commit=False) as session:
        staff = session.exec(select(User).where(User.username == "staff01")).one()
        o = api_keys.issue(
            session, actor_id=staff.id, partner="12345热线", scope="open311", per_minute=per_minute
        )
        d = api_keys.issue(
            session, actor_id=staff.id, partner="网关", scope="devices", per_minute=per_minute
        )
        return Keys(staff.id, o.secret, d.secret)


@pytest.fixture
def http_client(demo_url, monkeypatch):
    """A Starlette TestClient of the portal's routes on the demo database (either backend)."""
    from starlette.testclient import TestClient

    from tests.http_app import app

    monkeypatch.setenv("DATABASE_URL", demo_url)
    with TestClient(app) as client:
        yield client


@contextmanager
def live_server(db_url: str, env: dict[str, str] | None = None):
    """uvicorn serving tests.http_app on 127.0.0.1 in its own process; yields its base URL."""
    port = free_port()
    child_env = {**os.environ, **(env or {}), "DATABASE_URL": db_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.http_app:app", "--host", "127.0.0.1"]
        + ["--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/open311/v2/services.json", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    out = process.stdout.read().decode(errors="replace") if process.stdout else ""
                    raise RuntimeError(f"uvicorn did not start:\n{out}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _mqtt_up() -> bool:
    try:
        with socket.create_connection((MQTT_HOST, MQTT_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def mqtt_broker() -> str:
    """The real Mosquitto on 127.0.0.1:1883, started if it is not running; skipped outside CI when
    it cannot be reached (a failure in CI)."""
    if not _mqtt_up():
        subprocess.run(
            ["mosquitto", "-d", "-c", "/etc/mosquitto/mosquitto.conf"],
            capture_output=True,
            check=False,
        )
        for _ in range(20):
            if _mqtt_up():
                break
            time.sleep(0.25)
    if not _mqtt_up():
        if IN_CI:
            pytest.fail(f"Mosquitto is required in CI and unreachable at {MQTT_HOST}:{MQTT_PORT}")
        pytest.skip(f"Mosquitto not reachable at {MQTT_HOST}:{MQTT_PORT}")
    return f"mqtt://{MQTT_HOST}:{MQTT_PORT}"
