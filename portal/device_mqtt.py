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
import queue
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
RECEIVE_MAXIMUM = 65_535
log = logging.getLogger("portal.device_mqtt")


def broker(url: str) -> tuple[str, int]:
    parts = urlsplit(url if "://" in url else f"mqtt://{url}")
    return parts.hostname or "127.0.0.1", parts.port or 1883


@dataclass
class Pending:
    mid: int
    qos: int
    message: DeviceMessage


@dataclass
class Subscriber:
    mqtt_url: str
    database_url: str
    client_id: str = CLIENT_ID
    batch_size: int = BATCH_SIZE
    batch_seconds: float = BATCH_SECONDS
    session_expiry: int = SESSION_EXPIRY_SECONDS
    inbox: queue.Queue = field(default_factory=queue.Queue)
    retry: list[Pending] = field(default_factory=list)
    index: GridIndex | None = None
    community: str = ""
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

    def _on_message(self, _client, _userdata, msg) -> None:  # the network thread
        self.inbox.put(Pending(msg.mid, msg.qos, DeviceMessage(msg.topic, msg.payload)))

    def _next_batch(self, stop: threading.Event) -> list[Pending]:
        """Waits for a message, then collects up to batch_size within batch_seconds."""
        batch, self.retry = self.retry, []
        deadline = time.monotonic() + self.batch_seconds
        while len(batch) < self.batch_size and not stop.is_set():
            wait = deadline - time.monotonic() if batch else 0.2
            if batch and wait <= 0:
                break
            try:
                batch.append(self.inbox.get(timeout=max(wait, 0.001)))
            except queue.Empty:
                if not batch:
                    return batch
        return batch

    def _flush(self, client: mqtt.Client, engine, batch: list[Pending]) -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                if self.index is None:  # run() loads it first; a flush before that loads it here
                    self.index = GridIndex.load(session)
                result = intake_messages(
                    session, self.index, [p.message for p in batch], community=self.community
                )
        except Exception:  # noqa: BLE001 - kept unacknowledged: the broker delivers it again
            log.exception("batch of %d messages failed; retrying", len(batch))
            self.retry = batch
            time.sleep(1)
            return
        for item in batch:
            if item.qos > 0:
                client.ack(item.mid, item.qos)
        self.taken += result.taken
        self.refused += len(result.refused)

    def run(self, stop: threading.Event) -> None:
        engine = get_engine(self.database_url)
        with Session(engine) as session:
            self.index, self.community = GridIndex.load(session), community_code(session)
        client = self._client()
        host, port = broker(self.mqtt_url)
        connect = Properties(PacketTypes.CONNECT)
        connect.SessionExpiryInterval = self.session_expiry
        # Mosquitto otherwise keeps 20 unacknowledged messages in flight and queues 1000 more,
        # then drops: with acks sent per batch the window must hold a whole batch and more.
        connect.ReceiveMaximum = RECEIVE_MAXIMUM
        client.connect(host, port, clean_start=False, properties=connect)
        client.loop_start()  # reads (and reconnects) in its own thread; batches are taken here
        self.subscribed.wait(30)  # the first heartbeat says: subscribed, messages are kept now
        last_beat = 0.0
        try:
            while not stop.is_set():
                batch = self._next_batch(stop)
                if batch:
                    self._flush(client, engine, batch)
                if time.monotonic() - last_beat >= BEAT_SECONDS:
                    with Session(engine) as session:
                        health.beat(session, health.MQTT_SUBSCRIBER)
                    last_beat = time.monotonic()
        finally:
            client.disconnect()
            client.loop_stop()


def main() -> int:
    from portal.config import load_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    subscriber = Subscriber(
        settings.mqtt_url, settings.database_url, client_id=settings.mqtt_client_id
    )
    log.info("subscribing to %s on %s", TOPIC_FILTER, settings.mqtt_url)
    subscriber.run(stop)
    log.info("stopped: taken %d, refused %d", subscriber.taken, subscriber.refused)
    return 0


if __name__ == "__main__":
    sys.exit(main())
