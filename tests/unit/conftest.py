"""Fixtures of the HTTP and MQTT face (tests/reach_fixtures.py), for the unit tests."""

from tests.reach_fixtures import http_client, mqtt_broker  # noqa: F401
