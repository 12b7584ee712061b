"""Settings read from the environment, with defaults that run a demo on one machine."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEZONE = "Asia/Shanghai"
TILE_PROVIDERS = ("none", "osm", "gaode", "tianditu")


@dataclass(frozen=True)
class Settings:
    database_url: str
    media_dir: Path
    static_dir: Path
    tile_provider: str
    tianditu_key: str
    session_days: int
    static_url_prefix: str
    smtp_url: str = ""  # LINLI_SMTP_URL: smtp://host:port (smtps:// for TLS); empty = no email
    smtp_from: str = "linli@localhost"  # LINLI_SMTP_FROM: the sender address of every mail
    sms_gateway_url: str = ""  # LINLI_SMS_GATEWAY_URL: HTTP endpoint of the SMS/WeChat gateway
    public_url: str = "http://127.0.0.1:8501"  # LINLI_PUBLIC_URL: base of links in messages
    notify_max_tries: int = 5  # LINLI_NOTIFY_MAX_TRIES: then a delivery is marked failed
    notify_backoff_seconds: float = 30.0  # LINLI_NOTIFY_BACKOFF_SECONDS: first retry; doubles


def default_database_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'linli.db'}"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    tiles = env.get("LINLI_TILES", "osm").strip().lower()
    if tiles not in TILE_PROVIDERS:
        tiles = "none"
    base_path = env.get("LINLI_BASE_URL_PATH", "").strip("/")
    prefix = f"/{base_path}/app/static" if base_path else "/app/static"
    return Settings(
        database_url=env.get("DATABASE_URL") or default_database_url(),
        media_dir=Path(env.get("LINLI_MEDIA_DIR") or ROOT / "var" / "media"),
        static_dir=ROOT / "static",
        tile_provider=tiles,
        tianditu_key=env.get("LINLI_TIANDITU_KEY", ""),
        session_days=int(env.get("LINLI_SESSION_DAYS", "14")),
        static_url_prefix=prefix,
        smtp_url=env.get("LINLI_SMTP_URL", ""),
        smtp_from=env.get("LINLI_SMTP_FROM", "linli@localhost"),
        sms_gateway_url=env.get("LINLI_SMS_GATEWAY_URL", ""),
        public_url=env.get("LINLI_PUBLIC_URL", "http://127.0.0.1:8501").rstrip("/"),
        notify_max_tries=int(env.get("LINLI_NOTIFY_MAX_TRIES", "5")),
        notify_backoff_seconds=float(env.get("LINLI_NOTIFY_BACKOFF_SECONDS", "30")),
    )
