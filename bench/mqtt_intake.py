"""MQTT device intake under load: 1,000 events a second for 30 s through the real Mosquitto into
the subscriber process (`python -m portal.devices --mqtt`), on a fresh seeded database.

    .venv/bin/python bench/mqtt_intake.py [--rate 1000] [--seconds 30] [--devices 200] [--db sqlite]

Every event has its own event_id; one in 500 is a smoke signal (value 1), on 30 devices in
turn, so each device signals several times: one alarm per device is right. Prints events sent and
taken, lost and duplicated, alarms opened against the devices that signalled (one per ongoing
condition), and the lag from the event's time to its intake (p50/p95). Stops by itself (waits at
most 120 s for the subscriber to drain). Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["LINLI_HOUSEKEEPING_SECONDS"] = "0"

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402
from sqlalchemy import func, insert  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from db.engine import get_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import User  # noqa: E402
from db.models_cockpit import Device, DeviceAlarm, DeviceEvent  # noqa: E402
from db.models_reach import Heartbeat  # noqa: E402
from db.types import utcnow  # noqa: E402
from portal import health  # noqa: E402
from portal.demo.seed import seed  # noqa: E402
from portal.grids import GridIndex  # noqa: E402

DRAIN_SECONDS = 120


def _devices(url: str, count: int) -> list[str]:
    with Session(get_engine(url)) as s:
        index = GridIndex.load(s)
        staff = s.exec(select(User.id).where(User.username == "staff01")).one()
        grids = index.of_kind("micro")
        rows = []
        for n in range(count):
            grid = grids[n % len(grids)]
            point = index.shapes[grid.id].representative_point()
            rows.append(
                {
                    "code": f"B-{n:04d}",
                    "kind": "smoke",
                    "grid_id": grid.id,
                    "house": f"{n}号",
                    "lat": point.y,
                    "lon": point.x,
                    "registered_by": staff,
                    "registered_at": utcnow(),
                    "active": True,
                }
            )
        s.execute(insert(Device), rows)
        s.commit()
    return [r["code"] for r in rows]


def _publish(codes: list[str], rate: int, seconds: int) -> tuple[int, set[str]]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:6]}")
    client.max_queued_messages_set(0)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    sent, signalled, start = 0, set(), time.monotonic()
    infos = []
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        due = int(elapsed * rate)
        while sent < due:
            smoke = sent % 500 == 0  # on 30 devices in turn: each one signals more than once
            code = codes[(sent // 500) % 30] if smoke else codes[sent % len(codes)]
            signalled |= {code} if smoke else set()
            payload = {"kind": "smoke", "at": time.time(), "value": 1 if smoke else 0}
            payload["event_id"] = f"b{sent}"
            infos.append(
                client.publish(f"linli/S/devices/{code}/events", json.dumps(payload), qos=1)
            )
            sent += 1
        time.sleep(0.002)
    for info in infos:
        info.wait_for_publish(30)
    client.loop_stop()
    client.disconnect()
    return sent, signalled


def _wait_subscribed(engine, subscriber: subprocess.Popen) -> None:
    """Until the subscriber's first heartbeat (written once its subscription is confirmed)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and subscriber.poll() is None:
        with Session(engine) as s:
            if s.get(Heartbeat, health.MQTT_SUBSCRIBER) is not None:
                return
        time.sleep(0.2)
    raise SystemExit("the subscriber did not start")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--db", default="sqlite", help="sqlite, or a PostgreSQL URL")
    args = parser.parse_args()
    url = (
        f"sqlite:///{Path(tempfile.mkdtemp(prefix='linli-bench-')) / 'linli.db'}"
        if args.db == "sqlite"
        else args.db
    )
    upgrade(url)
    seed(url)
    codes = _devices(url, args.devices)
    engine = get_engine(url)
    with Session(engine) as s:
        events_before = s.exec(select(func.count()).select_from(DeviceEvent)).one()
        alarms_before = s.exec(select(func.count()).select_from(DeviceAlarm)).one()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LINLI_MQTT_CLIENT_ID": f"bench-sub-{uuid.uuid4().hex[:6]}",
    }
    log_path = Path(tempfile.mkdtemp(prefix="linli-bench-")) / "subscriber.log"
    log_file = open(log_path, "w")  # noqa: SIM115 - closed below
    subscriber = subprocess.Popen(
        [sys.executable, "-m", "portal.devices", "--mqtt"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_subscribed(engine, subscriber)
        started = time.monotonic()
        sent, signalled = _publish(codes, args.rate, args.seconds)
        published = time.monotonic() - started
        deadline = time.monotonic() + DRAIN_SECONDS
        taken = 0
        while time.monotonic() < deadline:
            with Session(engine) as s:
                taken = s.exec(select(func.count()).select_from(DeviceEvent)).one() - events_before
            if taken >= sent:
                break
            time.sleep(0.5)
        drained = time.monotonic() - started
    finally:
        subscriber.terminate()
        subscriber.wait(20)
        log_file.close()
        print(f"subscriber log: {log_path}")
    with Session(engine) as s:
        rows = s.exec(
            select(DeviceEvent.at, DeviceEvent.received_at)
            .join(Device)
            .where(Device.code.like("B-%"))
        ).all()
        keys = s.exec(select(func.count(func.distinct(DeviceEvent.idem_key)))).one()
        alarms = s.exec(select(func.count()).select_from(DeviceAlarm)).one() - alarms_before
    lags = sorted((received - at).total_seconds() for at, received in rows)
    print(f"published {sent} events in {published:.1f} s ({sent / published:.0f}/s), QoS 1")
    print(
        f"taken {taken} in {drained:.1f} s; lost {max(0, sent - taken)}; "
        f"duplicated {len(rows) - (keys - events_before)}"
    )
    print(f"alarms opened {alarms} for {len(signalled)} devices that signalled smoke")
    if lags:
        print(
            f"lag event→intake p50 {statistics.median(lags) * 1000:.0f} ms, "
            f"p95 {lags[int(0.95 * (len(lags) - 1))] * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
