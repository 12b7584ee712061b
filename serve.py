"""The portal as served: `streamlit run serve.py` (what bootstrap and the test servers run).

Wraps the entry script app.py in st.App with the portal's own HTTP routes (portal/web), e.g. the
HttpOnly login cookie. `streamlit run app.py` still works, without those routes (logins then last
for the browser session only); AppTest runs app.py directly."""

import streamlit as st

import portal.web as portal_web
from portal.web import routes

portal_web.mounted = True  # tells the session code the cookie routes are there
app = st.App("app.py", routes=routes())
