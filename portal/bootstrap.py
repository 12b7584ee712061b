"""Set up and run the portal or its tests from a fresh clone, needing only Python 3.11+.

    python3 -m portal.bootstrap start   # venv, install, migrate, first admin, serve on 127.0.0.1:8501
    python3 -m portal.bootstrap demo    # the same with the demo community and its demo accounts
    python3 -m portal.bootstrap test    # venv, install, browser tools, the whole test suite

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

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"


def _run(*cmd: str | Path, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


def ensure_venv() -> None:
    if not PYTHON.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".linli-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != wanted:
        _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[test]")
        stamp.write_text(wanted)
    _run(PYTHON, "-m", "portal.assets")


def ensure_browser_tools() -> None:
    """axe-core from npm for the accessibility checks (skipped with a note when npm is absent)."""
    if (ROOT / "node_modules" / "axe-core" / "axe.min.js").exists():
        return
    if shutil.which("npm") is None:
        print("npm not found: browser accessibility tests will be skipped (CI installs it).")
        return
    _run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")


def _serve(args: list[str], env: dict[str, str], note: str) -> int:
    port = os.environ.get("PORT", "8501")
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
    env = {**os.environ, "LINLI_DEMO": "1"}
    return _serve(args, env, "in DEMO mode (demo accounts: see README.md; never use in production)")


def test(args: list[str]) -> int:
    ensure_venv()
    ensure_browser_tools()
    os.chdir(ROOT)
    os.execv(PYTHON, [str(PYTHON), "-m", "pytest", *args])


def main(argv: list[str]) -> int:
    commands = {"start": start, "demo": demo, "test": test}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
