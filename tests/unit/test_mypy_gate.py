"""The type gate compares errors by file, code and message (not line), with counts."""

import importlib.util

from portal.config import ROOT

spec = importlib.util.spec_from_file_location("mypy_gate", ROOT / ".ci" / "mypy_gate.py")
gate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gate)

BEFORE = """\
portal/a.py:10: error: Incompatible return value type (got "int | None", expected "int")  [return-value]
portal/a.py:20: error: Incompatible return value type (got "int | None", expected "int")  [return-value]
portal/a.py:25: note: See https://mypy.readthedocs.io
portal/b.py:5: error: Name "x" already defined on line 3  [no-redef]
Found 3 errors in 2 files (checked 2 source files)
"""


def test_moved_lines_are_the_same_errors():
    moved = BEFORE.replace(":10:", ":14:").replace(":20:", ":31:").replace("line 3", "line 9")
    assert gate.errors(moved) == gate.errors(BEFORE)
    assert sum(gate.errors(BEFORE).values()) == 3


def test_one_more_of_an_allowed_error_is_new_and_one_fewer_is_fixed():
    allowed = gate.errors(BEFORE)
    extra = BEFORE + BEFORE.splitlines(keepends=True)[0].replace(":10:", ":40:")
    assert sum((gate.errors(extra) - allowed).values()) == 1
    fewer = "".join(BEFORE.splitlines(keepends=True)[1:])
    assert gate.errors(fewer) - allowed == {} and sum((allowed - gate.errors(fewer)).values()) == 1
