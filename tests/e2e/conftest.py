"""Real-browser fixtures: Debian Chromium through Playwright, a portal server per module, and browser
contexts that may only talk to loopback (everything else is aborted and listed in the summary).

Missing Chromium or axe-core skips these tests, except under CI (CI=true), where it is a failure.
Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import os
from collections import Counter
from urllib.parse import urlparse

import pytest

from tests.e2e.helpers import (
    ARTIFACTS,
    AXE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    RequestGuard,
    track_runs,
)
from tests.e2e.server import seed_database, start_server

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SERVER_ENV = {
    "LINLI_TILES": "osm",  # tiles on, so the tile code path runs (and gets blocked)
    "LINLI_HOUSEKEEPING_SECONDS": "300",
}  # clock rules in the background, as in production

_BLOCKED: dict[str, list[str]] = {}  # test id → blocked URLs, printed at the end of the run


def _missing_prerequisites() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if not AXE_JS.exists():
        missing.append(f"{AXE_JS} (npm ci)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    return missing


@pytest.fixture(scope="session")
def browser():
    missing = _missing_prerequisites()
    if missing:
        message = "real-browser tests need " + ", ".join(missing)
        if IN_CI:
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def seeded_template(browser, tmp_path_factory):  # noqa: ARG001 (browser first: a skip seeds nothing)
    """The demo database seeded once per run; every server starts on its own copy."""
    folder = tmp_path_factory.mktemp("e2e-template")
    seed_database(f"sqlite:///{folder / 'linli.db'}", env=SERVER_ENV)
    return folder / "linli.db"


def _server(tmp_path_factory, template, name: str):
    handle = start_server(tmp_path_factory.mktemp(name), env=SERVER_ENV, template=template)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def server(browser, seeded_template, tmp_path_factory):  # noqa: ARG001 (browser first)
    """One seeded portal per test module (browser first, so a skip starts no server)."""
    yield from _server(tmp_path_factory, seeded_template, "e2e-server")


@pytest.fixture
def fresh_server(browser, seeded_template, tmp_path_factory):  # noqa: ARG001 (browser first)
    """A portal no session has visited yet (st.navigation has not run in it)."""
    yield from _server(tmp_path_factory, seeded_template, "e2e-fresh")


@pytest.fixture
def new_context(browser, request):
    """Factory for browser contexts guarded to loopback; blocked requests are recorded per test."""
    contexts = []
    guards = []

    def make(**kwargs):
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        kwargs.setdefault("locale", "zh-CN")
        context = browser.new_context(**kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        guard = RequestGuard()
        context.route("**/*", guard)
        context.on("page", track_runs)  # counts script runs, for wait_rerun
        context.guard = guard
        contexts.append(context)
        guards.append(guard)
        return context

    yield make
    for context in contexts:
        context.close()
    blocked = [url for guard in guards for url in guard.blocked]
    _BLOCKED[request.node.nodeid] = blocked
    if blocked:
        print(f"\nblocked non-loopback requests ({len(blocked)}):")
        for url, n in Counter(blocked).most_common():
            print(f"  {n:4d} × {url}")


@pytest.fixture
def page(new_context):
    return new_context().new_page()


def pytest_terminal_summary(terminalreporter):
    if not _BLOCKED:
        return
    terminalreporter.section("e2e: blocked non-loopback requests")
    for nodeid, urls in _BLOCKED.items():
        hosts = Counter(urlparse(u).hostname for u in urls)
        summary = ", ".join(f"{host} ×{n}" for host, n in hosts.most_common()) or "none"
        terminalreporter.write_line(f"{nodeid}: {summary}")
    every = Counter(u for urls in _BLOCKED.values() for u in urls)
    if every:
        terminalreporter.write_line("distinct blocked URLs (first 30):")
        for url, n in every.most_common(30):
            terminalreporter.write_line(f"  {n:4d} × {url}")
