"""folium map builders. Leaflet is served by the portal itself; tiles are optional decoration.

Geometry is stored in WGS-84. Gaode (AMap) tiles use GCJ-02, so shapes are shifted only when drawn
on that layer. With no tiles at all (offline, tests) outlines and pins still show on a plain ground.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Collection, Iterable

import folium
from branca.element import Element

from db.models import Grid
from portal.config import Settings
from portal.grids import GridIndex
from portal.map_panels import add_legend

GRID_STYLES = {
    "district": {"color": "#3d2b56", "weight": 6, "fillOpacity": 0.0, "dashArray": "12 6"},
    "street": {"color": "#3d2b56", "weight": 5, "fillOpacity": 0.0, "dashArray": "2 6"},
    "community": {"color": "#1b1b1b", "weight": 4, "fillOpacity": 0.0, "dashArray": None},
    "general": {"color": "#1f4e79", "weight": 3, "fillOpacity": 0.0, "dashArray": None},
    "micro": {
        "color": "#4a5a6a",
        "weight": 1,
        "fillColor": "#9fb7cc",
        "fillOpacity": 0.15,
        "dashArray": None,
    },
    "exclusive": {
        "color": "#8a4500",
        "weight": 2,
        "fillColor": "#f0b070",
        "fillOpacity": 0.25,
        "dashArray": "6 4",
    },
}
SELECTED_STYLE = {"color": "#b3261e", "weight": 4, "fillColor": "#b3261e", "fillOpacity": 0.25}
# Drawn so that larger grids sit below and smaller ones stay clickable on top.
DRAW_ORDER = ("district", "street", "community", "general", "micro", "exclusive")
DECIMALS = 6  # about 0.1 m: enough for a grid outline, and a street's 1,600 outlines stay small


# --- coordinates -----------------------------------------------------------------------------

_A = 6378245.0
_EE = 0.00669342162296594323


def _out_of_china(lat: float, lon: float) -> bool:
    return not (73.66 < lon < 135.05 and 3.86 < lat < 53.55)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 (the offset Chinese map services draw in). Unchanged outside China."""
    if _out_of_china(lat, lon):
        return lat, lon
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Inverse of wgs84_to_gcj02 by iteration (error well under a metre)."""
    wlat, wlon = lat, lon
    for _ in range(6):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        wlat, wlon = wlat - (glat - lat), wlon - (glon - lon)
    return wlat, wlon


class Projection:
    """Turns stored WGS-84 into what the chosen tile layer draws in, and map clicks back."""

    def __init__(self, provider: str) -> None:
        self.gcj = provider == "gaode"

    def to_map(self, lat: float, lon: float) -> tuple[float, float]:
        return wgs84_to_gcj02(lat, lon) if self.gcj else (lat, lon)

    def from_map(self, lat: float, lon: float) -> tuple[float, float]:
        return gcj02_to_wgs84(lat, lon) if self.gcj else (lat, lon)

    def geometry(self, geometry: dict) -> dict:
        if not self.gcj:
            return geometry

        def ring(coords):
            return [[*reversed(self.to_map(lat, lon))] for lon, lat in coords]

        return {"type": geometry["type"], "coordinates": [ring(r) for r in geometry["coordinates"]]}


# --- maps ------------------------------------------------------------------------------------


def _tile_layers(m: folium.Map, settings: Settings) -> None:
    provider = settings.tile_provider
    if provider == "osm":
        folium.TileLayer(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            attr="&copy; OpenStreetMap contributors",
            name="OpenStreetMap",
            max_zoom=19,
        ).add_to(m)
    elif provider == "gaode":
        folium.TileLayer(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}",
            attr="&copy; 高德地图 AutoNavi",
            name="高德地图",
            subdomains="1234",
            max_zoom=18,
        ).add_to(m)
    elif provider == "tianditu" and settings.tianditu_key:
        for layer in ("vec", "cva"):
            folium.TileLayer(
                f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={settings.tianditu_key}",
                attr="&copy; 天地图",
                name=f"天地图 {layer}",
                subdomains="01234567",
                max_zoom=18,
                overlay=layer == "cva",
            ).add_to(m)


def base_map(settings: Settings, bounds: tuple[float, float, float, float]) -> folium.Map:
    """A map framed on (south, west, north, east), loading Leaflet from the portal's own server."""
    projection = Projection(settings.tile_provider)
    south, west = projection.to_map(bounds[0], bounds[1])
    north, east = projection.to_map(bounds[2], bounds[3])
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=16,
        tiles=None,
        control_scale=True,
        min_zoom=13,
        max_zoom=19,
    )
    # folium hands min/max zoom to its tile layers only: without tiles (LINLI_TILES=none) the map
    # itself had no maxZoom, and Leaflet.markercluster refuses such a map (no pins were drawn).
    m.options.update(min_zoom=13, max_zoom=19)
    prefix = settings.static_url_prefix
    m.default_js = [("leaflet", f"{prefix}/vendor/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", f"{prefix}/vendor/leaflet/leaflet.css")]
    # Pins are drawn as divIcons and circles, so Leaflet's default marker images are never needed.
    m.get_root().header.add_child(
        Element("<style>.leaflet-container{background:#e9edf1;font-size:15px}</style>")
    )
    _tile_layers(m, settings)
    m.fit_bounds([[south, west], [north, east]])
    return m


