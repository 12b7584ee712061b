"""Every script and style a portal map loads comes from the portal's own server: a CDN script
(folium's RegularPolygonMarker pulls leaflet-dvf from cdnjs) left the venues map frame empty
offline, and would in mainland China."""

import re

from portal import maps, reports
from portal.config import load_settings
from portal.ui.venue_widgets import add_venue_pins


class _Venue:
    id, lat, lon, name = 1, 30.64, 104.04, "七中操场"


def test_a_map_with_grids_pins_and_venues_loads_only_local_files(monkeypatch):
    monkeypatch.setenv("LINLI_TILES", "none")
    settings = load_settings()
    fmap = maps.base_map(settings, (30.6, 104.0, 30.7, 104.1))
    rows = [(1, 30.64, 104.04, "assigned", False), (2, 30.65, 104.05, "closed", False)]
    maps.add_report_pins(fmap, rows, settings, reports.STATE_COLOURS, reports.STATE_MARKS, {})
    add_venue_pins(fmap, [_Venue()], settings, 1)
    html = fmap.get_root().render()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(settings.static_url_prefix) for s in sources), sources
    assert "maxZoom" in html  # Leaflet.markercluster refuses a map without one
