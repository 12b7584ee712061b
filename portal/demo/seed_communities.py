"""Many communities for the demo (`python -m portal.demo --communities N`): the demo's S community
and N - 1 more S-like ones beside it, COMMUNITIES_PER_STREET to a street, every street under one
district (武侯区).

Each extra community is the demo's shape (portal.demo.seed.grid_plan with a seed of its own) in a
square of its own, codes C002, C002-G1, C002-G1-M1…, accounts c002_staff01, c002_resident0001…
(portal.demo.seed.account_plan), an office and a property department of its own; each street has
its street office, 城管, police and market departments and staff (street01_staff…), the district its
departments and district_staff. S keeps every code and username; with more than one community its
grid goes under the first street and its offices, staff, notices and rewards are anchored to it.

History of the extra communities (a year of reports with their trails, the ledger lines they and
tasks earned, a few wishes with support, notices and rewards) is written with bulk inserts, not
through the services, so ten communities take seconds. Running it twice adds nothing: a community
whose leaf grids hold any report has its history already.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import shapely
from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from db.models import Department, Grid, GridDuty, User
from db.models_cockpit import Notice
from db.models_points import PointsEntry, PointsMember, Reward, RewardStockChange
from db.models_reports import Report, ReportCategory, ReportEvent
from db.models_wishes import Wish, WishEvent, WishVote
from db.types import row_id, utcnow
from portal.demo import seed as demo
from portal.demo.seed_reports import DESCRIPTIONS
from portal.demo.seed_wishes import DEMO_WISHES

COMMUNITIES_PER_STREET = 20
STREET_COLS, STREET_ROWS = 5, 4  # communities of a street: 5 across, 4 up
STREETS_ACROSS = 3  # streets of the district: 3 across, then the next row
GAP_KM = 0.10  # between two communities
STREET_GAP_KM = 0.30  # between two streets' blocks
MARGIN_KM = 0.04  # a street's or the district's outline around what it holds
DISTRICT = ("WH", "武侯区")
STREET_NAMES = [
    "浆洗街街道",
    "玉林街道",
    "望江路街道",
    "火车南站街道",
    "红牌楼街道",
    "跳伞塔街道",
    "簇桥街道",
    "双楠街道",
    "晋阳街道",
    "簇锦街道",
    "华兴街道",
    "机投桥街道",
    "金花桥街道",
]
COMMUNITY_NAMES = (
    "芳草 肖家河 玉林东路 丽都 新南 致民 燃灯寺 倪家桥 红瓦寺 黉门 老马路 双楠 少陵 高攀 果堰"
)
# the demo's departments that serve a street or the district, by service
STREET_SERVICES = ("street", "cgz", "police", "market_sup")
DISTRICT_SERVICES = ("district", "civil", "housing")
STREET_DEPARTMENT_NAMES = {
    "street": "{street}办事处",
    "cgz": "{street}城管执法中队",
    "police": "{street}派出所",
    "market_sup": "{street}市场监管所",
}
OPEN_STATES = ("assigned", "accepted", "in_progress")
# the loop of a report, as the services write it: (action, from, to)
TRAIL = [
    ("submit", None, "submitted"),
    ("assign", "submitted", "assigned"),
    ("accept", "assigned", "accepted"),
    ("start", "accepted", "in_progress"),
    ("resolve", "in_progress", "resolved"),
    ("verify", "resolved", "verified"),
    ("rate", "verified", "rated"),
    ("close", "rated", "closed"),
]
STEPS = {to: n + 1 for n, (_a, _f, to) in enumerate(TRAIL)}


def street_code(number: int) -> str:
    return f"ST{number:02d}"


def street_department(street: int, service: str) -> str:
    """Department codes of a street: the first street keeps the demo's (street, cgz…)."""
    return service if street == 1 else f"{street_code(street)}-{service}"


