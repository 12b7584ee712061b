"""Services, tables and catalogs never pull in Streamlit: every rule stays testable in plain Python."""

import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import importlib, pkgutil, sys
import portal, db
for pkg in (portal, db):
    for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        if mod.name.startswith("portal.ui") or mod.name.startswith("db.migrations"):
            continue
        importlib.import_module(mod.name)
from portal.i18n import catalog, LANGUAGE_CODES
for code in LANGUAGE_CODES:
    catalog(code)
print("streamlit" in sys.modules, sorted(m for m in sys.modules if m.startswith("portal.")))
"""


def test_domain_does_not_import_streamlit():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    # The last line: a library may print notes of its own while being imported.
    loaded_streamlit, modules = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert "portal.grids" in modules and "portal.auth" in modules
    assert loaded_streamlit == "False"
