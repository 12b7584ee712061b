"""Demo shared venues: the school's sports ground on weekday evenings (the school's contact
approves, a booking costs 2 points), the community meeting room every day (confirmed at once,
free) and an office car park at weekends (earns 5 points when used for a community event), each
with opening windows, and one booking. Runs through the real services. Idempotent."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from db.models import User
from db.models_venues import Venue
from db.types import row_id, utcnow
from portal import localtime

# name, description, address, (dlat, dlon) from the community's centre, capacity, owner unit,
# approver, needs approval, points, windows: (weekdays, start, end, slot minutes)
DEMO_VENUES: list[tuple[Any, ...]] = [
    (
        "七中操场（夜间开放）",
        "标准篮球场两块、田径跑道。夜间灯光开放，请穿运动鞋，勿带宠物。",
        "学校东门（晚上由门卫登记进入）",
        (0.0015, -0.0012),
        80,
        "成都七中",
        "handler_property",
        True,
        2,
        [((0, 1, 2, 3, 4), time(18, 30), time(21, 30), 60)],
    ),
    (
        "社区活动室",
        "可坐30人，有投影和桌椅。用后请关灯、摆好桌椅。",
        "社区党群服务中心二楼",
        (-0.0008, 0.0006),
        30,
        "",
        "",
        False,
        0,
        [((0, 1, 2, 3, 4, 5, 6), time(9, 0), time(17, 0), 60)],
    ),
    (
        "税务所停车场（周末）",
        "周末空闲车位40个，可用于社区集市、义诊等活动。",
        "玉林路税务所院内",
        (0.0005, 0.0018),
        200,
        "玉林税务所",
        "",
        True,
        -5,
        [((5, 6), time(8, 0), time(18, 0), 120)],
    ),
]


def seed_venues(session: Session, now: datetime | None = None) -> int:
    """Adds the demo venues once; returns how many were made."""
    from portal import venues

    now = now or utcnow()
    if session.exec(select(Venue.id)).first() is not None:
        return 0
    names = ("staff01", "handler_property", "zhang_nainai")
    users = {u.username: u for u in session.exec(select(User).where(col(User.username).in_(names)))}
    staff = users.get("staff01")
    if staff is None or staff.home_grid_id is None:
        return 0
    from portal.grids import GridIndex

    index = GridIndex.load(session)
    shape = index.shapes.get(staff.home_grid_id)
    lat, lon = (shape.centroid.y, shape.centroid.x) if shape is not None else (30.6, 104.0)
    made = []
    for name, text, address, (
        dlat,
        dlon,
    ), cap, unit, approver, approval, pts, windows in DEMO_VENUES:
        venue = venues.save_venue(
            session,
            actor_id=row_id(staff),
            name=name,
            description=text,
            address=address,
            lat=round(lat + dlat, 6),
            lon=round(lon + dlon, 6),
            capacity=cap,
            owner_unit=unit,
            approver=approver if approver in users else "",
            needs_approval=approval,
            points_per_booking=pts,
            now=now,
        )
        for days, start, end, minutes in windows:
            venues.add_window(
                session,
                actor_id=row_id(staff),
                venue_id=row_id(venue),
                weekdays=list(days),
                start=start,
                end=end,
                slot_minutes=minutes,
            )
        made.append(venue)
    resident = users.get("zhang_nainai")
    if resident is not None:
        day = localtime.today(now) + timedelta(days=2)
        venues.book(
            session,
            user_id=row_id(resident),
            venue_id=row_id(made[1]),
            starts=localtime.at(day, time(10, 0)),
            slots=2,
            purpose="老年合唱队排练",
            group_name="玉林夕阳红合唱队",
            people=15,
            now=now,
        )
    return len(made)
