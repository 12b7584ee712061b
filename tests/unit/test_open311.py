"""Open311 GeoReport v2 over Starlette's TestClient, on SQLite and PostgreSQL: the spec's shapes,
the public-view privacy, filters and pages, POST with an api key, and every refusal."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_reach import DeadLetter, PartnerRequest
from db.models_reports import Report, ReportCategory
from db.types import utcnow
from portal import api_keys
from portal.reports.queries import OPEN311_STATUS, public_reports
from tests.reach_fixtures import issue_keys

INSIDE = {"lat": "30.6405", "long": "104.0405"}


def _db(url) -> Session:
    return Session(get_engine(url), expire_on_commit=False)


def _counts(url) -> tuple[int, int]:
    with _db(url) as s:
        return s.exec(select(func.count()).select_from(Report)).one(), s.exec(
            select(func.count()).select_from(PartnerRequest)
        ).one()


def _a_code(url) -> str:
    with _db(url) as s:
        return s.exec(select(ReportCategory.code).where(ReportCategory.active)).first()


def _inside(url) -> dict:
    """A point inside a micro-grid of the demo (a registered device's house)."""
    from portal.grids import GridIndex

    with _db(url) as s:
        index = GridIndex.load(s)
        point = index.shapes[index.of_kind("micro")[0].id].representative_point()
    return {"lat": f"{point.y:.6f}", "long": f"{point.x:.6f}"}


def test_services_and_definitions_in_json_and_xml(http_client, demo_url):
    with _db(demo_url) as s:
        codes = {c.code for c in s.exec(select(ReportCategory).where(ReportCategory.active))}
    listed = http_client.get("/open311/v2/services.json")
    assert listed.status_code == 200 and listed.headers["content-type"] == "application/json"
    assert {s["service_code"] for s in listed.json()} == codes
    assert all(s["metadata"] is False and s["type"] == "realtime" for s in listed.json())
    xml = ET.fromstring(http_client.get("/open311/v2/services.xml").content)
    assert xml.tag == "services" and {e.findtext("service_code") for e in xml} == codes
    code = sorted(codes)[0]
    definition = http_client.get(f"/open311/v2/services/{code}.json").json()
    assert definition == {"service_code": code, "attributes": []}
    unknown = http_client.get("/open311/v2/services/no_such.json")
    assert unknown.status_code == 404
    assert unknown.json() == [{"code": 404, "description": "Unknown service_code no_such."}]
    error = ET.fromstring(http_client.get("/open311/v2/services/no_such.xml").content)
    assert error.tag == "errors" and error.find("error/code").text == "404"
    assert http_client.get("/open311/v2/services.html").status_code == 404
    wrong_place = http_client.get("/open311/v2/services.json?jurisdiction_id=elsewhere")
    assert wrong_place.status_code == 404
    assert http_client.get("/open311/v2/services.json?jurisdiction_id=S").status_code == 200


def test_requests_are_the_public_view(http_client, demo_url):
    with _db(demo_url) as s:
        public = {r.id: r for r in public_reports(s)}
        names = [n for n in s.exec(select(User.display_name)).all() if len(n) >= 2]
        texts = [r.description for r in public.values() if len(r.description) >= 4]
    body = http_client.get("/open311/v2/requests.json?page_size=1000")
    got = body.json()
    assert {int(r["service_request_id"]) for r in got} == set(public)
    for row in got:
        report = public[int(row["service_request_id"])]
        assert row["lat"] == round(report.lat, 4) and row["long"] == round(report.lon, 4)
        assert row["description"] == ""
        assert row["status"] == OPEN311_STATUS[report.state]
        assert row["requested_datetime"] == report.created_at.isoformat(timespec="seconds")
    assert texts and not any(t in body.text for t in texts)
    assert not any(n in body.text for n in names)
    one = next(iter(public))
    alone = http_client.get(f"/open311/v2/requests/{one}.json").json()
    assert [r["service_request_id"] for r in alone] == [str(one)]
    xml = ET.fromstring(http_client.get(f"/open311/v2/requests/{one}.xml").content)
    assert xml.tag == "service_requests" and xml.find("request/service_request_id").text == str(one)


def test_hidden_and_unknown_requests_are_404(http_client, demo_url):
    with _db(demo_url) as s:
        report = s.exec(select(Report).where(Report.state == "closed")).first()
        report.closed_at = utcnow() - timedelta(days=90)
        s.add(report)
        s.commit()
        hidden = report.id
    for path in (f"/open311/v2/requests/{hidden}.json", "/open311/v2/requests/999999.json"):
        answer = http_client.get(path)
        assert answer.status_code == 404 and answer.json()[0]["code"] == 404
    assert http_client.get(f"/open311/v2/requests.json?service_request_id={hidden}").json() == []
    assert http_client.get("/open311/v2/tokens/nope.json").status_code == 404


def test_filters_and_pages(http_client):
    everything = http_client.get("/open311/v2/requests.json?page_size=1000").json()
    code = everything[0]["service_code"]
    by_code = http_client.get(f"/open311/v2/requests.json?service_code={code}").json()
    assert by_code and {r["service_code"] for r in by_code} == {code}
    assert len(by_code) == sum(r["service_code"] == code for r in everything)
    for status in ("open", "closed"):
        rows = http_client.get(f"/open311/v2/requests.json?status={status}").json()
        assert {r["status"] for r in rows} <= {status}
        assert len(rows) == sum(r["status"] == status for r in everything)
    first, second = (
        http_client.get(f"/open311/v2/requests.json?page_size=5&page={n}").json() for n in (1, 2)
    )
    assert [r["service_request_id"] for r in first + second] == [
        r["service_request_id"] for r in everything[:10]
    ]
    times = sorted(r["requested_datetime"] for r in everything)
    middle = times[len(times) // 2]
    later = http_client.get(
        "/open311/v2/requests.json", params={"start_date": middle, "page_size": 1000}
    ).json()
    assert later and all(r["requested_datetime"] >= middle for r in later)
    assert len(later) == sum(t >= middle for t in times)
    ids = ",".join(r["service_request_id"] for r in everything[:3])
    picked = http_client.get(f"/open311/v2/requests.json?service_request_id={ids}&status=nope")
    assert picked.status_code == 400  # a bad status is refused even with ids
    picked = http_client.get(f"/open311/v2/requests.json?service_request_id={ids}&service_code=x")
    assert sorted(r["service_request_id"] for r in picked.json()) == sorted(ids.split(","))


def test_bad_queries_are_400_in_the_spec_format(http_client):
    for query in (
        "status=pending",
        "page_size=0",
        "page_size=1001",
        "page=x",
        "start_date=yesterday",
        "start_date=2026-11-02T00:00:00Z&end_date=2026-11-01T00:00:00Z",
        "service_request_id=1;drop",
    ):
        answer = http_client.get(f"/open311/v2/requests.json?{query}")
        assert answer.status_code == 400, query
        [error] = answer.json()
        assert error["code"] == 400 and error["description"], query
    xml = http_client.get("/open311/v2/requests.xml?status=pending")
    assert xml.status_code == 400 and ET.fromstring(xml.content).find("error/code").text == "400"


def test_post_files_a_real_report_dispatched_by_grid(http_client, demo_url):
    keys = issue_keys(demo_url)
    place, code = _inside(demo_url), _a_code(demo_url)
    fields = {"api_key": keys.open311, "service_code": code, "description": "3栋门口路灯不亮"}
    answer = http_client.post("/open311/v2/requests.json", data={**fields, **place})
    assert answer.status_code == 200, answer.text
    [made] = answer.json()
    with _db(demo_url) as s:
        report = s.get(Report, int(made["service_request_id"]))
        link = s.exec(select(PartnerRequest).where(PartnerRequest.report_id == report.id)).one()
    assert report.reporter_id == keys.staff_id and report.place_source == "open311"
    assert report.state == "assigned" and (report.assignee_id or report.level != "grid")
    assert report.description == "3栋门口路灯不亮" and link.token == made["token"]
    looked_up = http_client.get(f"/open311/v2/tokens/{made['token']}.json").json()
    assert looked_up == [{"service_request_id": str(report.id), "token": made["token"]}]
    shown = http_client.get(f"/open311/v2/requests/{report.id}.json").json()[0]
    assert shown["description"] == "" and "路灯" not in json.dumps(shown, ensure_ascii=False)
    again = http_client.post("/open311/v2/requests.json", data={**fields, **place})
    assert again.json() == answer.json()  # the same request sent twice: one report, one token
    as_json = http_client.post(
        "/open311/v2/requests.xml",
        content=json.dumps({**fields, **place, "description": "另一件事"}),
        headers={"content-type": "application/json"},
    )
    assert ET.fromstring(as_json.content).find("request/token").text


def test_refused_posts_save_nothing_and_are_kept_for_staff(http_client, demo_url):
    keys = issue_keys(demo_url)
    place, code = _inside(demo_url), _a_code(demo_url)
    with _db(demo_url) as s:
        revoked = api_keys.issue(s, actor_id=keys.staff_id, partner="旧系统", scope="open311")
        api_keys.revoke(s, actor_id=keys.staff_id, key_id=revoked.key.id)
    good = {"service_code": code, "description": "井盖松动", **place}
    before = _counts(demo_url)
    cases = [
        (403, {"content": "", "data": good}),
        (403, {"data": {**good, "api_key": "linli_not-a-key"}}),
        (403, {"data": {**good, "api_key": revoked.secret}}),
        (403, {"data": {**good, "api_key": keys.devices}}),
        (400, {"data": {**good, "api_key": keys.open311, "service_code": "no_such"}}),
        (400, {"data": {**good, "api_key": keys.open311, "lat": "31.5", "long": "104.9"}}),
        (400, {"data": {**good, "api_key": keys.open311, "lat": ""}}),
        (400, {"data": {**good, "api_key": keys.open311, "description": ""}}),
        (
            400,
            {"content": '{"api_key": "x", ', "headers": {"content-type": "application/json"}},
        ),
        (400, {"content": "<request><api_key>", "headers": {"content-type": "application/xml"}}),
    ]
    for status, request in cases:
        request.pop("content", None) if "data" in request else None
        answer = http_client.post("/open311/v2/requests.json", **request)
        assert answer.status_code == status, (request, answer.text)
        assert all(e["code"] == status and e["description"] for e in answer.json())
    assert _counts(demo_url) == before
    with _db(demo_url) as s:
        letters = s.exec(select(DeadLetter).where(DeadLetter.source == "open311")).all()
    assert len(letters) == len(cases)
    assert not any(revoked.secret in d.payload or keys.open311 in d.payload for d in letters)
    assert {d.reason for d in letters} >= {
        "This api_key was revoked.",
        "Unknown service_code {value}.",
        "The request is not valid JSON.",
        "The request is not valid XML.",
    }


def test_a_flood_from_one_key_gets_429_and_one_log_line(http_client, demo_url):
    keys = issue_keys(demo_url, per_minute=3)
    place, code = _inside(demo_url), _a_code(demo_url)
    statuses = [
        http_client.post(
            "/open311/v2/requests.json",
            data={
                "api_key": keys.open311,
                "service_code": code,
                "description": f"第{n}件",
                **place,
            },
        ).status_code
        for n in range(6)
    ]
    assert statuses == [200, 200, 200, 429, 429, 429]
    with _db(demo_url) as s:
        floods = s.exec(
            select(DeadLetter).where(DeadLetter.reason.like("Too many requests%"))
        ).all()
        made = s.exec(select(func.count()).select_from(PartnerRequest)).one()
    assert len(floods) == 1 and made == 3
