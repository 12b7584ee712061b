"""Against a running portal: a fresh server shows no raw page list; a password change or a logout
ends the login in other browsers and tabs at their next interaction; a shared tab keeps nothing."""

from __future__ import annotations

from tests.e2e.helpers import (
    TIMEOUT_MS,
    click_key,
    log_in,
    open_display,
    open_page,
    wait_idle,
)

LOGIN_FORM = ".st-key-login_password input"
MAIN = '[data-testid="stMain"]'
SETTLED = f'{MAIN} h1, {MAIN} [data-testid="stAlertContainer"]'


def test_fresh_server_deep_link_shows_no_raw_page_list(fresh_server, new_context):
    page = new_context().new_page()
    for path in ("/cockpit", "/account", "/council_manage"):  # before anyone has opened "/"
        open_page(page, fresh_server.url + path, SETTLED)
        wait_idle(page)
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0, path
        sidebar = " ".join(page.locator('[data-testid="stSidebar"]').all_inner_texts())
        assert "View" not in sidebar and "act for" not in sidebar, sidebar


def _interact(page) -> None:
    """The next interaction of a page left open: flip the large-text switch (a rerun)."""
    open_display(page).locator('[data-testid="stCheckbox"] label').first.click()


def _fill_password_change(page, old: str, new: str) -> None:
    # The account page has more than one form (notification settings too): the password one.
    form = page.locator('[data-testid="stForm"]').filter(has=page.locator('input[type="password"]'))
    boxes = form.locator('input[type="password"]')
    boxes.nth(0).fill(old)
    boxes.nth(1).fill(new)
    boxes.nth(2).fill(new)
    form.locator('[data-testid="stFormSubmitButton"] button').click()
    page.wait_for_selector(f'{MAIN} [data-testid="stAlertContentSuccess"]', timeout=TIMEOUT_MS)


def test_password_change_logs_out_the_other_browser_at_its_next_click(server, new_context):
    phone = new_context().new_page()
    laptop = new_context().new_page()
    log_in(phone, server.url, "tashi")
    log_in(laptop, server.url, "tashi")
    open_page(laptop, server.url + "/account", '[data-testid="stForm"]')
    _fill_password_change(laptop, "Linli-2026", "teapot-river-58")
    _interact(phone)  # the phone's next interaction
    phone.wait_for_selector(LOGIN_FORM, timeout=TIMEOUT_MS)
    _interact(laptop)  # the laptop stays logged in
    wait_idle(laptop)
    assert laptop.locator(LOGIN_FORM).count() == 0


def test_logout_ends_the_other_tab_and_leaves_the_shared_tab_empty(server, new_context):
    context = new_context()
    tab = context.new_page()
    log_in(tab, server.url, "li_ayi")
    other_tab = context.new_page()  # restored from the same remembered login
    open_page(other_tab, server.url + "/account", '[data-testid="stForm"]')
    tab.evaluate("() => { window.__marker = 1; }")
    click_key(tab, "logout")
    tab.wait_for_selector(LOGIN_FORM, timeout=TIMEOUT_MS)
    assert "李" not in " ".join(tab.locator('[data-testid="stSidebar"]').all_inner_texts())
    _interact(other_tab)
    other_tab.wait_for_selector(LOGIN_FORM, timeout=TIMEOUT_MS)


def test_remembered_login_cookie_is_http_only_and_survives_a_reload(server, new_context):
    context = new_context()
    page = context.new_page()
    log_in(page, server.url, "aygul")
    cookie = next(c for c in context.cookies() if c["name"] == "linli_session")
    assert cookie["httpOnly"] and cookie["sameSite"] in ("Lax", "Strict")
    assert "linli_session" not in page.evaluate("() => document.cookie")
    open_page(page, server.url + "/account", '[data-testid="stForm"]')  # a new session, restored
    assert page.locator(LOGIN_FORM).count() == 0
    click_key(page, "account_logout")
    page.wait_for_selector(LOGIN_FORM, timeout=TIMEOUT_MS)
    assert not [c for c in context.cookies() if c["name"] == "linli_session"]


def test_parallel_wrong_logins_against_the_server_get_only_the_free_checks(server, new_context):
    from sqlmodel import Session, func, select

    from db.engine import get_engine
    from db.models import AuthEvent
    from portal import auth

    context = new_context()
    pages = [context.new_page() for _ in range(10)]
    for page in pages:
        open_page(page, server.url + "/", LOGIN_FORM)
        form = page.locator('[data-testid="stForm"]')
        form.locator('input[type="text"]').first.fill("axi")
        form.locator('input[type="password"]').fill("not-her-password")
    for page in pages:  # all ten submits at once
        page.locator('[data-testid="stFormSubmitButton"] button').click(no_wait_after=True)
    for page in pages:
        page.wait_for_selector(f'{MAIN} [data-testid="stAlertContainer"]', timeout=TIMEOUT_MS)
    with Session(get_engine(server.db_url)) as session:
        kinds = dict(
            session.exec(
                select(AuthEvent.kind, func.count())
                .where(AuthEvent.username_tried == "axi")
                .group_by(AuthEvent.kind)
            ).all()
        )
    assert kinds == {"login_failed": auth.FREE_FAILURES, "login_throttled": 10 - auth.FREE_FAILURES}
