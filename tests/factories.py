"""Builders shared by the tests: grids, people, and threads that act at the same moment.

Each test module describes its own small world with these (which grids, who lives where), so
the rules run on both backends in seconds instead of on the full demo seed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session

from db.engine import get_engine
from db.models import Grid, User


def square(lon: float = 104.0, lat: float = 30.6, size: float = 0.01) -> str:
    """A GeoJSON square, the boundary of a test grid."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def add_grid(
    session: Session, code: str, kind: str, parent: Grid | None = None, boundary: str | None = None
) -> Grid:
    grid = Grid(
        code=code,
        name=code,
        kind=kind,
        parent_id=parent.id if parent else None,
        boundary=boundary or square(),
    )
    session.add(grid)
    session.flush()
    return grid


def add_grids(
    session: Session, tree: Iterable[tuple[str, str, str | None]], boundary: str | None = None
) -> dict[str, Grid]:
    """(code, kind, parent code) rows, parents first → {code: Grid}."""
    grids: dict[str, Grid] = {}
    for code, kind, parent in tree:
        grids[code] = add_grid(session, code, kind, grids[parent] if parent else None, boundary)
    return grids


def add_user(
    session: Session, username: str, role: str, home: Grid | None = None, **fields: Any
) -> User:
    values = {"display_name": username, "password_hash": "x"} | fields
    user = User(username=username, role=role, home_grid_id=home.id if home else None, **values)
    session.add(user)
    session.flush()
    return user


def parallel(n: int, work: Callable[[int], Any], timeout: float = 120) -> list:
    """Runs work(0..n-1) in n threads released together; each result or raised exception."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001  (collected and checked by the test)
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def race(url: str, n: int, action: Callable[[Session, int], Any]) -> list:
    """parallel(), each thread with a session of its own: action(session, i)."""

    def work(i: int) -> Any:
        with Session(get_engine(url), expire_on_commit=False) as s:
            try:
                return action(s, i)
            except Exception:
                s.rollback()
                raise

    return parallel(n, work)
