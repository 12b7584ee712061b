"""Load without browsers: N websocket users rerun a page with think time, against the portal and a
bare Streamlit page of the same shape, side by side in one run (the machine is shared: compare the
ratio portal / bare measured together, not absolute figures across runs).

    .venv/bin/python bench/load.py [--users 10] [--think 5] [--duration 60] [--page home]
        [--database sqlite|postgresql] [--scale 1] [--communities 1 --reports R --community CODE]

The portal (one process: tests/e2e/server.py start_server) runs on a database of the bench's own,
seeded by portal.demo (--communities 2 --reports 20000 --community C002: the users live in an
S-like community with 20,000 reports a year); each user is a resident logged in through a login
token in the session cookie and reruns --page every --think seconds (±20 %). The bare page is a
one-file Streamlit app with a title, a sidebar, a list, a form and buttons, served with
Streamlit's default settings (so with its post-run gc.collect). Both servers get their users at
the same time. Prints p50/p95 seconds per rerun (rerun request → script_finished), timeouts,
server CPU per rerun from /proc/<pid>/stat, and the portal/bare ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import free_port, seed_database, start_server  # noqa: E402

BARE_PAGE = """
import streamlit as st

with st.sidebar:
    st.selectbox("Language", ["中文", "English", "བོད་ཡིག", "ئۇيغۇرچە", "ꆈꌠꉙ"], key="lang")
    st.toggle("Large text", key="elder")
    for n in range(8):
        st.markdown(f"[Page {n}](#page-{n})")
st.title("Home")
st.markdown("Hello, resident. Your points: 120")
for n in range(10):
    st.markdown(f"- Notice {n}: the water will be off on Friday from 9 to 12.")
with st.form("report"):
    st.text_input("What is wrong?")
    st.form_submit_button("Send")
