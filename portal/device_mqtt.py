"""The MQTT subscriber: `python -m portal.devices --mqtt` (its own process).

Devices (or their gateway) publish with QoS 1 to `linli/<community>/devices/<device>/events`
(community = the community grid's code, "S" in the demo) a JSON object per event, or an array:
`{"kind": "smoke", "at": "2026-11-02T08:30:00+08:00", "value": 1, "event_id": "e-17"}`
("device" may be left out: the topic names it; "at" may be Unix seconds).

At least once, never twice: the subscriber keeps a persistent MQTT v5 session (clean_start off,
a fixed client id) and acknowledges a message only after its batch is committed, so a crash makes
the broker deliver it again; a redelivered event has the same idempotency key and is not taken
twice. Messages are taken in batches (up to BATCH_SIZE or BATCH_SECONDS) in one transaction.
Refused messages become dead letters. A heartbeat row marks each live minute.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlmodel import Session

from db.engine import get_engine
from portal import health
from portal.devices import DeviceMessage, intake_messages
from portal.grids import GridIndex
from portal.web.http import community_code

TOPIC_FILTER = "linli/+/devices/+/events"
CLIENT_ID = "linli-device-intake"
BATCH_SIZE = 500
BATCH_SECONDS = 0.2
BEAT_SECONDS = 30
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
log = logging.getLogger("portal.device_mqtt")


def broker(url: str) -> tuple[str, int]:
    parts = urlsplit(url if "://" in url else f"mqtt://{url}")
    return parts.hostname or "127.0.0.1", parts.port or 1883


@dataclass
class Pending:
    mid: int
    qos: int
    message: DeviceMessage
    arrived: float


@dataclass
class Subscriber:
    mqtt_url: str
    database_url: str
    client_id: str = CLIENT_ID
    batch_size: int = BATCH_SIZE
    batch_seconds: float = BATCH_SECONDS
    session_expiry: int = SESSION_EXPIRY_SECONDS
    pending: list[Pending] = field(default_factory=list)
    taken: int = 0
    refused: int = 0
    subscribed: threading.Event = field(default_factory=threading.Event)

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5
        )
        client.manual_ack_set(True)
        client.on_connect = self._on_connect
        client.on_subscribe = lambda *_a, **_k: self.subscribed.set()
        client.on_message = self._on_message
        return client

    def _on_connect(self, client, _userdata, _flags, reason, _properties) -> None:
        if reason.is_failure:
            log.error("MQTT connect refused: %s", reason)
            return
        client.subscribe(TOPIC_FILTER, qos=1)

    def _on_message(self, _client, _userdata, msg) -> None:
        self.pending.append(
            Pending(msg.mid, msg.qos, DeviceMessage(msg.topic, msg.payload), time.monotonic())
        )

    def _flush(self, client: mqtt.Client, engine, index: GridIndex, community: str) -> None:
        batch, self.pending = self.pending, []
        try:
            with Session(engine, expire_on_commit=False) as session:
                result = intake_messages(
                    session, index, [p.message for p in batch], community=community
                )
        except Exception:  # noqa: BLE001 - kept unacknowledged: the broker delivers it again
            log.exception("batch of %d messages failed; retrying", len(batch))
            self.pending = batch + self.pending
            time.sleep(1)
            return
        for item in batch:
            if item.qos > 0:
                client.ack(item.mid, item.qos)
        self.taken += result.taken
        self.refused += len(result.refused)

    def run(self, stop: threading.Event) -> None:
        client = self._client()
        host, port = broker(self.mqtt_url)
        connect = Properties(PacketTypes.CONNECT)
        connect.SessionExpiryInterval = self.session_expiry
        client.connect(host, port, clean_start=False, properties=connect)
        engine = get_engine(self.database_url)
        with Session(engine) as session:
            index, community = GridIndex.load(session), community_code(session)
        last_beat = 0.0
        while not stop.is_set():
            if client.loop(timeout=0.05) != mqtt.MQTT_ERR_SUCCESS:
                self._reconnect(client, stop)
            now = time.monotonic()
            if self.pending and (
                len(self.pending) >= self.batch_size
                or now - self.pending[0].arrived >= self.batch_seconds
            ):
                self._flush(client, engine, index, community)
            if now - last_beat >= BEAT_SECONDS:
                with Session(engine) as session:
                    health.beat(session, health.MQTT_SUBSCRIBER)
                last_beat = now
        if self.pending:
            self._flush(client, engine, index, community)
        client.loop(timeout=0.1)
        client.disconnect()

    def _reconnect(self, client: mqtt.Client, stop: threading.Event) -> None:
        """Unacknowledged messages are dropped here: the broker sends them again."""
        self.pending = []
        while not stop.is_set():
            time.sleep(1)
            try:
                client.reconnect()
                return
            except OSError as exc:
                log.warning("MQTT broker unreachable (%s); retrying", exc)


def main() -> int:
    from portal.config import load_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    subscriber = Subscriber(settings.mqtt_url, settings.database_url)
    log.info("subscribing to %s on %s", TOPIC_FILTER, settings.mqtt_url)
    subscriber.run(stop)
    log.info("stopped: taken %d, refused %d", subscriber.taken, subscriber.refused)
    return 0


if __name__ == "__main__":
    sys.exit(main())
