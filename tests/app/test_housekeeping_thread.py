"""The portal runs the clock rules by itself: in the background, at most once per interval."""

import threading

from portal import housekeeping
from portal.ui import data


def test_housekeeping_starts_once_per_interval_in_the_background(app_db, monkeypatch):
    started = []

    class FakeThread:
        def __init__(self, target, args, daemon, name):
            assert daemon and target is housekeeping._run_logged and args == (app_db,)
            started.append(name)

        def start(self):
            pass

    monkeypatch.setattr(threading, "Thread", FakeThread)
    monkeypatch.setenv("LINLI_HOUSEKEEPING_SECONDS", "300")
    housekeeping._last_start.clear()
    data.housekeeping()
    data.housekeeping()
    assert started == ["linli-housekeeping"]
    monkeypatch.setenv("LINLI_HOUSEKEEPING_SECONDS", "0")
    housekeeping._last_start.clear()
    data.housekeeping()
    assert started == ["linli-housekeeping"]


def test_housekeeping_failure_is_logged_not_raised(caplog):
    housekeeping._run_logged("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    assert "housekeeping failed" in caplog.text
