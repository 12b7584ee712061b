"""The compact report pins (portal.map_pins) rebuilt in a real browser: every pin not in a cluster
carries the id, state name, letter and colour of its report, and the pins in clusters plus the
single pins add up to every report shown; axe-core finds nothing inside the map."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from db.engine import get_engine
from portal import reports
from portal.reports import queries
from tests.e2e.helpers import (
    MAP_IFRAME,
    assert_no_axe_violations,
    open_as,
    open_page,
    screenshot,
    zh,
)

pytestmark = pytest.mark.e2e

PINS_JS = """els => els.map(e => ({title: e.getAttribute('title'), text: e.innerText.trim(), background: e.querySelector('.linli-pin').style.background,
    overdue: !!e.querySelector('.linli-overdue')}))"""


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_staff_map_pins_carry_every_report(server, new_context):
    with Session(get_engine(server.db_url)) as s:
        shown = {row[0]: (row[3], bool(row[4])) for row in queries.map_points(s)}
    page = open_as(new_context, server, "staff01")
    open_page(page, server.url + "/report_map", MAP_IFRAME)
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator(".leaflet-marker-icon").first.wait_for(state="attached")
    pins = frame.locator(".linli-pin-wrap").evaluate_all(PINS_JS)
    clusters = frame.locator(".marker-cluster").evaluate_all(
        "els => els.map(e => e.innerText.trim())"
    )
    assert pins, "no single pin at the starting zoom"
    for pin in pins:
        number, name = re.fullmatch(r"#(\d+) (.+)", pin["title"]).groups()
        state, overdue = shown[int(number)]
        assert name == zh(reports.STATE_LABELS[state])
        assert pin["overdue"] == overdue
        assert pin["text"] == ("!" if overdue else reports.STATE_MARKS[state])
        assert pin["background"] == _rgb(reports.STATE_COLOURS[state])
    assert len(pins) + sum(int(c) for c in clusters) == len(shown)
    screenshot(page, "report-map-pins")
    inner = page.locator(MAP_IFRAME).element_handle().content_frame()
    assert_no_axe_violations(inner, "staff report map iframe (packed pins)")
