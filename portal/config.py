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
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    mqtt_client_id: str = "linli-device-intake"
    api_rate_per_minute: int = 60
    health_heartbeat_seconds: int = 1800


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
        mqtt_url=env.get("LINLI_MQTT_URL", "mqtt://127.0.0.1:1883"),
        mqtt_client_id=env.get("LINLI_MQTT_CLIENT_ID", "linli-device-intake"),
        api_rate_per_minute=int(env.get("LINLI_API_RATE_PER_MINUTE", "60")),
        health_heartbeat_seconds=int(env.get("LINLI_HEALTH_HEARTBEAT_SECONDS", "1800")),
    )
