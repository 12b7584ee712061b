"""Playwright helpers for the real-browser tests: waiting for Streamlit, logging in, switching modes,
measuring, running axe-core, and the loopback-only request guard."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from google.protobuf.message import DecodeError
from playwright.sync_api import Frame, Page, Route
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlmodel import Session, select
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from db.engine import get_engine
from db.models import User
from portal import auth
from portal.demo.seed import DEMO_PASSWORD
from portal.i18n import LANGUAGE_CODES, LANGUAGES, translate
from portal.ui.shell import DISPLAY_AND_LANGUAGE
from portal.web.session_routes import SESSION_COOKIE

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
TIMEOUT_MS = 30_000

APP = '[data-testid="stApp"]'
MAIN = '[data-testid="stMain"]'
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
_FULL_RUN = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)


# --- the request guard -------------------------------------------------------------------------


@dataclass
class RequestGuard:
    """Lets loopback (and inline data:/blob:) requests through; aborts and records all others."""

    blocked: list[str] = field(default_factory=list)

    def __call__(self, route: Route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about") or parsed.hostname in LOOPBACK_HOSTS:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def hosts(self) -> set[str]:
        return {urlparse(u).hostname or "" for u in self.blocked}


# --- messages in any language ------------------------------------------------------------------


def texts(msgid: str, **params: object) -> set[str]:
    """The message as it may appear: in every catalog, or as the English id when untranslated."""
    return {translate(code, msgid, **params) for code in LANGUAGE_CODES} | {
        msgid.format(**params) if params else msgid
    }


def native_name(code: str) -> str:
    return next(lang.native_name for lang in LANGUAGES if lang.code == code)


# --- waiting for Streamlit ---------------------------------------------------------------------


def wait_connected(page: Page, timeout: float = TIMEOUT_MS) -> None:
    page.wait_for_selector(f'{APP}[data-test-connection-state="CONNECTED"]', timeout=timeout)


def wait_idle(page: Page, timeout: float = TIMEOUT_MS) -> None:
    """Connected and the script not running (call after the expected element has appeared)."""
    page.wait_for_selector(
        f'{APP}[data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]',
        timeout=timeout,
    )
    # Elements of the previous run are shown "stale" while a rerun is pending; let them settle.
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]')", timeout=timeout
    )


class RunCounter:
    """Counts finished script runs of one page from the ForwardMsgs on its Streamlit websocket.

    The data-test-script-state attribute is not enough: when a run is quick, React applies
    "running" and "notRunning" in one commit and the attribute never visibly changes."""

    def __init__(self) -> None:
        self.finished = 0
        self.page_not_found = 0

    def on_frame(self, payload) -> None:
        if isinstance(payload, str):
            return
        message = ForwardMsg()
        try:
            message.ParseFromString(payload)
        except DecodeError:
            return
        kind = message.WhichOneof("type")
        if kind == "script_finished" and message.script_finished in _FULL_RUN:
            self.finished += 1
        elif kind == "page_not_found":
            self.page_not_found += 1

    def on_websocket(self, ws) -> None:
        if ws.url.endswith("/_stcore/stream"):
            ws.on("framereceived", self.on_frame)


def track_runs(page: Page) -> RunCounter:
    """Attach a RunCounter to a page (before it connects); the context fixtures do this."""
    counter = getattr(page, "linli_runs", None)
    if counter is None:
        counter = RunCounter()
        page.on("websocket", counter.on_websocket)
        page.linli_runs = counter
    return counter


def wait_rerun(page: Page, action, timeout: float = TIMEOUT_MS) -> None:
    """Do action (a click…) and wait until the script has run again to its end, then settled."""
    counter = getattr(page, "linli_runs", None)
    if counter is None:
        raise RuntimeError(
            "wait_rerun needs a page from the e2e fixtures (or track_runs(page) "
            "before the page is opened)"
        )
    before = counter.finished
    action()
    _wait_finished(page, counter, before, timeout)
    wait_idle(page, timeout)


def _wait_finished(page: Page, counter: RunCounter, before: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout / 1000
    while counter.finished <= before:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no script run finished within {timeout / 1000:.0f} s on {page.url}"
            )
        page.wait_for_timeout(25)


def navigate(page: Page, path: str, expect: str, timeout: float = TIMEOUT_MS) -> None:
    """Go to another page of the app without reloading it, as the browser's back/forward does:
    change the URL and fire popstate; Streamlit then runs the page the URL names."""
    wait_rerun(
        page,
        lambda: page.evaluate(
            "p => { history.pushState({}, '', p); dispatchEvent(new PopStateEvent('popstate', {state: {}})); }",
            path,
        ),
        timeout,
    )
    page.wait_for_selector(expect, timeout=timeout)
    wait_idle(page, timeout)


def open_page(page: Page, url: str, expect: str, timeout: float = TIMEOUT_MS) -> None:
    """Load a URL, wait for the websocket, the expected selector, and the end of a whole run (the
    expected element can appear before the rest of the page is drawn)."""
    counter = getattr(page, "linli_runs", None)
    before = counter.finished if counter is not None else 0
    page.goto(url, wait_until="domcontentloaded", timeout=timeout)
    wait_connected(page, timeout)
    page.wait_for_selector(expect, timeout=timeout)
    if counter is not None:
        _wait_finished(page, counter, before, timeout)
    wait_idle(page, timeout)


def expect_html_lang(
    page: Page, lang: str, direction: str | None = None, timeout: float = TIMEOUT_MS
) -> None:
    """Waits until <html> has the portal's lang (and dir): the shell sets them from a script that
    runs after the page is drawn. Times out, failing the test, if they never come."""
    page.wait_for_function(
        "([l, d]) => document.documentElement.lang === l && (d === null || document.documentElement.dir === d)",
        arg=[lang, direction],
        timeout=timeout,
    )


def main_text(page: Page) -> str:
    return page.inner_text(MAIN)


def h1_texts(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(f"{MAIN} h1").all_inner_texts()]


def refusal_shown(page: Page, msgid: str) -> bool:
    alerts = " ".join(page.locator(f'{MAIN} [data-testid="stAlertContainer"]').all_inner_texts())
    return any(text in alerts for text in texts(msgid))


# --- logging in and the shell switches ---------------------------------------------------------


def log_in(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form at the root URL and wait for the role's home page.

    The root URL, not /login: app.py makes the role's home the default page of st.navigation, and a
    default page is served at "" only, so /login shows Streamlit's "Page not found" dialog."""
    open_page(page, base_url + "/", '[data-testid="stForm"] input[type="password"]')
    form = page.locator('[data-testid="stForm"]')
    form.locator('input[type="text"]').first.fill(username)
    form.locator('input[type="password"]').fill(password)
    form.locator('[data-testid="stFormSubmitButton"] button').click()
    _wait_login_cookie(page)  # the page then reloads through /auth/session (HttpOnly cookie)
    page.wait_for_load_state("load", timeout=TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stForm"]', state="detached", timeout=TIMEOUT_MS)
    page.wait_for_selector(f"{MAIN} h1", timeout=TIMEOUT_MS)
    wait_idle(page)


def _wait_login_cookie(page: Page, timeout: float = TIMEOUT_MS) -> None:
    deadline = time.monotonic() + timeout / 1000
    while not any(c["name"] == "linli_session" for c in page.context.cookies()):
        if time.monotonic() > deadline:
            raise AssertionError("no login cookie after logging in")
        page.wait_for_timeout(100)
    page.wait_for_url(lambda url: "/auth/" not in url, timeout=timeout)


def pick_option(page: Page, combobox, option_text: str, *, rerun: bool = True) -> None:
    """Open a selectbox (its input[role=combobox]) and click the option showing option_text.
    A late rerun of the page (a component settling) can close the list again: open it up to
    three times. rerun=False for a selectbox inside a form (choosing does not run the script)."""
    option = page.locator('[role="option"]').filter(has_text=option_text).first
    for _ in range(3):
        combobox.scroll_into_view_if_needed()
        combobox.click()
        try:
            option.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    if rerun:
        wait_rerun(page, lambda: option.click())
    else:
        option.click()


def choose(page: Page, label_msgid: str, option_text: str, *, rerun: bool = True) -> None:
    """Choose option_text in the selectbox whose label is label_msgid (in any language)."""
    names = "|".join(re.escape(t) for t in texts(label_msgid))
    box = page.locator('[data-testid="stSelectbox"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]').filter(has_text=re.compile(names))
    )
    pick_option(page, box.locator('input[role="combobox"]'), option_text, rerun=rerun)


