"""The portal's own HTTP routes, served beside Streamlit by `st.App` (see serve.py).

Each module under portal/web exposes ROUTES (a list of Starlette routes); adding one is one line in
ROUTE_MODULES. The handlers are thin: every rule lives in a portal service. Streamlit keeps
/_stcore/, /media/, /component/ and /static/ for itself."""

from __future__ import annotations

from importlib import import_module

from starlette.routing import Route

from portal.config import load_settings

# Set by serve.py once st.App serves these routes beside the pages (not under AppTest or a bare
# `streamlit run app.py`): the login code then uses the HttpOnly cookie route.
mounted = False

ROUTE_MODULES = (
    "portal.web.session_routes",  # /auth/session, /auth/logout: the HttpOnly login cookie
    "portal.web.media_routes",  # /files/{kind}/{id}: photos and voice notes, login checked
    "portal.web.open311_routes",  # /open311/v2/…: GeoReport v2
    "portal.web.device_routes",  # /api/devices/events: gateways that speak HTTP
    "portal.web.health_routes",  # /health, /api/health, /metrics
)


def routes() -> list:
    """Every module's routes at the root and, when LINLI_BASE_URL_PATH is set, under it too (st.App
    does not prefix its user routes with server.baseUrlPath; pages link under the prefix)."""
    found = [route for name in ROUTE_MODULES for route in import_module(name).ROUTES]
    base = load_settings().base_url_path
    if not base:
        return found
    return found + [Route(f"/{base}{r.path}", r.endpoint, methods=r.methods) for r in found]
