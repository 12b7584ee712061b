"""Set up and run the portal or its tests from a fresh clone, needing only Python 3.11+.

    python3 -m portal.bootstrap start   # venv, install, migrate, first admin, serve on 127.0.0.1:8501
    python3 -m portal.bootstrap demo    # the same with the demo community and its demo accounts
    python3 -m portal.bootstrap test    # venv, install, browser tools, the whole test suite
    python3 -m portal.bootstrap lint    # venv, install, then ruff and the mypy gate (as CI does)

Installs the pinned versions in requirements.lock (what CI tested), then the portal itself.
Standard library only: this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from portal.config import load_settings

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
LOCK = ROOT / "requirements.lock"  # uv pip compile (see its first lines); runtime, test and dev


def _run(*cmd: str | Path, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


def ensure_venv() -> None:
    if not PYTHON.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".linli-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + LOCK.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != wanted:
        _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        _run(PYTHON, "-m", "pip", "install", "--quiet", "-r", LOCK)
        _run(PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ".")
        stamp.write_text(wanted)
    ensure_npm_packages()
    _run(PYTHON, "-m", "portal.assets")


def ensure_npm_packages() -> None:
    """The minority-script fonts the portal serves and axe-core for the tests, from the npm
    registry (package.json, package-lock.json); without npm the portal still runs, with a note."""
    wanted = hashlib.sha256((ROOT / "package-lock.json").read_bytes()).hexdigest()
    stamp = ROOT / "node_modules" / ".linli-installed"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if shutil.which("npm") is None:
        print(
            "npm not found: install Node.js and npm, then run this again. Without them the "
            "Tibetan, Yi and Uyghur fonts are not served and the accessibility tests are skipped."
        )
        return
    _run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
    stamp.write_text(wanted)


def _serve(args: list[str], env: dict[str, str], note: str) -> int:
    port = load_settings().port
    print(f"Linli is starting on http://127.0.0.1:{port} {note}", flush=True)
    os.chdir(ROOT)
    streamlit = VENV / "bin" / "streamlit"
    os.execve(streamlit, [str(streamlit), "run", "serve.py", "--server.port", port, *args], env)


def start(args: list[str]) -> int:
    """A real deployment: no demo accounts; the first start creates the first administrator."""
    ensure_venv()
    first = subprocess.run([str(PYTHON), "-m", "portal.first_admin"], cwd=ROOT)
    if first.returncode != 0:
        return first.returncode
    return _serve(args, dict(os.environ), "")


def demo(args: list[str]) -> int:
    """The public demo: seeds the demo community and lets its demo accounts log in (LINLI_DEMO=1)."""
    ensure_venv()
    seed = subprocess.run([str(PYTHON), "-m", "portal.demo"], cwd=ROOT)
    if seed.returncode != 0:
        return seed.returncode
    env = dict(os.environ)
    env["LINLI_DEMO"] = "1"  # the one place demo mode is switched on
    return _serve(args, env, "in DEMO mode (demo accounts: see README.md; never use in production)")


def test(args: list[str]) -> int:
    """The whole suite, one pytest-xdist worker per core (at most four); each test file stays on
    one worker, so a file's server, browser and database fixtures are made once. `-n 0` runs
    everything in this process."""
    ensure_venv()
    os.chdir(ROOT)
    spread = [] if any(a == "-n" or a.startswith("-n") for a in args) else _spread()
    os.execv(PYTHON, [str(PYTHON), "-m", "pytest", *spread, *args])


def _spread() -> list[str]:
    workers = min(os.cpu_count() or 1, 4)
    return ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else []


def lint(args: list[str]) -> int:
    """ruff (rules and formatting) and the mypy gate; the first failure ends the run."""
    ensure_venv()
    checks = [
        ("-m", "ruff", "check", "."),
        ("-m", "ruff", "format", "--check", "."),
        (".ci/mypy_gate.py", *args),
    ]
    for check in checks:
        print("+", "python", " ".join(check), flush=True)
        done = subprocess.run([str(PYTHON), *check], cwd=ROOT)
        if done.returncode != 0:
            return done.returncode
    return 0


COMMANDS = {"start": start, "demo": demo, "test": test, "lint": lint}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
