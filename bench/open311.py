"""Open311 GET requests.json with 20,000 reports, over real HTTP (uvicorn serving the portal's
routes on 127.0.0.1).

    .venv/bin/python bench/open311.py [--reports 20000] [--db sqlite|postgresql] [--runs 40]

Prints p50/p95 time and bytes for a default page (100), a full page (1000), a filtered query and
one request by id. Asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["LINLI_HOUSEKEEPING_SECONDS"] = "0"

from sqlalchemy import text  # noqa: E402

from db.engine import get_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from portal.demo.seed import seed  # noqa: E402
from tests.reach_fixtures import live_server  # noqa: E402

PG_BENCH_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/linli_bench_open311"


def _report_bench():
    spec = importlib.util.spec_from_file_location("report_bench", ROOT / "bench" / "reports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _database(kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='linli-bench-')) / 'linli.db'}"
    admin = get_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test").execution_options(
        isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "linli_bench_open311" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "linli_bench_open311"'))
    return PG_BENCH_URL


def _timed(url: str, runs: int) -> tuple[float, float, int, int]:
    times, size, count = [], 0, 0
    for _ in range(runs):
        start = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as answer:
            body = answer.read()
        times.append(time.perf_counter() - start)
        size, count = len(body), len(json.loads(body))
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], size, count


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    url = _database(args.db)
    upgrade(url)
    seed(url)
    _report_bench().bulk_reports(url, args.reports)
    with get_engine(url).connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM report")).scalar_one()
        some_id = conn.execute(text("SELECT max(id) FROM report WHERE state <> 'closed'")).scalar()
    print(f"{args.db}: {total} reports in the database")
    with live_server(url, {"LINLI_HEALTH_HEARTBEAT_SECONDS": "0"}) as base:
        for label, path in (
            ("default page (100)", "/open311/v2/requests.json"),
            ("page_size=1000", "/open311/v2/requests.json?page_size=1000"),
            ("page 10 of 1000", "/open311/v2/requests.json?page_size=1000&page=10"),
            ("status=open, one code", "/open311/v2/requests.json?status=open&service_code=road"),
            ("one by id", f"/open311/v2/requests/{some_id}.json"),
        ):
            p50, p95, size, count = _timed(base + path, args.runs)
            print(
                f"  {label:24s} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
                f"{size:>9,} bytes  {count} requests"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
