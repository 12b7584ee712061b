"""Summary rows of the ledger, so leaderboards and monthly figures never scan it.

Three tables (db/models_points.py), each row a running total:
    points_user_total  (user, home grid)         earned, entries
    points_user_month  (Beijing month, grid, user) earned, entries
    points_grid_month  (Beijing month, grid)      issued, earned, redeemed, entries

`record()` adds one ledger line to them with INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x
(SQLite and PostgreSQL), in the same transaction as the line: `_append()` in portal.points.common,
the one writer of ledger lines (awards, adjustments, redemptions, refunds, the demo seed), calls it
right after the line is flushed, so a rolled-back line takes its totals with it. Two concurrent
writers of one row both count: PostgreSQL's upsert takes the row lock and adds to the committed
value; SQLite has one writer at a time. Lock order: the person's points_member row (taken before
the line), then the person's rows, then the grid's month row.

`recompute()` is the full recomputation from the ledger (Python, for checks), `rebuild()` replaces
the tables from the ledger in SQL (repair, and what migration 0019 does):
    python -m portal.points.rebuild_summaries [--check]
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import Table, case, delete, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from db.models_points import (
    GRID_NONE,
    PointsEntry,
    PointsGridMonth,
    PointsUserMonth,
    PointsUserTotal,
)
from portal.localtime import ZONE, month_of
from portal.points.common import EARNING_EXCLUDED

Totals = dict[str, dict[tuple, tuple[int, ...]]]


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined]


def grid_key(grid_id: int | None) -> int:
    return GRID_NONE if grid_id is None else grid_id


def grid_of_key(key: int) -> int | None:
    return None if key == GRID_NONE else key


def next_month_start(moment: datetime) -> datetime:
    """The first start of a Beijing month at or after `moment` (itself when it starts one)."""
    local = moment.astimezone(ZONE)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start if start == local else (start + timedelta(days=32)).replace(day=1)


def month_start(label: str) -> datetime:
    year, month = map(int, label.split("-"))
    return datetime(year, month, 1, tzinfo=ZONE)


def figures_of(amount: int, source: str) -> tuple[int, int, int]:
    """(issued, earned, redeemed) of one ledger line."""
    issued = amount if amount > 0 and source != "refund" else 0
    earned = amount if source not in EARNING_EXCLUDED else 0
    redeemed = -amount if source in EARNING_EXCLUDED else 0
    return issued, earned, redeemed


def _upsert(session: Session, model, keys: dict, adds: dict) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = _table(model)
    stmt = insert(table).values(**keys, **adds)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + stmt.excluded[name] for name in adds},
    )
    session.execute(stmt)


def record(session: Session, entry: PointsEntry) -> None:
    """Adds one (flushed) ledger line to the summaries, in the caller's transaction."""
    issued, earned, redeemed = figures_of(entry.amount, entry.source)
    key = grid_key(entry.grid_id)
    month = month_of(entry.created_at)
    if entry.source not in EARNING_EXCLUDED:
        _upsert(
            session,
            PointsUserTotal,
            {"user_id": entry.user_id, "grid_key": key},
            {"earned": earned, "entries": 1},
        )
        _upsert(
            session,
            PointsUserMonth,
            {"month": month, "grid_key": key, "user_id": entry.user_id},
            {"earned": earned, "entries": 1},
        )
    _upsert(
        session,
        PointsGridMonth,
        {"month": month, "grid_key": key},
        {"issued": issued, "earned": earned, "redeemed": redeemed, "entries": 1},
    )


# --- checks and repair ------------------------------------------------------------------------


def recompute(session: Session) -> Totals:
    """The summaries as they should be, recomputed in Python from every ledger line."""
    user_total: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    user_month: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    grid_month: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    e = _table(PointsEntry).c
    rows = session.connection().execute(
        select(e.user_id, e.grid_id, e.amount, e.source, e.created_at)
    )
    for uid, gid, amount, source, at in rows:
        issued, earned, redeemed = figures_of(amount, source)
        key, month = grid_key(gid), month_of(at)
        if source not in EARNING_EXCLUDED:
            for slot in (user_total[(uid, key)], user_month[(month, key, uid)]):
                slot[0] += earned
                slot[1] += 1
        g = grid_month[(month, key)]
        for i, v in enumerate((issued, earned, redeemed, 1)):
            g[i] += v
    return {
        "user_total": {k: tuple(v) for k, v in user_total.items()},
        "user_month": {k: tuple(v) for k, v in user_month.items()},
        "grid_month": {k: tuple(v) for k, v in grid_month.items()},
    }


