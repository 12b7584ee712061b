"""Open reports of the same kind near a place, offered as "me too" instead of a duplicate."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models_reports import Report, ReportCategory, ReportSupporter
from db.types import row_id, utcnow
from portal.reports.clock import OPEN_STATES


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Nearby:
    report: Report
    metres: float
    supporters: int


def nearby_open(
    session: Session, *, category_id: int, lat: float, lon: float, now: datetime | None = None
) -> list[Nearby]:
    """Open reports of the same category near the place, within the category's radius and days."""
    now = now or utcnow()
    category = session.get(ReportCategory, category_id)
    if category is None:
        return []
    radius = category.duplicate_radius_m
    dlat = radius / 111_000
    dlon = radius / (111_000 * max(0.1, math.cos(math.radians(lat))))
    candidates = session.exec(
        select(Report).where(
            col(Report.category_id) == category_id,
            col(Report.state).in_(OPEN_STATES),
            col(Report.created_at) >= now - timedelta(days=category.duplicate_days),
            col(Report.lat).between(lat - dlat, lat + dlat),
            col(Report.lon).between(lon - dlon, lon + dlon),
        )
    ).all()
    found = [(r, distance_m(lat, lon, r.lat, r.lon)) for r in candidates]
    found = [(r, d) for r, d in found if d <= radius]
    counts = _supporter_counts(session, [r.id for r, _ in found])
    return sorted(
        (Nearby(r, d, counts.get(row_id(r), 0)) for r, d in found), key=lambda n: n.metres
    )


def _supporter_counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.exec(
        select(col(ReportSupporter.report_id), func.count())
        .where(col(ReportSupporter.report_id).in_(ids))
        .group_by(col(ReportSupporter.report_id))
    ).all()
    return dict(rows)
