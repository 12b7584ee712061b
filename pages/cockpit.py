from dataclasses import replace
from datetime import datetime
from functools import partial

import folium
import pandas as pd
import streamlit as st

from portal import cockpit, devices, maps, reports
from portal.assessment import scores as assessment_scores
from portal.cockpit_scope import (
    WHOLE,
    Scope,
    area_bounds,
    map_grids,
    office_rows_by_community,
    scope_for,
    scope_of_roots,
)
from portal.csv_export import frame_csv
from portal.i18n import N_, format_when
from portal.text import md_text
from portal.ui.data import db, grid_index, settings
from portal.ui.guard import require
from portal.ui.widgets import folium_map

viewer = require("cockpit")
t = viewer.t
index = grid_index()
PERIODS = {
    1: N_("This month"),
    3: N_("Last 3 months"),
    6: N_("Last 6 months"),
    12: N_("Last 12 months"),
}
DIMENSION_LABELS = {"grid": N_("Grid"), "category": N_("Kind of problem"), "month": N_("Month")}
SHADES = ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"]


OPEN_SETS = {
    "reports": (N_("Public reports"), cockpit.open_reports),
    "wishes": (N_("Wishes"), cockpit.open_wishes),
    "decisions": (N_("Council decisions"), cockpit.open_decisions),
}


ScopeKey = tuple[tuple[int, ...], bool] | None  # (roots, rows by community); None: everything
ROW_LABELS = {"community": N_("Community"), "grid": N_("Grid")}


def _scope(key: ScopeKey) -> Scope:
    """Rebuilt from its roots (None: the whole deployment), so cached results are keyed by them."""
    return WHOLE if key is None else scope_of_roots(index, key[0], key[1])


@st.cache_data(ttl=60, show_spinner=False)
def _measures(
    url: str,  # noqa: ARG001 (part of the cache key: one entry per database)
    since: datetime,
    until: datetime,
    by: str,
    roots: ScopeKey,
) -> cockpit.Measures:
    with db() as session:
        return cockpit.measures(
            session, index, since=since, until=until, by=by, scope=_scope(roots)
        )


def _open_file(name: str, fmt: str, roots: ScopeKey) -> bytes:
    """Built only when someone presses its button (deferred download)."""
    with db() as session:
        if fmt == "open311":
            return cockpit.open311_in_scope(session, _scope(roots)).encode("utf-8")
        rows = OPEN_SETS[name][1](session, index, scope=_scope(roots))
    return cockpit.to_csv(rows) if fmt == "csv" else cockpit.to_geojson(rows)


def _label(by: str, key, cats: dict) -> str:
    if by == "grid":
        grid = index.grids.get(key)
        if grid is not None and grid.kind == "community" and not scope.by_community:
            return t(N_("{name} (the community as a whole)"), name=grid.name)
        return grid.name if grid else str(key)
    if by == "category":
        return cats.get(key, str(key))
    return str(key)


def _frame(result: cockpit.Measures, keys: list[str], cats: dict) -> pd.DataFrame:
    by_community = result.dimension == "grid" and scope.by_community
    first = t(ROW_LABELS["community"] if by_community else DIMENSION_LABELS[result.dimension])
    rows = [
        {
            first: _label(result.dimension, r["key"], cats),
            **{t(cockpit.MEASURES[k][0]): r.get(k) for k in keys},
        }
        for r in result.rows
    ]
    return pd.DataFrame(rows, columns=[first, *(t(cockpit.MEASURES[k][0]) for k in keys)])


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """For the screen: an empty cell reads "—", never "None" (the CSV keeps it blank)."""
    return frame.astype(object).where(frame.notna(), "—")


def _csv(frame: pd.DataFrame) -> bytes:
    return frame_csv(frame)


