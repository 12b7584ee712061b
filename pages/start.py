"""The address "/": sends each person on to their role's home page (login for visitors).

A page of its own, so that /login and /home are ordinary addresses: Streamlit serves the default
page at "/" only and answers its own name with "Page not found"."""

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from portal import auth
from portal.ui import data, shell
from portal.ui.session import current_viewer

data.prepare()
viewer = current_viewer()
home = auth.home_page_for(viewer.role)
try:
    st.switch_page(home.path)
except StreamlitPageNotFoundError:  # run on its own, with no router: show the way instead
    shell.render(viewer)
    shell.link_to(home, viewer)
