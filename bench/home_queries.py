"""SQL statements per rerun of the resident home (AppTest; an event listener on every engine).

    .venv/bin/python bench/home_queries.py [--db seeded.sqlite] [--user zhang_nainai] [--runs 3]

Prints the count of statements of a steady-state rerun (after the first two runs) and, with
--show, each statement's first line.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="a seeded SQLite file to copy (else a fresh demo seed)")
    parser.add_argument("--user", default="zhang_nainai")
    parser.add_argument("--page", default="pages/home.py")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="linli-queries-"))
    url = f"sqlite:///{folder / 'linli.db'}"
    os.environ["DATABASE_URL"] = url
    os.environ["LINLI_MEDIA_DIR"] = str(folder / "media")
    if args.db:
        shutil.copy(args.db, folder / "linli.db")
    else:
        from tests.e2e.server import seed_database

        seed_database(url)

    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlmodel import Session, select
    from streamlit.testing.v1 import AppTest

    from db.engine import get_engine
    from db.models import User

    statements: list[str] = []

    @event.listens_for(Engine, "before_cursor_execute")
    def count(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    with Session(get_engine(url)) as s:
        user = s.exec(select(User).where(User.username == args.user)).one()
        user_id, epoch = user.id, user.session_epoch
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["user_id"] = user_id
    at.session_state["session_epoch"] = epoch
    at.run()
    at.switch_page(args.page)
    at.run()
    counts = []
    for _ in range(args.runs):
        statements.clear()
        at.run()
        counts.append(len(statements))
    print(f"{args.page} as {args.user}: SQL statements per rerun {counts}")
    if args.show:
        for text, n in collections.Counter(s.split("\n")[0][:110] for s in statements).items():
            print(f"{n:3d} × {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
