"""What residents and the public read about reports: no names, no doors, no exact places, no
alarms, welfare visits or reports filed for someone; words only when the reporter chose so."""

from __future__ import annotations

import json

import pytest

from portal import cockpit
from portal.grids import GridIndex
from portal.reports import queries
from tests.privacy_world import PRIVATE_WORDS, SHOWN_WORDS, build


@pytest.fixture
def world(demo_session, tmp_path):
    return build(demo_session, tmp_path / "media")


def _rounded(value: float) -> bool:
    return round(value, queries.PUBLIC_PLACE_DECIMALS) == value


def test_public_list_leaves_out_private_kinds_and_rounds_places(demo_session, world):
    shown = queries.public_list(demo_session)
    ids = {r.id for r in shown}
    assert world.hidden_words_id in ids and world.shown_words_id in ids
    assert not ids & world.private_ids
    for r in shown:
        assert _rounded(r.lat) and _rounded(r.lon)
    mine = next(r for r in shown if r.id == world.shown_words_id)
    assert (mine.lat, mine.lon) != world.exact[mine.id]  # the exact place does not leave
    words = {r.id: r.description for r in shown}
    assert words[world.shown_words_id] == SHOWN_WORDS
    assert words[world.hidden_words_id] == ""
    assert {r.id for r in shown if r.description} == {world.shown_words_id}


@pytest.mark.usefixtures("world")
def test_public_list_reads_only_what_the_public_view_shows(demo_session):
    """The list loads columns, not whole reports (no reporter or handler column leaves the
    database), and shows the same as public_view of each full report."""
    from sqlalchemy import event

    statements = []

    def record(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    engine = demo_session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        shown = queries.public_list(demo_session)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert shown == [queries.public_view(r) for r in queries.public_reports(demo_session)]
    listing = next(s for s in statements if "FROM report" in s)
    assert "reporter_id" not in listing.split("FROM report")[0]


def test_every_public_file_leaves_out_private_reports(demo_session, world):
    index = GridIndex.load(demo_session)
    requests = json.loads(queries.open311_json(demo_session))
    rows = cockpit.open_reports(demo_session, index)
    geo = json.loads(cockpit.to_geojson(rows))
    assert not {f["properties"]["id"] for f in geo["features"]} & world.private_ids
    files = [
        queries.open311_json(demo_session),
        cockpit.open311_in_scope(demo_session, cockpit.WHOLE),
        cockpit.to_csv(rows).decode("utf-8-sig"),
        cockpit.to_geojson(rows).decode("utf-8"),
    ]
    for text in files:
        assert not [w for w in PRIVATE_WORDS if w in text]
    assert not {int(r["service_request_id"]) for r in requests} & world.private_ids
    assert not {r["id"] for r in rows} & world.private_ids
    assert world.hidden_words_id in {r["id"] for r in rows}
    for r in requests:
        assert _rounded(r["lat"]) and _rounded(r["long"])
    for f in geo["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert _rounded(lat) and _rounded(lon)


def test_words_are_never_public_for_a_report_filed_on_behalf(demo_session, world):
    from db.models_reports import Report

    for rid in world.private_ids:
        report = demo_session.get(Report, rid)
        if report.on_behalf_of_id is not None:
            assert report.public_description is False
