"""Benches are not run by the suite (they print figures), but each must still load: a moved module
(the demo seed left db/ for portal/demo) broke two of them unnoticed."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

HELPERS = {"databases"}  # shared by the benches, not a bench of its own
BENCHES = sorted(
    path
    for path in (Path(__file__).resolve().parents[2] / "bench").glob("*.py")
    if path.stem not in HELPERS
)


def test_there_are_benches():
    assert len(BENCHES) >= 10


@pytest.mark.parametrize("path", BENCHES, ids=lambda p: p.stem)
def test_bench_loads_without_running(path):
    names = runpy.run_path(str(path), run_name="bench_load_check")  # not "__main__": nothing runs
    assert callable(names.get("main")) or any(
        callable(v) for k, v in names.items() if k.startswith("run")
    )


def test_bench_databases_refuse_a_database_they_did_not_name():
    from bench.databases import pg_database

    with pytest.raises(ValueError):
        pg_database("test")
