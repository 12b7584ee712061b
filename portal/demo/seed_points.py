"""Demo data for points (积分): a few tasks, rewards and some finished work for demo residents.

Called at the end of portal.demo.seed.seed(); running it again adds nothing (keys are looked up first).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from db.models import Grid, User
from db.models_points import (
    PointsTask,
    Redemption,
    RedemptionEvent,
    Reward,
    RewardStockChange,
    TaskClaim,
    TaskClaimEvent,
    TaskGrid,
    TaskSeries,
)
from db.types import row_id, utcnow

SERIES_TITLE = "周末院落夜间巡逻"
DEMO_RESIDENTS = ("zhang_nainai", "tashi", "aygul", "axi")


def _local(day: datetime, hour: int) -> datetime:
    shanghai = ZoneInfo("Asia/Shanghai")
    d = day.astimezone(shanghai)
    return d.replace(hour=hour, minute=0, second=0, microsecond=0).astimezone(ZoneInfo("UTC"))


def seed_points(session: Session, now: datetime | None = None) -> int:
    """Adds the demo tasks, rewards and history once. Flushes; the caller commits."""
    from portal import points
    from portal.points.common import _append, _lock_member

    now = now or utcnow()
    points.ensure_rules(session)
    if session.exec(select(TaskSeries.id).where(TaskSeries.title == SERIES_TITLE)).first():
        return 0
    users = {
        u.username: u
        for u in session.exec(
            select(User).where(
                User.username.in_(
                    [
                        "staff01",
                        "chief_g1m1",
                        "gridchief_g2",
                        "merchant001",
                        "chen_shop",
                        *DEMO_RESIDENTS,
                    ]
                )
            )
        )
    }
    grids = {g.code: g for g in session.exec(select(Grid))}
    if "staff01" not in users or "S" not in grids:
        return 0
    staff, added = users["staff01"], 0

    def task(title, desc, pts, places, grid_codes, start, end, proof, publisher, series=None):
        nonlocal added
        item = PointsTask(
            title=title,
            description=desc,
            points=pts,
            places=places,
            starts_at=start,
            ends_at=end,
            proof=proof,
            publisher_id=publisher.id,
            series_id=series.id if series else None,
            created_at=now - timedelta(days=20),
        )
        session.add(item)
        session.flush()
        for code in grid_codes:
            session.add(TaskGrid(task_id=item.id, grid_id=grids[code].id))
        added += 1
        return item

    # a weekly patrol series, Saturday evenings, for the whole community
    series = TaskSeries(
        title=SERIES_TITLE,
        frequency="weekly",
        occurrences=6,
        created_by=row_id(staff),
        created_at=now - timedelta(days=20),
    )
    session.add(series)
    session.flush()
    saturday = now + timedelta(days=(5 - now.astimezone(ZoneInfo("Asia/Shanghai")).weekday()) % 7)
    for week in range(6):
        day = saturday + timedelta(weeks=week)
        task(
            SERIES_TITLE,
            "两人一组，沿院落巡查消防通道、电动车充电和独居老人家的灯光，发现问题用“随手拍”上报。",
            10,
            8,
            ["S"],
            _local(day, 19),
            _local(day, 21),
            "note",
            staff,
            series,
        )
    chief = users.get("chief_g1m1", staff)
    task(
        "楼道和绿化带大扫除",
        "清理楼道杂物和绿化带垃圾，工具在居委会领取。请拍一张清理后的照片。",
        15,
        12,
        ["G1"],
        _local(now + timedelta(days=2), 9),
        _local(now + timedelta(days=2), 12),
        "photo_or_note",
        chief,
    )
    task(
        "帮独居老人买菜、取药",
        "每周两次帮院里的独居老人买菜或到社区卫生服务中心取药，写下帮了谁、做了什么。",
        20,
        3,
        [grids["G1-M1"].code],
        now - timedelta(days=1),
        now + timedelta(days=13),
        "note",
        chief,
    )

    # a finished task with approved work for the demo residents
    past = task(
        "重阳节敬老茶话会志愿服务",
        "布置会场、陪老人聊天、送老人回家。",
        30,
        10,
        ["S"],
        now - timedelta(days=16),
        now - timedelta(days=15),
        "note",
        staff,
    )
    residents = [users[name] for name in DEMO_RESIDENTS if name in users]
    for n, person in enumerate(residents):
        at = now - timedelta(days=15, hours=-2 - n)
        claim = TaskClaim(
            task_id=past.id,
            user_id=row_id(person),
            status="approved",
            submissions=1,
            proof_note="布置会场，陪老人聊天。",
            claimed_at=at - timedelta(days=3),
            updated_at=at,
        )
        session.add(claim)
        session.flush()
        for before, after, who, when in (
            (None, "claimed", person.id, at - timedelta(days=3)),
            ("claimed", "submitted", person.id, at - timedelta(hours=1)),
            ("submitted", "approved", staff.id, at),
        ):
            session.add(
                TaskClaimEvent(
                    claim_id=row_id(claim),
                    from_status=before,
                    to_status=after,
                    actor_id=who,
                    at=when,
                )
            )
        points.award(
            session,
            user_id=row_id(person),
            source="task",
            source_id=row_id(claim),
            reason=past.title,
            actor_id=staff.id,
            amount=past.points,
            now=at,
        )
        points.award(
            session,
            user_id=row_id(person),
            source="council",
            source_id="seed-council-10",
            reason="十月网格-居民-商户议事会",
            actor_id=staff.id,
            now=now - timedelta(days=10),
        )
        points.award(
            session,
            user_id=row_id(person),
            source="report",
            source_id=f"seed-report-{n}",
            reason="楼道堆放杂物，已清理",
            actor_id=chief.id,
            now=now - timedelta(days=6 - n),
        )

    # rewards: two from the community office, one from a merchant of the alliance
    merchant = users.get("merchant001") or users.get("chen_shop")
    catalogue: list[tuple[str, str, int, int, str, int | None]] = [
        ("东北大米 5 斤", "社区居委会一楼服务台领取，工作日 9:00–17:00。", 60, 20, "office", None),
        (
            "菜籽油 1 桶（1.8 升）",
            "社区居委会一楼服务台领取，工作日 9:00–17:00。",
            40,
            30,
            "office",
            None,
        ),
    ]
    if merchant is not None:
        catalogue.append(
            (
                f"理发券一张（{merchant.display_name}）",
                "凭兑换码到店使用，商家联盟提供。",
                30,
                10,
                "merchant",
                row_id(merchant),
            )
        )
    rewards = []
    for name, desc, cost, stock, provider, merchant_id in catalogue:
        reward = Reward(
            name=name,
            description=desc,
            cost=cost,
            stock=stock,
            provider=provider,
            merchant_id=merchant_id,
            available_from=now - timedelta(days=30),
            available_until=now + timedelta(days=180),
            created_by=staff.id,
            created_at=now - timedelta(days=30),
        )
        session.add(reward)
        session.flush()
        session.add(
            RewardStockChange(
                reward_id=row_id(reward),
                delta=stock,
                reason="initial stock",
                actor_id=staff.id,
                at=now - timedelta(days=30),
            )
        )
        rewards.append(reward)
    # tashi already exchanged a bag of cooking oil and picked it up
    tashi = users.get("tashi")
    if tashi is not None and points.balance(session, row_id(tashi)) >= rewards[1].cost:
        at = now - timedelta(days=3)
        oil = rewards[1]
        oil.stock -= 1
        redemption = Redemption(
            code="TASH7K",
            reward_id=row_id(oil),
            user_id=row_id(tashi),
            cost=oil.cost,
            status="handed_over",
            created_at=at,
            closed_at=at + timedelta(hours=20),
            closed_by=staff.id,
        )
        session.add(redemption)
        session.flush()
        session.add(
            RedemptionEvent(
                redemption_id=row_id(redemption), to_status="pending", actor_id=tashi.id, at=at
            )
        )
        session.add(
            RedemptionEvent(
                redemption_id=row_id(redemption),
                from_status="pending",
                to_status="handed_over",
                actor_id=staff.id,
                at=at + timedelta(hours=20),
            )
        )
        _lock_member(session, row_id(tashi), now)
        _append(
            session,
            user=tashi,
            amount=-oil.cost,
            source="reward",
            source_id=str(redemption.id),
            reason=oil.name,
            actor_id=tashi.id,
            now=at,
        )
    session.flush()
    return added
