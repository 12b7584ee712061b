"""Demo community: an S-like community in Wuhou District, Chengdu (about 0.84 km², 30.64 N 104.04 E).

`python -m portal.demo [--scale N] [--communities N]`. Running it twice changes nothing; --scale
multiplies residents and merchants for benchmarks. Every demo account shares DEMO_PASSWORD (hashed
once per run). --communities N (default 1: the demo community alone, exactly as always) adds N - 1
more S-like communities beside it, under streets of one district (portal.demo.seed_communities).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import zlib
from dataclasses import dataclass, replace

from sqlmodel import Session, select

from db.engine import DatabaseUnavailable, get_engine
from db.migrate import upgrade
from db.models import Department, Grid, GridDuty, User
from db.types import row_id
from portal.auth import hash_password
from portal.config import load_settings
from portal.demo.seed_reports import seed_categories, seed_demo_reports
from portal.grids import GridIndex
from portal.media import store_for

DEMO_PASSWORD = "Linli-2026"
CENTER_LAT, CENTER_LON = 30.6400, 104.0400
WIDTH_KM, HEIGHT_KM = 1.00, 0.84
KM_PER_DEG_LAT = 110.85
KM_PER_DEG_LON = 95.78  # at 30.64° N
GENERAL_COLS, GENERAL_ROWS = 4, 2

STREETS = [
    "玉林北路",
    "玉林中路",
    "浆洗街",
    "高升桥东路",
    "洗面桥街",
    "武侯祠东街",
    "广福桥街",
    "红牌楼路",
    "棕北小区",
    "倪家桥路",
    "少陵路",
    "肖家河街",
    "果堰街",
    "科华北路",
]
EXCLUSIVE_PLACES = [
    ("market", "红牌楼农贸市场"),
    ("mall", "武侯商业广场"),
    ("school", "玉林小学"),
    ("hospital", "社区卫生服务中心"),
    ("park", "望江口袋公园"),
    ("market", "浆洗街菜市场"),
    ("mall", "高升桥购物中心"),
    ("school", "棕北中学"),
    ("station", "高升桥地铁站"),
    ("park", "武侯祠滨河绿地"),
    ("mall", "科华路美食街区"),
    ("hospital", "口腔医院分院"),
    ("market", "玉林生活市场"),
    ("school", "红牌楼幼儿园"),
    ("mall", "藏式风情商业街"),
    ("park", "广福桥健身广场"),
    ("station", "公交枢纽站"),
]
DEPARTMENTS = [
    ("office", "S社区居委会", "community"),
    ("property", "院落物业服务公司", "community"),
    ("street", "浆洗街街道办事处", "street"),
    ("cgz", "街道城管执法中队", "street"),
    ("police", "浆洗街派出所", "street"),
    ("market_sup", "市场监管所", "street"),
    ("district", "武侯区网格化服务管理中心", "district"),
    ("civil", "区民政局", "district"),
    ("housing", "区住房建设局", "district"),
    ("city", "成都市12345热线", "city"),
]
HAN_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
HAN_GIVEN = [
    "秀英",
    "桂英",
    "建国",
    "志强",
    "丽",
    "伟",
    "敏",
    "静",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "玉兰",
    "淑珍",
    "德福",
    "春梅",
]
TIBETAN_NAMES = ["扎西", "卓玛", "次仁", "格桑", "央金", "达瓦", "尼玛", "拉姆", "旦增", "德吉"]
UYGHUR_NAMES = ["阿依古丽", "买买提", "古丽娜尔", "艾力", "热依拉", "阿布都", "帕提古丽", "吐尔逊"]
YI_NAMES = ["阿西", "吉克", "阿约", "曲比", "沙马", "阿苦", "吉伍", "海来"]


@dataclass
class SeedReport:
    grids: int = 0
    departments: int = 0
    users: int = 0
    duties: int = 0
    reports: int = 0
    communities: int = 0  # with --communities N: how many the deployment has
    ledger: int = 0  # ledger lines of the extra communities' history
    extra_seconds: float = 0.0  # time spent on the extra communities (bulk)

    def __str__(self) -> str:
        text = (
            f"added {self.grids} grids, {self.departments} departments, "
            f"{self.users} accounts, {self.duties} grid duties, {self.reports} reports"
        )
        if self.communities > 1:
            text += (
                f", {self.ledger} ledger lines; {self.communities} communities "
                f"(the extra ones in {self.extra_seconds:.1f} s)"
            )
        return text


def _lattice(
    cols: int, rows: int, rng: random.Random, jitter: float
) -> list[list[tuple[float, float]]]:
    """(x, y) in 0..1 on a (cols+1)×(rows+1) lattice; interior points moved a little."""
    points = []
    for j in range(rows + 1):
        row = []
        for i in range(cols + 1):
            x, y = i / cols, j / rows
            if 0 < i < cols:
                x += rng.uniform(-jitter, jitter) / cols
            if 0 < j < rows:
                y += rng.uniform(-jitter, jitter) / rows
            row.append((x, y))
        points.append(row)
    return points


def _bilinear(quad, u: float, v: float) -> tuple[float, float]:
    (x00, y00), (x10, y10), (x11, y11), (x01, y01) = quad
    x = (1 - u) * (1 - v) * x00 + u * (1 - v) * x10 + u * v * x11 + (1 - u) * v * x01
    y = (1 - u) * (1 - v) * y00 + u * (1 - v) * y10 + u * v * y11 + (1 - u) * v * y01
    return x, y


def _to_lonlat(x: float, y: float, origin: tuple[float, float] = (0.0, 0.0)) -> tuple[float, float]:
    """(x, y) in the community's unit square, moved by origin (km east, km north) → (lon, lat)."""
    lon = CENTER_LON + ((x - 0.5) * WIDTH_KM + origin[0]) / KM_PER_DEG_LON
    lat = CENTER_LAT + ((y - 0.5) * HEIGHT_KM + origin[1]) / KM_PER_DEG_LAT
    return lon, lat


