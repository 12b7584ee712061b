"""The portal's own HTTP routes (Starlette), served on the Streamlit server by st.App(routes=…).

Each module exposes ROUTES; the handlers are thin and every rule lives in a portal service.
"""

from __future__ import annotations

from portal.web import device_routes, health_routes, open311_routes

ROUTES = [*open311_routes.ROUTES, *device_routes.ROUTES, *health_routes.ROUTES]
