"""Device messages from MQTT (the real Mosquitto) and from HTTP gateways: the same alarm rules as
a file, each message taken whole or refused into the dead letters, idempotent on redelivery."""

from __future__ import annotations

import json
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_cockpit import Device, DeviceAlarm, DeviceEvent
from db.models_reach import DeadLetter
from db.models_reports import Report
from portal import device_mqtt, devices
from portal.devices import BEIJING, DeviceMessage
from portal.grids import GridIndex
from tests.reach_fixtures import MQTT_HOST, MQTT_PORT, issue_keys

AT = "2026-11-02T08:30:00+08:00"


def _db(url) -> Session:
    return Session(get_engine(url), expire_on_commit=False)


def _register(url: str, *codes: str) -> None:
    with _db(url) as s:
        index = GridIndex.load(s)
        elder = s.exec(select(User).where(User.username == "zhang_nainai")).one()
        staff = s.exec(select(User).where(User.username == "staff01")).one()
        for code in codes:
            devices.register_device(
                s,
                index,
                actor_id=staff.id,
                code=code,
                kind=code.split("-")[0],
                grid_id=elder.home_grid_id,
                house="3栋1单元101",
                resident_id=elder.id,
            )


def _state(url) -> dict:
    with _db(url) as s:
        return {
            "events": s.exec(select(func.count()).select_from(DeviceEvent)).one(),
            "alarms": s.exec(select(func.count()).select_from(DeviceAlarm)).one(),
            "reports": s.exec(select(func.count()).select_from(Report)).one(),
            "letters": [
                (d.source, d.reason) for d in s.exec(select(DeadLetter).order_by(DeadLetter.id))
            ],
        }


def _event(code: str, value: float = 1, at: str = AT, **extra) -> bytes:
    return json.dumps(
        {"device": code, "kind": code.split("-")[0], "at": at, "value": value, **extra}
    ).encode()


def _topic(code: str, community: str = "S") -> str:
    return f"linli/{community}/devices/{code}/events"


def test_messages_are_taken_whole_or_refused(demo_url):
    _register(demo_url, "smoke-1", "fall-1")
    before = _state(demo_url)
    batch = [
        DeviceMessage(_topic("smoke-1"), _event("smoke-1", event_id="e1")),
        DeviceMessage(_topic("smoke-1"), _event("smoke-1", event_id="e1")),  # redelivered
        DeviceMessage(_topic("fall-1"), b'{"kind": "fall", "at": "%s", "value": 1}' % AT.encode()),
        DeviceMessage(_topic("smoke-1"), b"smoke!!"),
        DeviceMessage(_topic("ghost-9"), _event("ghost-9")),
        DeviceMessage(_topic("smoke-1", "X"), _event("smoke-1")),
        DeviceMessage(_topic("smoke-1"), _event("smoke-1", value=-3)),
        DeviceMessage(_topic("smoke-1"), _event("fall-1")),
        DeviceMessage(
            _topic("fall-1"),
            json.dumps(
                [json.loads(_event("fall-1", at="2026-11-02T09:00:00+08:00")), {"x": 1}]
            ).encode(),
        ),
    ]
    with _db(demo_url) as s:
        result = devices.intake_messages(s, GridIndex.load(s), batch, community="S")
    after = _state(demo_url)
    assert result.taken == 2 and result.duplicates == 1
    assert len(result.alarms_opened) == 2  # one smoke alarm, one fall alarm: one per condition
    assert after["events"] - before["events"] == 2
    assert after["alarms"] - before["alarms"] == 2 and after["reports"] - before["reports"] == 2
    reasons = [r for _s, r in after["letters"][len(before["letters"]) :]]
    assert reasons == [
        "This is not valid JSON.",
        "Unknown topic {topic}: use linli/{community}/devices/<device>/events.",
        "The event names device {device}, the topic another.",
        "Unknown device {device}.",
        "Bad value {value}: a number of zero or more.",
        "Missing values: {columns}.",
    ]
    with _db(demo_url) as s:  # the half-good array took nothing: its 09:00 event is not there
        times = s.exec(select(DeviceEvent.at).join(Device).where(Device.code == "fall-1")).all()
    assert [t.astimezone(BEIJING).hour for t in times] == [8]


def test_http_gateway_endpoint(http_client, demo_url):
    _register(demo_url, "smoke-2")
    keys = issue_keys(demo_url)
    path = "/api/devices/events"
    body = _event("smoke-2", event_id="h1")
    assert http_client.post(path, content=body).status_code == 403
    assert (
        http_client.post(path, content=body, headers={"x-api-key": keys.open311}).status_code == 403
    )
    before = _state(demo_url)
    bad = http_client.post(path, content=b"{not json", headers={"x-api-key": keys.devices})
    assert bad.status_code == 400
    assert bad.json() == [{"code": 400, "description": "This is not valid JSON."}]
    unknown = http_client.post(path, content=_event("ghost-1"), headers={"x-api-key": keys.devices})
    assert unknown.status_code == 400 and "ghost-1" in unknown.json()[0]["description"]
    assert _state(demo_url)["events"] == before["events"]
    auth = {"authorization": f"Bearer {keys.devices}"}
    good = http_client.post(path, content=body, headers=auth)
    assert good.status_code == 200
    assert good.json() == {"taken": 1, "duplicates": 0, "alarms_opened": 1, "alarms_closed": 0}
    again = http_client.post(path, content=body, headers=auth).json()
    assert again["taken"] == 0 and again["duplicates"] == 1 and again["alarms_opened"] == 0
    letters = _state(demo_url)["letters"][len(before["letters"]) :]
    assert [s for s, _r in letters] == ["http_devices", "http_devices"]


