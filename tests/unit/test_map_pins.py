"""Compact report pins: every pin's place, id, colour, letter, overdue mark and title survive the
packing; state names are sent once; a state name cannot break out of the script; the map HTML per
pin stays small."""

from __future__ import annotations

import random
import re

from portal import maps, reports
from portal.config import load_settings
from portal.map_pins import pack, unpack

TITLES = {"submitted": "已提交", "closed": "已办结", "accepted": "已受理"}


def _pins(n: int, seed: int = 7) -> list[tuple]:
    rng = random.Random(seed)
    states = list(reports.STATE_COLOURS)
    return [
        (
            round(30.63 + rng.random() / 50, 6),
            round(104.03 + rng.random() / 50, 6),
            1000 + k,
            rng.choice(states),
            rng.random() < 0.1,
        )
        for k in range(n)
    ]


def test_packing_keeps_every_pin_as_it_was_drawn():
    pins = _pins(500)
    table, packed = pack(pins, reports.STATE_COLOURS, reports.STATE_MARKS, TITLES)
    assert len(table) == len({p[3] for p in pins})  # one row per state on the map
    for (lat, lon, rid, state, overdue), got in zip(pins, unpack(table, packed), strict=True):
        assert got == (
            lat,
            lon,
            rid,
            reports.STATE_COLOURS[state],
            reports.STATE_MARKS[state],
            overdue,
            f"#{rid} {TITLES.get(state, state)}",
        )


def test_no_pins_and_unknown_states():
    assert pack([], {}, {}, {}) == (
        [],
        {"base": [0.0, 0.0], "lat": [], "lon": [], "id": [], "state": [], "overdue": []},
    )
    table, packed = pack([(30.1, 104.1, 5, "odd", False)], {}, {}, {})
    assert unpack(table, packed) == [(30.1, 104.1, 5, "#333333", "?", False, "#5 odd")]


def _html(rows, titles) -> str:
    settings = load_settings()
    fmap = maps.base_map(settings, (30.63, 104.03, 30.65, 104.05))
    maps.add_report_pins(fmap, rows, settings, reports.STATE_COLOURS, reports.STATE_MARKS, titles)
    return fmap.get_root().render()


def test_map_html_sends_state_names_once_and_stays_small():
    rows = [(rid, lat, lon, state, overdue) for lat, lon, rid, state, overdue in _pins(2000)]
    html = _html(rows, TITLES)
    assert html.count("已办结") == 1 and html.count("已提交") == 1
    empty = _html([], TITLES)
    per_pin = (len(html.encode()) - len(empty.encode())) / len(rows)
    assert per_pin < 30, per_pin  # was about 74 bytes a pin with a title on each


def test_a_state_name_cannot_close_the_script():
    rows = [(1, 30.64, 104.04, "closed", False)]
    html = _html(rows, {"closed": "</script><script>alert(1)</script>"})
    assert "alert(1)" in html  # still there, as text…
    assert not re.search(r"</script><script>alert", html)  # …but escaped inside the JSON


def test_the_rendered_pin_script_is_not_compiled_again(monkeypatch):
    """folium wraps each rendered script in an Element, compiling it as a jinja2 template: the pin
    layer's megabytes of JSON must not go through jinja2 a second time."""
    import jinja2

    compiled = []
    original = jinja2.Environment.from_string

    def recording(self, source, *args, **kwargs):
        compiled.append(source)
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "from_string", recording)
    rows = [(rid, lat, lon, state, overdue) for lat, lon, rid, state, overdue in _pins(500)]
    html = _html(rows, TITLES)
    assert "markerClusterGroup" in html and html.count("已办结") == 1
    assert not [source for source in compiled if "已办结" in source]


def test_beyond_the_budget_settled_reports_go_as_counts_and_every_report_is_counted():
    """A street's year: overdue and unsettled pins all stay pins, the newest settled ones fill
    the budget, the rest become counts per square and state that add up to what was left out."""
    from portal.map_pins import trim

    pins = _pins(3000)
    settled = maps.SETTLED_STATES
    kept, counts = trim(pins, 2500, settled)
    assert len(kept) == 2500
    must = [p for p in pins if p[4] or p[3] not in settled]
    assert len(must) < 2500 and set(must) <= set(kept)
    left = [p for p in pins if p not in set(kept)]
    assert sum(c[2] for c in counts) == len(left) == 500
    assert {c[3] for c in counts} <= set(settled)
    newest_left = max(p[2] for p in left)
    assert all(p[2] > newest_left for p in kept if not p[4] and p[3] in settled)
    assert len(counts) < len(left)  # squares, not pins
    rows = [(rid, lat, lon, state, overdue) for lat, lon, rid, state, overdue in pins]
    settings = load_settings()
    sizes = {}
    for budget in (2500, 10_000):
        fmap = maps.base_map(settings, (30.63, 104.03, 30.65, 104.05))
        maps.add_report_pins(
            fmap, rows, settings, reports.STATE_COLOURS, reports.STATE_MARKS, TITLES, budget
        )
        sizes[budget] = len(fmap.get_root().render().encode())
    assert sizes[2500] < sizes[10_000]  # the counts cost less than the pins
