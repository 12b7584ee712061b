"""The portal's own HTTP routes, served beside Streamlit by `st.App` (see serve.py).

Each module under portal/web exposes ROUTES (a list of Starlette routes); adding one is one line in
ROUTE_MODULES. Streamlit keeps /_stcore/, /media/, /component/ and /static/ for itself."""

from __future__ import annotations

from importlib import import_module

ROUTE_MODULES = (
    "portal.web.session_routes",  # /auth/session, /auth/logout: the HttpOnly login cookie
)


def routes() -> list:
    return [route for name in ROUTE_MODULES for route in import_module(name).ROUTES]