def tooltip_text(text: object) -> str:
    """Text for a map tooltip: Leaflet shows it as HTML and folium writes it into a JavaScript
    template string, so markup, backticks, `${` and backslashes are all turned into entities."""
    safe = html.escape(str(text if text is not None else ""), quote=True)
    return safe.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def grid_features(grids: Iterable[Grid], projection: Projection, labels: dict[str, str]) -> dict:
    """GeoJSON FeatureCollection of grids, larger kinds first; labels: kind → translated name.
    name and kind_label are HTML-escaped: the tooltips show them as HTML."""
    ordered = sorted(grids, key=lambda g: (DRAW_ORDER.index(g.kind), g.code))
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": grid.id,
                "properties": {
                    "id": grid.id,
                    "code": grid.code,
                    "name": tooltip_text(grid.name),
                    "kind": grid.kind,
                    "kind_label": tooltip_text(labels.get(grid.kind, grid.kind)),
                },
                "geometry": _rounded(projection.geometry(json.loads(grid.boundary))),
            }
            for grid in ordered
        ],
    }


def _rounded(geometry: dict) -> dict:
    def walk(value):
        if isinstance(value, float):
            return round(value, DECIMALS)
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    return {**geometry, "coordinates": walk(geometry.get("coordinates", []))}


def _grid_style(feature: dict, selected_id: int | None) -> dict:
    props = feature["properties"]
    style = dict(GRID_STYLES[props["kind"]])
    if props["id"] == selected_id:
        style.update(SELECTED_STYLE)
    return {k: v for k, v in style.items() if v is not None}


def add_grids(
    m: folium.Map,
    index: GridIndex,
    settings: Settings,
    labels: dict[str, str],
    tooltip_fields: tuple[str, str],
    selected_id: int | None = None,
    kinds: Iterable[str] = DRAW_ORDER,
    only: Collection[int] | None = None,
) -> None:
    """Outlines of the grids, styled by kind (line pattern as well as colour), with tooltips;
    `only`: just these grids (a person's area, portal.areas)."""
    projection = Projection(settings.tile_provider)
    wanted = set(kinds)
    collection = grid_features(
        (g for g in index.grids.values() if g.kind in wanted and (only is None or g.id in only)),
        projection,
        labels,
    )
    folium.GeoJson(
        collection,
        name="grids",
        style_function=lambda feature: _grid_style(feature, selected_id),
        highlight_function=lambda _feature: {"weight": 4, "color": "#b3261e"},
        tooltip=folium.GeoJsonTooltip(fields=["name", "kind_label"], aliases=list(tooltip_fields)),
    ).add_to(m)
    add_legend(m, tooltip_fields[1], {k: GRID_STYLES[k] for k in DRAW_ORDER if k in wanted}, labels)


