"""Report categories (部件 / 事件) and a lived-in history of demo reports, made through the service."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from db.models import Department, User
from db.models_reports import Report, ReportCategory
from db.types import row_id
from portal import reports
from portal.config import load_settings
from portal.grids import GridIndex
from portal.i18n import N_
from portal.media import store_for

# code, kind, Chinese name, English name (a catalog message id), department code, hours, radius m
CATEGORIES = [
    ("facilities", "component", "公共设施损坏", N_("Damaged public facility"), "property", 72, 30),
    ("road", "component", "道路路面破损", N_("Damaged road or pavement"), "housing", 72, 50),
    ("greenery", "component", "绿化损毁", N_("Damaged trees or greenery"), "property", 72, 50),
    ("lighting", "component", "路灯不亮", N_("Street light out"), "property", 48, 30),
    ("sanitation", "event", "垃圾堆放 环境卫生", N_("Rubbish and sanitation"), "property", 48, 50),
    ("ads", "event", "乱贴小广告", N_("Illegal advertising"), "cgz", 72, 50),
    (
        "construction",
        "event",
        "违规施工 噪声",
        N_("Unlicensed building work or noise"),
        "cgz",
        48,
        80,
    ),
    ("street_order", "event", "占道经营", N_("Street vending blocking the way"), "cgz", 72, 80),
    ("parking", "event", "乱停乱放", N_("Bad parking"), "police", 48, 50),
    ("dispute", "event", "邻里纠纷", N_("Neighbour dispute"), "office", 72, 20),
    ("safety", "event", "安全隐患", N_("Safety hazard"), "office", 24, 50),
    ("emergency", "event", "突发事件", N_("Emergency"), "office", 4, 100),
    (
        "elder_visit",
        "event",
        "独居老人需探访",
        N_("Elderly person living alone needs a visit"),
        "civil",
        24,
        10,
    ),
]
DESCRIPTIONS = {
    "facilities": ["单元门禁坏了，老人进出不方便", "健身器材螺丝松了", "院坝座椅断了一条腿"],
    "road": ["人行道地砖翘起，容易绊倒", "路面有个大坑，下雨积水"],
    "greenery": ["树枝快压到电线了", "绿化带被人踩坏"],
    "lighting": ["楼道口路灯不亮好几天了", "小巷路灯晚上一直闪"],
    "sanitation": ["垃圾桶满了没人清运", "楼下堆了很多建筑垃圾"],
    "ads": ["电线杆上贴满了小广告", "单元门上乱贴开锁广告"],
    "construction": ["晚上十点以后还在装修打钻", "临街店铺私自搭建雨棚"],
    "street_order": ["水果摊摆到人行道上", "早市占道，轮椅过不去"],
    "parking": ["电动车堵住消防通道", "汽车停在盲道上"],
    "dispute": ["楼上漏水到我家，协商不成", "邻居在楼道堆放杂物"],
    "safety": ["电动车在楼道里充电", "院墙有裂缝，担心倒塌"],
    "emergency": ["燃气味很重，可能泄漏"],
    "elder_visit": ["隔壁王爷爷好几天没出门了"],
}


def seed_categories(session: Session) -> dict[str, ReportCategory]:
    existing = {c.code: c for c in session.exec(select(ReportCategory))}
    departments = {d.code: d.id for d in session.exec(select(Department))}
    for code, kind, zh, en, dept, hours, radius in CATEGORIES:
        if code not in existing:
            existing[code] = ReportCategory(
                code=code,
                kind=kind,
                names=json.dumps({"zh_Hans": zh, "en": en}, ensure_ascii=False),
                department_id=departments.get(dept),
                time_limit_hours=hours,
                duplicate_radius_m=radius,
            )
            session.add(existing[code])
    session.commit()
    return existing


def _walk(
    session: Session,
    index: GridIndex,
    report: Report,
    steps: int,
    clock: datetime,
    rng: random.Random,
    handler_id: int,
    verifier_id: int,
) -> None:
    """Moves a demo report along the loop, a few hours per step."""
    plan = [("accept", None), ("start", None), ("resolve", "已处理完毕"), ("verify", None)]
    for action, note in plan[:steps]:
        clock += timedelta(hours=rng.randint(1, 12))
        actor = verifier_id if action == "verify" else handler_id
        reports.act(
            session,
            index,
            report_id=row_id(report),
            actor_id=actor,
            action=action,
            note=note,
            now=clock,
        )
    if steps >= 4 and rng.random() < 0.7:
        reports.rate(
            session,
            report_id=row_id(report),
            actor_id=report.reporter_id,
            stars=rng.choice([3, 4, 5, 5, 2]),
            comment="",
            now=clock + timedelta(hours=5),
        )


def seed_demo_reports(
    session: Session, index: GridIndex, count: int = 60, now: datetime | None = None
) -> int:
    """Adds demo reports once (skipped when any report exists)."""
    if session.exec(select(Report.id)).first() is not None:
        return 0
    cats = seed_categories(session)
    rng = random.Random(311)
    now = now or datetime.now(UTC)
    residents = [
        uid
        for uid in session.exec(select(User.id).where(User.role == "resident"))
        if uid is not None
    ]
    store = store_for(load_settings())
    micro = index.of_kind("micro") + index.of_kind("exclusive")
    made = 0
    for _ in range(count):
        code = rng.choice(list(DESCRIPTIONS))
        grid = rng.choice(micro)
        point = index.shapes[grid.id].representative_point()
        lat, lon = point.y + rng.uniform(-0.0002, 0.0002), point.x + rng.uniform(-0.0002, 0.0002)
        if not index.containing(lat, lon):
            lat, lon = point.y, point.x
        steps = rng.choice([0, 1, 2, 3, 4, 4, 4])
        created = now - timedelta(days=rng.uniform(0, 30) if steps >= 3 else rng.uniform(0, 4))
        report = reports.submit(
            session,
            index,
            store,
            reporter_id=rng.choice(residents),
            category_id=cats[code].id,
            description=rng.choice(DESCRIPTIONS[code]),
            lat=lat,
            lon=lon,
            now=created,
        )
        if report.assignee_id is not None:
            _walk(
                session, index, report, steps, created, rng, report.assignee_id, report.assignee_id
            )
        made += 1
    reports.sweep(session, index, now)
    return made
