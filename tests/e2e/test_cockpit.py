"""The staff cockpit in a real browser: figures, the grid map with the open demo alarm, a CSV
download of the measures (8 general grids and the community as a whole); a micro-grid chief's
cockpit with only their courtyard; axe-core finds nothing on the page or inside the map."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Grid, GridDuty, User
from tests.e2e.helpers import (
    MAIN,
    MAP_IFRAME,
    assert_no_axe_violations,
    enter_as,
    open_as,
    open_page,
    screenshot,
    set_language,
    texts,
)

pytestmark = pytest.mark.e2e


def test_staff_sees_figures_map_and_downloads_csv(server, new_context):
    page = new_context(accept_downloads=True).new_page()
    enter_as(page, server, "staff01")
    set_language(page, "zh_Hans")
    open_page(page, server.url + "/cockpit", MAP_IFRAME)
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached")
    assert frame.locator("path.leaflet-interactive").count() >= 9  # 8 general grids + an alarm ring
    metrics = page.locator('[data-testid="stMetric"]')
    assert metrics.count() == 6  # with the one clock's "Overdue now"
    assert any(t in page.inner_text(MAIN) for t in texts("Red list (best)"))
    screenshot(page, "cockpit-1")
    names = "|".join(re.escape(t) for t in texts("Download the measures (CSV)"))
    button = page.locator(f"{MAIN} [data-testid='stDownloadButton'] button").filter(
        has_text=re.compile(names)
    )
    with page.expect_download() as caught:
        button.first.click()
    body = caught.value.path().read_bytes().decode("utf-8-sig")
    header = body.splitlines()[0]
    assert "收到工单" in header and "办结率（%）" in header
    lines = body.splitlines()
    assert len(lines) == 10  # header + 8 general grids + the community council's row
    assert any("社区整体" in line for line in lines[1:])
    assert_no_axe_violations(page, "cockpit")
    inner = page.locator(MAP_IFRAME).element_handle().content_frame()
    assert_no_axe_violations(inner, "cockpit map iframe")


def _download(page, msgid: str) -> str:
    names = "|".join(re.escape(t) for t in texts(msgid))
    button = page.locator(f"{MAIN} [data-testid='stDownloadButton'] button").filter(
        has_text=re.compile(names)
    )
    with page.expect_download() as caught:
        button.first.click()
    return caught.value.path().read_bytes().decode("utf-8-sig")


def test_micro_grid_chief_sees_only_their_courtyard(server, new_context):
    page = open_as(lambda: new_context(accept_downloads=True), server, "chief_g1m1")
    open_page(page, server.url + "/cockpit", MAP_IFRAME)
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached")
    assert (
        frame.locator("path.leaflet-interactive").count() == 1
    )  # their micro-grid; no alarm there
    lines = _download(page, "Download the measures (CSV)").splitlines()
    with Session(get_engine(server.db_url)) as s:
        courtyard = s.exec(
            select(Grid.name)
            .join(GridDuty, GridDuty.grid_id == Grid.id)
            .join(User, User.id == GridDuty.user_id)
            .where(User.username == "chief_g1m1")
        ).one()
    assert len(lines) == 2 and lines[1].startswith(courtyard + ",")
    screenshot(page, "cockpit-2-micro-grid-chief")
    assert_no_axe_violations(page, "cockpit (micro-grid chief)")
