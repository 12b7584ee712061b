"""The type gate: mypy may report only errors the baseline already lists, so the count only falls.

    python .ci/mypy_gate.py           # run mypy on portal, db and app.py; fail on any new error
    python .ci/mypy_gate.py --update  # after fixing errors: write the smaller baseline

An error is its file, its error code and its message (line numbers are left out, so moving code
does not break the gate); the baseline keeps one line per error, so counts are compared too.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / ".ci" / "mypy-baseline.txt"
TARGETS = ["portal", "db", "app.py"]
ERROR = re.compile(
    r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error: (?P<message>.*?)\s+\[(?P<code>[\w-]+)\]$"
)


def errors(mypy_output: str) -> Counter[str]:
    """mypy's error lines as "path [code] message", line numbers removed, with their counts."""
    found: Counter[str] = Counter()
    for line in mypy_output.splitlines():
        match = ERROR.match(line.strip())
        if match:
            message = re.sub(r"\bline \d+\b", "line N", match["message"])
            found[f"{match['path']} [{match['code']}] {message}"] += 1
    return found


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    lines = BASELINE.read_text(encoding="utf-8").splitlines()
    return Counter(line for line in lines if line and not line.startswith("#"))


def write_baseline(found: Counter[str]) -> None:
    header = "# mypy errors still allowed (python .ci/mypy_gate.py --update after fixing some)\n"
    BASELINE.write_text(header + "".join(f"{e}\n" for e in sorted(found.elements())), "utf-8")


def run_mypy() -> str:
    cmd = [sys.executable, "-m", "mypy", *TARGETS]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 2: mypy itself failed (bad config, crash)
        sys.exit(f"mypy did not run:\n{done.stdout}{done.stderr}")
    return done.stdout


def main(argv: list[str]) -> int:
    found = errors(run_mypy())
    if "--update" in argv:
        write_baseline(found)
        print(f"baseline: {sum(found.values())} errors")
        return 0
    allowed = read_baseline()
    new = found - allowed
    fixed = allowed - found
    for error in sorted(new.elements()):
        print(f"new: {error}")
    print(
        f"mypy: {sum(found.values())} errors, baseline {sum(allowed.values())}, "
        f"new {sum(new.values())}, fixed {sum(fixed.values())}"
    )
    if fixed and not new:
        print("Errors were fixed: run python .ci/mypy_gate.py --update to lower the baseline.")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
