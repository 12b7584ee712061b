"""Start the portal as a real Streamlit server on loopback, with its own freshly seeded SQLite file.

    from tests.e2e.server import start_server
    with start_server(tmp_dir, env={"LINLI_TILES": "osm"}) as server:
        requests_to(server.url)

Used by the browser tests (tests/e2e) and the benches (bench/). The server binds 127.0.0.1 only,
sends no usage statistics and runs without a file watcher, as in production.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEALTH_TIMEOUT = 60.0
SEED_TIMEOUT = 120.0


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_database(
    db_url: str,
    *,
    env: dict[str, str] | None = None,
    scale: int = 1,
    communities: int = 1,
    reports: int | None = None,
    timeout: float = SEED_TIMEOUT,
) -> None:
    """`python -m portal.demo` against db_url in a child process (migrates, then seeds the demo;
    communities > 1: the demo plus S-like communities with `reports` reports a year each)."""
    child_env = {**os.environ, **(env or {}), "DATABASE_URL": db_url}
    command = [sys.executable, "-m", "portal.demo", "--scale", str(scale)]
    command += ["--communities", str(communities)]
    if reports is not None:
        command += ["--reports", str(reports)]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise ServerError(
            f"seeding {db_url} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


@dataclass
class ServerHandle:
    process: subprocess.Popen
    port: int
    db_url: str
    log_path: Path
    started_at: float  # time.perf_counter() when the process was launched
    ready_after: float = 0.0  # seconds from launch until /_stcore/health answered
    _log_file: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate, then kill if it does not go; always closes the log. Safe to call twice."""
        proc = self.process
        try:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=timeout)
        finally:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_server(
    tmp_dir: str | os.PathLike,
    *,
    env: dict[str, str] | None = None,
    timeout: float = HEALTH_TIMEOUT,
    scale: int = 1,
    seed: bool = True,
    template: str | os.PathLike | None = None,
    database_url: str | None = None,
) -> ServerHandle:
    """Seed a fresh SQLite database in tmp_dir and start `streamlit run app.py` on a free port.

    template: a seeded SQLite file to copy instead of seeding (seeding takes seconds; see
    seed_database). Returns once /_stcore/health answers; raises ServerError (with the server log)
    otherwise, after stopping the process."""
    tmp = Path(tmp_dir)
    tmp.mkdir(parents=True, exist_ok=True)
    db_path = tmp / "linli.db"
    db_url = database_url or f"sqlite:///{db_path}"
    if database_url is not None:
        pass
    elif template is not None:
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{template}{suffix}")
            if source.exists():
                shutil.copy(source, f"{db_path}{suffix}")
    elif seed:
        seed_database(db_url, env=env, scale=scale)
    port = free_port()
    child_env = {
        **os.environ,
        "LINLI_MEDIA_DIR": str(tmp / "media"),
        "LINLI_DEMO": "1",  # the seeded demo accounts log in (a test may pass LINLI_DEMO="")
        **(env or {}),
        "DATABASE_URL": db_url,
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp / f"streamlit-{port}.log"
    log_file = open(log_path, "w")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "serve.py",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=child_env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    handle = ServerHandle(process, port, db_url, log_path, started, _log_file=log_file)
    try:
        deadline = started + timeout
        while True:
            if process.poll() is not None:
                raise ServerError(f"streamlit exited with {process.returncode}:\n{handle.log()}")
            if _healthy(handle.url):
                handle.ready_after = time.perf_counter() - started
                return handle
            if time.perf_counter() > deadline:
                raise ServerError(
                    f"no answer from {handle.url}/_stcore/health after {timeout:.0f} s:\n"
                    f"{handle.log()}"
                )
            time.sleep(0.1)
    except BaseException:
        handle.stop()
        raise
