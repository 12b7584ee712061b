"""Several portal processes behind nginx on one PostgreSQL, with websocket users across them.

    .venv/bin/python bench/cluster_load.py [--processes 2] [--users 100] [--duration 90]
                                           [--think-min 5] [--think-max 15] [--scale 1]

Creates its own PostgreSQL database (linli_bench_cluster_<pid>, dropped at the end; never the
test suite's `test`), migrates and seeds the demo (portal.demo --scale), starts --processes
Streamlit processes (serve.py) with the clock rules left to one `python -m portal.worker`, and
nginx in front with sticky sessions (tests/proxy.py, the configuration README shows). Each user
is a resident who gets its route cookie from nginx, logs in by a login token and then, every
5–15 s, opens one of: home, wish wall, my reports, my points, problems in our community (a rerun
of that page over its websocket, timed from the request to script_finished). Prints p50/p95 per
action, errors and timeouts, how the users spread over the processes, server CPU per rerun and RSS
per Streamlit session (growth of each process's RSS divided by the sessions it holds).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import pg_database  # noqa: E402
from bench.load import cpu_seconds, login_cookies, pct, rerun, rss_mb  # noqa: E402
from tests.e2e.server import free_port, seed_database, start_server  # noqa: E402
from tests.proxy import start_proxy  # noqa: E402

ACTIONS = ("home", "wish_wall", "my_reports", "points", "public_reports")


def route_of(base: str) -> tuple[str, str]:
    with urllib.request.urlopen(base + "/", timeout=30) as response:
        jar = SimpleCookie(response.headers.get("Set-Cookie", ""))
        return jar["linli_route"].value, response.headers["X-Linli-Upstream"]


class Results:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors = 0
        self.timeouts = 0
        self.first_error = ""
        self.upstreams: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()


def user(base: str, login: str, args, until: float, out: Results) -> None:
    import websocket

    rng = random.Random()
    time.sleep(rng.uniform(0, args.think_max))  # arrivals spread over one think time
    try:
        route, upstream = route_of(base)
        ws = websocket.create_connection(
            base.replace("http", "ws") + "/_stcore/stream",
            subprotocols=["streamlit"],
            header=[f"Cookie: linli_route={route}; {login}"],
            timeout=args.timeout,
        )
        rerun(ws, "home", args.timeout)  # the session's first run: not counted
        with out.lock:
            out.upstreams[upstream] += 1
    except Exception as exc:
        with out.lock:
            out.errors += 1
            out.first_error = out.first_error or repr(exc)[:160]
        return
    while time.perf_counter() < until:
        time.sleep(rng.uniform(args.think_min, args.think_max))
        if time.perf_counter() >= until:
            break
        action = rng.choice(ACTIONS)
        try:
            took = rerun(ws, action, args.timeout)
            with out.lock:
                out.times[action].append(took)
        except websocket.WebSocketTimeoutException:
            with out.lock:
                out.timeouts += 1
            break
        except Exception as exc:
            with out.lock:
                out.errors += 1
                out.first_error = out.first_error or repr(exc)[:160]
            break
    ws.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=float, default=90.0)
    parser.add_argument("--think-min", type=float, default=5.0)
    parser.add_argument("--think-max", type=float, default=15.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args(argv)
    name = f"linli_bench_cluster_{os.getpid()}"
    create, drop = pg_database(name)
    db_url = create()
    env = {"LINLI_TILES": "none", "LINLI_HOUSEKEEPING_SECONDS": "0"}
    worker = None
    try:
        started = time.perf_counter()
        seed_database(db_url, scale=args.scale)
        print(f"database seeded in {time.perf_counter() - started:.0f} s", flush=True)
        issued = login_cookies(db_url, args.users)
        worker = subprocess.Popen(
            [sys.executable, "-m", "portal.worker"],
            cwd=ROOT,
            env={**os.environ, **env, "DATABASE_URL": db_url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with tempfile.TemporaryDirectory(prefix="linli-cluster-") as tmp:
            servers = [
                start_server(Path(tmp) / f"p{n}", env=env, database_url=db_url)
                for n in range(args.processes)
            ]
            try:
                with start_proxy(Path(tmp) / "nginx", free_port(), [s.port for s in servers]) as px:
                    run(args, px.url, servers, issued)
            finally:
                for server in servers:
                    server.stop()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(10)
        drop()
    return 0


def run(args, base: str, servers, logins: list[str]) -> None:
    pids = {f"127.0.0.1:{s.port}": s.process.pid for s in servers}
    rss_before = {k: rss_mb(pid) for k, pid in pids.items()}
    cpu_before = {k: cpu_seconds(pid) for k, pid in pids.items()}
    out = Results()
    until = time.perf_counter() + args.duration
    threads = [
        threading.Thread(target=user, args=(base, login, args, until, out)) for login in logins
    ]
    for thread in threads:
        thread.start()
    rss_peak = dict(rss_before)
    while any(t.is_alive() for t in threads):
        for k, pid in pids.items():
            rss_peak[k] = max(rss_peak[k], rss_mb(pid))
        time.sleep(1)
    reruns = sum(len(v) for v in out.times.values())
    cpu = sum(cpu_seconds(pid) - cpu_before[k] for k, pid in pids.items())
    print(
        f"{args.users} users over {args.processes} processes behind nginx, think "
        f"{args.think_min:.0f}–{args.think_max:.0f} s, {args.duration:.0f} s; "
        f"errors {out.errors}, timeouts {out.timeouts}"
    )
    for action in ACTIONS:
        got = out.times.get(action, [])
        print(
            f"  {action:15s} n {len(got):4d}  p50 {pct(got, 0.5):6.2f} s  p95 {pct(got, 0.95):6.2f} s"
        )
    everything = [t for v in out.times.values() for t in v]
    print(
        f"  {'all':15s} n {len(everything):4d}  p50 {pct(everything, 0.5):6.2f} s  "
        f"p95 {pct(everything, 0.95):6.2f} s"
    )
    print(f"  server CPU per rerun {cpu / max(1, reruns) * 1000:.0f} ms (incl. first runs)")
    for k in pids:
        sessions = out.upstreams.get(k, 0)
        growth = rss_peak[k] - rss_before[k]
        per = growth / sessions if sessions else float("nan")
        print(
            f"  process {k}: {sessions} sessions, RSS {rss_before[k]:.0f} → {rss_peak[k]:.0f} MB"
            f" ({per:.1f} MB per session)"
        )
    if out.first_error:
        print(f"  first error: {out.first_error}")


if __name__ == "__main__":
    sys.exit(main())