POPOVER_BODY = '[data-testid="stPopoverBody"]'


def display_control(page: Page):
    """The collapsed "显示与语言" control of a logged-in page (absent for visitors)."""
    names = "|".join(re.escape(t) for t in texts(DISPLAY_AND_LANGUAGE))
    return page.locator('[data-testid="stPopover"]').filter(has_text=re.compile(names))


def open_display(page: Page):
    """Where the language and large-text controls are: the opened control, or the page."""
    control = display_control(page)
    if control.count() == 0:
        return page.locator(MAIN)
    body = page.locator(POPOVER_BODY)
    if not body.is_visible():
        control.locator("button").first.click()
        body.wait_for(state="visible", timeout=TIMEOUT_MS)
    return body


def close_display(page: Page) -> None:
    body = page.locator(POPOVER_BODY)
    if body.count() and body.is_visible():
        page.keyboard.press("Escape")
        body.wait_for(state="hidden", timeout=TIMEOUT_MS)


def language_select(page: Page):
    scope = open_display(page)
    label = page.locator('[data-testid="stWidgetLabel"]').filter(has_text=re.compile(r"^\s*🌐"))
    return scope.locator('[data-testid="stSelectbox"]').filter(has=label)


def set_language(page: Page, code: str) -> None:
    """Choose a language in the 🌐 selectbox (no-op if already chosen); waits for <html lang>."""
    html_lang = next(lang.html_lang for lang in LANGUAGES if lang.code == code)
    combo = language_select(page).locator('input[role="combobox"]')
    if combo.input_value() != native_name(code):
        pick_option(page, combo, native_name(code))
    page.wait_for_function(
        f"() => document.documentElement.lang === {json.dumps(html_lang)}", timeout=TIMEOUT_MS
    )
    close_display(page)


