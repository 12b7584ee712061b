"""Every page URL, opened directly, as every role, starting on a server no session has visited yet.

Until a session has run st.navigation, Streamlit serves the files in pages/ by their own URLs
(old multipage mode) and app.py's routing never runs: only the guard at the top of each page stands
between a visitor and its content. So:

1. on a fresh server, without ever loading "/", a visitor opens every page URL (a new page load each);
2. then every role logs in through the form at "/" (which runs st.navigation), opens every page URL
   in the app (the URL changes and the browser fires popstate, as with back/forward: a full reload
   per URL costs ~2.3 s with request interception on, too slow for pages × roles), and once with a
   full page load a page it may not see (a new session, its login restored from the cookie).
   A visitor does the same after st.navigation has run.

A page the role may see shows its title (h1) and no refusal; any other shows the refusal in the
default language (or the English id while a translation is missing) and no h1, map or table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from portal import auth
from portal.i18n import N_
from tests.e2e.helpers import (
    MAIN, MAP_IFRAME, h1_texts, log_in, navigate, open_page, screenshot, texts,
)

pytestmark = pytest.mark.e2e

ACCOUNTS = {
    auth.RESIDENT: "zhang_nainai",
    auth.MERCHANT: "chen_shop",
    auth.GRID_WORKER: "chief_g1m1",
    auth.STAFF: "staff01",
    auth.HANDLER: "handler_street",
    auth.ADMIN: "admin",
}
LOGIN_FIRST = N_("Please log in to see this page.")
NOT_FOR_ROLE = N_("This page is not available for your role.")
ALREADY_IN = N_("You are already logged in.")
APP_TITLE = N_("Linli community portal")
SETTLED = f'{MAIN} h1, {MAIN} [data-testid="stAlertContainer"]'


@dataclass
class Visit:
    role: str
    page_key: str
    h1: list[str]
    alerts: str
    has_map: bool
    has_table: bool
    not_found_dialog: bool

    def where(self, phase: str) -> str:
        return f"[{phase}] {self.role} → /{self.page_key}"


def _expected_h1(page_key: str, name: str) -> set[str]:
    if page_key == "login":
        return texts(APP_TITLE)
    if page_key == "home":
        return texts(N_("Hello, {name}"), name=name)
    return texts(auth.PAGE_BY_KEY[page_key].title)


def _refusal(role: str, page_key: str) -> str:
    if role == auth.ANONYMOUS:
        return LOGIN_FIRST
    return ALREADY_IN if page_key in ("login", "register") else NOT_FOR_ROLE


def _read(page, role: str, key: str) -> Visit:
    alerts = " ".join(page.locator(f'{MAIN} [data-testid="stAlertContainer"]').all_inner_texts())
    return Visit(
        role, key, h1_texts(page), alerts,
        has_map=page.locator(MAP_IFRAME).count() > 0,
        has_table=page.locator(f'{MAIN} [data-testid="stDataFrame"]').count() > 0,
        not_found_dialog=page.locator('[role="dialog"]').count() > 0,
    )


def _load(page, base_url: str, role: str, key: str) -> Visit:
    """A full page load of the URL: a new Streamlit session."""
    open_page(page, f"{base_url}/{key}", SETTLED)
    return _read(page, role, key)


def _navigate_all(page, role: str) -> list[Visit]:
    """Every page in turn, starting on the role's home. Its home comes last: the home is the default
    page of st.navigation, which Streamlit also shows for an unknown URL, so moving from the home to
    its own URL would not rerun anything."""
    home = auth.home_page_for(role).key
    visits = []
    for spec in sorted(auth.PAGES, key=lambda spec: spec.key == home):
        navigate(page, f"/{spec.key}", SETTLED)
        visits.append(_read(page, role, spec.key))
    return visits


def _check(visits: list[Visit], names: dict[str, str], phase: str) -> list[str]:
    problems = []
    for v in visits:
        if auth.can_view(v.role, v.page_key):
            expected = _expected_h1(v.page_key, names.get(v.role, ""))
            if not set(v.h1) & expected:
                problems.append(f"{v.where(phase)}: allowed, but h1 {v.h1} is not one of {expected}")
            if any(t in v.alerts for m in (LOGIN_FIRST, NOT_FOR_ROLE, ALREADY_IN) for t in texts(m)):
                problems.append(f"{v.where(phase)}: allowed, but refused: {v.alerts!r}")
        else:
            refusal = texts(_refusal(v.role, v.page_key))
            if not any(t in v.alerts for t in refusal):
                problems.append(f"{v.where(phase)}: expected refusal {refusal}, alerts were {v.alerts!r}")
            if v.h1 or v.has_map or v.has_table:
                problems.append(f"{v.where(phase)}: refused page shows content: h1={v.h1} "
                                f"map={v.has_map} table={v.has_table}")
    return problems


def test_deep_links_every_page_every_role(fresh_server, new_context):
    base = fresh_server.url
    problems: list[str] = []

    # 1. fresh server, old multipage mode: nobody has loaded "/" yet
    page = new_context().new_page()
    visits = [_load(page, base, auth.ANONYMOUS, spec.key) for spec in auth.PAGES]
    problems += _check(visits, {}, "fresh server, page loads")
    screenshot(page, "deep-links-fresh-anonymous-last")

    # 2. after logging in through "/" (st.navigation has now run)
    names = {}
    visits = []
    for role, username in ACCOUNTS.items():
        page = new_context().new_page()
        log_in(page, base, username)
        names[role] = page.locator('[data-testid="stSidebar"] strong').first.inner_text().strip()
        visits += _navigate_all(page, role)
        refused = next(spec.key for spec in auth.PAGES if not auth.can_view(role, spec.key))
        visits.append(_load(page, base, role, refused))
    page = new_context().new_page()
    open_page(page, base + "/", SETTLED)
    visits += _navigate_all(page, auth.ANONYMOUS)
    problems += _check(visits, names, "after st.navigation")

    expected = len(auth.PAGES) * (len(ACCOUNTS) + 1) + len(ACCOUNTS)
    assert len(visits) == expected
    dialogs = [v.where("after st.navigation") for v in visits if v.not_found_dialog]
    if dialogs:
        print("Streamlit 'Page not found' dialog shown on:\n  " + "\n  ".join(dialogs))
    assert not problems, "\n".join(problems)
