"""The permission table and the pages/ folder agree: every page file is in the table, is named by
its key (a fresh server serves pages/<file> by its name), and guards itself before anything else."""

import re
from pathlib import Path

from portal import auth
from tests.conftest import ROOT

GUARD = re.compile(r'^viewer = require\("(?P<key>\w+)"\)$', re.MULTILINE)


def test_every_page_file_is_in_the_table_under_its_own_name():
    files = {p.stem for p in (ROOT / "pages").glob("*.py")}
    assert files == {page.key for page in auth.PAGES}
    for page in auth.PAGES:
        assert Path(page.path).stem == page.key and (ROOT / page.path).exists()


def test_every_page_starts_with_its_guard():
    for page in auth.PAGES:
        if page.key == "start":  # only forwards to the role's home page
            continue
        source = (ROOT / page.path).read_text(encoding="utf-8")
        match = GUARD.search(source)
        assert match and match.group("key") == page.key, page.path
        before = source[: match.start()]
        # nothing but imports (and the docstring) may run before the guard
        code = [
            line
            for line in before.splitlines()
            if line.strip() and not line.startswith(("import ", "from ", "#", '"""', "    "))
        ]
        assert not [line for line in code if not line.startswith(")")], (page.path, code)


def test_home_tiles_have_hints():
    for page in auth.PAGES:
        if page.tile:
            assert page.hint, page.key
