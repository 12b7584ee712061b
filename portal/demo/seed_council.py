"""Demo council: S community's grid–resident–merchant council with 3×4 seats held by demo accounts
(grid workers, residents including a Tibetan and a Yi resident, merchants of the alliance), last
month's meeting with its decisions, minutes and actions, and this month's meeting published with
agenda items and proposals open for support. Runs through the real services with a moved clock (so
every rule and trail row is as in real use). Does nothing when a council exists (idempotent)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from db.models import Grid, User
from db.models_council import Council, CouncilAction
from db.types import row_id, utcnow

SEATS = {
    "grid": ["gridchief_g1", "gridchief_g2", "chief_g1m1", "chief_g2m1"],
    "resident": ["li_ayi", "tashi", "axi", "resident0020"],
    "merchant": ["chen_shop", "merchant001", "merchant002", "merchant003"],
}
TZ = ZoneInfo("Asia/Shanghai")


def _at(day: datetime, hour: int) -> datetime:
    local = day.astimezone(TZ)
    return datetime.combine(local.date(), time(hour, 0), tzinfo=TZ).astimezone(ZoneInfo("UTC"))


def seed_council(session: Session, now: datetime | None = None) -> int:
    """Adds the demo council once; returns the number of meetings made."""
    from portal import council as c

    now = now or utcnow()
    if session.exec(select(Council.id)).first() is not None:
        return 0
    names = [n for group in SEATS.values() for n in group] + [
        "staff01",
        "handler_property",
        "resident0021",
        "resident0022",
        "resident0023",
        "zhang_nainai",
    ]
    users = {
        u.username: row_id(u) for u in session.exec(select(User).where(User.username.in_(names)))
    }
    root = session.exec(select(Grid).where(Grid.kind == "community")).first()
    if root is None or any(n not in users for n in names):
        return 0
    staff = users["staff01"]
    today = now.astimezone(TZ).date()
    council = c.create_council(
        session,
        actor_id=staff,
        grid_id=row_id(root),
        name="S社区网格-居民-商户三级议事会",
        term_start=date(today.year - 1, 1, 1),
        term_end=date(today.year + 2, 12, 31),
        seats_per_group=4,
        now=now - timedelta(days=60),
    )
    for group, people in SEATS.items():
        for username in people:
            c.add_seat(
                session,
                council_id=row_id(council),
                user_id=users[username],
                group=group,
                actor_id=staff,
                now=now - timedelta(days=59),
            )

    # --- last month: decided, minutes published, actions followed --------------------------------
    opened = now - timedelta(days=48)
    last = c.create_meeting(
        session,
        council_id=row_id(council),
        actor_id=staff,
        starts_at=_at(now - timedelta(days=28), 19),
        place="社区党群服务中心二楼会议室",
        now=opened,
    )
    c.publish_meeting(session, meeting_id=row_id(last), actor_id=staff, now=opened)
    p1 = c.submit_proposal(
        session,
        meeting_id=row_id(last),
        author_id=users["resident0021"],
        title="后巷装两盏路灯",
        body="从后门回家的巷子晚上很黑，老人和孩子走着不安全。希望在巷口和拐角各装一盏路灯。",
        now=opened + timedelta(days=1),
    )
    p2 = c.submit_proposal(
        session,
        meeting_id=row_id(last),
        author_id=users["resident0022"],
        title="院坝改成停车位",
        body="车越来越多，希望把院坝的一半划成停车位。",
        now=opened + timedelta(days=2),
    )
    p3 = c.submit_proposal(
        session,
        meeting_id=row_id(last),
        author_id=users["zhang_nainai"],
        title="活动室每周开放两个晚上",
        body="活动室晚上都锁着，希望周二、周五晚上开放，大家下棋、跳舞。",
        now=opened + timedelta(days=2),
    )
    for supporter in ("li_ayi", "resident0022", "resident0023", "tashi", "axi"):
        c.support_proposal(
            session,
            proposal_id=row_id(p1),
            user_id=users[supporter],
            now=opened + timedelta(days=3),
        )
    for n, proposal in enumerate((p1, p2, p3)):
        c.accept_proposal(
            session,
            proposal_id=row_id(proposal),
            actor_id=staff,
            now=opened + timedelta(days=12, minutes=n),
        )
    voting = _at(last.starts_at, 19)
    c.open_voting(session, meeting_id=row_id(last), actor_id=staff, now=voting)
    items = {v.item.source_id: row_id(v.item) for v in c.agenda(session, row_id(last))}
    members = [users[n] for group in SEATS.values() for n in group]
    # lamp: 10 for, 1 against; parking: 3 for, 7 against; activity room: only 6 voted (no quorum)
    plan = {
        row_id(p1): ["for"] * 10 + ["against"],
        row_id(p2): ["for"] * 3 + ["against"] * 7 + ["abstain"],
        row_id(p3): ["for"] * 5 + ["abstain"],
    }
    for proposal_id, choices in plan.items():
        for member, choice in zip(members, choices, strict=False):  # some members do not vote
            c.cast_ballot(
                session,
                item_id=items[proposal_id],
                user_id=member,
                choice=choice,
                now=voting + timedelta(minutes=20),
            )
    c.record_hand_vote(
        session,
        item_id=items[row_id(p1)],
        member_id=members[11],
        choice="for",
        actor_id=staff,
        now=voting + timedelta(minutes=30),
    )
    for member in members[:11]:
        c.record_attendance(
            session,
            meeting_id=row_id(last),
            member_id=member,
            actor_id=staff,
            now=voting + timedelta(minutes=5),
        )
    c.close_voting(
        session,
        meeting_id=row_id(last),
        actor_id=staff,
        action_owner_id=users["handler_property"],
        now=voting + timedelta(hours=2),
    )
    c.publish_minutes(
        session,
        meeting_id=row_id(last),
        actor_id=staff,
        now=voting + timedelta(days=1),
        minutes="到会委员11人（网格4人、居民3人、商户4人）。\n"
        "一、后巷装两盏路灯：通过，由物业公司负责，一个月内完成。\n"
        "二、院坝改停车位：未通过，保留院坝作为老人孩子活动场地。\n"
        "三、活动室晚间开放：投票人数不足，下月继续议。",
    )
    action = session.exec(
        select(CouncilAction).where(CouncilAction.item_id == items[row_id(p1)])
    ).first()
    if action is not None:
        c.report_progress(
            session,
            action_id=row_id(action),
            actor_id=users["handler_property"],
            status="in_progress",
            note="已采购灯具，电工本周五安装巷口一盏。",
            now=voting + timedelta(days=8),
        )

    # --- this month: published, agenda building, proposals open until the deadline ---------------
    upcoming = c.create_meeting(
        session,
        council_id=row_id(council),
        actor_id=staff,
        starts_at=_at(now + timedelta(days=7), 19),
        place="社区党群服务中心二楼会议室",
        now=now - timedelta(days=5),
    )
    c.publish_meeting(
        session, meeting_id=row_id(upcoming), actor_id=staff, now=now - timedelta(days=5)
    )
    c.add_item(
        session,
        meeting_id=row_id(upcoming),
        actor_id=staff,
        source="staff",
        title="楼道杂物集中清理日",
        background="消防检查发现多个楼道堆放纸箱和旧家具。建议本月最后一个周六统一清理，物业出车，网格员分楼栋组织。",
        now=now - timedelta(days=4),
    )
    bench = c.submit_proposal(
        session,
        meeting_id=row_id(upcoming),
        author_id=users["resident0023"],
        title="院门口银杏树下放两条长椅",
        body="接孩子、等快递的老人总是站着。银杏树下有空地，放两条长椅就好了。",
        now=now - timedelta(days=3),
    )
    c.accept_proposal(
        session, proposal_id=row_id(bench), actor_id=staff, now=now - timedelta(days=2)
    )
    fire = c.submit_proposal(
        session,
        meeting_id=row_id(upcoming),
        author_id=users["resident0021"],
        title="活动室晚上开放（上月未议决）",
        body="上个月投票人数不够，这个月请再议：周二、周五晚上开放活动室。",
        now=now - timedelta(days=2),
    )
    for supporter in ("resident0022", "zhang_nainai", "tashi"):
        c.support_proposal(
            session, proposal_id=row_id(fire), user_id=users[supporter], now=now - timedelta(days=1)
        )
    c.submit_proposal(
        session,
        meeting_id=row_id(upcoming),
        author_id=users["axi"],
        title="火把节在院坝办一次各族邻里联欢",
        body="彝族火把节时借院坝办联欢，跳达体舞，欢迎藏族、维吾尔族和汉族邻居一起参加。",
        now=now - timedelta(days=1),
    )
    return 2