def elder_toggle(page: Page):
    return (
        open_display(page)
        .locator(
            '[data-testid="stCheckbox"] input[role="switch"], '
            '[data-testid="stCheckbox"] input[type="checkbox"]'
        )
        .first
    )


def set_elder(page: Page, on: bool) -> None:
    toggle = elder_toggle(page)
    if toggle.is_checked() != on:
        label = open_display(page).locator('[data-testid="stCheckbox"] label').first
        wait_rerun(page, lambda: label.click())
    page.wait_for_function(
        "on => (parseFloat(getComputedStyle(document.documentElement).fontSize) >= 24) === on",
        arg=on,
        timeout=TIMEOUT_MS,
    )
    close_display(page)


# --- measuring ---------------------------------------------------------------------------------


def computed(page: Page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, "(el, p) => getComputedStyle(el)[p]", prop)


def font_sizes(page: Page, selector: str) -> list[float]:
    return page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.offsetParent !== null && e.innerText.trim())"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))",
    )


def heights(page: Page, selector: str) -> list[tuple[str, float]]:
    return page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.offsetParent !== null)"
        ".map(e => [e.innerText.trim().slice(0, 40), e.getBoundingClientRect().height])",
    )


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# --- axe-core ----------------------------------------------------------------------------------

AXE_RUN = """async tags => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return {
        violations: result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
            nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 300),
                                      summary: n.failureSummary})),
        })),
        passes: result.passes.length,
        incomplete: result.incomplete.map(v => v.id),
    };
}"""


def run_axe(target: Page | Frame) -> dict:
    """Inject axe-core into the page or frame and run the WCAG 2.x A/AA rules."""
    if not target.evaluate("() => typeof window.axe !== 'undefined'"):
        target.add_script_tag(path=str(AXE_JS))
    return target.evaluate(AXE_RUN, AXE_TAGS)


def describe_violations(where: str, result: dict) -> str:
    lines = [
        f"axe on {where}: {len(result['violations'])} violation(s), "
        f"{result['passes']} rules passed, incomplete: {result['incomplete']}"
    ]
    for v in result["violations"]:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {node['html']}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"      {summary_line}")
    return "\n".join(lines)


# --- steps shared by the journeys --------------------------------------------------------------


def zh(msgid: str, **params: object) -> str:
    """A message in Simplified Chinese, the language the journeys run in."""
    return translate("zh_Hans", msgid, **params)


def assert_no_axe_violations(target: Page | Frame, where: str) -> None:
    """Runs axe-core on the page (or a frame), prints its report and fails on any violation."""
    result = run_axe(target)
    report = describe_violations(where, result)
    print(report)
    assert not result["violations"], report


def open_as(
    new_context,
    server,
    username: str,
    language: str = "zh_Hans",
    elder: bool = False,
    *,
    via_form: bool = False,
) -> Page:
    """A new browser (its own context and cookies) logged in as `username`, in a known mode.

    By default the browser gets a login token cookie, as after "remember me" (one page load
    instead of three); via_form logs in through the login form (tests of logging in do)."""
    context = new_context()
    page = context.new_page()
    if via_form:
        log_in(page, server.url, username)
    else:
        enter_as(page, server, username)
    set_language(page, language)
    set_elder(page, elder)
    return page


def enter_as(page: Page, server, username: str) -> None:
    """Logged in as `username` by a login token cookie (see log_in_by_cookie), on the role's home."""
    log_in_by_cookie(page.context, server, username)
    open_page(page, server.url + "/", f"{MAIN} h1")


def log_in_by_cookie(context, server, username: str) -> None:
    """Give a browser context the HttpOnly session cookie of a fresh login token of `username`."""
    with Session(get_engine(server.db_url)) as s:
        user_id = s.exec(select(User.id).where(User.username == username)).one()
        token = auth.issue_login_token(s, user_id, 1)
    context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": token,
                "url": server.url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def expect_text(page: Page, text: str) -> None:
    """Waits for a text in the main area (a flash shown after st.rerun, so after more than one run)."""
    page.locator(MAIN).get_by_text(text, exact=False).first.wait_for()
    wait_idle(page)


def click_key(page: Page, key: str) -> None:
    """Clicks the button of the widget with this key and waits for the rerun it starts."""
    wait_rerun(page, lambda: page.locator(f".st-key-{key} button").click())
