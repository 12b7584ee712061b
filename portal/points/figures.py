"""Figures: the leaderboard (people may opt out) and monthly points per grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, update
from sqlmodel import Session, col, select

from db.models import Grid, User
from db.models_points import (
    PointsEntry,
    PointsMember,
)
from portal.auth import active_user
from portal.config import TIMEZONE
from portal.grids import parent_map, subtree
from portal.points.common import EARNING_EXCLUDED, _ancestors, _lock_member, _now, month_starts


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
    """Who earned most points in a grid (and the grids below it); opted-out people stay unnamed."""
    parents = parent_map(session)
    if grid_id not in parents:
        return []
    grids = subtree(parents, grid_id)
    total = func.sum(PointsEntry.amount).label("total")
    query = select(PointsEntry.user_id, total).where(
        col(PointsEntry.grid_id).in_(grids), col(PointsEntry.source).notin_(EARNING_EXCLUDED)
    )
    if since is not None:
        query = query.where(PointsEntry.created_at >= since)
    rows = session.exec(
        query.group_by(col(PointsEntry.user_id))
        .having(total > 0)
        .order_by(total.desc(), col(PointsEntry.user_id))
        .limit(limit)
    ).all()
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
    session: Session, *, months: int = 6, now: datetime | None = None
) -> list[MonthFigures]:
    """Points issued and redeemed per general grid per month, over the last `months` months."""
    now = _now(now)
    starts = month_starts(now, max(1, min(months, 24)))
    bucket = case(
        *[
            (
                and_(
                    col(PointsEntry.created_at) >= starts[i],
                    col(PointsEntry.created_at) < starts[i + 1],
                ),
                i,
            )
            for i in range(len(starts) - 1)
        ],
        else_=-1,
    ).label("bucket")
    issued = func.sum(
        case((col(PointsEntry.source).notin_(EARNING_EXCLUDED), PointsEntry.amount), else_=0)
    )
    redeemed = func.sum(
        case((col(PointsEntry.source).in_(EARNING_EXCLUDED), -PointsEntry.amount), else_=0)
    )
    rows = session.exec(
        select(PointsEntry.grid_id, bucket, issued, redeemed)
        .where(PointsEntry.created_at >= starts[0], PointsEntry.created_at < starts[-1])
        .group_by(col(PointsEntry.grid_id), bucket)
    ).all()
    kinds = {gid: kind for gid, kind in session.exec(select(Grid.id, Grid.kind)) if gid is not None}
    parents = parent_map(session)
    community = next((gid for gid, kind in kinds.items() if kind == "community"), 0)
    labels = [s.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m") for s in starts[:-1]]
    totals: dict[tuple[int, int], list[int]] = {}
    for gid, b, iss, red in rows:
        if b < 0:
            continue
        general = next(
            (g for g in _ancestors(parents, gid) if kinds.get(g) == "general"), community
        )
        slot = totals.setdefault((general, b), [0, 0])
        slot[0] += int(iss or 0)
        slot[1] += int(red or 0)
    return [
        MonthFigures(g, labels[b], v[0], v[1])
        for (g, b), v in sorted(totals.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
