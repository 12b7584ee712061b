"""A bare ASGI app of the portal's HTTP routes, for tests and benches (the real server mounts the
same ROUTES on Streamlit's st.App): `uvicorn tests.http_app:app`, DATABASE_URL from the
environment."""

from starlette.applications import Starlette

from portal.web import routes

app = Starlette(routes=routes())
