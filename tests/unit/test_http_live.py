"""Every HTTP endpoint over real HTTP against a running server (uvicorn serving the portal's
routes in its own process, on 127.0.0.1), on SQLite and PostgreSQL: Open311, the device gateway,
/health and /metrics, and a flood from one key sent in parallel (the database rate window)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_reach import ApiKey, Heartbeat
from db.models_reports import Report, ReportCategory
from db.types import utcnow
from portal import health
from portal.grids import GridIndex
from tests.reach_fixtures import issue_keys, live_server


def _call(base: str, path: str, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(base + path, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers.get("content-type", ""), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read()


@pytest.fixture
def served(demo_url):
    keys = issue_keys(demo_url, per_minute=10)
    with Session(get_engine(demo_url)) as s:
        index = GridIndex.load(s)
        point = index.shapes[index.of_kind("micro")[0].id].representative_point()
        code = s.exec(select(ReportCategory.code).where(ReportCategory.active)).first()
    with live_server(demo_url, {"LINLI_HEALTH_HEARTBEAT_SECONDS": "600"}) as base:
        yield base, keys, {"lat": f"{point.y:.6f}", "long": f"{point.x:.6f}"}, code, demo_url


def test_open311_over_http(served):
    base, keys, place, code, url = served
    status, kind, body = _call(base, "/open311/v2/services.xml")
    assert status == 200 and kind.startswith("text/xml")
    assert code in {e.findtext("service_code") for e in ET.fromstring(body)}
    status, _k, body = _call(base, f"/open311/v2/services/{code}.json")
    assert status == 200 and json.loads(body)["service_code"] == code
    form = urllib.parse.urlencode(
        {"api_key": keys.open311, "service_code": code, "description": "楼道灯坏", **place}
    ).encode()
    status, kind, body = _call(base, "/open311/v2/requests.json", form)
    assert status == 200 and kind == "application/json"
    made = json.loads(body)[0]
    status, _k, body = _call(base, f"/open311/v2/requests/{made['service_request_id']}.json")
    assert status == 200 and json.loads(body)[0]["status"] == "open"
    status, _k, body = _call(base, f"/open311/v2/tokens/{made['token']}.xml")
    assert ET.fromstring(body).find("request/service_request_id").text == made["service_request_id"]
    query = urllib.parse.urlencode({"service_code": code, "status": "open", "page_size": 1000})
    status, _k, body = _call(base, f"/open311/v2/requests.json?{query}")
    assert made["service_request_id"] in [r["service_request_id"] for r in json.loads(body)]
    for path, data, expected in (
        ("/open311/v2/requests.json?status=nope", None, 400),
        ("/open311/v2/requests/123456789.xml", None, 404),
        ("/open311/v2/requests.json", form.replace(keys.open311.encode(), b"linli_x"), 403),
        (
            "/open311/v2/requests.json",
            urllib.parse.urlencode(
                {"api_key": keys.open311, "service_code": "nope", **place}
            ).encode(),
            400,
        ),
    ):
        status, kind, body = _call(base, path, data)
        assert status == expected, (path, body)
        if path.endswith(".xml"):
            assert ET.fromstring(body).find("error/code").text == str(expected)
        else:
            assert json.loads(body)[0]["code"] == expected
    with Session(get_engine(url)) as s:
        report = s.get(Report, int(made["service_request_id"]))
    assert report.description == "楼道灯坏" and report.place_source == "open311"


def test_a_parallel_flood_is_cut_at_the_limit(served):
    """30 requests at once from one key limited to 10 a minute: exactly 10 get through."""
    base, keys, place, code, url = served

    def post(n: int) -> int:
        form = urllib.parse.urlencode(
            {"api_key": keys.open311, "service_code": code, "description": f"第{n}件", **place}
        ).encode()
        return _call(base, "/open311/v2/requests.json", form)[0]

    while time.time() % 60 > 45:  # the limit's window is a clock minute: not at its very end
        time.sleep(0.5)
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(post, range(30)))
    assert statuses.count(200) == 10 and statuses.count(429) == 20


def test_device_gateway_over_http(served):
    base, keys, _place, _code, url = served
    status, _k, body = _call(base, "/api/devices/events", b"[]", {"x-api-key": keys.devices})
    assert status == 400 and json.loads(body)[0]["code"] == 400
    status, _k, body = _call(base, "/api/devices/events", b"{}", {})
    assert status == 403


def test_health_and_metrics_over_http(served):
    base, _keys, _place, _code, url = served
    status, kind, body = _call(base, "/health")
    assert status == 503 and kind == "application/json"  # housekeeping never ran on this copy
    state = json.loads(body)
    assert state["checks"]["database"]["ok"] and state["checks"]["migrations"]["ok"]
    assert state["checks"]["workers"]["ok"] is False
    with Session(get_engine(url)) as s:
        health.beat(s, health.HOUSEKEEPING)
    status, _k, body = _call(base, "/api/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    _call(base, "/open311/v2/services.json")
    status, kind, body = _call(base, "/metrics")
    text = body.decode()
    assert status == 200 and kind.startswith("text/plain; version=0.0.4")
    with Session(get_engine(url)) as s:
        assigned = len(s.exec(select(Report.id).where(Report.state == "assigned")).all())
        partners = s.exec(select(ApiKey.partner)).all()
        assert s.get(Heartbeat, health.HOUSEKEEPING).at <= utcnow()
    assert f'linli_reports{{state="assigned"}} {assigned}\n' in text
    assert "# TYPE linli_reports_overdue gauge" in text
    assert 'linli_http_requests_total{route="open311",status="200"}' in text
    assert all(f'partner="{p}"' in text for p in partners)
    assert 'linli_worker_heartbeat_age_seconds{worker="housekeeping"}' in text
