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
    rule_voice: bool = True  # LINLI_RULE_VOICE: approximate Tibetan/Yi voice after clips


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
        rule_voice=env.get("LINLI_RULE_VOICE", "1").strip() not in ("0", "false", "no", "off"),
    )
