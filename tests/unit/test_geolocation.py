"""What the browser's geolocation sends back is checked before the report form uses it."""

from __future__ import annotations

import pytest

from portal.i18n import translate
from portal.ui.geolocation import ERRORS, Fix, read_fix


def test_a_fix_with_its_accuracy():
    assert read_fix({"lat": 30.6, "lon": 104.05, "accuracy": 12.5}) == Fix(30.6, 104.05, 12.5)
    assert read_fix({"lat": "30.6", "lon": 104, "accuracy": None}) == Fix(30.6, 104.0, None)
    assert read_fix({"lat": 30.6, "lon": 104, "accuracy": -3}).accuracy is None


@pytest.mark.parametrize("code", ["denied", "unavailable", "timeout"])
def test_errors_keep_their_reason(code):
    assert read_fix({"error": code}) == Fix(error=code)
    assert translate("zh_Hans", ERRORS[code]) != ERRORS[code]  # said in the person's language


@pytest.mark.parametrize(
    "raw",
    [
        {"error": "<img src=x>"},
        {"lat": 95, "lon": 104},
        {"lat": 30, "lon": 181},
        {"lat": float("nan"), "lon": 104},
        {"lat": "abc", "lon": 104},
        {"lat": 30},
    ],
)
def test_anything_else_is_unavailable(raw):
    assert read_fix(raw) == Fix(error="unavailable")


def test_nothing_sent():
    assert read_fix(None) is None and read_fix("30,104") is None
