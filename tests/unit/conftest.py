"""Fixtures of the HTTP and MQTT face (tests/reach_fixtures.py), for the unit tests."""

from tests.media_fixtures import media_env, media_kind, s3_stand_in  # noqa: F401
from tests.reach_fixtures import http_client, mqtt_broker  # noqa: F401
