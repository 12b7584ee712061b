"""A resident's first visit: log in, switch to Uyghur (right-to-left) and to large text, reload."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.e2e.helpers import (
    MAIN,
    computed,
    expect_html_lang,
    font_sizes,
    h1_texts,
    heights,
    log_in,
    open_page,
    screenshot,
    set_elder,
    set_language,
    wait_connected,
    wait_idle,
)

pytestmark = pytest.mark.e2e

RESIDENT = ("li_ayi", "李阿姨")  # Simplified Chinese, elder mode off in the demo data

# main text and the controls a person uses to move on: page links (tiles) and buttons
MAIN_TEXT = f"{MAIN} [data-testid='stMarkdownContainer'] p"
MAIN_CONTROLS = (
    f"{MAIN} [data-testid='stPageLink'] a, {MAIN} [data-testid='stButton'] button, "
    f"{MAIN} [data-testid='stFormSubmitButton'] button"
)


def _assert_rtl(page):
    expect_html_lang(page, "ug", "rtl")
    assert computed(page, MAIN, "direction") == "rtl"
    assert computed(page, f"{MAIN} h1", "direction") == "rtl"


def _assert_elder(page):
    sizes = font_sizes(page, MAIN_TEXT)
    assert sizes, "no main text found"
    assert min(sizes) >= 24, f"main text font sizes in elder mode: {sizes}"
    # the heading text (a span inside the h1) keeps the heading's size, above the body text
    title_size = page.eval_on_selector(
        f"{MAIN} h1 [data-heading-text]", "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert title_size >= 32, f"h1 text in elder mode is {title_size}px"
    controls = heights(page, MAIN_CONTROLS)
    assert controls, "no buttons or page links in the main area"
    small = [(label, h) for label, h in controls if h < 60]
    assert not small, f"controls lower than 60 px in elder mode: {small}"


def test_resident_journey(server, page):
    username, name = RESIDENT
    open_page(page, server.url + "/", '[data-testid="stForm"]')
    expect_html_lang(page, "zh-Hans", "ltr")
    screenshot(page, "journey-1-login")

    log_in(page, server.url, username)
    assert urlparse(page.url).path in ("/", "/home")
    assert any(name in title for title in h1_texts(page)), h1_texts(page)
    screenshot(page, "journey-2-home")

    set_language(page, "ug")
    _assert_rtl(page)
    assert any(name in title for title in h1_texts(page))
    screenshot(page, "journey-3-home-uyghur")

    set_elder(page, True)
    _assert_elder(page)
    _assert_rtl(page)
    screenshot(page, "journey-4-home-uyghur-elder")

    # a reload starts a new Streamlit session: the cookie restores the login, the account the rest
    page.reload(wait_until="domcontentloaded")
    wait_connected(page)
    page.wait_for_selector(f"{MAIN} h1")
    wait_idle(page)
    assert any(name in title for title in h1_texts(page)), "not logged in after reload"
    assert any(c["name"] == "linli_session" for c in page.context.cookies())
    _assert_rtl(page)
    page.wait_for_function(
        "() => parseFloat(getComputedStyle(document.documentElement).fontSize) >= 24"
    )
    _assert_elder(page)
    screenshot(page, "journey-5-after-reload")
