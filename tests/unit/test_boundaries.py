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


LOGIN_PROBE = """
import ast, importlib, sys
for path in ("app.py", "pages/start.py", "pages/login.py"):
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            importlib.import_module(name)
print(sorted(m for m in ("folium", "pandas", "streamlit_folium") if m in sys.modules))
"""


def test_login_page_does_not_import_maps_or_tables():
    """folium and pandas cost seconds to import: the first page a visitor sees must not wait
    for them (they load when a page draws a map or a table)."""
    result = subprocess.run(
        [sys.executable, "-c", LOGIN_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
