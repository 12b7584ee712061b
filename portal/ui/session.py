"""Who is looking: the logged-in account (restored from a cookie after a reload), language, elder mode."""

from __future__ import annotations

import json
from dataclasses import dataclass

import streamlit as st

from db.models import User
from db.types import row_id
from portal import auth
from portal import web as portal_web
from portal.errors import UserError
from portal.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_CODES,
    N_,
    Language,
    language,
    translate,
    translate_plural,
)
from portal.ui.data import db, settings
from portal.web.session_routes import SESSION_COOKIE, issue_ticket, start_path, under_base


def web_routes_served() -> bool:
    """True when the portal runs as st.App with its own routes (serve.py), not bare app.py."""
    return portal_web.mounted


NAVIGATE = "_navigate_to"  # a URL the browser loads after this run (the cookie routes)
LANG_COOKIE = "linli_lang"
ELDER_COOKIE = "linli_elder"


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    role: str
    name: str
    username: str
    language: str
    elder: bool
    home_grid_id: int | None = None

    @property
    def logged_in(self) -> bool:
        return self.user_id is not None

    def require_id(self) -> int:
        """The logged-in person's id, for a service call that needs one; a visitor (a page
        without a login guard, a session that ended) gets UserError (please log in first)."""
        if self.user_id is None:
            raise UserError(N_("Please log in first."))
        return self.user_id

    @property
    def lang(self) -> Language:
        return language(self.language)

    def t(self, msgid: str, **params: object) -> str:
        return translate(self.language, msgid, **params)

    def nt(self, singular: str, plural: str, n: int, **params: object) -> str:
        """A message with a count: the language's plural form for n, {n} with digit grouping."""
        return translate_plural(self.language, singular, plural, n, **params)


def _cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except Exception:  # no browser context (AppTest, bare mode)
        return None
    return value if isinstance(value, str) else None


def queue_cookie(name: str, value: str | None, days: int = 365) -> None:
    """Set (or with None, delete) a cookie in the browser on this run's shell render."""
    st.session_state.setdefault("_cookie_ops", []).append((name, value, days))


def _restore_login() -> None:
    if "user_id" in st.session_state or st.session_state.get("_restore_tried"):
        return
    st.session_state["_restore_tried"] = True
    raw = _cookie(SESSION_COOKIE)
    if not raw:
        return
    with db() as session:
        user = auth.user_for_token(session, raw)
    if user is not None:
        st.session_state["user_id"] = user.id
        st.session_state["login_token"] = raw
        st.session_state["session_epoch"] = user.session_epoch


def _anonymous_language() -> str:
    code = st.session_state.get("lang") or _cookie(LANG_COOKIE) or DEFAULT_LANGUAGE
    return code if code in LANGUAGE_CODES else DEFAULT_LANGUAGE


def _anonymous_elder() -> bool:
    if "elder" in st.session_state:
        return bool(st.session_state["elder"])
    return _cookie(ELDER_COOKIE) == "1"


def _live_user() -> User | None:
    """The session's account if its login is still valid (checked on every rerun), else None."""
    state = st.session_state
    if "user_id" not in state:
        return None
    with db() as session:
        user = auth.session_user(
            session, state["user_id"], state.get("login_token"), state.get("session_epoch")
        )
    if user is None:
        _forget_session()  # logged out in another tab or device, or the password changed
        state[LOGIN_ENDED] = True
    else:
        state.setdefault("session_epoch", user.session_epoch)
    return user


LOGIN_ENDED = "_login_ended"  # set when a rerun finds its login ended elsewhere

# What survives a logout on a shared tab: the visitor's language and text-size choices.
KEPT_AFTER_LOGOUT = ("lang", "elder", "_restore_tried", "_cookie_ops", LOGIN_ENDED, NAVIGATE)


def _forget_session() -> None:
    """Wipes the browser session's state, so the next person on this tab sees nothing of the last."""
    for key in list(st.session_state.keys()):
        if key not in KEPT_AFTER_LOGOUT:
            del st.session_state[key]


