"""portal.config.Settings is the one list of environment variables; README's table must agree."""

import re
from pathlib import Path

from portal import config, recognition, speech
from portal.config import ROOT, load_settings

ROW = re.compile(r"^\| `(?P<name>[A-Z][A-Z0-9_]*)` \| (?P<default>[^|]*) \|", re.M)


def readme_table() -> dict[str, str]:
    """Variable → default as README's configuration table shows it ("empty" is "")."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("Environment variables") :]
    section = section[: section.index("\n\n", section.index("| Variable"))]
    rows = {m["name"]: m["default"].strip() for m in ROW.finditer(section)}
    return {name: "" if d == "empty" else d.strip("`") for name, d in rows.items()}


def test_readme_lists_every_setting_with_its_default_and_nothing_else():
    in_code = {v.name: v.default for v in config.variables()}
    assert readme_table() == in_code


def test_every_variable_is_read_only_in_portal_config():
    """No module but portal/config.py reads a LINLI_* variable (or DATABASE_URL, PORT)."""
    reads = re.compile(r"(environ|getenv)\b[^\n]*['\"](LINLI_|DATABASE_URL|PORT)")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("portal", "db", "pages")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "config.py" and reads.search(path.read_text(encoding="utf-8"))
    ] + (["app.py"] if reads.search((ROOT / "app.py").read_text(encoding="utf-8")) else [])
    assert offenders == []


def test_defaults_when_nothing_is_set():
    s = load_settings({})
    assert s.database_url == f"sqlite:///{ROOT / 'var' / 'linli.db'}"
    assert s.media_dir == ROOT / "var" / "media"
    assert (s.tile_provider, s.session_days, s.no_use_days) == ("osm", 14, 2)
    assert (s.housekeeping_seconds, s.tts_engines, s.speech_recognizer) == (
        300.0,
        "gtts,espeak",
        "none",
    )
    assert (s.vosk_models, s.tianditu_key, s.port) == ("", "", "8501")
    assert s.static_url_prefix == "/app/static"


def test_values_are_read_and_bad_ones_fall_back_to_the_default():
    s = load_settings(
        {
            "DATABASE_URL": "postgresql://x@h/db",
            "LINLI_MEDIA_DIR": "/srv/media",
            "LINLI_TILES": " GAODE ",
            "LINLI_SESSION_DAYS": "thirty",
            "LINLI_BASE_URL_PATH": "/linli/",
            "LINLI_NO_USE_DAYS": "0",
            "LINLI_HOUSEKEEPING_SECONDS": "0",
            "LINLI_SPEECH_RECOGNIZER": " Vosk ",
        }
    )
    assert (s.database_url, s.media_dir) == ("postgresql://x@h/db", Path("/srv/media"))
    assert (s.tile_provider, s.session_days, s.no_use_days) == ("gaode", 14, 1)
    assert (s.housekeeping_seconds, s.speech_recognizer) == (0.0, "vosk")
    assert s.static_url_prefix == "/linli/app/static"
    assert load_settings({"LINLI_TILES": "google"}).tile_provider == "none"


def test_services_take_their_engines_from_settings():
    assert [e.name for e in speech.engine_chain({"LINLI_TTS_ENGINES": "espeak"})] == ["espeak"]
    assert recognition.recognizer({"LINLI_SPEECH_RECOGNIZER": "none"}).name == "none"
    chosen = recognition.recognizer({"LINLI_SPEECH_RECOGNIZER": " Vosk "})
    assert isinstance(chosen, recognition.VoskRecognizer)
    models = recognition.VoskRecognizer({"LINLI_VOSK_MODELS": "en=/m,zh_Hans=/c"}).models
    assert models == {"en": "/m", "zh_Hans": "/c"}


def test_media_store_settings():
    s = load_settings({})
    assert (s.media_store, s.s3_bucket, s.s3_prefix, s.s3_endpoint_url) == ("local", "", "", "")
    assert (s.s3_region, s.s3_access_key_id, s.s3_secret_access_key) == ("", "", "")
    s = load_settings(
        {
            "LINLI_MEDIA_STORE": " S3 ",
            "LINLI_S3_BUCKET": "linli-media",
            "LINLI_S3_PREFIX": "wuhou/",
            "LINLI_S3_ENDPOINT_URL": "http://10.0.0.5:9000",
            "LINLI_S3_REGION": "cn-southwest-1",
            "LINLI_S3_ACCESS_KEY_ID": "key",
            "LINLI_S3_SECRET_ACCESS_KEY": "secret",
        }
    )
    assert (s.media_store, s.s3_bucket, s.s3_prefix) == ("s3", "linli-media", "wuhou/")
    assert (s.s3_endpoint_url, s.s3_region) == ("http://10.0.0.5:9000", "cn-southwest-1")
    assert (s.s3_access_key_id, s.s3_secret_access_key) == ("key", "secret")
    assert load_settings({"LINLI_MEDIA_STORE": "nfs"}).media_store == "local"