st.button("My reports")
st.button("Wish wall")
"""


@dataclass
class Figures:
    times: list[float] = field(default_factory=list)
    timeouts: int = 0
    errors: int = 0
    first_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rerun(ws, page: str, timeout: float) -> float:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    back = BackMsg()
    back.rerun_script.query_string = ""
    back.rerun_script.page_name = page
    started = time.perf_counter()
    ws.send_binary(back.SerializeToString())
    while True:
        ws.settimeout(max(0.1, timeout - (time.perf_counter() - started)))
        payload = ws.recv()
        if isinstance(payload, str):
            continue
        message = ForwardMsg()
        message.ParseFromString(payload)
        if message.WhichOneof("type") == "script_finished":
            return time.perf_counter() - started


def user(port: int, page: str, cookie: str | None, args, until: float, out: Figures) -> None:
    import websocket

    headers = [f"Cookie: {cookie}"] if cookie else []
    rng = random.Random()
    time.sleep(rng.uniform(0, args.think))  # users arrive spread over one think time
    try:
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}/_stcore/stream",
            subprotocols=["streamlit"],
            header=headers,
            timeout=args.timeout,
        )
        rerun(ws, page, args.timeout)  # the session's first run: not counted
    except Exception as exc:
        with out.lock:
            out.errors += 1
            out.first_error = out.first_error or repr(exc)[:120]
        return
    while time.perf_counter() < until:
        try:
            took = rerun(ws, page, args.timeout)
            with out.lock:
                out.times.append(took)
        except websocket.WebSocketTimeoutException:
            with out.lock:
                out.timeouts += 1
            break
        except Exception:
            with out.lock:
                out.errors += 1
            break
        time.sleep(args.think * rng.uniform(0.8, 1.2))
    ws.close()


def login_cookies(db_url: str, count: int, community: str | None = None) -> list[str]:
    """Login-token cookies of `count` residents (repeated when there are fewer), all living in
    the community with that grid code when one is given."""
    os.environ["DATABASE_URL"] = db_url
    from sqlmodel import Session, col, select

    from db.engine import get_engine
    from db.models import Grid, User
    from portal import auth
    from portal.grids import parent_map, subtree

    with Session(get_engine(db_url)) as s:
        query = select(User.id).where(User.role == "resident", User.is_active)
        if community:
            root = s.exec(select(Grid.id).where(Grid.code == community)).one()
            homes = subtree(parent_map(s), root)
            query = query.where(col(User.home_grid_id).in_(homes))
        ids = s.exec(query.order_by(User.id).limit(count)).all()
        cookies = [f"linli_session={auth.issue_login_token(s, uid, 1)}" for uid in ids]
        s.commit()
    get_engine(db_url).dispose()
    return [cookies[n % len(cookies)] for n in range(count)]


def start_bare(folder: Path) -> tuple[subprocess.Popen, int]:
    (folder / "bare.py").write_text(BARE_PAGE, encoding="utf-8")
    port = free_port()
    options = ["--server.address", "127.0.0.1", "--server.port", str(port)]
    options += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "bare.py", *options],
        cwd=folder,
        env={k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")},  # defaults
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import urllib.request

    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the bare page did not start")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--think", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--page", default="home", choices=("home", "wish_wall", "my_reports"))
    parser.add_argument("--scale", type=int, default=1, help="portal.demo --scale")
    parser.add_argument("--communities", type=int, default=1, help="portal.demo --communities")
    parser.add_argument("--reports", type=int, help="portal.demo --reports (each extra community)")
    parser.add_argument("--community", help="grid code of the users' community (e.g. C002)")
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--db",
        help="an already seeded SQLite file, or PostgreSQL database name, to copy (skips seeding)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="linli-load-") as tmp:
        folder = Path(tmp)
        db_url, drop = _database(args, folder)
        try:
            cookies = login_cookies(db_url, args.users, args.community)
            (folder / "bare").mkdir()
            bare, bare_port = start_bare(folder / "bare")
            server_options: dict = {"env": {"LINLI_TILES": "none"}}
            if args.database == "postgresql":
                server_options["database_url"] = db_url
            else:
                server_options["template"] = folder / "seed.db"
            with start_server(folder / "portal", **server_options) as srv:
                try:
                    run_both(args, srv.process.pid, srv.port, cookies, bare.pid, bare_port)
                finally:
                    bare.kill()
                    bare.wait()
        finally:
            drop()
    return 0


def _database(args, folder: Path):
    """(url, drop) of a seeded database of the bench's own: a SQLite file in `folder`, or a
    PostgreSQL database linli_bench_load_<pid> (never the test suite's `test`)."""
    started = time.perf_counter()
    if args.database == "postgresql":
        from bench.databases import pg_database

        create, drop = pg_database(f"linli_bench_load_{os.getpid()}", template=args.db)
        db_url = create()
    else:
        db_url, drop = f"sqlite:///{folder / 'seed.db'}", lambda: None
    if args.db and args.database == "sqlite":
        shutil.copy(args.db, folder / "seed.db")
    elif not args.db:
        seed_database(
            db_url,
            scale=args.scale,
            communities=args.communities,
            reports=args.reports,
            timeout=3600,
        )
    print(f"database ready in {time.perf_counter() - started:.0f} s", flush=True)
    return db_url, drop


def run_both(args, portal_pid, portal_port, cookies, bare_pid, bare_port) -> None:
    portal, bare = f"portal {args.page}", "bare page"
    targets = {
        portal: (portal_pid, portal_port, args.page, cookies),
        bare: (bare_pid, bare_port, "", [None] * args.users),
    }
    figures = {name: Figures() for name in targets}
    cpu_before = {name: cpu_seconds(pid) for name, (pid, *_rest) in targets.items()}
    until = time.perf_counter() + args.duration
    threads = [
        threading.Thread(target=user, args=(port, page, cookie, args, until, figures[name]))
        for name, (_pid, port, page, users) in targets.items()
        for cookie in users
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{args.users} users each, think {args.think:.0f} s, {args.duration:.0f} s")
    cpu_per_rerun = {}
    for name, (pid, *_rest) in targets.items():
        got = figures[name]
        cpu = cpu_seconds(pid) - cpu_before[name]
        cpu_per_rerun[name] = cpu / len(got.times) * 1000 if got.times else float("nan")
        print(
            f"{name:18s} reruns {len(got.times):5d}  p50 {pct(got.times, 0.5):6.2f} s"
            f"  p95 {pct(got.times, 0.95):6.2f} s  timeouts {got.timeouts}  errors {got.errors}"
            f"  CPU/rerun {cpu_per_rerun[name]:6.0f} ms  RSS {rss_mb(pid):5.0f} MB",
            flush=True,
        )
        if got.first_error:
            print(f"{'':18s} first error: {got.first_error}")
    if all(figures[name].times for name in figures):
        ours, theirs = figures[portal].times, figures[bare].times
        print(
            f"portal/bare  p50 {pct(ours, 0.5) / pct(theirs, 0.5):.2f}×"
            f"  p95 {pct(ours, 0.95) / pct(theirs, 0.95):.2f}×"
            f"  CPU/rerun {cpu_per_rerun[portal] / cpu_per_rerun[bare]:.2f}×"
        )


if __name__ == "__main__":
    sys.exit(main())
