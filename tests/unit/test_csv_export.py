"""Every CSV the portal writes is safe to open in a spreadsheet (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pandas as pd
from sqlmodel import select

from db.models import Grid
from db.models_council import CouncilItem
from db.models_wishes import Wish
from portal import cockpit
from portal.csv_export import csv_bytes, frame_csv, spreadsheet_safe
from portal.grids import GridIndex

ATTACKS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _no_formula(data: bytes) -> None:
    for row in _cells(data):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_formula_text_gets_an_apostrophe_numbers_and_plain_text_stay():
    assert [spreadsheet_safe(a) for a in ATTACKS] == ["'" + a for a in ATTACKS]
    assert spreadsheet_safe(-3) == -3 and spreadsheet_safe(2.5) == 2.5
    assert spreadsheet_safe("路灯不亮") == "路灯不亮" and spreadsheet_safe(None) == ""
    data = csv_bytes(["=title"], [[a] for a in ATTACKS] + [[-3]])
    assert data.startswith("\ufeff".encode())
    rows = _cells(data)
    assert rows[0] == ["'=title"] and rows[-1] == ["-3"]
    _no_formula(csv_bytes(["x"], [[a] for a in ATTACKS[:4]]))


def test_page_tables_are_safe_and_keep_empty_cells_empty():
    frame = pd.DataFrame({"网格": ["=1+1", "一网格"], "评分": [None, 4.5]})
    rows = _cells(frame_csv(frame))
    assert rows == [["网格", "评分"], ["'=1+1", ""], ["一网格", "4.5"]]


def test_open_data_files_are_safe(demo_session):
    """Residents type wish titles; staff type grid and council names: all reach the files."""
    wish = demo_session.exec(
        select(Wish).where(Wish.state.in_(cockpit.PUBLIC_WISH_STATES), Wish.personal == False)  # noqa: E712
    ).first()
    wish.title = ATTACKS[0]
    for grid in demo_session.exec(select(Grid)).all():
        grid.code = "@" + grid.code
    for item in demo_session.exec(select(CouncilItem)).all():
        item.title, item.decision = "+cmd|' /C calc'!A0", "-1"
    demo_session.commit()
    index = GridIndex.load(demo_session)
    for build in (cockpit.open_reports, cockpit.open_wishes, cockpit.open_decisions):
        rows = build(demo_session, index)
        assert rows, build
        data = cockpit.to_csv(rows)
        _no_formula(data)
    wishes = _cells(cockpit.to_csv(cockpit.open_wishes(demo_session, index)))
    assert ["'" + ATTACKS[0]] == [c for row in wishes for c in row if c.endswith('"y")')]
