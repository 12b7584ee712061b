"""Every page URL, opened directly, as every role, starting on a server no session has visited yet.

Until a session has run st.navigation, Streamlit serves the files in pages/ by their own URLs
(old multipage mode) and app.py's routing never runs: only the guard at the top of each page stands
between a visitor and its content. So:

1. on a fresh server, without ever loading "/", a visitor opens a page URL with a full page load,
   then every other page URL in the app (in this mode a page's URL is its file's name) (the URL changes and the browser fires popstate, as with
   back/forward; the server runs the page the URL names);
2. then (one test per role) every role logs in through the form at "/" (which runs st.navigation),
   opens every page URL the same way, and once with a full page load a page it may not see (a new session, its login
   restored from the cookie). A visitor does the same after st.navigation has run.

A full page load per URL costs ~2.5 s here (request interception switches the browser cache off);
LINLI_E2E_FULL=1 uses one for every URL anyway (~4× slower).

A page the role may see shows its title (h1) and no refusal; any other shows the refusal in the
default language (or the English id while a translation is missing) and no h1, map or table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from portal import auth
from portal.i18n import N_
from tests.e2e.helpers import (
    MAIN,
    MAP_IFRAME,
    enter_as,
    h1_texts,
    navigate,
    open_page,
    screenshot,
    texts,
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
FULL = os.environ.get("LINLI_E2E_FULL", "") not in ("", "0")
SETTLED = f'{MAIN} h1, {MAIN} [data-testid="stAlertContainer"]'


@dataclass
class Visit:
    role: str
    page_key: str
    h1: list[str]
    alerts: str
    has_map: bool
    has_table: bool

    def where(self, phase: str) -> str:
        return f"[{phase}] {self.role} → /{self.page_key}"


def _expected_h1(page_key: str, name: str, role: str = auth.ANONYMOUS) -> set[str]:
    if page_key == "start":  # forwards to the role's home
        page_key = auth.home_page_for(None if role == auth.ANONYMOUS else role).key
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
        role,
        key,
        h1_texts(page),
        alerts,
        has_map=page.locator(MAP_IFRAME).count() > 0,
        has_table=page.locator(f'{MAIN} [data-testid="stDataFrame"]').count() > 0,
    )


def _load(page, base_url: str, role: str, key: str, path: str | None = None) -> Visit:
    """A full page load of the URL: a new Streamlit session."""
    open_page(page, f"{base_url}/{path or key}", SETTLED)
    return _read(page, role, key)


def _navigate_all(page, role: str, base_url: str, old_multipage: bool = False) -> list[Visit]:
    """Every page in turn, starting on the role's home. Its home comes last: the home is the default
    page of st.navigation, which Streamlit also shows for an unknown URL, so moving from the home to
    its own URL would not rerun anything."""
    home = auth.home_page_for(role).key
    visits = []
    for spec in sorted(auth.PAGES, key=lambda spec: spec.key == home):
        path = _url_path(spec, old_multipage)
        if FULL:
            visits.append(_load(page, base_url, role, spec.key, path))
            continue
        navigate(page, f"/{path}", SETTLED)
        visits.append(_read(page, role, spec.key))
    return visits


def _url_path(spec: auth.PageSpec, old_multipage: bool) -> str:
    """st.navigation serves a page at its key; old multipage mode at its file's name. An unknown
    URL in old multipage mode runs app.py, which ends that mode for the whole server."""
    return Path(spec.path).stem if old_multipage else spec.key


def _check(visits: list[Visit], names: dict[str, str], phase: str) -> list[str]:
    problems = []
    for v in visits:
        if auth.can_view(v.role, v.page_key):
            expected = _expected_h1(v.page_key, names.get(v.role, ""), v.role)
            if not set(v.h1) & expected:
                problems.append(
                    f"{v.where(phase)}: allowed, but h1 {v.h1} is not one of {expected}"
                )
            if any(
                t in v.alerts for m in (LOGIN_FIRST, NOT_FOR_ROLE, ALREADY_IN) for t in texts(m)
            ):
                problems.append(f"{v.where(phase)}: allowed, but refused: {v.alerts!r}")
        else:
            refusal = texts(_refusal(v.role, v.page_key))
            if not any(t in v.alerts for t in refusal):
                problems.append(
                    f"{v.where(phase)}: expected refusal {refusal}, alerts were {v.alerts!r}"
                )
            if v.h1 or v.has_map or v.has_table:
                problems.append(
                    f"{v.where(phase)}: refused page shows content: h1={v.h1} "
                    f"map={v.has_map} table={v.has_table}"
                )
    return problems


def test_deep_links_every_page_on_a_fresh_server(fresh_server, new_context):
    base = fresh_server.url
    problems: list[str] = []

    # 1. fresh server, old multipage mode: nobody has loaded "/" yet
    mismatched = [
        f"/{spec.key} (file {spec.path})" for spec in auth.PAGES if Path(spec.path).stem != spec.key
    ]
    if mismatched:
        print(
            "pages whose URL differs on a fresh server (old multipage mode uses the file name), "
            "so a bookmark to them opens the login or home page there instead:\n  "
            + "\n  ".join(mismatched)
        )
    page = new_context().new_page()
    first = auth.PAGES[-1]
    visits = [_load(page, base, auth.ANONYMOUS, first.key, _url_path(first, True))]
    visits += [
        v
        for v in _navigate_all(page, auth.ANONYMOUS, base, old_multipage=True)
        if v.page_key != first.key
    ]
    problems += _check(visits, {}, "fresh server")
    screenshot(page, "deep-links-fresh-anonymous-last")

    assert len(visits) == len(auth.PAGES)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", [*ACCOUNTS, auth.ANONYMOUS])
def test_deep_links_every_page_after_navigation(server, new_context, role):
    """One role per test: each walk of ~40 URLs takes its own time budget."""
    page = new_context().new_page()
    if role == auth.ANONYMOUS:
        open_page(page, server.url + "/", SETTLED)  # runs st.navigation in this server
        visits, names = _navigate_all(page, role, server.url), {}
    else:
        enter_as(page, server, ACCOUNTS[role])
        names = {role: page.locator('[data-testid="stSidebar"] strong').first.inner_text().strip()}
        visits = _navigate_all(page, role, server.url)
        refused = [spec.key for spec in auth.PAGES if not auth.can_view(role, spec.key)]
        other_roles_page = [key for key in refused if key not in ("login", "register")]
        visits.append(_load(page, server.url, role, (other_roles_page or refused)[0]))
    problems = _check(visits, names, "after st.navigation")

    assert len(visits) == len(auth.PAGES) + (role != auth.ANONYMOUS)
    assert not problems, "\n".join(problems)


def test_home_page_url_opens_without_page_not_found_dialog(server, page):
    open_page(page, server.url + "/", SETTLED)  # runs st.navigation in this server
    open_page(page, server.url + "/login", SETTLED)
    assert page.linli_runs.page_not_found == 0
    assert page.locator('[role="dialog"]').count() == 0
