"""Wish wall at scale: 10,000 wishes and 200,000 votes in a scratch SQLite database.

    .venv/bin/python bench/wishes.py [--wishes 10000] [--votes 200000]

Prints (asserts nothing): bulk-load time, the service query for one wall page (sorted by support,
newest, near me; with a category filter), and a full page render of pages/wish_wall.py through
Streamlit's AppTest (guard, shell, query, 20 cards). Bounded: a couple of minutes on 2 cores.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def show(label: str, samples: list[float]) -> None:
    print(
        f"{label:<48} median {statistics.median(samples):8.1f} ms   "
        f"min {min(samples):8.1f}   max {max(samples):8.1f}   (n={len(samples)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wishes", type=int, default=10_000)
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-wishes-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LINLI_TILES", "none")

    from sqlalchemy import insert, text
    from sqlmodel import Session, select

    from db.engine import get_engine
    from db.migrate import upgrade
    from db.models import Grid, User
    from db.models_wishes import WISH_CATEGORIES, Wish, WishVote
    from db.types import utcnow
    from portal import wishes
    from portal.demo.seed import seed

    start = time.perf_counter()
    upgrade(url)
    seed(url, scale=8)  # about 2,250 accounts: enough distinct voters for 20 votes per wish
    print(f"migrate + demo seed (scale 8): {time.perf_counter() - start:.1f} s")

    engine = get_engine(url)
    rng = random.Random(5)
    with Session(engine) as s:
        users = s.exec(select(User.id)).all()
        micro = s.exec(select(Grid.id).where(Grid.kind == "micro")).all()
        li_ayi = s.exec(select(User.id).where(User.username == "li_ayi")).one()
        staff = s.exec(select(User.id).where(User.username == "staff01")).one()
        community = s.exec(select(Grid.id).where(Grid.kind == "community")).one()
        # a high community-wide threshold keeps the bulk-loaded wishes open (none is promoted)
        wishes.set_grid_rule(
            s, grid_id=community, support_threshold=10_000, expire_days=60, set_by=staff
        )
    now = utcnow()
    start = time.perf_counter()
    with engine.begin() as conn:
        base = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM wish")).scalar()
        rows = []
        for n in range(args.wishes):
            at = now - timedelta(minutes=rng.randint(0, 60 * 24 * 50))
            rows.append(
                {
                    "author_id": rng.choice(users),
                    "grid_id": rng.choice(micro),
                    "title": f"心愿 {n}：楼道装灯",
                    "body": "希望在楼道里装一盏感应灯，晚上回家更安全。" * 2,
                    "category": rng.choice(WISH_CATEGORIES),
                    "language": "zh_Hans",
                    "personal": False,
                    "proposal": False,
                    "state": "open",
                    "created_at": at,
                    "state_changed_at": at,
                }
            )
        conn.execute(insert(Wish), rows)
        ids = list(range(base + 1, base + args.wishes + 1))
        # skewed support: a few popular wishes, a long tail (like a real wall)
        weights = [1.0 / (1 + i) ** 0.8 for i in range(len(ids))]
        rng.shuffle(weights)
        seen: set[tuple[int, int]] = set()
        batch = []
        while len(seen) < args.votes:
            for wish_id in rng.choices(ids, weights, k=20_000):
                key = (wish_id, rng.choice(users))
                if key in seen:
                    continue
                seen.add(key)
                batch.append({"wish_id": key[0], "user_id": key[1], "created_at": now})
                if len(seen) >= args.votes:
                    break
            conn.execute(insert(WishVote), batch)
            batch = []
    print(
        f"bulk insert {args.wishes:,} wishes + {args.votes:,} votes: "
        f"{time.perf_counter() - start:.1f} s  (db {os.path.getsize(tmp / 'bench.db') / 1e6:.0f} MB)"
    )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))

    with Session(engine) as s:
        for sort in ("support", "newest", "near"):
            show(
                f"service wall(): sort={sort}, 20 cards",
                timed(lambda sort=sort: wishes.wall(s, viewer_id=li_ayi, sort=sort), args.repeat),
            )
        show(
            "service wall(): support + 2 categories",
            timed(
                lambda: wishes.wall(s, viewer_id=li_ayi, categories=["facility", "safety"]),
                args.repeat,
            ),
        )
        show(
            "service wall(): support, page 50 (offset 980)",
            timed(lambda: wishes.wall(s, viewer_id=li_ayi, offset=980), args.repeat),
        )
        top = wishes.wall(s, viewer_id=li_ayi).cards
        print(
            f"  top card: {top[0].support} supporters; total open wishes "
            f"{wishes.wall(s, viewer_id=li_ayi).total:,}"
        )
        wish_id = top[0].id
        show(
            "service detail() of the top wish",
            timed(lambda: wishes.detail(s, wish_id=wish_id, viewer_id=li_ayi), args.repeat),
        )
        show(
            "service expire_stale() over every open wish",
            timed(lambda: wishes.expire_stale(s, now), 1),
        )

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["user_id"] = li_ayi
    at.run()

    def render():
        at.switch_page("pages/wish_wall.py").run()
        assert not at.exception, at.exception

    render()  # warm: grid index, catalogs
    show("AppTest full render of the wall (20 cards)", timed(render, max(3, args.repeat // 2)))
    print(f"scratch database left in {tmp} (delete when done)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
