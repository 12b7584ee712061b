"""Staff reports map of a street: about 20 communities, 200,000 reports in the last year.

    .venv/bin/python bench/street_map.py [--communities 20] [--reports 10000] [--db sqlite|postgresql]

Seeds `--communities` S-like communities under one street (portal.demo --communities, `--reports`
reports a year each), then builds the staff map of the whole street with the portal's map builder
(portal.maps: base map, grid outlines, clustered report pins from portal.map_pins) for the page's
default window (the last 90 days) and for the whole year, and prints the rows, the HTML payload in
bytes and the build time. PostgreSQL: the bench creates its own database and drops it at the end.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LINLI_TILES", "none")
os.environ["LINLI_HOUSEKEEPING_SECONDS"] = "0"

from bench.databases import pg_database  # noqa: E402

PG_BENCH_DB = "linli_bench_street_map"  # the bench's own database: never one it did not create


def build_map(
    index, settings, rows, max_pins: int | None = None, save_to: Path | None = None
) -> tuple[int, float]:
    """(payload bytes, seconds) of the staff map as pages/report_map.py builds it; max_pins
    None: the builder's budget (portal.maps.MAX_PINS), a large one: every report a pin.
    save_to: also write the page there (for first_pins)."""
    from portal import maps, reports

    start = time.perf_counter()
    fmap = maps.base_map(settings, index.bounds())
    maps.add_grids(fmap, index, settings, {}, ("Name", "Kind"))
    maps.add_report_pins(
        fmap,
        rows,
        settings,
        reports.STATE_COLOURS,
        reports.STATE_MARKS,
        {},
        max_pins or maps.MAX_PINS,
    )
    html = fmap.get_root().render()
    elapsed = time.perf_counter() - start
    if save_to is not None:
        save_to.write_text(html, encoding="utf-8")
    return len(html.encode()), elapsed


def first_pins(page_file: Path, runs: int = 3) -> list[float]:
    """Seconds from navigation to the first pin or cluster drawn, in Debian's Chromium (headless,
    Playwright), for a saved map page served over HTTP on 127.0.0.1 with the portal's own Leaflet
    files (/app/static/…, as the Streamlit server serves them)."""
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    from portal.config import ROOT
    from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            if path.startswith("/app/static/"):
                return str(ROOT / "static" / path.removeprefix("/app/static/").split("?")[0])
            return super().translate_path(path)

        def log_message(self, *args) -> None:  # quiet
            pass

    handler = functools.partial(Handler, directory=str(page_file.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{page_file.name}"
    times = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                start = time.perf_counter()
                page.goto(url, wait_until="commit")
                page.wait_for_selector(".leaflet-marker-icon", timeout=60_000)
                times.append(time.perf_counter() - start)
                page.close()
            browser.close()
    finally:
        server.shutdown()
    return times


def run(
    url: str, communities: int, per_community: int, folder: Path, browser: bool = False
) -> None:
    from sqlmodel import Session

    from db.engine import get_engine
    from db.migrate import upgrade
    from db.types import utcnow
    from portal.config import load_settings
    from portal.demo.seed import seed
    from portal.grids import GridIndex
    from portal.reports import queries

    start = time.perf_counter()
    upgrade(url)
    outcome = seed(url, communities=communities, reports_per_community=per_community)
    print(f"seeded {communities} communities in {time.perf_counter() - start:.1f} s: {outcome}")
    settings = load_settings()
    with Session(get_engine(url)) as s:
        index = GridIndex.load(s)
        now = utcnow()
        for label, days in (("last 90 days (page default)", 90), ("last year", 366)):
            flt = queries.MapFilter(since=now - timedelta(days=days))
            start = time.perf_counter()
            rows = queries.map_points(s, flt, limit=10**7)
            query = time.perf_counter() - start
            build_map(index, settings, rows[:100])  # warm-up (templates, imports)
            for kind, budget in (("every report a pin", 10**9), ("clustered+counts", None)):
                saved = folder / "street_map.html" if browser and budget is None else None
                size, seconds = build_map(index, settings, rows, budget, saved)
                print(
                    f"street map, {label:28s} {len(rows):7d} reports, {kind:18s}: query "
                    f"{query * 1000:6.0f} ms, build {seconds * 1000:6.0f} ms, "
                    f"payload {size:10,d} bytes ({size / 1e6:.2f} MB)",
                    flush=True,
                )
                if saved is not None:
                    shown = ", ".join(f"{t * 1000:.0f}" for t in first_pins(saved))
                    print(f"  first pins in Chromium (3 loads): {shown} ms", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--reports", type=int, default=10_000, help="a year's, per community")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--browser", action="store_true", help="also time the first pins in Chromium"
    )
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="linli-street-map-"))
    os.environ["LINLI_MEDIA_DIR"] = str(folder / "media")
    if args.db == "sqlite":
        run(
            f"sqlite:///{folder / 'bench.db'}", args.communities, args.reports, folder, args.browser
        )
        return 0
    create, drop = pg_database(PG_BENCH_DB)
    try:
        run(create(), args.communities, args.reports, folder, args.browser)
    finally:
        drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