def _r2(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _show(value) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


st.title(t(N_("Cockpit")))
with db() as session:
    cats = {
        c.id: reports.category_name(c, viewer.language) for c in reports.categories(session, False)
    }
    scope = scope_for(session, index, role=viewer.role, user_id=viewer.user_id)
if not scope.whole and not scope.grids:
    st.info(
        t(
            N_(
                "No grid is assigned to you yet, so the cockpit has nothing to show. The community "
                "office can assign you your grid."
            )
        )
    )
    st.stop()
if not scope.whole:
    st.markdown(
        t(
            N_(
                "Your grids: {grids}. Every figure, chart, list, map and download below counts "
                "only what happens in them and in the grids below them."
            ),
            grids=md_text(
                ("、" if viewer.language == "zh_Hans" else ", ").join(
                    index.grids[r].name for r in scope.roots
                )
            ),
        )
    )
if not scope.whole and office_rows_by_community(index, scope.roots):
    rows_by = st.radio(
        t(N_("Rows")),
        list(ROW_LABELS),
        key="ck_rows",
        horizontal=True,
        format_func=lambda r: t(ROW_LABELS[r]),
    )
    scope = replace(scope, by_community=rows_by == "community")
roots: ScopeKey = None if scope.whole else (scope.roots, scope.by_community)

left, right = st.columns(2)
months = left.selectbox(
    t(N_("Period")), list(PERIODS), index=2, key="ck_period", format_func=lambda m: t(PERIODS[m])
)
by = right.radio(
    t(N_("Group by")),
    list(DIMENSION_LABELS),
    key="ck_by",
    horizontal=True,
    format_func=lambda d: t(DIMENSION_LABELS[d]),
)
since, until = cockpit.period_of_months(months)
url = settings().database_url
result = _measures(url, since, until, by, roots)
by_grid = result if by == "grid" else _measures(url, since, until, "grid", roots)
st.markdown(
    t(
        N_(
            "From {since} to {until}. Every figure is counted from the recorded steps of each "
            "report, wish and points entry; answered within the time limit means accepted "
            "within 72 hours."
        ),
        since=format_when(viewer.language, since, "short"),
        until=format_when(viewer.language, until, "short"),
    )
)
st.markdown(
    t(
        N_(
            "Council items decided are agenda items adopted or rejected when voting closed; a "
            "general grid's council counts in its grid's row, the community council in the row "
            "of the community as a whole."
        )
    )
)

total = result.total
headline = ("received", "response_h", "within_limit_pct", "overdue", "closure_pct", "rating")
columns = st.columns(len(headline))
for n, key in enumerate(headline):
    columns[n].metric(t(cockpit.MEASURES[key][0]), _show(total.get(key)))

report_keys = [
    "received",
    "response_h",
    "resolution_h",
    "within_limit_pct",
    "overdue",
    "closure_pct",
    "reopen_pct",
    "repeats",
    "rating",
    "esc_community",
    "esc_street",
    "esc_district",
    "joint_orders",
    "departments",
]
keys = report_keys + ([] if by == "category" else list(cockpit.OTHER_KEYS))
table = _frame(result, keys, cats)
st.subheader(t(N_("Measures")))
st.dataframe(_shown(table), hide_index=True, width="stretch")
st.download_button(
    t(N_("Download the measures (CSV)")),
    _csv(table),
    f"measures_{by}.csv",
    "text/csv",
    key="ck_csv_measures",
    type="primary",
    width="stretch",
)

st.subheader(t(N_("Two-way assessment of departments")))
with db() as session:
    two_way = assessment_scores.by_department(
        session, grids=None if scope.whole else scope.id_list(), since=since, until=until
    )
if two_way:
    st.dataframe(
        pd.DataFrame(
            {
                t(N_("Department")): [f.name for f in two_way],
                t(N_("Orders handled")): [f.orders for f in two_way],
                t(N_("Hours to its part done")): [_show(_r2(f.mean_hours)) for f in two_way],
                t(N_("Street's score: speed")): [_show(_r2(f.speed)) for f in two_way],
                t(N_("Street's score: result")): [_show(_r2(f.result)) for f in two_way],
                t(N_("Orders scored by the street")): [f.scored for f in two_way],
                t(N_("Its score of the dispatch: speed")): [
                    _show(_r2(f.dispatch_speed)) for f in two_way
                ],
                t(N_("Its score of the dispatch: clarity")): [
                    _show(_r2(f.dispatch_result)) for f in two_way
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.markdown(t(N_("No joint or whistle order was handled in this period.")))

st.subheader(t(N_("Chart")))
chart_key = st.selectbox(
    t(N_("Measure")), keys, key="ck_chart_measure", format_func=lambda k: t(cockpit.MEASURES[k][0])
)
chart = _frame(result, [chart_key], cats)
label_col, value_col = chart.columns
if by == "month":
    st.line_chart(chart, x=label_col, y=value_col)
else:
    st.bar_chart(chart, x=label_col, y=value_col, horizontal=True)  # long names stay readable
with st.expander(t(N_("The numbers of this chart"))):
    st.dataframe(_shown(chart), hide_index=True, width="stretch")
st.download_button(
    t(N_("Download the numbers of this chart (CSV)")),
    _csv(chart),
    f"chart_{chart_key}.csv",
    "text/csv",
    key="ck_csv_chart",
)

st.subheader(t(N_("Red and black list of grids")))
rank_key = st.selectbox(
    t(N_("Rank grids by")),
    list(cockpit.RANKABLE),
    key="ck_rank",
    format_func=lambda k: t(cockpit.MEASURES[k][0]),
)
ranking = cockpit.red_black(by_grid, rank_key)
st.info(
    t(
        cockpit.RED_BLACK_RULE,
        n=ranking.n,
        measure=t(cockpit.MEASURES[rank_key][0]),
        min=ranking.min_reports,
    )
)
red_col, black_col = st.columns(2)
for column, title, rows in (
    (red_col, N_("Red list (best)"), ranking.red),
    (black_col, N_("Black list (needs attention)"), ranking.black),
):
    column.markdown(f"**{t(title)}**")
    if not rows:
        column.markdown(t(N_("No grid has enough reports in this period.")))
    for place, row in enumerate(rows, 1):
        column.markdown(
            f"{place}. {md_text(_label('grid', row['key'], cats))}: "
            f"{_show(row[rank_key])} ({t(N_('{n} reports'), n=row['received'])})"
        )

st.subheader(t(N_("Map of grids and open alarms")))
map_key = st.selectbox(
    t(N_("Shade the grids by")),
    report_keys,
    key="ck_map_measure",
    format_func=lambda k: t(cockpit.MEASURES[k][0]),
)
values = {r["key"]: r.get(map_key) for r in by_grid.rows}
known = sorted(v for v in values.values() if v is not None)
low, high = (known[0], known[-1]) if known else (0, 0)


def _shade(value) -> str:
    if value is None:
        return "#ffffff"
    step = 0 if high == low else min(4, int(5 * (value - low) / (high - low)))
    return SHADES[step]


projection = maps.Projection(settings().tile_provider)
shaded = map_grids(index, scope, [r["key"] for r in by_grid.rows])
features = maps.grid_features(shaded, projection, {})
for feature in features["features"]:
    value = values.get(feature["id"])
    feature["properties"]["value"] = _show(value)
    feature["properties"]["fill"] = _shade(value)
fmap = maps.base_map(settings(), area_bounds(index, [g.id for g in shaded]))
folium.GeoJson(
    features,
    name="measure",
    style_function=lambda f: {
        "fillColor": f["properties"]["fill"],
        "fillOpacity": 0.7,
        "color": "#333333",
        "weight": 2,
    },
    tooltip=folium.GeoJsonTooltip(
        fields=["name", "value"], aliases=[t(N_("Grid")), t(cockpit.MEASURES[map_key][0])]
    ),
).add_to(fmap)
with db() as session:
    open_alarms = devices.alarms(
        session, open_only=True, grids=None if scope.whole else scope.id_list()
    )
for row in open_alarms:
    lat, lon = projection.to_map(row.device.lat, row.device.lon)
    folium.CircleMarker(
        [lat, lon],
        radius=11,
        color="#000000",
        weight=3,
        fill=True,
        fill_color="#b3261e",
        fill_opacity=0.95,
        tooltip=maps.tooltip_text(
            f"! {t(devices.RULE_LABELS[row.alarm.rule])} · {row.device.house}"
        ),
    ).add_to(fmap)
folium_map(fmap, key="ck_map", height=480)
st.markdown(
    t(
        N_(
            "Darker grids have higher values (from {low} to {high}); the numbers are in the "
            "measures table. Red rings with a black edge are open device alarms."
        ),
        low=_show(low),
        high=_show(high),
    )
)
if open_alarms:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t(N_("Alarm")): t(devices.RULE_LABELS[a.alarm.rule]),
                    t(N_("House")): a.device.house,
                    t(N_("Since")): format_when(viewer.language, a.alarm.opened_at, "short"),
                    t(N_("Report")): f"#{a.alarm.report_id}" if a.alarm.report_id else "",
                    t(N_("Signals")): a.events,
                }
                for a in open_alarms
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.markdown(t(N_("No open alarms.")))

st.subheader(t(N_("Open data")))
st.markdown(
    t(
        N_(
            "Public reports, wishes and council decisions without personal data: no names, no "
            "descriptions written by residents, places rounded to about 10 metres."
        )
    )
)
for name, (label, _rows) in OPEN_SETS.items():
    csv_col, geo_col = st.columns(2)
    csv_col.download_button(
        t(N_("{what} (CSV)"), what=t(label)),
        partial(_open_file, name, "csv", roots),
        f"linli_{name}.csv",
        "text/csv",
        key=f"ck_open_{name}_csv",
    )
    geo_col.download_button(
        t(N_("{what} (GeoJSON)"), what=t(label)),
        partial(_open_file, name, "geo", roots),
        f"linli_{name}.geojson",
        "application/geo+json",
        key=f"ck_open_{name}_geo",
    )
st.download_button(
    t(N_("Public reports (Open311 GeoReport v2, JSON)")),
    partial(_open_file, "reports", "open311", roots),
    "open311_requests.json",
    "application/json",
    key="ck_open311",
)
