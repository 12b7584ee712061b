"""The staff cockpit in a real browser: figures, the grid map with the open demo alarm, a CSV
download of the measures; axe-core finds nothing on the page or inside the map."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import (
    MAIN, MAP_IFRAME, describe_violations, log_in, open_page, run_axe, screenshot, set_language,
    texts,
)

pytestmark = pytest.mark.e2e


def test_staff_sees_figures_map_and_downloads_csv(server, new_context):
    page = new_context(accept_downloads=True).new_page()
    log_in(page, server.url, "staff01")
    set_language(page, "zh_Hans")
    open_page(page, server.url + "/cockpit", MAP_IFRAME)
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached")
    assert frame.locator("path.leaflet-interactive").count() >= 9  # 8 general grids + an alarm ring
    metrics = page.locator('[data-testid="stMetric"]')
    assert metrics.count() == 5
    assert any(t in page.inner_text(MAIN) for t in texts("Red list (best)"))
    screenshot(page, "cockpit-1")
    names = "|".join(re.escape(t) for t in texts("Download the measures (CSV)"))
    button = page.locator(f"{MAIN} [data-testid='stDownloadButton'] button").filter(
        has_text=re.compile(names))
    with page.expect_download() as caught:
        button.first.click()
    body = caught.value.path().read_bytes().decode("utf-8-sig")
    header = body.splitlines()[0]
    assert "收到工单" in header and "办结率（%）" in header
    assert len(body.splitlines()) == 9  # header + 8 general grids
    result = run_axe(page)
    assert not result["violations"], describe_violations("cockpit", result)
    inner = page.locator(MAP_IFRAME).element_handle().content_frame()
    result = run_axe(inner)
    assert not result["violations"], describe_violations("cockpit map iframe", result)