def clicked_point(map_state: dict | None, settings: Settings) -> tuple[float, float] | None:
    """The WGS-84 point a person clicked on an st_folium map, from its returned state."""
    if not map_state:
        return None
    for key in ("last_object_clicked", "last_clicked"):
        point = map_state.get(key)
        if isinstance(point, dict) and "lat" in point and "lng" in point:
            try:
                lat, lon = float(point["lat"]), float(point["lng"])
            except (TypeError, ValueError):
                continue
            return Projection(settings.tile_provider).from_map(lat, lon)
    return None


# --- report pins -----------------------------------------------------------------------------

# Each pin: a coloured disc with a letter for its state ("!" when overdue), so colour is never the
# only cue. Built in the browser from a compact table and columns (portal.map_pins): no per-marker
# HTML, no repeated state names are sent.
_PIN_CSS = """<style>
.linli-pin-wrap { background: none; border: none; }
.linli-pin { display: inline-block; width: 26px; height: 26px; border-radius: 13px; color: #fff;
  font: bold 15px/26px sans-serif; text-align: center; border: 2px solid #fff;
  box-shadow: 0 0 2px #000; }
.linli-overdue { border: 3px solid #000; border-radius: 4px; }
.linli-count { width: auto; min-width: 26px; padding: 0 4px; border-radius: 6px; }
</style>"""
MAX_PINS = 14_000  # one by one; beyond, settled reports go as counts (portal.map_pins.trim)
SETTLED_STATES = ("verified", "rated", "closed")


def add_report_pins(
    m: folium.Map,
    rows: list[tuple],
    settings: Settings,
    colours: dict[str, str],
    marks: dict[str, str],
    titles: dict[str, str],
    max_pins: int = MAX_PINS,
) -> None:
    """rows: (id, lat, lon, state, overdue, …). Clustered, so thousands of pins stay fluid; beyond
    max_pins the settled ones are sent as counts per small square (a street's year ≤ 1 MB)."""
    from portal.map_pins import PackedPins, pack, trim

    projection = Projection(settings.tile_provider)
    pins = []
    for row in rows:
        report_id, lat, lon, state, overdue = row[:5]
        plat, plon = projection.to_map(lat, lon)
        pins.append((plat, plon, report_id, state, bool(overdue)))
    pins, counts = trim(pins, max_pins, SETTLED_STATES)
    table, packed = pack(pins, colours, marks, titles, counts)
    cluster = PackedPins(table, packed, name="reports", maxClusterRadius=50, chunkedLoading=True)
    prefix = settings.static_url_prefix
    cluster.default_js = [
        ("markercluster", f"{prefix}/vendor/markercluster/leaflet.markercluster.js")
    ]
    cluster.default_css = [
        ("markercluster_css", f"{prefix}/vendor/markercluster/MarkerCluster.css"),
        ("markercluster_default_css", f"{prefix}/vendor/markercluster/MarkerCluster.Default.css"),
    ]
    cluster.add_to(m)
    m.get_root().header.add_child(Element(_PIN_CSS))


def add_heat(m: folium.Map, rows: list[tuple], settings: Settings) -> None:
    from folium.plugins import HeatMap

    projection = Projection(settings.tile_provider)
    points = [list(projection.to_map(row[1], row[2])) for row in rows]
    heat = HeatMap(points, name="heat", radius=18, blur=15, min_opacity=0.3)
    heat.default_js = [
        ("leaflet-heat.js", f"{settings.static_url_prefix}/vendor/heat/leaflet-heat.js")
    ]
    heat.add_to(m)


def add_marker(m: folium.Map, lat: float, lon: float, settings: Settings, title: str) -> None:
    """One pin (the place being reported), drawn as a ring so it needs no image."""
    plat, plon = Projection(settings.tile_provider).to_map(lat, lon)
    folium.CircleMarker(
        [plat, plon],
        radius=10,
        color="#b3261e",
        weight=4,
        fill=True,
        fill_color="#ffffff",
        fill_opacity=0.9,
        tooltip=tooltip_text(title),
    ).add_to(m)


def nearest_row(
    rows: list[tuple], lat: float, lon: float, max_degrees: float = 0.0003
) -> tuple | None:
    """The report pin nearest to a clicked point (rows as from map_points)."""
    best, best_d = None, max_degrees**2
    for row in rows:
        d = (row[1] - lat) ** 2 + (row[2] - lon) ** 2
        if d <= best_d:
            best, best_d = row, d
    return best