def _polygon(ring: list[tuple[float, float]], origin: tuple[float, float] = (0.0, 0.0)) -> str:
    coords = [list(_to_lonlat(x, y, origin)) for x, y in ring]
    return json.dumps({"type": "Polygon", "coordinates": [coords + [coords[0]]]})


@dataclass(frozen=True)
class Community:
    """One S-like community of the demo: number 1 is the demo's own S community (codes and
    usernames as always); the others get codes C002… and usernames c002_… (seed_communities)."""

    number: int = 1
    name: str = "S社区"
    origin_km: tuple[float, float] = (0.0, 0.0)  # where its square lies, from S's (east, north)

    @property
    def code(self) -> str:
        return "S" if self.number == 1 else f"C{self.number:03d}"

    def grid_code(self, local: str) -> str:
        """The code of one of its grids from the code it has in S ("G1-M1" → "C002-G1-M1")."""
        if self.number == 1:
            return local
        return self.code if local == "S" else f"{self.code}-{local}"

    def username(self, local: str) -> str:
        return local if self.number == 1 else f"c{self.number:03d}_{local}"

    def department(self, local: str) -> str:
        """Its own departments (office, property); S keeps the demo's codes."""
        return local if self.number == 1 else f"{self.code}-{local}"


FIRST = Community()


def _cells(quad, cols: int, rows: int, rng: random.Random):
    lattice = _lattice(cols, rows, rng, 0.22)
    for j in range(rows):
        for i in range(cols):
            corners = [lattice[j][i], lattice[j][i + 1], lattice[j + 1][i + 1], lattice[j + 1][i]]
            yield [_bilinear(quad, u, v) for u, v in corners]


def grid_plan(seed: int = 2026, community: Community = FIRST) -> list[dict]:
    """Every grid of a demo community as plain dicts, parents before children ("local": its code
    in S, "code": its own code; "origin": where the community lies)."""
    plan = _local_grid_plan(seed)
    for item in plan:
        item["local"] = item["code"]
        item["code"] = community.grid_code(item["code"])
        item["parent"] = community.grid_code(item["parent"]) if item["parent"] else None
        item["origin"] = community.origin_km
    plan[0]["name"] = community.name
    return plan


