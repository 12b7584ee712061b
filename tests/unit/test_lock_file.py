"""requirements.lock pins every package pyproject.toml asks for: bootstrap installs the lock and then
the portal with --no-deps, so a dependency missing from the lock is missing on a fresh machine."""

from __future__ import annotations

import re
import tomllib

from portal.config import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _wanted() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = {_name(r) for r in project["project"]["dependencies"]}
    for extra in project["project"].get("optional-dependencies", {}).values():
        names |= {_name(r) for r in extra}
    for group in project.get("dependency-groups", {}).values():
        names |= {_name(r) for r in group if isinstance(r, str)}
    return names


def _pinned() -> set[str]:
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    return {
        _name(line).split("==")[0] for line in lines if "==" in line and not line.startswith(" ")
    }


def test_every_dependency_is_pinned_in_the_lock_file():
    missing = sorted(_wanted() - _pinned())
    assert not missing, f"regenerate requirements.lock (command at its top); missing: {missing}"


def test_the_name_parser_reads_requirement_forms():
    assert _name("psycopg[binary]>=3.2") == "psycopg"
    assert _name("streamlit==1.67.0") == "streamlit"
    assert _name("paho_mqtt>=2 ; python_version>='3.11'") == "paho-mqtt"
