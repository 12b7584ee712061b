"""The portal runs the clock rules by itself: in the background, at most once per interval."""

import time
from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import delete
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_wishes import Wish, WishVote
from portal import housekeeping
from portal.ui import data

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def _make_stale(url: str, skip: int) -> int:
    """An open wish of the demo with no votes, unchanged since 2000: the clock rules expire it."""
    with Session(get_engine(url)) as s:
        wish = s.exec(select(Wish).where(Wish.state == "open").order_by(Wish.id)).all()[skip]
        s.exec(delete(WishVote).where(WishVote.wish_id == wish.id))
        wish.state_changed_at = LONG_AGO
        s.add(wish)
        s.commit()
        return wish.id


def _state(url: str, wish_id: int) -> str:
    with Session(get_engine(url)) as s:
        return s.get(Wish, wish_id).state


def _wait_until_expired(url: str, wish_id: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _state(url, wish_id) == "expired":
            return True
        time.sleep(0.05)
    return False


def test_housekeeping_runs_in_the_background_at_most_once_per_interval(app_db, monkeypatch):
    monkeypatch.setenv("LINLI_HOUSEKEEPING_SECONDS", "300")
    housekeeping._last_start.clear()
    first = _make_stale(app_db, 0)
    data.housekeeping()  # returns at once; the wish expires a moment later
    assert _wait_until_expired(app_db, first, timeout=30)

    second = _make_stale(app_db, 0)
    data.housekeeping()  # within the interval: nothing runs
    assert not _wait_until_expired(app_db, second, timeout=1)

    later = time.monotonic() + 301
    monkeypatch.setattr(housekeeping, "time", SimpleNamespace(monotonic=lambda: later))
    data.housekeeping()  # the interval has passed: it runs again
    assert _wait_until_expired(app_db, second, timeout=30)


def test_housekeeping_is_off_at_zero_seconds(app_db, monkeypatch):
    monkeypatch.setenv("LINLI_HOUSEKEEPING_SECONDS", "0")
    housekeeping._last_start.clear()
    stale = _make_stale(app_db, 0)
    data.housekeeping()
    assert not _wait_until_expired(app_db, stale, timeout=1)


def test_housekeeping_failure_is_logged_not_raised(caplog):
    housekeeping._run_logged("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    assert "housekeeping failed" in caplog.text
