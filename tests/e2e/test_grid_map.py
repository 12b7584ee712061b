"""The grid map works with no internet: Leaflet comes from the portal itself, outlines draw without
tiles (the OSM tiles the server asks for are blocked by the test's request guard)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.e2e.helpers import MAP_IFRAME, enter_as, open_page, screenshot, set_elder, set_language

pytestmark = pytest.mark.e2e

GRIDS_IN_DEMO = 82  # 1 community + 8 general + micro + exclusive grids (portal.demo.seed)


def test_grid_map_offline(server, new_context):
    context = new_context()
    page = context.new_page()
    enter_as(page, server, "staff01")
    set_language(page, "zh_Hans")
    set_elder(page, False)
    open_page(page, server.url + "/grid_map", MAP_IFRAME)

    frame = page.frame_locator(MAP_IFRAME)
    paths = frame.locator("path.leaflet-interactive")
    paths.nth(GRIDS_IN_DEMO - 1).wait_for(state="attached")
    assert paths.count() >= GRIDS_IN_DEMO

    box = page.locator(MAP_IFRAME).bounding_box()
    assert box is not None and box["height"] > 100, f"map iframe box: {box}"
    map_box = frame.locator(".leaflet-container").bounding_box()
    assert map_box is not None and map_box["height"] > 100, f"leaflet container box: {map_box}"

    scripts = frame.locator("script[src]").evaluate_all("els => els.map(e => e.src)")
    styles = frame.locator("link[rel=stylesheet]").evaluate_all("els => els.map(e => e.href)")
    leaflet = [u for u in scripts + styles if "leaflet" in u.lower()]
    assert leaflet, f"no Leaflet script or style in the map frame: {scripts + styles}"
    for url in leaflet:
        parsed = urlparse(url)
        assert parsed.hostname == "127.0.0.1" and parsed.path.startswith("/app/static/vendor/"), url
    assert any(urlparse(u).path == "/app/static/vendor/leaflet/leaflet.js" for u in scripts), (
        scripts
    )
    assert frame.locator("body").evaluate(
        "() => typeof window.L !== 'undefined' && !!window.L.version"
    )

    # the tile layer was asked for (LINLI_TILES=osm) and blocked; no CDN was asked for anything
    blocked_hosts = context.guard.hosts()
    assert "tile.openstreetmap.org" in blocked_hosts, context.guard.blocked
    assert not [u for u in context.guard.blocked if "leaflet" in u.lower() or "cdn" in u.lower()]
    screenshot(page, "grid-map-offline")