def _local_grid_plan(seed: int) -> list[dict]:
    rng = random.Random(seed)
    outer = _lattice(GENERAL_COLS, GENERAL_ROWS, rng, 0.18)
    ring = (
        [outer[0][i] for i in range(GENERAL_COLS + 1)]
        + [outer[j][GENERAL_COLS] for j in range(1, GENERAL_ROWS + 1)]
        + [outer[GENERAL_ROWS][i] for i in range(GENERAL_COLS - 1, -1, -1)]
        + [outer[j][0] for j in range(GENERAL_ROWS - 1, 0, -1)]
    )
    plan = [
        {
            "code": "S",
            "name": "S社区",
            "kind": "community",
            "parent": None,
            "ring": ring,
            "households": 0,
            "place_type": None,
        }
    ]
    places = iter(EXCLUSIVE_PLACES)
    street_no = 0
    for g in range(GENERAL_COLS * GENERAL_ROWS):
        i, j = g % GENERAL_COLS, g // GENERAL_COLS
        quad = [outer[j][i], outer[j][i + 1], outer[j + 1][i + 1], outer[j + 1][i]]
        code = f"G{g + 1}"
        plan.append(
            {
                "code": code,
                "name": f"第{'一二三四五六七八'[g]}网格",
                "kind": "general",
                "parent": "S",
                "ring": quad,
                "households": 0,
                "place_type": None,
            }
        )
        cols, rows, exclusive_at = (2, 5, {1, 4, 8}) if g == 2 else (3, 3, {2, 6})
        micro = 0
        for k, cell in enumerate(_cells(quad, cols, rows, rng)):
            if k in exclusive_at:
                place_type, name = next(places)
                plan.append(
                    {
                        "code": f"X{len([p for p in plan if p['kind'] == 'exclusive']) + 1:02d}",
                        "name": name,
                        "kind": "exclusive",
                        "parent": code,
                        "ring": cell,
                        "households": 0,
                        "place_type": place_type,
                    }
                )
                continue
            micro += 1
            street = STREETS[street_no % len(STREETS)]
            street_no += 1
            name = f"{street}{rng.randint(1, 60)}号院" if street_no % 3 else f"{street}{micro}栋"
            plan.append(
                {
                    "code": f"{code}-M{micro}",
                    "name": name,
                    "kind": "micro",
                    "parent": code,
                    "ring": cell,
                    "households": rng.randint(50, 70),
                    "place_type": None,
                }
            )
    return plan


def _seed_grids(
    session: Session,
    report: SeedReport,
    plan: list[dict] | None = None,
    existing: dict[str, Grid] | None = None,
) -> dict[str, Grid]:
    """Adds the plan's grids still missing (default: the demo community's), a level at a time."""
    if existing is None:
        existing = {g.code: g for g in session.exec(select(Grid))}
    missing = [item for item in (plan or grid_plan()) if item["code"] not in existing]
    while missing:
        ready = [i for i in missing if i["parent"] is None or i["parent"] in existing]
        if not ready:
            raise ValueError(f"grid plan names unknown parents: {missing[0]['parent']}")
        added = []
        for item in ready:
            parent = existing.get(item["parent"]) if item["parent"] else None
            grid = Grid(
                code=item["code"],
                name=item["name"],
                kind=item["kind"],
                parent_id=parent.id if parent else None,
                boundary=item.get("boundary") or _polygon(item["ring"], item.get("origin", (0, 0))),
                households=item["households"],
                place_type=item["place_type"],
            )
            session.add(grid)
            added.append(grid)
        session.flush()
        for grid in added:
            existing[grid.code] = grid
        report.grids += len(added)
        missing = [i for i in missing if i["code"] not in existing]
    return existing


def _seed_departments(session: Session, report: SeedReport) -> dict[str, Department]:
    existing = {d.code: d for d in session.exec(select(Department))}
    for code, name, level in DEPARTMENTS:
        if code not in existing:
            existing[code] = Department(code=code, name=name, level=level, service=code)
            session.add(existing[code])
            report.departments += 1
    session.flush()
    return existing


@dataclass
class Account:
    username: str
    name: str
    role: str
    home: str | None = None
    department: str | None = None
    language: str = "zh_Hans"
    birth_year: int | None = None
    elder_mode: bool = False
    lives_alone: bool = False
    duties: tuple[tuple[str, str], ...] = ()  # (grid code, duty)


def _han_name(rng: random.Random) -> str:
    return rng.choice(HAN_SURNAMES) + rng.choice(HAN_GIVEN)


