"""The frame around every page: page config, language and elder-mode switches, menu, styles."""

from __future__ import annotations

import json

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from portal import auth
from portal.i18n import LANGUAGES, N_
from portal.text import md_text
from portal.ui import inbox_badge
from portal.ui import session as ui_session
from portal.ui.session import Viewer
from portal.ui.speech_widgets import auto_read_switch

APP_TITLE = N_("Linli community portal")

BASE_CSS = """
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #3d3d3d; }
a:focus-visible, button:focus-visible, [role="button"]:focus-visible, input:focus-visible {
  outline: 3px solid #1f4e79 !important; outline-offset: 2px;
}
[data-testid="stMain"] p, [data-testid="stMain"] li { line-height: 1.6; }
.linli-tile-hint { color: #3d3d3d; margin: 0; }
/* What people type takes the direction of its own script (like dir="auto"): Uyghur runs right-to-left
   in a Chinese page, Chinese left-to-right in a Uyghur page. */
[data-testid="stMain"] :is(input[type="text"], textarea) { unicode-bidi: plaintext; text-align: start; }
"""

# China MIIT 适老化 spec and WCAG 2.2: text ≥ 24 CSS px, controls ≥ 60×60 px, line height ≥ 1.3,
# one column, strong contrast.
ELDER_CSS = """
html { font-size: 24px !important; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] input, [data-testid="stMain"] textarea, [data-testid="stMain"] td,
[data-testid="stMain"] th, [data-testid="stMain"] span, [data-testid="stSidebar"] span,
[data-testid="stSidebar"] p, [data-testid="stSidebar"] label {
  font-size: 24px !important; line-height: 1.5 !important; color: #111111;
}
[data-testid="stMain"] h1 { font-size: 40px !important; }
[data-testid="stMain"] h2 { font-size: 34px !important; }
[data-testid="stMain"] h3 { font-size: 30px !important; }
:is([data-testid="stMain"], [data-testid="stSidebar"]) :is(h1, h2, h3, h4) span { font-size: inherit !important; }
button, [data-testid="stPageLink"] a, input, textarea {
  min-height: 60px !important; min-width: 60px !important;
}
[data-testid="stPageLink"] a { padding: 12px 16px !important; }
[data-testid="stSidebar"] [data-testid="stPageLink"] a span { white-space: normal !important; }
[data-testid="stHorizontalBlock"] { flex-direction: column !important; }
[data-testid="stHorizontalBlock"] > [data-testid="stColumn"] { width: 100% !important;
  flex: 1 1 100% !important; min-width: 100% !important; }
[data-testid="stCheckbox"] label, [data-testid="stToggle"] label { min-height: 60px; align-items: center; }
.block-container { max-width: 760px; }
"""

RTL_CSS = """
[data-testid="stMain"], [data-testid="stSidebarContent"], [data-baseweb="popover"],
[data-testid="stToast"], [role="dialog"] { direction: rtl; text-align: right; }
[data-testid="stMain"] :is(h1, h2, h3, h4, p), .linli-tile-hint { text-align: start !important; }
[data-testid="stMain"] :is(input, textarea) { direction: rtl; }
[data-testid="stMain"] :is(table, th, td) { direction: rtl; text-align: start !important; }
[data-testid="stMain"] [data-testid="stDataFrame"] { direction: rtl; }
"""


def _apply_styles(viewer: Viewer) -> None:
    css = (
        BASE_CSS
        + (ELDER_CSS if viewer.elder else "")
        + (RTL_CSS if viewer.lang.direction == "rtl" else "")
    )
    st.html(f"<style>{css}</style>")
    lang = viewer.lang
    script = (
        f"document.documentElement.lang = {json.dumps(lang.html_lang)};"
        f"document.documentElement.dir = {json.dumps(lang.direction)};"
        f"document.title = {json.dumps(viewer.t(APP_TITLE))};" + ui_session.cookie_script()
    )
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def _language_picker(viewer: Viewer) -> None:
    codes = [lang.code for lang in LANGUAGES]
    names = {lang.code: lang.native_name for lang in LANGUAGES}
    st.session_state["lang_picker"] = viewer.language
    st.selectbox(
        "🌐 " + viewer.t("Language"),
        codes,
        key="lang_picker",
        format_func=names.__getitem__,
        on_change=lambda: ui_session.set_language(viewer, st.session_state["lang_picker"]),
    )


def _elder_switch(viewer: Viewer) -> None:
    st.session_state["elder_switch"] = viewer.elder
    st.toggle(
        viewer.t("Large text (elder mode)"),
        key="elder_switch",
        on_change=lambda: ui_session.set_elder(viewer, st.session_state["elder_switch"]),
    )


def link_to(page: auth.PageSpec, viewer: Viewer, label: str | None = None) -> None:
    """A link to a page; a plain link where the page is not registered (a bare deep link)."""
    label = label or viewer.t(page.title)
    try:
        st.page_link(page.path, label=label, icon=page.icon)
    except StreamlitPageNotFoundError:
        st.markdown(f"[{label}](/{page.key})")


def _menu(viewer: Viewer) -> None:
    with st.sidebar:
        st.markdown(f"### {viewer.t(APP_TITLE)}")
        if viewer.logged_in:
            st.markdown(f"**{md_text(viewer.name)}** · {viewer.t(auth.ROLE_LABELS[viewer.role])}")
        for page in auth.pages_for(viewer.role):
            link_to(page, viewer)
        if viewer.logged_in and st.button(
            viewer.t("Log out"), key="logout", icon=":material/logout:"
        ):
            ui_session.log_out()
            st.switch_page(auth.home_page_for(None).path)


def render(viewer: Viewer) -> None:
    st.set_page_config(page_title=viewer.t(APP_TITLE), page_icon="🏘️", layout="centered")
    _apply_styles(viewer)
    _menu(viewer)
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        _language_picker(viewer)
    with right:
        _elder_switch(viewer)
        auto_read_switch(viewer)  # elder mode only: read pages aloud when they open
    if viewer.logged_in:
        inbox_badge.unread_line(viewer)