@pytest.fixture
def subscriber(mqtt_broker, demo_url):
    """Starts device_mqtt.Subscriber threads on the demo database; stops them at the end."""
    started: list[tuple[device_mqtt.Subscriber, threading.Event, threading.Thread]] = []

    def start(client_id: str) -> device_mqtt.Subscriber:
        sub = device_mqtt.Subscriber(mqtt_broker, demo_url, client_id=client_id, session_expiry=120)
        stop = threading.Event()
        thread = threading.Thread(target=sub.run, args=(stop,), daemon=True)
        thread.start()
        assert sub.subscribed.wait(10), "the subscriber did not subscribe"
        started.append((sub, stop, thread))
        return sub

    yield start
    for _sub, stop, thread in started:
        stop.set()
        thread.join(10)


def _publish(messages: list[tuple[str, bytes]]) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.connect(MQTT_HOST, MQTT_PORT)
    client.loop_start()
    for topic, payload in messages:
        client.publish(topic, payload, qos=1).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()


def _wait_for(check, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_mqtt_subscriber_against_mosquitto(subscriber, demo_url):
    _register(demo_url, "smoke-3", "fall-3")
    before = _state(demo_url)
    sub = subscriber(f"t-{uuid.uuid4().hex[:8]}")
    _publish(
        [
            (_topic("smoke-3"), _event("smoke-3", event_id="m1")),
            (_topic("smoke-3"), _event("smoke-3", event_id="m1")),
            (_topic("smoke-3"), _event("smoke-3", at="2026-11-02T08:31:00+08:00")),
            (_topic("fall-3"), b"\xff\xfe not json"),
            (_topic("nobody"), _event("nobody")),
        ]
    )
    _wait_for(lambda: sub.taken + sub.refused >= 4)
    after = _state(demo_url)
    assert after["events"] - before["events"] == 2
    assert after["alarms"] - before["alarms"] == 1  # two signals of one ongoing smoke alarm
    with _db(demo_url) as s:
        alarm = s.exec(select(DeviceAlarm).order_by(DeviceAlarm.id.desc())).first()
        signals = s.exec(select(func.count()).where(DeviceEvent.alarm_id == alarm.id)).one()
        report = s.get(Report, alarm.report_id)
    assert signals == 2 and report.urgent and report.state == "assigned"
    new_letters = after["letters"][len(before["letters"]) :]
    assert new_letters == [
        ("mqtt", "This is not valid JSON."),
        ("mqtt", "Unknown device {device}."),
    ]


def test_unacknowledged_messages_come_again_and_are_taken_once(subscriber, demo_url, monkeypatch):
    """A subscriber that dies before committing leaves the message unacknowledged: the broker
    sends it again to the next subscriber of the same session, which takes it once."""
    _register(demo_url, "smoke-4")
    client_id = f"t-{uuid.uuid4().hex[:8]}"
    broken = threading.Event()

    def failing(*_a, **_k):
        broken.set()
        raise RuntimeError("database gone")

    monkeypatch.setattr(device_mqtt, "intake_messages", failing)
    first = device_mqtt.Subscriber(
        f"mqtt://{MQTT_HOST}:{MQTT_PORT}", demo_url, client_id=client_id, session_expiry=120
    )
    stop = threading.Event()
    thread = threading.Thread(target=first.run, args=(stop,), daemon=True)
    thread.start()
    assert first.subscribed.wait(10)
    _publish([(_topic("smoke-4"), _event("smoke-4", event_id="r1"))])
    assert broken.wait(10)
    stop.set()
    thread.join(15)
    assert _events_of(demo_url, "smoke-4") == 0  # nothing was committed
    monkeypatch.undo()
    second = subscriber(client_id)
    _wait_for(lambda: second.taken >= 1)
    time.sleep(0.5)
    assert _events_of(demo_url, "smoke-4") == 1
    with _db(demo_url) as s:
        alarms = s.exec(
            select(func.count())
            .select_from(DeviceAlarm)
            .join(Device)
            .where(Device.code == "smoke-4")
        ).one()
    assert alarms == 1


def _events_of(url: str, code: str) -> int:
    with _db(url) as s:
        return s.exec(
            select(func.count()).select_from(DeviceEvent).join(Device).where(Device.code == code)
        ).one()
