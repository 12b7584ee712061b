"""Report pins for big maps, sent compactly: 20,000 pins in a few hundred kilobytes.

Instead of one array per pin repeating its colour, letter and translated state name (folium's
FastMarkerCluster data), the page gets
- a table of the states on the map, once: [[colour, letter, name], …];
- columns of small integers: each pin's place as millionths of a degree from the south-west corner
  of all pins (the same 6 decimals as before, about 0.1 m), its report id, its state's row in the
  table and 1 when overdue.
The browser rebuilds every pin from these with the same look, title and alt text as before
("#id state name"); nothing a person sees is lost.

A street's map (20 communities, 200,000 reports a year) would still be megabytes: beyond a budget
of pins (`trim`), the reports that need nobody's attention (settled, not overdue; the oldest first)
are sent as counts per small square and state instead ("37 closed" at the square's mean place).
Such a count is one marker with a weight; the clusters add weights, so every cluster still shows
how many reports it holds.
"""

from __future__ import annotations

import json
from typing import Any

from branca.element import CssLink, Element, JavascriptLink
from folium.plugins import MarkerCluster
from folium.template import Template

SCALE = 1_000_000  # millionths of a degree


def _safe_json(value) -> str:
    """Compact JSON that cannot close the <script> it sits in."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def pack(
    pins: list[tuple[float, float, int, str, bool]],
    colours: dict[str, str],
    marks: dict[str, str],
    titles: dict[str, str],
    counts: list[tuple[float, float, int, str]] = (),  # type: ignore[assignment]
) -> tuple[list, dict]:
    """pins: (lat, lon, report id, state, overdue) as drawn → (state table, packed columns);
    counts (from trim) go in as packed["counts"]."""
    states = sorted({p[3] for p in pins} | {c[3] for c in counts})
    code = {state: n for n, state in enumerate(states)}
    table = [[colours.get(s, "#333333"), marks.get(s, "?"), titles.get(s, s)] for s in states]
    lat0 = min([p[0] for p in pins] + [c[0] for c in counts], default=0.0)
    lon0 = min([p[1] for p in pins] + [c[1] for c in counts], default=0.0)
    packed: dict[str, Any] = {
        "base": [round(lat0, 6), round(lon0, 6)],
        "lat": [round((p[0] - lat0) * SCALE) for p in pins],
        "lon": [round((p[1] - lon0) * SCALE) for p in pins],
        "id": [p[2] for p in pins],
        "state": [code[p[3]] for p in pins],
        "overdue": [1 if p[4] else 0 for p in pins],
    }
    if counts:
        packed["counts"] = pack_counts(list(counts), states, packed["base"])
    return table, packed


CELL_DEGREES = 0.002  # about 200 m: the square whose settled reports become one count


def trim(
    pins: list[tuple[float, float, int, str, bool]], budget: int, settled: tuple[str, ...]
) -> tuple[list[tuple[float, float, int, str, bool]], list[tuple[float, float, int, str]]]:
    """At most `budget` pins: overdue ones first, then unsettled ones, then the newest; the rest as
    (lat, lon, count, state) per square of CELL_DEGREES and state."""
    if len(pins) <= budget:
        return pins, []
    ranked = sorted(pins, key=lambda p: (not p[4], p[3] in settled, -p[2]))
    kept, rest = ranked[:budget], ranked[budget:]
    cells: dict[tuple[int, int, str], list[float]] = {}
    for lat, lon, _id, state, _overdue in rest:
        key = (round(lat / CELL_DEGREES), round(lon / CELL_DEGREES), state)
        cell = cells.setdefault(key, [0.0, 0.0, 0])
        cell[0], cell[1], cell[2] = cell[0] + lat, cell[1] + lon, cell[2] + 1
    counts = [(la / n, lo / n, int(n), key[2]) for key, (la, lo, n) in sorted(cells.items())]
    return sorted(kept, key=lambda p: p[2]), counts


def pack_counts(counts: list[tuple[float, float, int, str]], states: list[str], base: list) -> dict:
    """Counts per square in the pins' columns: places from the same corner, state rows of the
    same table (pack() puts the counts' states in it)."""
    code = {state: n for n, state in enumerate(states)}
    return {
        "lat": [round((c[0] - base[0]) * SCALE) for c in counts],
        "lon": [round((c[1] - base[1]) * SCALE) for c in counts],
        "n": [c[2] for c in counts],
        "state": [code[c[3]] for c in counts],
    }


def unpack(table: list, packed: dict) -> list[tuple[float, float, int, str, str, bool, str]]:
    """What the browser makes of the packed pins (the same arithmetic, for tests):
    (lat, lon, id, colour, letter, overdue, title)."""
    lat0, lon0 = packed["base"]
    return [
        (
            round(lat0 + packed["lat"][i] / SCALE, 6),
            round(lon0 + packed["lon"][i] / SCALE, 6),
            packed["id"][i],
            table[packed["state"][i]][0],
            table[packed["state"][i]][1],
            bool(packed["overdue"][i]),
            f"#{packed['id'][i]} {table[packed['state'][i]][2]}",
        )
        for i in range(len(packed["id"]))
    ]


class _RenderedScript(Element):
    """Script text already rendered: put into the page as it is. (folium wraps each rendered
    script in a new Element, whose constructor compiles it as a jinja2 template: for the pin
    layer, megabytes of JSON compiled on every render, about a third of the staff map's time.)"""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class PackedPins(MarkerCluster):
    """A marker cluster filled in the browser from pack()'s table and columns."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function () {
                var S = {{ this.table_json }};
                var P = {{ this.packed_json }};
                var options = {{ this.options|tojavascript }};
                options.iconCreateFunction = function (c) {  // counts weigh what they hold
                    var n = 0;
                    c.getAllChildMarkers().forEach(function (m) { n += m.options.weight || 1; });
                    var size = n < 10 ? 'small' : (n < 100 ? 'medium' : 'large');
                    return L.divIcon({html: '<div><span>' + n + '</span></div>',
                                      className: 'marker-cluster marker-cluster-' + size,
                                      iconSize: new L.Point(40, 40)});
                };
                var cluster = L.markerClusterGroup(options);
                for (var i = 0; i < P.id.length; i++) {
                    var state = S[P.state[i]], overdue = P.overdue[i] === 1;
                    var html = '<span class="linli-pin' + (overdue ? ' linli-overdue' : '') +
                               '" style="background:' + state[0] + '">' + (overdue ? '!' : state[1]) +
                               '</span>';
                    var icon = L.divIcon({className: 'linli-pin-wrap', html: html, iconSize: [28, 28]});
                    var title = '#' + P.id[i] + ' ' + state[2];
                    L.marker(new L.LatLng(P.base[0] + P.lat[i] / {{ this.scale }},
                                          P.base[1] + P.lon[i] / {{ this.scale }}),
                             {icon: icon, title: title, alt: title, keyboard: true}).addTo(cluster);
                }
                var C = P.counts || {n: []};
                for (var j = 0; j < C.n.length; j++) {
                    var cs = S[C.state[j]], label = C.n[j] + ' ' + cs[2];
                    var cicon = L.divIcon({className: 'linli-pin-wrap', iconSize: [40, 28],
                        html: '<span class="linli-pin linli-count" style="background:' + cs[0] +
                              '">' + C.n[j] + '</span>'});
                    L.marker(new L.LatLng(P.base[0] + C.lat[j] / {{ this.scale }},
                                          P.base[1] + C.lon[j] / {{ this.scale }}),
                             {icon: cicon, title: label, alt: label, keyboard: true,
                              weight: C.n[j]}).addTo(cluster);
                }
                cluster.addTo({{ this._parent.get_name() }});
                return cluster;
            })();
        {% endmacro %}""")

    def __init__(self, table: list, packed: dict, name: str | None = None, **options) -> None:
        super().__init__(name=name, **options)
        self._name = "PackedPins"
        self.table_json, self.packed_json, self.scale = _safe_json(table), _safe_json(packed), SCALE

    def render(self, **kwargs) -> None:
        """What folium's JSCSSMixin and MacroElement render do, minus the re-compilation."""
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        script = self._template.module.script(self, kwargs)
        figure.script.add_child(_RenderedScript(script), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)
