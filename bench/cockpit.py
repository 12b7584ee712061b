"""The staff cockpit with one year of a 22,000-resident community.

    .venv/bin/python bench/cockpit.py [--scale 1.0] [--runs 3]

--scale 1.0 = 22,000 residents, 20,000 reports (about 5 events each), 10,000 wishes,
1,000,000 points entries, 100,000 device events and a year of monthly meetings of a council in each
general grid (10 items each, adopted items become actions, most of them done), bulk-inserted into
a scratch SQLite file.
Smaller scales shrink everything (e.g. --scale 0.1 for a quick look).

Prints: time to build the data, the measures service by grid / month / category, the red/black
list, the open-data exports, intake of a 5,000-line device file, and the server-side render of
the cockpit page (AppTest: first run with empty caches, then cached reruns) for staff and for a
general grid chief (who sees only their grid). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LINLI_TILES", "none")
os.environ["LINLI_HOUSEKEEPING_SECONDS"] = (
    "0"  # the clock rules would escalate the year's backlog while we time
)

from sqlalchemy import func, insert  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from db.engine import get_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Department, User  # noqa: E402
from db.models_cockpit import Device, DeviceEvent  # noqa: E402
from db.models_council import Council, CouncilAction, CouncilEvent, CouncilItem, CouncilMeeting  # noqa: E402
from db.models_points import PointsEntry  # noqa: E402
from db.models_reports import JointTask, Report, ReportCategory, ReportEvent  # noqa: E402
from db.models_wishes import Wish, WishEvent  # noqa: E402
from db.types import utcnow  # noqa: E402
from portal import cockpit, devices  # noqa: E402
from portal.cockpit_scope import scope_for  # noqa: E402
from portal.demo.seed import seed  # noqa: E402
from portal.grids import GridIndex  # noqa: E402
from portal.points import summaries  # noqa: E402

CHUNK = 20_000


def _insert(conn, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(model), rows[start : start + CHUNK])


def bulk(url: str, scale: float) -> dict[str, int]:
    rng = random.Random(2026)
    engine = get_engine(url)
    now = utcnow()
    with Session(engine) as s:
        index = GridIndex.load(s)
        cats = s.exec(select(ReportCategory.id)).all()
        departments = s.exec(select(Department.id)).all()
        people = s.exec(select(User.id, User.home_grid_id).where(User.role == "resident")).all()
        staff = s.exec(select(User.id).where(User.username == "staff01")).one()
    leaves = index.of_kind("micro") + index.of_kind("exclusive")

    def spot(grid_id: int) -> tuple[float, float]:
        """A random place inside the grid (reports spread over the courtyard, not one point)."""
        from shapely.geometry import Point

        shape = index.shapes[grid_id]
        minx, miny, maxx, maxy = shape.bounds
        for _ in range(50):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shape.contains(Point(x, y)):
                return y, x
        p = shape.representative_point()
        return p.y, p.x

    n_reports, n_wishes = int(20_000 * scale), int(10_000 * scale)
    n_points, n_device_events = int(1_000_000 * scale), int(100_000 * scale)
    with engine.begin() as conn:
        first_id = (conn.execute(select(func.max(Report.id))).scalar() or 0) + 1
        reports, events, joints = [], [], []
        for n in range(n_reports):
            rid = first_id + n
            grid = rng.choice(leaves)
            lat, lon = spot(grid.id)
            created = now - timedelta(days=rng.uniform(0, 365))
            steps = [("submit", "submitted", "grid", 0), ("assign", "assigned", "grid", 0)]
            h, level, state, rating, closed_at = 0.0, "grid", "assigned", None, None
            if rng.random() < 0.06:
                h += 72
                level = "community"
                steps.append(("auto_escalate", "assigned", level, h))
            if rng.random() < 0.85:
                h += rng.expovariate(1 / 20)
                steps.append(("accept", "accepted", level, h))
                state = "accepted"
                if rng.random() < 0.85:
                    h += rng.expovariate(1 / 40)
                    steps.append(("resolve", "resolved", level, h))
                    state = "resolved"
                    if rng.random() < 0.7:
                        rating = rng.choice([5, 5, 5, 4, 4, 3, 2, 1])
                        h += rng.uniform(1, 48)
                        steps.append(("rate", "rated", level, h))
                        if rating <= 2:
                            steps.append(("reopen", "reopened", level, h))
                            state = "reopened"
                        else:
                            steps.append(("close", "closed", level, h))
                            state, closed_at = "closed", created + timedelta(hours=h)
            if rng.random() < 0.02:
                lead, assist = rng.sample(departments, 2)
                joints += [
                    {
                        "report_id": rid,
                        "department_id": lead,
                        "role": "lead",
                        "part": "",
                        "status": "open",
                        "updated_at": created,
                    },
                    {
                        "report_id": rid,
                        "department_id": assist,
                        "role": "assist",
                        "part": "",
                        "status": "open",
                        "updated_at": created,
                    },
                ]
            reports.append(
                {
                    "id": rid,
                    "reporter_id": rng.choice(people)[0],
                    "category_id": rng.choice(cats),
                    "description": "bench",
                    "language": "zh_Hans",
                    "lat": lat,
                    "lon": lon,
                    "place_source": "map",
                    "grid_id": grid.id,
                    "state": state,
                    "level": level,
                    "urgent": False,
                    "overdue": False,
                    "due_at": created + timedelta(hours=72),
                    "created_at": created,
                    "updated_at": created,
                    "closed_at": closed_at,
                    "rating": rating,
                    "version": 1,
                }
            )
            previous = None
            for action, to_state, lvl, hours in steps:
                events.append(
                    {
                        "report_id": rid,
                        "action": action,
                        "from_state": previous,
                        "to_state": to_state,
                        "level": lvl,
                        "at": created + timedelta(hours=hours),
                    }
                )
                previous = to_state
        _insert(conn, Report, reports)
        _insert(conn, ReportEvent, events)
        _insert(conn, JointTask, joints)

        first_wish = (conn.execute(select(func.max(Wish.id))).scalar() or 0) + 1
        wishes, wish_events = [], []
        for n in range(n_wishes):
            wid = first_wish + n
            author, home = rng.choice(people)
            created = now - timedelta(days=rng.uniform(0, 365))
            fulfilled = rng.random() < 0.4
            wishes.append(
                {
                    "id": wid,
                    "author_id": author,
                    "grid_id": home or leaves[0].id,
                    "title": f"心愿{n}",
                    "body": "bench",
                    "category": "help",
                    "language": "zh_Hans",
                    "personal": False,
                    "proposal": False,
                    "state": "fulfilled" if fulfilled else "open",
                    "created_at": created,
                    "state_changed_at": created,
                }
            )
            wish_events.append(
                {"wish_id": wid, "kind": "posted", "to_state": "open", "at": created}
            )
            if fulfilled:
                wish_events.append(
                    {
                        "wish_id": wid,
                        "kind": "fulfilled",
                        "from_state": "adopted",
                        "to_state": "fulfilled",
                        "at": created + timedelta(days=rng.uniform(1, 30)),
                    }
                )
        _insert(conn, Wish, wishes)
        _insert(conn, WishEvent, wish_events)

        seqs = dict(
            conn.execute(
                select(PointsEntry.user_id, func.max(PointsEntry.seq)).group_by(PointsEntry.user_id)
            ).all()
        )
        balances = dict(
            conn.execute(
                select(PointsEntry.user_id, func.max(PointsEntry.balance_after)).group_by(
                    PointsEntry.user_id
                )
            ).all()
        )  # approximate start
        moments = sorted(now - timedelta(days=rng.uniform(0, 365)) for _ in range(n_points))
        batch = []
        for n, moment in enumerate(moments):
            user, home = people[rng.randrange(len(people))]
            seq = seqs.get(user, 0) + 1
            balance = balances.get(user, 0)
            amount = (
                -min(balance, rng.choice([20, 50]))
                if balance >= 20 and rng.random() < 0.1
                else rng.choice([5, 5, 10, 10, 20])
            )
            source = "reward" if amount < 0 else rng.choice(["task", "task", "report", "wish"])
            seqs[user], balances[user] = seq, balance + amount
            batch.append(
                {
                    "user_id": user,
                    "seq": seq,
                    "amount": amount,
                    "balance_after": balance + amount,
                    "source": source,
                    "source_id": f"b{n}",
                    "reason": "bench",
                    "grid_id": home,
                    "created_at": moment,
                }
            )
            if len(batch) >= CHUNK:
                conn.execute(insert(PointsEntry), batch)
                batch = []
        if batch:
            conn.execute(insert(PointsEntry), batch)

        micro = index.of_kind("micro")
        n_devices = max(20, n_device_events // 50)
        first_device = (conn.execute(select(func.max(Device.id))).scalar() or 0) + 1
        device_rows = []
        for n in range(n_devices):
            grid = micro[n % len(micro)]
            p = index.shapes[grid.id].representative_point()
            device_rows.append(
                {
                    "id": first_device + n,
                    "code": f"B-{n:05d}",
                    "kind": ("meter", "smoke", "fall")[n % 3],
                    "grid_id": grid.id,
                    "house": f"{n % 9 + 1}栋",
                    "lat": p.y,
                    "lon": p.x,
                    "registered_by": staff,
                    "registered_at": now,
                    "active": True,
                }
            )
        _insert(conn, Device, device_rows)
        device_events = []
        for n in range(n_device_events):
            device = device_rows[n % n_devices]
            moment = now - timedelta(days=365 * (n // n_devices) / 50 + rng.uniform(0, 1))
            value = (1000 + 3 * (50 - n // n_devices)) if device["kind"] == "meter" else 0
            device_events.append(
                {
                    "idem_key": f"bench-{n}",
                    "device_id": device["id"],
                    "kind": device["kind"],
                    "at": moment,
                    "value": value,
                    "received_at": now,
                }
            )
        _insert(conn, DeviceEvent, device_events)
        n_items = bulk_councils(conn, rng, index, now, staff)
    with Session(engine) as s:  # the lines above bypass the ledger: sum them into the summaries
        summaries.rebuild(s)
        s.commit()
    return {
        "reports": n_reports,
        "report events": len(events),
        "wishes": n_wishes,
        "points entries": n_points,
        "device events": n_device_events,
        "council items": n_items,
    }


def _months_before(now, months: int):
    """The 15th of the calendar month `months` before now's: one meeting a month, never two in
    one month (30-day steps put two meetings into one month on some dates)."""
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    return now.replace(year=year, month=month + 1, day=15)


def bulk_councils(conn, rng: random.Random, index, now, staff: int) -> int:
    """A council in each general grid with a meeting a month for the past year, 10 items a meeting:
    70 % adopted (each an action, 60 % of them done a few weeks later), 20 % rejected, 10 % no quorum."""
    ids = {
        model: (conn.execute(select(func.max(model.id))).scalar() or 0) + 1
        for model in (Council, CouncilMeeting, CouncilItem, CouncilAction)
    }
    rows: dict = {
        model: [] for model in (Council, CouncilMeeting, CouncilItem, CouncilAction, CouncilEvent)
    }
    for general in index.of_kind("general"):
        cid = ids[Council] + len(rows[Council])
        rows[Council].append(
            {
                "id": cid,
                "grid_id": general.id,
                "name": f"{general.name}议事会",
                "term_start": (now - timedelta(days=400)).date(),
                "term_end": (now + timedelta(days=800)).date(),
                "created_at": now,
            }
        )
        for month in range(1, 13):
            starts = _months_before(now, month)
            mid = ids[CouncilMeeting] + len(rows[CouncilMeeting])
            rows[CouncilMeeting].append(
                {
                    "id": mid,
                    "council_id": cid,
                    "month": cockpit.month_of(starts),
                    "starts_at": starts,
                    "place": "bench",
                    "proposal_deadline": starts - timedelta(days=3),
                    "status": "minutes_published",
                    "created_at": starts,
                    "state_changed_at": starts,
                }
            )
            for n in range(10):
                iid = ids[CouncilItem] + len(rows[CouncilItem])
                outcome = rng.choices(["adopted", "rejected", "not_decided"], [7, 2, 1])[0]
                decided = starts + timedelta(hours=2)
                rows[CouncilItem].append(
                    {
                        "id": iid,
                        "meeting_id": mid,
                        "title": f"议题{n}",
                        "background": "",
                        "language": "zh_Hans",
                        "source": "staff",
                        "outcome": outcome,
                        "decided_at": decided,
                        "created_at": starts,
                    }
                )
                if outcome != "adopted":
                    continue
                aid = ids[CouncilAction] + len(rows[CouncilAction])
                done_at = decided + timedelta(days=rng.uniform(5, 40))
                done = rng.random() < 0.6 and done_at < now
                rows[CouncilAction].append(
                    {
                        "id": aid,
                        "item_id": iid,
                        "owner_id": staff,
                        "due_date": (decided + timedelta(days=30)).date(),
                        "status": "done" if done else "planned",
                        "created_at": decided,
                        "updated_at": done_at if done else decided,
                    }
                )
                if done:
                    rows[CouncilEvent].append(
                        {
                            "council_id": cid,
                            "meeting_id": mid,
                            "item_id": iid,
                            "action_id": aid,
                            "actor_id": staff,
                            "kind": "action_progress",
                            "from_state": "planned",
                            "to_state": "done",
                            "at": done_at,
                        }
                    )
    for model, batch in rows.items():
        _insert(conn, model, batch)
    return len(rows[CouncilItem])


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), max(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the full community year")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-cockpit-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    os.environ["DATABASE_URL"] = url
    os.environ["LINLI_MEDIA_DIR"] = str(folder / "media")
    start = time.perf_counter()
    upgrade(url)
    seed(url, scale=max(1, round(88 * args.scale)))
    print(f"seeded demo ×{max(1, round(88 * args.scale))} in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    made = bulk(url, args.scale)
    print(
        "bulk: "
        + ", ".join(f"{v:,} {k}" for k, v in made.items())
        + f" in {time.perf_counter() - start:.1f} s"
    )
    print(f"database file: {(folder / 'bench.db').stat().st_size / 1e6:.0f} MB")

    with Session(get_engine(url)) as s:
        residents = s.exec(
            select(func.count()).select_from(User).where(User.role == "resident")
        ).one()
        print(f"{residents:,} residents")
        index = GridIndex.load(s)
        since, until = cockpit.period_of_months(12)
        for by in cockpit.DIMENSIONS:
            med, worst = timed(
                lambda by=by: cockpit.measures(s, index, since=since, until=until, by=by), args.runs
            )
            print(
                f"measures by {by:9s} (12 months):        median {med * 1000:7.0f} ms  max {worst * 1000:7.0f} ms"
            )
        result = cockpit.measures(s, index, since=since, until=until)
        total = result.total
        print(
            "figures (12 months): "
            + ", ".join(
                f"{k}={total[k]}"
                for k in (
                    "received",
                    "response_h",
                    "resolution_h",
                    "within_limit_pct",
                    "closure_pct",
                    "reopen_pct",
                    "repeats",
                    "rating",
                    "joint_orders",
                    "wishes_posted",
                    "wishes_fulfilled",
                    "wish_median_days",
                    "points_issued",
                    "points_redeemed",
                    "wishes_decided",
                    "council_decided",
                    "council_actions_done",
                )
            )
        )
        chief = s.exec(select(User).where(User.username == "gridchief_g1")).one()
        scope = scope_for(s, index, role=chief.role, user_id=chief.id)
        med, worst = timed(
            lambda: cockpit.measures(s, index, since=since, until=until, scope=scope), args.runs
        )
        print(
            f"measures by grid, one grid chief's area: median {med * 1000:7.0f} ms  max {worst * 1000:7.0f} ms"
        )
        med, _ = timed(lambda: cockpit.red_black(result, "closure_pct"), args.runs)
        print(f"red/black list:                          median {med * 1000:7.1f} ms")
        med, _ = timed(lambda: cockpit.to_geojson(cockpit.open_reports(s, index)), args.runs)
        print(f"open data: public reports GeoJSON:       median {med * 1000:7.0f} ms")
        lines = ["device,kind,at,value"]
        codes = s.exec(select(Device.code).where(Device.kind == "meter").limit(100)).all()
        moment = utcnow() - timedelta(minutes=30)
        for n in range(5000):
            lines.append(
                f"{codes[n % len(codes)]},meter,{(moment - timedelta(seconds=n)).isoformat()},{2000 + n}"
            )
        text = "\n".join(lines)
        start = time.perf_counter()
        first = devices.intake(s, index, text)
        took = time.perf_counter() - start
        start = time.perf_counter()
        again = devices.intake(s, index, text)
        print(
            f"device intake 5,000 lines: {took:.2f} s (taken {first.taken}); "
            f"again {time.perf_counter() - start:.2f} s (already taken {again.duplicates})"
        )

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parent.parent
    for username in ("staff01", "gridchief_g1"):
        with Session(get_engine(url)) as s:
            uid = s.exec(select(User.id).where(User.username == username)).one()
        at = AppTest.from_file(str(root / "app.py"), default_timeout=600)
        at.session_state["user_id"] = uid
        at.run()
        at.switch_page("pages/cockpit.py")
        cold = []
        for _ in range(args.runs):
            st.cache_data.clear()
            start = time.perf_counter()
            at.run()
            cold.append(time.perf_counter() - start)
        assert not at.exception, at.exception
        warm, _ = timed(at.run, args.runs)
        print(
            f"render cockpit ({username}), empty cache:     median {statistics.median(cold) * 1000:7.0f} ms"
        )
        print(f"render cockpit ({username}), cached measures: median {warm * 1000:7.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
