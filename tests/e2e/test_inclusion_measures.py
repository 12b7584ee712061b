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
from portal.ui.chrome_strings import CHROME_STRINGS, TOO_LARGE_UPLOAD, UPLOAD_LIMIT_MB
from tests.e2e import measures
from tests.e2e.helpers import (
    MAIN,
    MAP_IFRAME,
    describe_violations,
    enter_as,
    expect_html_lang,
    native_name,
    navigate,
    open_page,
    run_axe,
    screenshot,
    set_elder,
    set_language,
    wait_rerun,
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


def _first_visit(page, server) -> None:
    """The first page a fresh server draws imports the whole portal: on a busy machine this can
    take longer than the usual 30 s wait."""
    open_page(page, server.url + "/", '[data-testid="stForm"]', timeout=120_000)


def _open(page, key: str) -> None:
    navigate(page, "/" if key in ("home", "staff_home") else f"/{key}", f"{MAIN} h1")
    if page.locator(MAP_IFRAME).count():
        # the first map of a session loads the component's scripts: slow on a busy machine
        page.frame_locator(MAP_IFRAME).first.locator(".leaflet-container").wait_for(timeout=90_000)
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
    _first_visit(page, server)
    enter_as(page, server, account)
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


def test_oversize_photo_is_refused_in_the_readers_language(new_context, server, tmp_path):
    """A photo over Streamlit's upload limit: the uploader says so in Uyghur (not "File must be
    20.0MB or smaller."), and "Send the report" does not send the report without its photo."""
    page = new_context(viewport=PHONE).new_page()
    _first_visit(page, server)
    enter_as(page, server, "aygul")
    set_language(page, "ug")
    set_elder(page, False)
    _open(page, "report_new")
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\0" * (UPLOAD_LIMIT_MB * 1024 * 1024 + 10))
    page.locator(f'{MAIN} [data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(big)
    )
    expected = translate("ug", "The file must be {0} or smaller.").split("{0}")[0].strip()
    uploader = page.locator(f'{MAIN} [data-testid="stFileUploader"]').first
    uploader.get_by_text(expected, exact=False).wait_for()
    assert "File must be" not in uploader.inner_text()
    page.wait_for_timeout(500)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    runs_before = page.linli_runs.finished
    page.locator(".st-key-rp_send button").click()
    page.wait_for_timeout(2000)
    assert dialogs == [translate("ug", TOO_LARGE_UPLOAD, mb=UPLOAD_LIMIT_MB)]
    assert page.linli_runs.finished == runs_before, "the report was sent without its photo"


FOCUS_IN_FRAME = "() => document.hasFocus() && document.activeElement !== document.body"


def _tab_stops_in_map(page, frame) -> int:
    """Tabs it takes to walk through the map frame, from its container to the page after it."""
    frame.focus(".leaflet-container")
    for stops in range(150):
        page.keyboard.press("Tab")
        if not frame.evaluate(FOCUS_IN_FRAME):
            return stops
    return 150


def test_keyboard_first_screen_toggles_and_map(new_context, server):
    """With Tab, Enter and Space only: choose Uyghur on the first screen, see where the focus is on
    the elder-mode switch (a ring as on buttons), turn it on; a map frame holds a few tab stops
    (zoom, legend), not one per grid shape."""
    page = new_context(viewport=PHONE).new_page()
    _first_visit(page, server)
    uyghur = native_name("ug")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.innerText.trim()") == uyghur:
            break
    else:
        raise AssertionError("the Uyghur language button is not reachable with Tab")
    wait_rerun(page, lambda: page.keyboard.press("Enter"))
    expect_html_lang(page, "ug", "rtl")

    page.locator(".st-key-lang_button_ug button").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('role')") == "switch":
            break
    else:
        raise AssertionError("the elder-mode switch is not reachable with Tab")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement.closest('label'));"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert ring[0] == "solid" and ring[1] >= 3, ring
    wait_rerun(page, lambda: page.keyboard.press("Space"))
    page.wait_for_function(
        "() => parseFloat(getComputedStyle(document.documentElement).fontSize) >= 24"
    )

    enter_as(page, server, "staff01")
    _open(page, "grid_map")
    frame = page.locator(MAP_IFRAME).first.element_handle().content_frame()
    frame.wait_for_selector("path.leaflet-interactive")
    shapes = frame.evaluate("() => document.querySelectorAll('path.leaflet-interactive').length")
    stops = _tab_stops_in_map(page, frame)
    assert shapes > 50 and stops <= 8, f"{stops} tab stops in the map frame ({shapes} shapes)"
