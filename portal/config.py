"""Settings read from the environment, with defaults that run a demo on one machine.

`Settings` is the one place that reads an environment variable: each field names its variable,
its default (as README's configuration table shows it) and its meaning. To add a setting, add one
field here and one row to README's table (tests/unit/test_config.py checks that both agree).
Standard library only: portal.bootstrap reads PORT from here before anything is installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEZONE = "Asia/Shanghai"
TILE_PROVIDERS = ("none", "osm", "gaode", "tianditu")
MEDIA_STORES = ("local", "s3")
DEFAULT_DATABASE_URL = "sqlite:///var/linli.db"  # relative to the project folder


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name, its default as text, what it means, how it is read."""

    name: str
    default: str
    meaning: str
    read: Callable[[str], Any] = str


def _database_url(raw: str) -> str:
    return f"sqlite:///{ROOT / 'var' / 'linli.db'}" if raw == DEFAULT_DATABASE_URL else raw


def _folder(raw: str) -> Path:
    """A folder; the default (a relative path) lies in the project folder."""
    return Path(raw) if Path(raw).is_absolute() else ROOT / raw


def _tiles(raw: str) -> str:
    tiles = raw.strip().lower()
    return tiles if tiles in TILE_PROVIDERS else "none"


def _store(raw: str) -> str:
    store = raw.strip().lower()
    if store not in MEDIA_STORES:
        raise ValueError(raw)  # falls back to the default
    return store


def _at_least_one(raw: str) -> int:
    return max(1, int(raw))


def _name(raw: str) -> str:
    return raw.strip().lower()


