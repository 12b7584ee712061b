"""Inclusion measured on the pages people use (issue 14): axe-core, text contrast in every state,
60×60 targets in elder mode (inside map frames too), no text over other text, no text cut with
"…", and no English or Chinese chrome string on a Tibetan, Uyghur or Yi page.

The set (38 page views), chosen to stay within a few minutes on two cores (every page × role ×
mode × size would be several hundred page views):
- phone (390×844), Uyghur + elder mode together (right-to-left and the elder styles at once):
  every page of the portal at least once, each opened by a role that has it (resident: all 13;
  merchant: rewards; grid worker: its 8 work pages; staff: the 4 only staff have; handler: home).
  Admin has the staff pages and is left out;
- phone, Tibetan elder (home, snap a report, wish wall) and Yi elder (home, snap a report, points);
- phone, Chinese elder: the resident's home and snap a report;
- desktop (1366×768), Chinese: a resident's home and the staff cockpit.
Findings print per page view; the test fails on any."""

from __future__ import annotations

import re
import time
from collections import defaultdict

import pytest

from portal.i18n import translate
from portal.ui.chrome_strings import CHROME_STRINGS
from tests.e2e import measures
from tests.e2e.helpers import (
    MAIN,
    MAP_IFRAME,
    describe_violations,
    log_in,
    navigate,
    run_axe,
    screenshot,
    set_elder,
    set_language,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
RESIDENT_PAGES = (
    "home", "my_grid", "report_new", "my_reports", "public_reports", "points", "wish_wall",
    "wish_post", "messages", "council", "council_vote", "act_for", "account",
)  # fmt: skip

# (name, account, language, elder, viewport, pages)
PASSES = [
    ("ug-elder-resident", "aygul", "ug", True, PHONE, RESIDENT_PAGES),
    ("ug-elder-merchant", "chen_shop", "ug", True, PHONE, ("rewards_manage",)),
    (
        "ug-elder-gridworker",
        "gridchief_g1",
        "ug",
        True,
        PHONE,
        (
            "staff_home",
            "grid_map",
            "work_queue",
            "report_map",
            "tasks_manage",
            "wish_moderation",
            "cockpit",
            "voice_clips",
        ),
    ),  # fmt: skip
    (
        "ug-elder-staff",
        "staff01",
        "ug",
        True,
        PHONE,
        ("report_categories", "devices", "notices_manage", "council_manage"),
    ),
    ("ug-elder-handler", "handler_street", "ug", True, PHONE, ("staff_home",)),
    ("bo-elder-resident", "tashi", "bo", True, PHONE, ("home", "report_new", "wish_wall")),
    ("ii-elder-resident", "axi", "ii", True, PHONE, ("home", "report_new", "points")),
    ("zh-elder-resident", "zhang_nainai", "zh_Hans", True, PHONE, ("home", "report_new")),
    ("zh-desktop-resident", "li_ayi", "zh_Hans", False, DESKTOP, ("home",)),
    ("zh-desktop-staff", "staff01", "zh_Hans", False, DESKTOP, ("cockpit",)),
]
MEASURES = ("axe", "contrast", "targets", "overlap", "cut", "chrome")
TALLY: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))


def chrome_strings_in(language: str) -> list[re.Pattern]:
    """English and Chinese chrome strings that must not be shown on a page in `language`."""
    patterns = []
    for item in CHROME_STRINGS:
        patterns.append(re.compile("^" + item.english + "$"))
        chinese = translate("zh_Hans", item.msgid)
        if chinese != translate(language, item.msgid):
            literal = re.escape(chinese)
            patterns.append(re.compile("^" + re.sub(r"\\\{\d+\\\}", ".+", literal) + "$"))
    return patterns


def _open(page, key: str) -> None:
    navigate(page, "/" if key in ("home", "staff_home") else f"/{key}", f"{MAIN} h1")
    if page.locator(MAP_IFRAME).count():
        page.frame_locator(MAP_IFRAME).first.locator(".leaflet-container").wait_for()
        page.wait_for_timeout(300)  # Leaflet draws pins and clusters after the container


def _map_frames(page):
    return [el.content_frame() for el in page.locator(MAP_IFRAME).element_handles()]


def measure_view(page, where: str, language: str, elder: bool) -> dict[str, list]:
    """Every measure on the page as it is now (and in its map frames)."""
    found: dict[str, list] = {}
    started = time.perf_counter()
    axe = run_axe(page)
    found["axe"] = [describe_violations(where, axe)] if axe["violations"] else []
    states = measures.contrast_in_states(page)
    found["contrast"] = [dict(f, state=state) for state, items in states.items() for f in items]
    frames = _map_frames(page)
    found["targets"] = []
    if elder:
        found["targets"] = measures.small_targets(page)
        for frame in frames:
            found["targets"] += [dict(t, frame="map") for t in measures.small_targets(frame)]
    found["overlap"] = measures.overlapping_text(page)
    found["cut"] = measures.cut_text(page)
    found["chrome"] = []
    if language in ("bo", "ug", "ii"):
        patterns = chrome_strings_in(language)
        shown = measures.shown_strings(page)
        for frame in frames:
            shown += measures.shown_strings(frame)
        found["chrome"] = sorted({s for s in shown if any(p.match(s) for p in patterns)})
    print(f"{where}: measured in {time.perf_counter() - started:.1f} s")
    return found


@pytest.fixture(scope="module", autouse=True)
def print_tally():
    yield
    print("\ninclusion measures (findings per pass):")
    print(f"{'pass':24s} " + " ".join(f"{m:>9s}" for m in MEASURES))
    for name, counts in TALLY.items():
        print(f"{name:24s} " + " ".join(f"{counts[m]:9d}" for m in MEASURES))
    totals = {m: sum(c[m] for c in TALLY.values()) for m in MEASURES}
    print(f"{'total':24s} " + " ".join(f"{totals[m]:9d}" for m in MEASURES))


@pytest.mark.parametrize(("name", "account", "language", "elder", "viewport", "keys"), PASSES,
                         ids=[p[0] for p in PASSES])  # fmt: skip
def test_inclusion_measures(new_context, server, name, account, language, elder, viewport, keys):
    page = new_context(viewport=viewport).new_page()
    log_in(page, server.url, account)
    set_language(page, language)
    set_elder(page, elder)
    failures = []
    for key in keys:
        _open(page, key)
        where = f"{name} {key}"
        found = measure_view(page, where, language, elder)
        for measure, items in found.items():
            TALLY[name][measure] += len(items)
            if items:
                failures.append(f"{where} {measure} ({len(items)}): {items[:6]}")
        if language in ("ug", "bo") and key in ("home", "report_new"):
            screenshot(page, f"inclusion-{name}-{key}", full_page=False)
    print("\n".join(failures))
    assert not failures, "\n".join(failures)
