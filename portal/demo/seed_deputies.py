"""Demo deputies' desk: in S community one district people's congress deputy who has an account
(resident0030 answers their own requests) and one CPPCC member whose profile the office keeps,
a few reception slots in the coming days, and one request of li_ayi answered with its public
outline (the trail). Through the real services. Does nothing when a deputy exists (idempotent)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlmodel import Session, col, select

from db.models import Grid, User
from db.models_deputies import Deputy
from db.types import row_id, utcnow
from portal.localtime import ZONE, at


def seed_deputies(session: Session, now: datetime | None = None) -> int:
    """Adds the demo deputies once; returns how many were added."""
    from portal import deputies

    now = now or utcnow()
    if session.exec(select(Deputy.id)).first() is not None:
        return 0
    names = ("staff01", "resident0030", "li_ayi")
    users = {u.username: u for u in session.exec(select(User).where(col(User.username).in_(names)))}
    root = session.exec(select(Grid).where(Grid.kind == "community").order_by(col(Grid.id))).first()
    if root is None or any(n not in users for n in names):
        return 0
    staff = row_id(users["staff01"])
    npc = deputies.save_deputy(
        session,
        actor_id=staff,
        grid_id=row_id(root),
        name=users["resident0030"].display_name,
        body="npc",
        level="district",
        bio="武侯区人大代表，社区居民，关注老旧院落改造和养老服务。",
        reception_place="社区党群服务中心二楼代表工作站",
        reception_days="每月第一个周三 14:30–17:00",
        username="resident0030",
    )
    cppcc = deputies.save_deputy(
        session,
        actor_id=staff,
        grid_id=row_id(root),
        name="马永福",
        body="cppcc",
        level="district",
        bio="区政协委员，在社区经营清真餐馆，关注民族团结和商户经营环境。",
        reception_place="社区党群服务中心一楼议事厅",
        reception_days="每月第三个周五 9:30–11:30",
    )
    today = now.astimezone(ZONE).date()
    for deputy, days, hours in ((npc, (2, 9), (14, 15, 16)), (cppcc, (4,), (9, 10))):
        for d in days:
            for h in hours:
                deputies.add_slot(
                    session,
                    actor_id=staff,
                    deputy_id=row_id(deputy),
                    starts_at=at(today + timedelta(days=d), time(h, 30)),
                    minutes=30,
                    now=now,
                )
    asked = deputies.leave_request(
        session,
        actor_id=row_id(users["li_ayi"]),
        deputy_id=row_id(npc),
        topic="院落加装电梯",
        text="我们院子里老人多，5 号楼想加装电梯，但不知道怎么申请补贴，希望代表帮忙了解政策。",
        now=now - timedelta(days=6),
    )
    deputies.answer(
        session,
        actor_id=row_id(users["resident0030"]),
        request_id=asked.id,
        text="已向街道了解：加装电梯可申请区级补贴，需三分之二以上业主同意。下周三接待日我把材料带给您。",
        outline="居民反映院落老人多、希望加装电梯；代表已向街道了解补贴政策并告知申请条件。",
        now=now - timedelta(days=4),
    )
    return 2