def account_plan(
    grids: list[dict], scale: int = 1, seed: int = 7, community: Community = FIRST
) -> list[Account]:
    """The accounts of a demo community (grids: its plan, with S's codes as "local" or "code").
    Community 1: the demo's, as always. Others: the same people with usernames and codes of their
    own, every staff member's home their community, no admin, and of the departments' handlers
    only their own property company's (the street's and district's belong to the street)."""
    plan = _local_account_plan(
        [{"code": g.get("local", g["code"]), "kind": g["kind"]} for g in grids], scale, seed
    )
    if community.number == 1:
        return plan
    own = []
    for acc in plan:
        if acc.role == "admin" or (acc.role == "handler" and acc.department != "property"):
            continue
        home = acc.home or ("S" if acc.role == "staff" else None)
        own.append(
            replace(
                acc,
                username=community.username(acc.username),
                home=community.grid_code(home) if home else None,
                department=community.department(acc.department) if acc.department else None,
                duties=tuple((community.grid_code(c), duty) for c, duty in acc.duties),
            )
        )
    return own


def _local_account_plan(grids: list[dict], scale: int, seed: int) -> list[Account]:
    rng = random.Random(seed)
    micro = [g["code"] for g in grids if g["kind"] == "micro"]
    exclusive = [g["code"] for g in grids if g["kind"] == "exclusive"]
    generals = [g["code"] for g in grids if g["kind"] == "general"]
    plan = [
        Account("admin", "系统管理员", "admin", department="office"),
        Account(
            "staff01",
            "周书记",
            "staff",
            home="S",
            department="office",
            duties=(("S", "secretary"),),
        ),
    ]
    plan += [
        Account(f"staff{n:02d}", _han_name(rng), "staff", department="office") for n in range(2, 7)
    ]
    for n, code in enumerate(generals, 1):
        plan += [
            Account(
                f"gridchief_g{n}",
                _han_name(rng),
                "grid_worker",
                home=code,
                duties=((code, "chief"),),
            ),
            Account(
                f"gridworker_g{n}",
                _han_name(rng),
                "grid_worker",
                home=code,
                duties=((code, "full_time"),),
            ),
            Account(
                f"gridpart_g{n}",
                _han_name(rng),
                "grid_worker",
                home=code,
                duties=((code, "part_time"),),
            ),
        ]
    for code in micro:
        plan.append(
            Account(
                f"chief_{code.lower().replace('-', '')}",
                _han_name(rng),
                "grid_worker",
                home=code,
                duties=((code, "micro_chief"),),
            )
        )
    for code in exclusive:
        plan.append(
            Account(
                f"resp_{code.lower()}",
                _han_name(rng),
                "grid_worker",
                home=code,
                duties=((code, "responsible"),),
            )
        )
    plan += [
        Account(f"handler_{code}", _han_name(rng), "handler", department=code)
        for code, _name, _level in DEPARTMENTS
        if code != "office"
    ]
    plan += [
        Account(
            "zhang_nainai",
            "张奶奶",
            "resident",
            home=micro[0],
            birth_year=1941,
            elder_mode=True,
            lives_alone=True,
        ),
        Account("tashi", "扎西", "resident", home=micro[8], language="bo", birth_year=1958),
        Account("aygul", "阿依古丽", "resident", home=micro[15], language="ug", birth_year=1990),
        Account("axi", "阿西", "resident", home=micro[22], language="ii", birth_year=1975),
        Account(
            "li_ayi",
            "李阿姨",
            "resident",
            home=micro[1],
            birth_year=1952,
            duties=((micro[1], "activist"),),
        ),
        Account("chen_shop", "陈记小吃", "merchant", home=exclusive[1]),
    ]
    for n in range(1, 30 * scale + 1):
        plan.append(
            Account(
                f"merchant{n:03d}",
                rng.choice(HAN_SURNAMES) + "记商铺",
                "merchant",
                home=rng.choice(exclusive + micro[:10]),
            )
        )
    for n in range(1, 250 * scale + 1):
        plan.append(_resident(n, rng, micro))
    return plan


def _resident(n: int, rng: random.Random, micro: list[str]) -> Account:
    roll = rng.random()
    if roll < 0.10:
        name, lang = rng.choice(TIBETAN_NAMES), "bo"
    elif roll < 0.17:
        name, lang = rng.choice(UYGHUR_NAMES), "ug"
    elif roll < 0.23:
        name, lang = rng.choice(YI_NAMES), "ii"
    else:
        name, lang = _han_name(rng), "zh_Hans"
    birth = rng.randint(1935, 2006)
    elderly = birth <= 1960
    return Account(
        f"resident{n:04d}",
        name,
        "resident",
        home=rng.choice(micro),
        language=lang,
        birth_year=birth,
        elder_mode=elderly and rng.random() < 0.5,
        lives_alone=elderly and rng.random() < 0.2,
    )