@dataclass(frozen=True)
class Layout:
    """Where each community and street lies: community k (0-based) is number k % 20 of street
    k // 20, whose block of 5 × 4 squares lies in the district's rows of 3 blocks."""

    communities: int

    @property
    def streets(self) -> int:
        return -(-self.communities // COMMUNITIES_PER_STREET)

    def street_of(self, number: int) -> int:
        return (number - 1) // COMMUNITIES_PER_STREET + 1

    def origin(self, number: int) -> tuple[float, float]:
        k = number - 1
        street, place = divmod(k, COMMUNITIES_PER_STREET)
        block_w = STREET_COLS * (demo.WIDTH_KM + GAP_KM) + STREET_GAP_KM
        block_h = STREET_ROWS * (demo.HEIGHT_KM + GAP_KM) + STREET_GAP_KM
        x = (street % STREETS_ACROSS) * block_w + (place % STREET_COLS) * (demo.WIDTH_KM + GAP_KM)
        y = (street // STREETS_ACROSS) * block_h + (place // STREET_COLS) * (
            demo.HEIGHT_KM + GAP_KM
        )
        return x, y

    def community(self, number: int) -> demo.Community:
        if number == 1:
            return demo.FIRST
        names = COMMUNITY_NAMES.split()
        name = names[(number - 2) % len(names)]
        round_ = (number - 2) // len(names)
        return demo.Community(
            number=number,
            name=f"{name}{'' if round_ == 0 else round_ + 1}社区",
            origin_km=self.origin(number),
        )

    def box(self, numbers) -> str:
        """A rectangle (GeoJSON) around the communities' squares, with a margin."""
        xs, ys = [], []
        for n in numbers:
            x, y = self.origin(n)
            xs += [x - MARGIN_KM, x + demo.WIDTH_KM + MARGIN_KM]
            ys += [y - MARGIN_KM, y + demo.HEIGHT_KM + MARGIN_KM]
        # the squares' unit coordinates are relative to S: x = 0 is its west edge
        west, east = min(xs) / demo.WIDTH_KM, max(xs) / demo.WIDTH_KM
        south, north = min(ys) / demo.HEIGHT_KM, max(ys) / demo.HEIGHT_KM
        return demo._polygon([(west, south), (east, south), (east, north), (west, north)])

    def street_plan(self, street: int) -> list[int]:
        first = (street - 1) * COMMUNITIES_PER_STREET + 1
        return list(range(first, min(first + COMMUNITIES_PER_STREET, self.communities + 1)))


def _office_plan(layout: Layout) -> list[dict]:
    """The district and street grids (their outlines hold their communities)."""
    plan = [
        {
            "code": DISTRICT[0],
            "name": DISTRICT[1],
            "kind": "district",
            "parent": None,
            "boundary": layout.box(range(1, layout.communities + 1)),
            "households": 0,
            "place_type": None,
        }
    ]
    for street in range(1, layout.streets + 1):
        plan.append(
            {
                "code": street_code(street),
                "name": STREET_NAMES[(street - 1) % len(STREET_NAMES)],
                "kind": "street",
                "parent": DISTRICT[0],
                "boundary": layout.box(layout.street_plan(street)),
                "households": 0,
                "place_type": None,
            }
        )
    return plan


def _departments(session: Session, layout: Layout, grids: dict[str, Grid], report) -> dict:
    """Every department of the district, streets and communities, each on its office grid;
    the demo's own ones are anchored where they serve (service = their code)."""
    existing = {d.code: d for d in session.exec(select(Department))}
    wanted: list[tuple[str, str, str, str, str]] = []  # code, name, level, service, grid code
    for street in range(1, layout.streets + 1):
        name = STREET_NAMES[(street - 1) % len(STREET_NAMES)]
        for service in STREET_SERVICES:
            wanted.append(
                (
                    street_department(street, service),
                    STREET_DEPARTMENT_NAMES[service].format(street=name),
                    "street",
                    service,
                    street_code(street),
                )
            )
    for service in DISTRICT_SERVICES:
        wanted.append((service, "", "district", service, DISTRICT[0]))
    for number in range(1, layout.communities + 1):
        c = layout.community(number)
        wanted.append((c.department("office"), f"{c.name}居委会", "community", "office", c.code))
        wanted.append(
            (c.department("property"), f"{c.name}物业服务中心", "community", "property", c.code)
        )
    for code, name, level, service, grid in wanted:
        grid_id = row_id(grids[grid])
        dep = existing.get(code)
        if dep is None:
            dep = Department(code=code, name=name, level=level, service=service, grid_id=grid_id)
            session.add(dep)
            existing[code] = dep
            report.departments += 1
        elif dep.grid_id is None:  # one of the demo's: anchor it
            dep.grid_id, dep.service = grid_id, dep.service or service
            session.add(dep)
    session.flush()
    return existing


def _office_accounts(layout: Layout) -> list[demo.Account]:
    """Staff of each street office and of the district, and the street departments' handlers."""
    plan = [
        demo.Account(
            "district_staff", "区网格中心值班员", "staff", home=DISTRICT[0], department="district"
        )
    ]
    rng = random.Random(18)
    for street in range(1, layout.streets + 1):
        code = street_code(street)
        plan.append(
            demo.Account(
                f"street{street:02d}_staff",
                demo._han_name(rng),
                "staff",
                home=code,
                department=street_department(street, "street"),
            )
        )
        if street > 1:  # the first street's handlers are the demo's handler_cgz…
            plan += [
                demo.Account(
                    f"street{street:02d}_handler_{service}",
                    demo._han_name(rng),
                    "handler",
                    department=street_department(street, service),
                )
                for service in STREET_SERVICES
                if service != "street"
            ]
    return plan


def _anchor_first(session: Session, grids: dict[str, Grid]) -> None:
    """The demo community under the first street: its office staff live in it, and what its
    staff published (notices, rewards) belongs to it."""
    s, street = grids["S"], grids[street_code(1)]
    if s.parent_id is None:
        s.parent_id = street.id
        session.add(s)
    office = session.exec(select(Department.id).where(Department.code == "office")).first()
    staff = select(User.id).where(
        col(User.role) == "staff", col(User.department_id) == office, col(User.home_grid_id) == s.id
    )
    session.execute(
        update(User)
        .where(col(User.role) == "staff", col(User.department_id) == office)
        .where(col(User.home_grid_id).is_(None))
        .values(home_grid_id=s.id)
    )
    session.execute(
        update(Notice)
        .where(col(Notice.grid_id).is_(None), col(Notice.published_by).in_(staff))
        .values(grid_id=s.id)
    )
    session.execute(
        update(Reward)
        .where(col(Reward.grid_id).is_(None), col(Reward.created_by).in_(staff))
        .values(grid_id=s.id)
    )
    session.flush()


def seed_communities(
    session: Session,
    report,
    communities: int,
    scale: int = 1,
    reports_per_community: int = 1000,
    now: datetime | None = None,
) -> None:
    """Adds what is missing of `communities` communities (S is number 1 and already seeded) with
    their streets and district; commits each community's history on its own."""
    now = now or utcnow()
    layout = Layout(communities)
    grids = {g.code: g for g in session.exec(select(Grid))}
    grids = demo._seed_grids(session, report, _office_plan(layout), grids)
    password_hash = demo.hash_password(demo.DEMO_PASSWORD)
    for number in range(2, communities + 1):
        c = layout.community(number)
        plan = demo.grid_plan(2026 + number - 1, c)
        grids = demo._seed_grids(session, report, plan, grids)
        street = row_id(grids[street_code(layout.street_of(number))])
        if grids[c.code].parent_id != street:
            grids[c.code].parent_id = street
            session.add(grids[c.code])
    session.flush()
    _anchor_first(session, grids)
    departments = _departments(session, layout, grids, report)
    demo._seed_accounts(
        session, grids, departments, scale, report, _office_accounts(layout), password_hash
    )
    for number in range(2, communities + 1):
        c = layout.community(number)
        accounts = demo.account_plan(demo.grid_plan(2026 + number - 1, c), scale, community=c)
        demo._seed_accounts(session, grids, departments, scale, report, accounts, password_hash)
    session.commit()
    report.communities = communities
    history = History(session, now)
    for number in range(2, communities + 1):
        made = history.community(layout.community(number), reports_per_community)
        report.reports += made
        session.commit()
    history.offices(layout)
    if history.ledger_lines:
        from portal.points import summaries

        summaries.rebuild(session)  # the ledger's summary rows, from the lines just written
    session.commit()
    report.ledger += history.ledger_lines


NOTICES = (
    (
        "public",
        "{name}院落适老化改造公示",
        "社区拟对部分院落加装扶手、平整院坝。公示期7天，如有意见请联系网格长或到社区办公室反映。",
    ),
    (
        "activity",
        "{name}周末便民服务日",
        "本周六上午在社区广场提供义诊、理发、家电维修等便民服务，欢迎居民参加。",
    ),
)
OFFICE_NOTICE = (
    "policy",
    "{name}关于做好冬季消防安全的通知",
    "请各社区组织排查楼道堆物和电动车违规充电，发现隐患及时上报。",
)
REWARDS = (("东北大米 5 斤", 60, 20), ("菜籽油 1 桶（1.8 升）", 40, 30))
OFFICE_REWARD = ("{name}志愿者纪念包", 80, 50)
LEAD_DUTIES = ("micro_chief", "responsible")


class History:
    """Bulk history for the extra communities (module docstring)."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.ledger_lines = 0
        self.categories = [
            (row_id(c), c.code, c.time_limit_hours)
            for c in session.exec(select(ReportCategory))
            if c.code in DESCRIPTIONS
        ]
        self.grids = {g.code: g for g in session.exec(select(Grid))}

    def _people(self, c: demo.Community) -> list[tuple[int, str, str, int | None]]:
        prefix = c.username("")
        return [
            (uid, name, role, home)
            for uid, name, role, home in self.session.exec(
                select(User.id, User.username, User.role, User.home_grid_id).where(
                    col(User.username).startswith(prefix, autoescape=True)
                )
            )
            if uid is not None
        ]

    def community(self, c: demo.Community, count: int) -> int:
        """A year of one community's history; 0 when its leaf grids already hold reports."""
        s = self.session
        leaves = [
            g
            for g in self.grids.values()
            if g.code.startswith(f"{c.code}-") and g.kind in ("micro", "exclusive")
        ]
        leaf_ids = [row_id(g) for g in leaves]
        if s.exec(select(Report.id).where(col(Report.grid_id).in_(leaf_ids)).limit(1)).first():
            return 0
        people = self._people(c)
        residents = [(uid, home) for uid, _n, role, home in people if role == "resident"]
        staff = next(uid for uid, name, _r, _h in people if name == c.username("staff01"))
        leads = dict(
            s.exec(
                select(GridDuty.grid_id, GridDuty.user_id).where(
                    col(GridDuty.grid_id).in_(leaf_ids), col(GridDuty.duty).in_(LEAD_DUTIES)
                )
            ).all()
        )
        rng = random.Random(c.number * 7919)
        reports = self._reports(c, count, rng, leaves, residents, leads)
        self._ledger(c, rng, reports, residents, staff)
        self._wishes(rng, residents)
        self._notices_and_rewards(c.name, row_id(self.grids[c.code]), staff, rng)
        return len(reports)

    def _places(self, rng: random.Random, leaves: list[Grid], wanted: dict[int, int]):
        """Random points inside each leaf grid: grid id → [(lat, lon)…]."""
        noise = np.random.default_rng(rng.randrange(2**32))
        out: dict[int, list[tuple[float, float]]] = {}
        for grid in leaves:
            need = wanted.get(row_id(grid), 0)
            if not need:
                continue
            shape = shapely.from_geojson(grid.boundary)
            west, south, east, north = shape.bounds
            found: list[tuple[float, float]] = []
            while len(found) < need:
                n = max(16, (need - len(found)) * 2)
                lon, lat = noise.uniform(west, east, n), noise.uniform(south, north, n)
                inside = shapely.contains_xy(shape, lon, lat)
                found += list(
                    zip(lat[inside].round(6).tolist(), lon[inside].round(6).tolist(), strict=True)
                )
            out[row_id(grid)] = found[:need]
        return out

    def _reports(self, c, count, rng, leaves, residents, leads) -> list[dict]:
        """Reports over the last year with their trails; returns them (with ids)."""
        now = self.now
        chosen = [rng.choice(leaves) for _ in range(count)]
        wanted: dict[int, int] = defaultdict(int)
        for grid in chosen:
            wanted[row_id(grid)] += 1
        places = self._places(rng, leaves, wanted)
        rows, trails = [], []
        for grid in chosen:
            gid = row_id(grid)
            lat, lon = places[gid].pop()
            cat_id, cat_code, hours = rng.choice(self.categories)
            created = now - timedelta(days=365 * rng.random())
            age = (now - created).days
            if age > 20:
                state = "closed" if rng.random() < 0.9 else "rated"
            elif age > 3:
                state = rng.choice(
                    ("in_progress", "resolved", "verified", "rated", "closed", "closed")
                )
            else:
                state = rng.choice(("assigned", "assigned", "accepted", "in_progress", "resolved"))
            reporter = rng.choice(residents)[0]
            lead = leads.get(gid)
            clock, trail = created, []
            for action, before, after in TRAIL[: STEPS[state]]:
                if action != "submit":
                    clock = min(clock + timedelta(hours=rng.uniform(0.2, 12)), now)
                actor = {"submit": reporter, "rate": reporter, "assign": None, "close": None}.get(
                    action, lead
                )
                trail.append((action, before, after, actor, clock))
            times = {a: t for a, _b, _f, _x, t in trail}
            rows.append(
                {
                    "reporter_id": reporter,
                    "category_id": cat_id,
                    "description": rng.choice(DESCRIPTIONS[cat_code]),
                    "language": "zh_Hans",
                    "lat": lat,
                    "lon": lon,
                    "place_source": "map",
                    "grid_id": gid,
                    "state": state,
                    "level": "grid",
                    "assignee_id": lead,
                    "urgent": False,
                    "overdue": state in OPEN_STATES and created + timedelta(hours=hours) < now,
                    "due_at": created + timedelta(hours=hours),
                    "resident_due_at": created + timedelta(hours=hours),
                    "created_at": created,
                    "updated_at": clock,
                    "resolved_at": times.get("resolve"),
                    "closed_at": times.get("close"),
                    "rating": rng.choice((3, 4, 5, 5, 5, 2)) if "rate" in times else None,
                    "version": len(trail),
                }
            )
            trails.append(trail)
        s = self.session
        ids: list[int | None] = []
        for start in range(0, len(rows), 5000):
            ids += s.scalars(
                insert(Report).returning(col(Report.id), sort_by_parameter_order=True),
                rows[start : start + 5000],
            ).all()
        events = []
        for report_id, row, trail in zip(ids, rows, trails, strict=True):
            row["id"] = report_id
            for action, before, after, actor, at in trail:
                events.append(
                    {
                        "report_id": report_id,
                        "actor_id": actor,
                        "action": action,
                        "from_state": before,
                        "to_state": after,
                        "level": "grid",
                        "assignee_id": row["assignee_id"] if action != "submit" else None,
                        "at": at,
                    }
                )
            row["verified_at"] = next((t for a, *_x, t in trail if a == "verify"), None)
        for start in range(0, len(events), 10000):
            s.execute(insert(ReportEvent), events[start : start + 10000])
        return rows

    def _ledger(self, c, rng, reports, residents, staff) -> None:
        """Ledger lines: 5 points per verified report to its reporter, community tasks for some
        residents; each person's chain numbered and balanced in time order."""
        home = dict(residents)
        lines: dict[int, list[tuple]] = defaultdict(list)
        for row in reports:
            if row["verified_at"] is not None:
                lines[row["reporter_id"]].append(
                    (
                        row["verified_at"],
                        5,
                        "report",
                        str(row["id"]),
                        row["description"][:200],
                        row["assignee_id"],
                    )
                )
        for uid, _home in residents:
            if rng.random() < 0.3:
                for n in range(rng.randint(1, 4)):
                    at = self.now - timedelta(days=365 * rng.random())
                    lines[uid].append(
                        (
                            at,
                            rng.choice((10, 15, 20, 30)),
                            "task",
                            f"seed-{c.code}-{uid}-{n}",
                            "社区志愿服务",
                            staff,
                        )
                    )
        entries, members = [], []
        for uid, chain in lines.items():
            balance = 0
            for seq, (at, amount, source, source_id, reason, actor) in enumerate(sorted(chain), 1):
                balance += amount
                entries.append(
                    {
                        "user_id": uid,
                        "seq": seq,
                        "amount": amount,
                        "balance_after": balance,
                        "source": source,
                        "source_id": source_id,
                        "reason": reason,
                        "actor_id": actor,
                        "grid_id": home.get(uid),
                        "created_at": at,
                    }
                )
            members.append({"user_id": uid, "leaderboard_opt_out": False, "touched_at": self.now})
        s = self.session
        if members:
            s.execute(insert(PointsMember), members)
        for start in range(0, len(entries), 10000):
            s.execute(insert(PointsEntry), entries[start : start + 10000])
        self.ledger_lines += len(entries)

    def _wishes(self, rng, residents) -> None:
        """A few open wishes of the demo's (its shared, Chinese ones) with some support."""
        texts = [w for w in DEMO_WISHES if w[2] == "zh_Hans" and not w[3]]
        s = self.session
        for category, title, body in [(w[1], w[4], w[5]) for w in rng.sample(texts, 5)]:
            author, grid = rng.choice(residents)
            at = self.now - timedelta(days=rng.uniform(1, 30))
            wish = Wish(
                author_id=author,
                grid_id=grid,
                title=title,
                body=body,
                category=category,
                language="zh_Hans",
                created_at=at,
                state_changed_at=at,
            )
            s.add(wish)
            s.flush()
            s.add(
                WishEvent(
                    wish_id=row_id(wish), actor_id=author, kind="posted", to_state="open", at=at
                )
            )
            voters = [uid for uid, _g in rng.sample(residents, 9) if uid != author][
                : rng.randint(0, 8)
            ]
            if voters:
                s.execute(
                    insert(WishVote),
                    [
                        {"wish_id": wish.id, "user_id": v, "created_at": at + timedelta(hours=1)}
                        for v in voters
                    ],
                )

    def _notices_and_rewards(self, name, grid_id, publisher, rng, notices=NOTICES, rewards=REWARDS):
        s = self.session
        for kind, title, body in notices:
            at = self.now - timedelta(days=rng.uniform(0.5, 10))
            s.add(
                Notice(
                    kind=kind,
                    title=title.format(name=name),
                    body=body,
                    grid_id=grid_id,
                    published_by=publisher,
                    published_at=at,
                    expires_at=self.now + timedelta(days=rng.randint(7, 30)),
                )
            )
        for title, cost, stock in rewards:
            reward = Reward(
                name=title.format(name=name),
                description="到办公室服务台领取，工作日 9:00–17:00。",
                cost=cost,
                stock=stock,
                grid_id=grid_id,
                created_by=publisher,
                available_from=self.now - timedelta(days=30),
                available_until=self.now + timedelta(days=180),
                created_at=self.now - timedelta(days=30),
            )
            s.add(reward)
            s.flush()
            s.add(
                RewardStockChange(
                    reward_id=row_id(reward),
                    delta=stock,
                    reason="initial stock",
                    actor_id=publisher,
                    at=self.now - timedelta(days=30),
                )
            )
        s.flush()

    def offices(self, layout: Layout) -> None:
        """A notice and a reward of each street office and of the district, once."""
        s = self.session
        staff = dict(
            s.exec(
                select(User.username, User.id).where(
                    col(User.username).in_(
                        ["district_staff"]
                        + [f"street{n:02d}_staff" for n in range(1, layout.streets + 1)]
                    )
                )
            ).all()
        )
        done = set(
            s.exec(select(Notice.published_by).where(col(Notice.published_by).in_(staff.values())))
        )
        offices = [("district_staff", DISTRICT[0])] + [
            (f"street{n:02d}_staff", street_code(n)) for n in range(1, layout.streets + 1)
        ]
        rng = random.Random(1802)
        for username, code in offices:
            if staff[username] in done:
                continue
            grid = self.grids[code]
            self._notices_and_rewards(
                grid.name, row_id(grid), staff[username], rng, (OFFICE_NOTICE,), (OFFICE_REWARD,)
            )