def stored(session: Session) -> Totals:
    """The summary rows as they are."""
    conn = session.connection()
    ut, um, gm = (_table(m).c for m in (PointsUserTotal, PointsUserMonth, PointsGridMonth))
    return {
        "user_total": {
            (u, g): (e, n)
            for u, g, e, n in conn.execute(select(ut.user_id, ut.grid_key, ut.earned, ut.entries))
        },
        "user_month": {
            (m, g, u): (e, n)
            for m, g, u, e, n in conn.execute(
                select(um.month, um.grid_key, um.user_id, um.earned, um.entries)
            )
        },
        "grid_month": {
            (m, g): (i, e, r, n)
            for m, g, i, e, r, n in conn.execute(
                select(gm.month, gm.grid_key, gm.issued, gm.earned, gm.redeemed, gm.entries)
            )
        },
    }


def differences(session: Session) -> list[str]:
    """Where the summaries differ from a full recomputation (empty: they agree)."""
    want, have = recompute(session), stored(session)
    out = []
    for table in want:
        for key in sorted(set(want[table]) | set(have[table]), key=str):
            if want[table].get(key) != have[table].get(key):
                out.append(
                    f"{table} {key}: stored {have[table].get(key)}, ledger {want[table].get(key)}"
                )
    return out


def _month_ranges(first: datetime, last: datetime) -> list[tuple[str, datetime, datetime]]:
    """(YYYY-MM, start, end) of every Beijing month from the one holding `first` to `last`'s."""
    out = []
    start = first.astimezone(ZONE).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while start <= last:
        end = (start + timedelta(days=32)).replace(day=1)
        out.append((start.strftime("%Y-%m"), start, end))
        start = end
    return out


def rebuild(session: Session) -> int:
    """Replaces the summaries by sums over the ledger, one range query per Beijing month (the
    created_at index). Does not commit; returns the number of summary rows written."""
    conn = session.connection()
    for model in (PointsUserTotal, PointsUserMonth, PointsGridMonth):
        conn.execute(delete(model))
    e = _table(PointsEntry).c
    gkey = func.coalesce(e.grid_id, GRID_NONE)
    earning = e.source.notin_(EARNING_EXCLUDED)
    conn.execute(
        _table(PointsUserTotal)
        .insert()
        .from_select(
            ["user_id", "grid_key", "earned", "entries"],
            select(e.user_id, gkey, func.sum(e.amount), func.count())
            .where(earning)
            .group_by(e.user_id, gkey),
        )
    )
    first, last = conn.execute(select(func.min(e.created_at), func.max(e.created_at))).one()
    if first is not None:
        issued = func.sum(case(((e.amount > 0) & (e.source != "refund"), e.amount), else_=0))
        earned = func.sum(case((earning, e.amount), else_=0))
        redeemed = func.sum(case((e.source.in_(EARNING_EXCLUDED), -e.amount), else_=0))
        for label, start, end in _month_ranges(first, last):
            during = (e.created_at >= start) & (e.created_at < end)
            conn.execute(
                _table(PointsUserMonth)
                .insert()
                .from_select(
                    ["month", "grid_key", "user_id", "earned", "entries"],
                    select(literal(label), gkey, e.user_id, func.sum(e.amount), func.count())
                    .where(during, earning)
                    .group_by(gkey, e.user_id),
                )
            )
            conn.execute(
                _table(PointsGridMonth)
                .insert()
                .from_select(
                    ["month", "grid_key", "issued", "earned", "redeemed", "entries"],
                    select(literal(label), gkey, issued, earned, redeemed, func.count())
                    .where(during)
                    .group_by(gkey),
                )
            )
    return sum(
        int(conn.execute(select(func.count()).select_from(m)).scalar_one())
        for m in (PointsUserTotal, PointsUserMonth, PointsGridMonth)
    )


__all__ = [
    "differences",
    "figures_of",
    "grid_key",
    "grid_of_key",
    "month_start",
    "next_month_start",
    "rebuild",
    "recompute",
    "record",
    "stored",
]