def _seed_accounts(
    session: Session,
    grids: dict[str, Grid],
    departments: dict[str, Department],
    scale: int,
    report: SeedReport,
    plan: list[Account] | None = None,
    password_hash: str | None = None,
) -> None:
    """Adds the plan's accounts still missing (default: the demo community's) and their duties."""
    if plan is None:
        plan = account_plan(grid_plan(), scale)
    existing = {
        name: uid for name, uid in session.exec(select(User.username, User.id)) if uid is not None
    }
    for batch_start in range(0, len(plan), 2000):
        added = []
        for acc in plan[batch_start : batch_start + 2000]:
            if acc.username in existing:
                continue
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            user = User(
                username=acc.username,
                display_name=acc.name,
                password_hash=password_hash,
                role=acc.role,
                home_grid_id=grids[acc.home].id if acc.home else None,
                department_id=departments[acc.department].id if acc.department else None,
                language=acc.language,
                elder_mode=acc.elder_mode,
                birth_year=acc.birth_year,
                lives_alone=acc.lives_alone,
                is_demo=True,  # known password: refused unless LINLI_DEMO=1
                phone=f"138{zlib.crc32(acc.username.encode()) % 10**8:08d}"
                if acc.role != "resident"
                else None,
            )
            session.add(user)
            added.append(user)
        session.flush()
        for user in added:
            existing[user.username] = row_id(user)
        report.users += len(added)
    duties = set(session.exec(select(GridDuty.grid_id, GridDuty.user_id, GridDuty.duty)).all())
    for acc in plan:
        for code, duty in acc.duties:
            key = (row_id(grids[code]), existing[acc.username], duty)
            if key not in duties:
                session.add(GridDuty(grid_id=key[0], user_id=key[1], duty=duty))
                duties.add(key)
                report.duties += 1


def seed(
    url: str | None = None, scale: int = 1, communities: int = 1, reports_per_community: int = 1000
) -> SeedReport:
    """The demo community with its history (services), then with communities > 1 the others
    beside it under streets and a district (portal.demo.seed_communities, bulk history of
    reports_per_community reports each)."""
    report = SeedReport()
    with Session(get_engine(url)) as session:
        grids = _seed_grids(session, report)
        departments = _seed_departments(session, report)
        _seed_accounts(session, grids, departments, scale, report)
        session.commit()
        seed_categories(session)
        report.reports = seed_demo_reports(session, GridIndex.load(session))
        from portal.demo.seed_points import seed_points

        seed_points(session)
        session.commit()
        from portal.demo.seed_wishes import seed_wishes

        seed_wishes(session)
        from portal.demo.seed_cockpit import seed_cockpit

        seed_cockpit(session)
        from portal.demo.seed_council import seed_council

        seed_council(session)
        from portal.demo.seed_venues import seed_venues

        seed_venues(session)
        from portal.demo.seed_deputies import seed_deputies

        seed_deputies(session)
        from portal.demo.seed_circles import seed_circles

        seed_circles(session)
        if communities > 1:
            from portal.demo.seed_communities import seed_communities

            started = time.perf_counter()
            seed_communities(session, report, communities, scale, reports_per_community)
            report.extra_seconds = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1, help="multiply residents and merchants")
    parser.add_argument(
        "--communities", type=int, default=1, help="S-like communities under streets (1: the demo)"
    )
    parser.add_argument(
        "--reports", type=int, default=1000, help="a year's reports of each extra community"
    )
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be 1 or more")
    if args.communities < 1 or args.reports < 0:
        parser.error("--communities must be 1 or more, --reports 0 or more")
    url = load_settings().database_url
    try:
        upgrade(url)
    except DatabaseUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    started = time.perf_counter()
    outcome = seed(url, args.scale, args.communities, args.reports)
    print(f"Demo community: {outcome} in {time.perf_counter() - started:.1f} s")
    from portal.demo.seed_voice import (
        seed_voice_clips,  # machine-made demo clips (needs the media folder)
    )

    print(f"Machine-made demo clips added: {seed_voice_clips(url, store_for(load_settings()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
