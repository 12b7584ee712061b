"""Linli (邻里共治) entry point: `streamlit run app.py`.

Registers every page with st.navigation (hidden; the shell draws a menu of what the role may see)
and runs the one requested; "/" is the start page, which forwards to the role's home. Each page
guards itself, so deep links are safe in every mode.
"""

import sys

import streamlit as st

from db.engine import DatabaseUnavailable
from portal import auth
from portal.ui import data, outage, shell
from portal.ui.memory import freeze_after_warm_up
from portal.ui.session import current_viewer
from portal.ui.speech_widgets import finish_page_reading, mark_routed


def _pages(viewer):
    # No icon here: a page's icon becomes the browser-tab icon, which Streamlit fetches from
    # fonts.gstatic.com for Material icons (unreachable offline and in mainland China). The
    # shell's menu still shows the icons, drawn from the bundled font.
    return [
        st.Page(
            page.path, title=viewer.t(page.title), url_path=page.key, default=page.key == "start"
        )
        for page in auth.PAGES
    ]


try:
    with outage.before_navigation():
        data.prepare()
        viewer = current_viewer()
except outage.DATABASE_ERRORS as exc:
    if isinstance(exc, DatabaseUnavailable):
        sys.stderr.write(f"{exc}\nSet DATABASE_URL to a reachable database.\n")  # the server log
    # The portal's pages, hidden (never Streamlit's raw list of pages/), the portal's sidebar
    # and the outage said in the visitor's language, as on any page.
    visitor = shell.outage_viewer()
    st.navigation(_pages(visitor), position="hidden")
    shell.render_while_down(visitor)
    outage.database_down(exc, visitor.language)

pages = _pages(viewer)
mark_routed()
try:
    st.navigation(pages, position="hidden").run()
finally:  # also after st.stop(): the page's Read aloud reads what the page declared
    finish_page_reading()
    freeze_after_warm_up()  # runner.postScriptGC is off: see portal/ui/memory.py
