"""The remembered-login cookie, set and cleared by real HTTP responses, so it can be HttpOnly.

After a login the page sends the browser to /auth/session?ticket=…: the one-time ticket (valid
TICKET_SECONDS, kept in this process: sticky sessions, as README requires) names the login token;
the response sets it as an HttpOnly cookie and redirects back. /auth/logout clears it."""

from __future__ import annotations

import secrets
import threading
import time

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from portal.config import load_settings

SESSION_COOKIE = "linli_session"
TICKET_SECONDS = 60
_tickets: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def issue_ticket(raw_token: str) -> str:
    """A one-time, short-lived ticket the browser trades for the cookie holding raw_token."""
    ticket = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for stale in [k for k, (_, at) in _tickets.items() if now - at > TICKET_SECONDS]:
            del _tickets[stale]
        _tickets[ticket] = (raw_token, now)
    return ticket


def redeem_ticket(ticket: str) -> str | None:
    with _lock:
        entry = _tickets.pop(ticket or "", None)
    if entry is None or time.monotonic() - entry[1] > TICKET_SECONDS:
        return None
    return entry[0]


def start_path() -> str:
    """The portal's start page: "/" or, behind a path prefix, "/<LINLI_BASE_URL_PATH>/"."""
    base = load_settings().base_url_path
    return f"/{base}/" if base else "/"


def under_base(path: str) -> str:
    """A path of the portal (e.g. "/auth/logout?next=/") under the path prefix when one is set."""
    base = load_settings().base_url_path
    return f"/{base}{path}" if base else path


def _back_to(request: Request) -> str:
    """Only a path of this site under the portal's prefix (never //host or a scheme), else the
    start page (which is under LINLI_BASE_URL_PATH when the portal is served behind a prefix)."""
    start = start_path()
    target = request.query_params.get("next", start)
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return start
    if start != "/" and not (target == start.rstrip("/") or target.startswith(start)):
        return start
    return target


def _is_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "")
    return bool(load_settings().proxy_hops) and forwarded.split(",")[-1].strip() == "https"


async def set_session(request: Request) -> RedirectResponse:
    response = RedirectResponse(_back_to(request), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    raw = redeem_ticket(request.query_params.get("ticket", ""))
    if raw:
        response.set_cookie(
            SESSION_COOKIE,
            raw,
            max_age=load_settings().session_days * 86400,
            path="/",
            httponly=True,
            secure=_is_https(request),
            samesite="lax",
        )
    return response


async def clear_session(request: Request) -> RedirectResponse:
    response = RedirectResponse(_back_to(request), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


ROUTES = [
    Route("/auth/session", set_session, methods=["GET"]),
    Route("/auth/logout", clear_session, methods=["GET"]),
]
