"""Every page for every role: server render time, p50 and p95 (issue #18: p95 ≤ 200 ms).

    .venv/bin/python bench/page_renders.py --db-url URL [--runs 20] [--roles resident,staff]

URL: an already seeded database (e.g. `python -m portal.demo --communities 100` into a SQLite
file or a PostgreSQL database of your own); the bench only reads it (logins are set in the
AppTest session, nothing is written). Each page a role may open (portal.auth.PAGES) is rendered
by streamlit.testing.v1.AppTest as that role's demo account of community S (street staff: the
street's staff account): one warm-up, then --runs timed runs of the page. AppTest runs the page
script in this process, without the websocket and without Streamlit's post-run GC (which the
portal switches off in production): it measures the portal's own work per rerun. Prints a table
and the pages above the 200 ms target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_TILES", "none")
os.environ["LINLI_HOUSEKEEPING_SECONDS"] = "0"
os.environ.setdefault("LINLI_DEMO", "1")

from bench.communities import p95  # noqa: E402

ACCOUNTS = {
    "resident": "zhang_nainai",
    "merchant": "chen_shop",
    "grid_worker": "chief_g1m1",
    "staff": "staff01",
    "street staff": "street01_staff",
    "handler": "handler_street",
    "admin": "admin",
}
TARGET_MS = 200


def render_page(user_id: int, path: str, params: dict[str, str]) -> float:
    """Seconds of one run of the page (after a run of the role's home in the same session)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["user_id"] = user_id
    at.run()
    at.switch_page(path)
    for key, value in params.items():
        at.query_params[key] = value
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return elapsed


def _ids(url: str) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
    """(username → (id, role)), query parameters for pages that show one thing."""
    from sqlmodel import Session, col, select

    from db.engine import get_engine
    from db.models import User
    from db.models_wishes import Wish

    with Session(get_engine(url)) as s:
        users = {
            name: (uid, role)
            for name, uid, role in s.exec(
                select(User.username, User.id, User.role).where(
                    col(User.username).in_(list(ACCOUNTS.values()))
                )
            ).all()
        }
        wish = s.exec(select(Wish.id).order_by(col(Wish.id))).first()
    return users, {"wish_detail": str(wish)} if wish else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--roles", default=",".join(ACCOUNTS), help="comma-separated")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.db_url
    from portal import auth

    users, one_of = _ids(args.db_url)
    over: list[str] = []
    print(f"AppTest server render, {args.runs} runs after a warm-up; ms")
    print(f"  {'role':13s} {'page':20s} {'p50':>7s} {'p95':>7s}")
    for label in args.roles.split(","):
        username = ACCOUNTS[label]
        if username not in users:
            print(f"  {label:13s} (no account {username} in this database)")
            continue
        user_id, role = users[username]
        for spec in auth.PAGES:
            if spec.key in ("start", "login", "register") or not auth.can_view(role, spec.key):
                continue
            params = {"id": one_of[spec.key]} if spec.key in one_of else {}
            try:
                render_page(user_id, spec.path, params)  # warm-up
                samples = [render_page(user_id, spec.path, params) for _ in range(args.runs)]
            except Exception as exc:  # noqa: BLE001  (print what it gets, go on)
                print(f"  {label:13s} {spec.key:20s} failed: {str(exc)[:120]}")
                continue
            mid, high = statistics.median(samples) * 1000, p95(samples) * 1000
            print(f"  {label:13s} {spec.key:20s} {mid:7.0f} {high:7.0f}", flush=True)
            if high > TARGET_MS:
                over.append(f"{label}/{spec.key} {high:.0f}")
    print(f"p95 above {TARGET_MS} ms: {len(over)}" + (f": {', '.join(over)}" if over else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
