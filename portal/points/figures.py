"""Figures: the leaderboard (people may opt out) and monthly points per grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, union_all, update
from sqlmodel import Session, col, select

from db.models import Grid, User
from db.models_points import (
    PointsEntry,
    PointsGridMonth,
    PointsMember,
    PointsUserMonth,
    PointsUserTotal,
)
from portal.areas import EVERYWHERE, Area
from portal.auth import active_user
from portal.grids import parent_map, subtree
from portal.localtime import month_of
from portal.points.common import EARNING_EXCLUDED, _ancestors, _lock_member, _now, month_starts
from portal.points.summaries import grid_of_key, next_month_start


def leaderboard_opt_out(session: Session, user_id: int) -> bool:
    member = session.get(PointsMember, user_id)
    return bool(member and member.leaderboard_opt_out)


def set_leaderboard_opt_out(
    session: Session, *, user_id: int, opt_out: bool, now: datetime | None = None
) -> None:
    now = _now(now)
    active_user(session, user_id)
    _lock_member(session, user_id, now)
    session.execute(
        update(PointsMember)
        .where(col(PointsMember.user_id) == user_id)
        .values(leaderboard_opt_out=bool(opt_out))
    )
    session.commit()


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: int
    name: str | None  # None: the person chose not to appear by name
    points: int


def leaderboard(
    session: Session, *, grid_id: int, since: datetime | None = None, limit: int = 20
) -> list[Standing]:
    """Who earned most points in a grid (and the grids below it); opted-out people stay unnamed.

    Read from the summary rows (portal.points.summaries): all time from points_user_total, since a
    moment from points_user_month for the whole Beijing months after it plus the ledger lines of
    the part-month before the first of them (none when `since` starts a month, as on the pages)."""
    parents = parent_map(session)
    if grid_id not in parents:
        return []
    grids = subtree(parents, grid_id)
    if since is None:
        parts = [
            select(PointsUserTotal.user_id, PointsUserTotal.earned.label("pts")).where(  # type: ignore[attr-defined]
                col(PointsUserTotal.grid_key).in_(grids)
            )
        ]
    else:
        first_full = next_month_start(since)
        parts = [
            select(PointsUserMonth.user_id, PointsUserMonth.earned.label("pts")).where(  # type: ignore[attr-defined]
                col(PointsUserMonth.grid_key).in_(grids),
                col(PointsUserMonth.month) >= month_of(first_full),
            )
        ]
        if since < first_full:
            parts.append(
                select(PointsEntry.user_id, PointsEntry.amount.label("pts")).where(  # type: ignore[attr-defined]
                    col(PointsEntry.grid_id).in_(grids),
                    col(PointsEntry.source).notin_(EARNING_EXCLUDED),
                    col(PointsEntry.created_at) >= since,
                    col(PointsEntry.created_at) < first_full,
                )
            )
    both = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    total = func.sum(both.c.pts).label("total")
    rows = (
        session.connection()
        .execute(
            select(both.c.user_id, total)
            .group_by(both.c.user_id)
            .having(total > 0)
            .order_by(total.desc(), both.c.user_id)
            .limit(limit)
        )
        .all()
    )
    ids = [uid for uid, _t in rows]
    names = (
        dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids))).all())
        if ids
        else {}
    )
    hidden = (
        set(
            session.exec(
                select(PointsMember.user_id).where(
                    col(PointsMember.user_id).in_(ids), PointsMember.leaderboard_opt_out
                )
            ).all()
        )
        if ids
        else set()
    )
    return [
        Standing(n, uid, None if uid in hidden else names.get(uid, ""), int(pts))
        for n, (uid, pts) in enumerate(rows, 1)
    ]


@dataclass(frozen=True)
class MonthFigures:
    grid_id: int  # a general grid (or the community grid for entries without a home)
    month: str  # "2026-11" in Beijing time
    issued: int
    redeemed: int  # net of cancelled redemptions


def monthly_by_grid(
    session: Session, *, months: int = 6, now: datetime | None = None, area: Area = EVERYWHERE
) -> list[MonthFigures]:
    """Points issued and redeemed per general grid per month, over the last `months` months, for
    the grids of an area (a community's figures are its grids'; entries of a grid under no
    general grid count for its community).

    Read from points_grid_month: issued is the net of the earning sources (adjustments both ways),
    redeemed is rewards less refunds."""
    now = _now(now)
    starts = month_starts(now, max(1, min(months, 24)))
    labels = [month_of(s) for s in starts[:-1]]
    rows = [
        (grid_of_key(g), labels.index(m), iss, red)
        for g, m, iss, red in session.connection().execute(
            select(
                PointsGridMonth.grid_key,
                PointsGridMonth.month,
                PointsGridMonth.earned,
                PointsGridMonth.redeemed,
            ).where(col(PointsGridMonth.month).in_(labels))
        )
    ]
    kinds = {gid: kind for gid, kind in session.exec(select(Grid.id, Grid.kind)) if gid is not None}
    parents = parent_map(session)
    community = next((gid for gid, kind in kinds.items() if kind == "community"), 0)
    totals: dict[tuple[int, int], list[int]] = {}
    for gid, b, iss, red in rows:
        if b < 0 or not (area.whole or (gid is not None and area.covers(gid))):
            continue
        chain = _ancestors(parents, gid)
        own = next((g for g in chain if kinds.get(g) == "community"), community)
        general = next((g for g in chain if kinds.get(g) == "general"), own)
        slot = totals.setdefault((general, b), [0, 0])
        slot[0] += int(iss or 0)
        slot[1] += int(red or 0)
    return [
        MonthFigures(g, labels[b], v[0], v[1])
        for (g, b), v in sorted(totals.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
