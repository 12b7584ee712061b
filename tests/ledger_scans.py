"""The points figures as they were computed before the summary rows: full scans of the ledger.
The reference the summaries are checked against (tests) and timed against (bench)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models_points import PointsEntry
from portal.grids import parent_map, subtree
from portal.points.common import EARNING_EXCLUDED


def scan_leaderboard(session: Session, grid_id: int, since=None, limit: int = 20):
    """The leaderboard of a grid and the grids below it, from one scan of the ledger."""
    grids = subtree(parent_map(session), grid_id)
    total = func.sum(PointsEntry.amount).label("total")
    query = select(PointsEntry.user_id, total).where(
        col(PointsEntry.grid_id).in_(grids), col(PointsEntry.source).notin_(EARNING_EXCLUDED)
    )
    if since is not None:
        query = query.where(PointsEntry.created_at >= since)
    return [
        (uid, int(t))
        for uid, t in session.exec(
            query.group_by(col(PointsEntry.user_id))
            .having(total > 0)
            .order_by(total.desc(), col(PointsEntry.user_id))
            .limit(limit)
        ).all()
    ]