def client_address() -> str:
    """The caller's IP address, for login throttling; X-Forwarded-For only behind a set proxy."""
    hops = settings().proxy_hops
    try:
        if hops:
            forwarded = st.context.headers.get("X-Forwarded-For", "")
            chain = [part.strip() for part in forwarded.split(",") if part.strip()]
            if len(chain) >= hops:
                return chain[-hops]
        return st.context.ip_address or "unknown"
    except Exception:  # no browser context (AppTest, bare mode)
        return "unknown"


def anonymous_viewer() -> Viewer:
    """Nobody logged in: the language and elder mode of this browser session or its cookies."""
    return Viewer(None, auth.ANONYMOUS, "", "", _anonymous_language(), _anonymous_elder())


def current_viewer() -> Viewer:
    _restore_login()
    user = _live_user()
    if user is None:
        return Viewer(None, auth.ANONYMOUS, "", "", _anonymous_language(), _anonymous_elder())
    return Viewer(
        user.id,
        user.role,
        user.display_name,
        user.username,
        user.language,
        user.elder_mode,
        user.home_grid_id,
    )


def log_in(user: User) -> None:
    """Remember the login in this session and, through a cookie, across browser reloads."""
    with db() as session:
        raw = auth.issue_login_token(session, row_id(user), settings().session_days)
    st.session_state["user_id"] = user.id
    st.session_state["login_token"] = raw
    st.session_state["session_epoch"] = user.session_epoch
    st.session_state["lang"] = user.language
    st.session_state["elder"] = user.elder_mode
    if web_routes_served():  # the HttpOnly cookie, set by a real response (portal/web)
        ticket = issue_ticket(raw)  # under LINLI_BASE_URL_PATH when served behind a prefix
        st.session_state[NAVIGATE] = under_base(
            f"/auth/session?ticket={ticket}&next={start_path()}"
        )


def log_out(everywhere: bool = False) -> None:
    """Ends this browser's login (every tab sharing its token) or, with everywhere, every login
    of the account; wipes this session's state either way."""
    user_id = st.session_state.get("user_id")
    with db() as session:
        auth.revoke_login_token(session, st.session_state.get("login_token"))
        if everywhere and user_id:
            auth.log_out_everywhere(session, user_id)
    _forget_session()
    if web_routes_served():
        st.session_state[NAVIGATE] = under_base(f"/auth/logout?next={start_path()}")


def keep_epoch(epoch: int) -> None:
    """This session changed the password: it goes on under the account's new session epoch."""
    st.session_state["session_epoch"] = epoch


def set_language(viewer: Viewer, code: str) -> None:
    if code not in LANGUAGE_CODES:
        return
    st.session_state["lang"] = code
    queue_cookie(LANG_COOKIE, code)
    if viewer.user_id is not None:
        with db() as session:
            auth.save_preferences(session, viewer.user_id, language=code)


def set_elder(viewer: Viewer, on: bool) -> None:
    st.session_state["elder"] = on
    queue_cookie(ELDER_COOKIE, "1" if on else "0")
    if viewer.user_id is not None:
        with db() as session:
            auth.save_preferences(session, viewer.user_id, elder_mode=on)


def cookie_script() -> str:
    """JavaScript for the queued cookie changes (and clears the queue)."""
    ops = st.session_state.pop("_cookie_ops", [])
    lines = []
    for name, value, days in ops:
        if value is None:
            lines.append(
                f"document.cookie = {json.dumps(name + '=; Max-Age=0; path=/; SameSite=Strict')};"
            )
        else:
            attrs = f"; Max-Age={days * 86400}; path=/; SameSite=Strict"
            lines.append(
                f"document.cookie = {json.dumps(name + '=' + value + attrs)}"
                " + (location.protocol === 'https:' ? '; Secure' : '');"
            )
    target = st.session_state.pop(NAVIGATE, None)
    if target:
        lines.append(f"window.location.replace({json.dumps(target)});")
    return "\n".join(lines)
