"""Server-side render time of the first screens with the demo data: login, resident home, staff home,
grid map, my grid. Uses streamlit.testing.v1.AppTest (no browser, no network), so the figure is the
script run alone: guard, shell, queries, folium map building; not the browser's drawing.

    .venv/bin/python bench/render_homes.py [--runs 10] [--scale 1]

A scratch SQLite file is migrated and seeded (portal.demo.seed.seed(url, scale)); each sample is a new
AppTest session (session_state["user_id"] preset, as after a login) that runs app.py, and for
pages other than the role's home switches to the page; only that page's run is timed. One warm-up
per page first (imports, caches). Prints median and p95; asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (label, username or None for a visitor, page file or None for the role's home)
SCREENS = [
    ("login (visitor)", None, None),
    ("resident home", "zhang_nainai", None),
    ("staff home", "staff01", None),
    ("grid map (staff)", "staff01", "pages/grid_map.py"),
    ("my grid (resident)", "zhang_nainai", "pages/my_grid.py"),
]


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--scale", type=int, default=1, help="multiply demo residents and merchants"
    )
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="linli-render-")
    url = f"sqlite:///{Path(tmp) / 'linli.db'}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LINLI_TILES", "osm")
    os.environ.setdefault("LINLI_MEDIA_DIR", str(Path(tmp) / "media"))

    from sqlmodel import Session, select
    from streamlit.testing.v1 import AppTest

    from db.engine import dispose_engines, get_engine
    from db.migrate import upgrade
    from db.models import User
    from portal.demo.seed import seed

    started = time.perf_counter()
    upgrade(url)
    report = seed(url, args.scale)
    print(f"seeded scale {args.scale} in {time.perf_counter() - started:.1f} s: {report}")
    with Session(get_engine(url)) as session:
        ids = {
            name: session.exec(select(User.id).where(User.username == name)).one()
            for name in {u for _, u, _ in SCREENS if u}
        }
        accounts = session.exec(select(User.id)).all()
    print(f"{len(accounts)} accounts; {args.runs} runs per screen after one warm-up\n")

    def sample(username: str | None, page: str | None, show: bool = False) -> float:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        if username:
            at.session_state["user_id"] = ids[username]
        t0 = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - t0
        if page:
            at.switch_page(page)
            t0 = time.perf_counter()
            at.run()
            elapsed = time.perf_counter() - t0
        if at.exception:
            raise RuntimeError(f"{page or 'home'} as {username}: {at.exception}")
        if show:
            print(f"  (warm-up rendered: {[t.value for t in at.title]})")
        return elapsed

    print(f"{'screen':<22}{'median ms':>10}{'p95 ms':>10}{'min ms':>10}{'max ms':>10}")
    for label, username, page in SCREENS:
        sample(username, page, show=True)  # warm-up
        samples = [sample(username, page) for _ in range(args.runs)]
        print(
            f"{label:<22}{statistics.median(samples) * 1000:>10.0f}{p95(samples) * 1000:>10.0f}"
            f"{min(samples) * 1000:>10.0f}{max(samples) * 1000:>10.0f}",
            flush=True,
        )
    dispose_engines()
    return 0


if __name__ == "__main__":
    sys.exit(main())
