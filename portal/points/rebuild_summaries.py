"""Recomputes the points summary rows from the ledger (repair), or checks them.

    python -m portal.points.rebuild_summaries [--check] [--database-url URL]

--check changes nothing: it lists where the summaries differ from a full recomputation and exits
with 1 when they do. Without it the summaries are replaced in one transaction.
"""

from __future__ import annotations

import argparse
import sys

from sqlmodel import Session

from db.engine import get_engine
from portal.config import load_settings
from portal.points import summaries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only compare, change nothing")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    url = args.database_url or load_settings().database_url
    with Session(get_engine(url)) as session:
        if args.check:
            found = summaries.differences(session)
            for line in found[:50]:
                print(line)  # noqa: T201
            print(f"{len(found)} differences")  # noqa: T201
            return 1 if found else 0
        rows = summaries.rebuild(session)
        session.commit()
    print(f"points summaries rebuilt: {rows} rows")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
