"""axe-core (WCAG 2.0/2.1/2.2 A and AA rules) finds nothing on the first screens, in default, elder
and Uyghur (right-to-left) modes, and inside the map's iframe."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import (
    MAIN,
    MAP_IFRAME,
    describe_violations,
    enter_as,
    open_page,
    run_axe,
    screenshot,
    set_elder,
    set_language,
)

pytestmark = pytest.mark.e2e

MODES = {  # mode → (language, elder)
    "default": ("zh_Hans", False),
    "elder": ("zh_Hans", True),
    "uyghur": ("ug", False),
}
WHO = {  # screen → account (None = anonymous)
    "login": None,
    "resident_home": "zhang_nainai",
    "staff_home": "staff01",
}


def _check(page, where: str) -> list[str]:
    result = run_axe(page)
    report = describe_violations(where, result)
    print(report)
    return [report] if result["violations"] else []


@pytest.mark.parametrize("screen", list(WHO))
def test_axe_first_screens(server, page, screen):
    """One login per screen, then each mode in turn (a new login per mode costs seconds)."""
    username = WHO[screen]
    if username is None:
        open_page(page, server.url + "/", '[data-testid="stForm"]')
    else:
        enter_as(page, server, username)
    failures = []
    for mode, (language, elder) in MODES.items():
        # set both explicitly: an account remembers what an earlier test chose
        set_language(page, language)
        set_elder(page, elder)
        page.wait_for_selector(f"{MAIN} h1")
        if screen == "staff_home":
            page.wait_for_selector(f'{MAIN} [data-testid="stDataFrame"]')
        screenshot(page, f"axe-{screen}-{mode}")
        failures += _check(page, f"{screen} ({mode})")
    assert not failures, "\n\n".join(failures)


def test_axe_grid_map_iframe(server, page):
    enter_as(page, server, "staff01")
    set_language(page, "zh_Hans")
    set_elder(page, False)
    open_page(page, server.url + "/grid_map", MAP_IFRAME)
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached")
    screenshot(page, "axe-grid-map")
    failures = _check(page, "grid map page")
    map_frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    assert map_frame is not None
    failures += _check(map_frame, "grid map iframe (streamlit_folium)")
    assert not failures, "\n\n".join(failures)