def _yes(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on")


def from_env(name: str, default: str, meaning: str, read: Callable[[str], Any] = str) -> Any:
    """A Settings field read from environment variable `name` (`default` when unset or empty)."""
    return field(metadata={"variable": Variable(name, default, meaning, read)})


@dataclass(frozen=True)
class Settings:
    """Every environment variable the portal reads (all optional), one field each."""

    database_url: str = from_env(
        "DATABASE_URL", DEFAULT_DATABASE_URL, "SQLite file or PostgreSQL", _database_url
    )
    media_dir: Path = from_env("LINLI_MEDIA_DIR", "var/media", "uploaded photos and audio", _folder)
    media_store: str = from_env(
        "LINLI_MEDIA_STORE", "local", "where media is kept: local (LINLI_MEDIA_DIR) or s3", _store
    )
    s3_bucket: str = from_env("LINLI_S3_BUCKET", "", "bucket of the s3 media store")
    s3_prefix: str = from_env("LINLI_S3_PREFIX", "", "key prefix inside the bucket, e.g. linli/")
    s3_endpoint_url: str = from_env(
        "LINLI_S3_ENDPOINT_URL", "", "S3-compatible server (MinIO…); empty = AWS"
    )
    s3_region: str = from_env("LINLI_S3_REGION", "", "region of the bucket")
    s3_access_key_id: str = from_env(
        "LINLI_S3_ACCESS_KEY_ID", "", "access key; empty = boto3's usual credential lookup"
    )
    s3_secret_access_key: str = from_env(
        "LINLI_S3_SECRET_ACCESS_KEY", "", "secret key that goes with LINLI_S3_ACCESS_KEY_ID"
    )
    tile_provider: str = from_env(
        "LINLI_TILES", "osm", "map background: none, osm, gaode, tianditu", _tiles
    )
    tianditu_key: str = from_env("LINLI_TIANDITU_KEY", "", "key for the Tianditu map tiles")
    session_days: int = from_env("LINLI_SESSION_DAYS", "14", "days a remembered login lasts", int)
    base_url_path: str = from_env(
        "LINLI_BASE_URL_PATH", "", "Streamlit's server.baseUrlPath", lambda raw: raw.strip("/")
    )
    no_use_days: int = from_env(
        "LINLI_NO_USE_DAYS", "2", "days without electricity use before a visit", _at_least_one
    )
    housekeeping_seconds: float = from_env(
        "LINLI_HOUSEKEEPING_SECONDS", "300", "seconds between clock-rule runs (0 = never)", float
    )
    tts_engines: str = from_env("LINLI_TTS_ENGINES", "gtts,espeak", "read-aloud engines in order")
    speech_recognizer: str = from_env(
        "LINLI_SPEECH_RECOGNIZER", "none", "voice-to-text engine: none or vosk", _name
    )
    vosk_models: str = from_env(
        "LINLI_VOSK_MODELS", "", "Vosk model folder per language: zh_Hans=/path,en=/path"
    )
    port: str = from_env("PORT", "8501", "port for python3 -m portal.bootstrap start")
    demo_mode: bool = from_env(
        "LINLI_DEMO", "0", "1 = the public demo: demo-marked accounts may log in", _yes
    )
    proxy_hops: int = from_env(
        "LINLI_PROXY_HOPS",
        "0",
        "reverse proxies in front; client address from X-Forwarded-For",
        lambda raw: max(0, int(raw)),
    )
    admin_password: str = from_env(
        "LINLI_ADMIN_PASSWORD", "", "first admin's password on a first real start (else random)"
    )
    rule_voice: bool = from_env(
        "LINLI_RULE_VOICE", "1", "approximate rule-based Tibetan/Yi voice when no clip exists", _yes
    )
    smtp_url: str = from_env(
        "LINLI_SMTP_URL", "", "mail server for notices: smtp://host:port (smtps:// for TLS)"
    )
    smtp_from: str = from_env("LINLI_SMTP_FROM", "linli@localhost", "sender address of every mail")
    sms_gateway_url: str = from_env(
        "LINLI_SMS_GATEWAY_URL", "", "HTTP endpoint of the SMS / WeChat message gateway"
    )
    public_url: str = from_env(
        "LINLI_PUBLIC_URL",
        "http://127.0.0.1:8501",
        "base of links in messages",
        lambda raw: raw.rstrip("/"),
    )
    notify_max_tries: int = from_env(
        "LINLI_NOTIFY_MAX_TRIES", "5", "delivery tries before a message is marked failed", int
    )
    notify_backoff_seconds: float = from_env(
        "LINLI_NOTIFY_BACKOFF_SECONDS", "30", "first retry delay of a delivery; it doubles", float
    )
    worker_poll_seconds: float = from_env(
        "LINLI_WORKER_POLL_SECONDS", "5", "how often the worker looks for messages to send", float
    )
    worker_rules_seconds: float = from_env(
        "LINLI_WORKER_RULES_SECONDS", "60", "how often the worker runs the clock rules", float
    )
    worker_batch: int = from_env(
        "LINLI_WORKER_BATCH", "50", "messages a worker claims at a time", int
    )
    mqtt_url: str = from_env("LINLI_MQTT_URL", "mqtt://127.0.0.1:1883", "MQTT broker for devices")
    mqtt_client_id: str = from_env(
        "LINLI_MQTT_CLIENT_ID", "linli-device-intake", "MQTT client id of the device subscriber"
    )
    api_rate_per_minute: int = from_env(
        "LINLI_API_RATE_PER_MINUTE", "60", "requests per minute per partner api key", int
    )
    health_heartbeat_seconds: int = from_env(
        "LINLI_HEALTH_HEARTBEAT_SECONDS",
        "1800",
        "age of the worker heartbeat that is unhealthy",
        int,
    )

    @property
    def static_dir(self) -> Path:
        return ROOT / "static"

    @property
    def static_url_prefix(self) -> str:
        return f"/{self.base_url_path}/app/static" if self.base_url_path else "/app/static"


def variables() -> list[Variable]:
    """The environment variables Settings reads, in field order."""
    return [f.metadata["variable"] for f in fields(Settings)]


def _value(variable: Variable, env: Mapping[str, str]) -> Any:
    """The variable's value; the default when it is unset, empty or not readable."""
    raw = env.get(variable.name) or variable.default
    try:
        return variable.read(raw)
    except ValueError:
        return variable.read(variable.default)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return Settings(**{f.name: _value(f.metadata["variable"], env) for f in fields(Settings)})
