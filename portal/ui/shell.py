"""The frame around every page: page config, language and elder-mode switches, menu, styles."""

from __future__ import annotations

import json

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from portal import auth
from portal.i18n import LANGUAGES, N_
from portal.text import md_text
from portal.ui import inbox_badge, styles
from portal.ui import session as ui_session
from portal.ui.chrome_strings import translate_chrome
from portal.ui.session import Viewer
from portal.ui.speech_widgets import auto_read_switch

APP_TITLE = N_("Linli community portal")


def _apply_styles(viewer: Viewer) -> None:
    st.html(f"<style>{styles.page_css(viewer.elder, viewer.lang.direction == 'rtl')}</style>")
    lang = viewer.lang
    script = (
        f"document.documentElement.lang = {json.dumps(lang.html_lang)};"
        f"document.documentElement.dir = {json.dumps(lang.direction)};"
        f"document.title = {json.dumps(viewer.t(APP_TITLE))};" + ui_session.cookie_script()
    )
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)
    translate_chrome(viewer)


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


def _language_buttons(viewer: Viewer) -> None:
    """The first screen: one large button per language, each named in its own script (easier to
    find, and reachable with Tab, Enter and Space, unlike a drop-down)."""
    columns = st.columns(len(LANGUAGES))
    for column, lang in zip(columns, LANGUAGES, strict=True):
        chosen = lang.code == viewer.language
        column.button(
            lang.native_name,
            key=f"lang_button_{lang.code}",
            type="primary" if chosen else "secondary",
            width="stretch",
            on_click=ui_session.set_language,
            args=(viewer, lang.code),
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


def outage_viewer() -> Viewer:
    """Who is looking when the database cannot say (app.py during an outage): their language and
    elder mode from this session or its cookies, no login."""
    return ui_session.anonymous_viewer()


def render_while_down(viewer: Viewer) -> None:
    """The portal's page frame without the database: its title, styles and language, and its own
    sidebar (the menu needs the database to know the role, so it holds the portal's name only)."""
    st.set_page_config(page_title=viewer.t(APP_TITLE), page_icon="🏘️", layout="centered")
    _apply_styles(viewer)
    with st.sidebar:
        st.markdown(f"### {viewer.t(APP_TITLE)}")


def render(viewer: Viewer) -> None:
    st.set_page_config(page_title=viewer.t(APP_TITLE), page_icon="🏘️", layout="centered")
    _apply_styles(viewer)
    _menu(viewer)
    if not viewer.logged_in:
        _language_buttons(viewer)
        _display_controls(viewer)
        return
    # Chosen once with the account: one control, one tap away, so a phone's first screen is the
    # page itself (in elder mode the three controls alone filled it).
    with st.popover(display_label(viewer), icon=":material/tune:", width="stretch"):
        _display_controls(viewer)
    inbox_badge.unread_line(viewer)


DISPLAY_AND_LANGUAGE = N_("Display and language")
LARGE_TEXT_ON = N_("large text")


def display_label(viewer: Viewer) -> str:
    """The collapsed control's label says what is chosen: 显示与语言 · 中文 · 大字."""
    parts = [viewer.t(DISPLAY_AND_LANGUAGE), viewer.lang.native_name]
    if viewer.elder:
        parts.append(viewer.t(LARGE_TEXT_ON))
    return " · ".join(parts)


def _display_controls(viewer: Viewer) -> None:
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        _language_picker(viewer)
    with right:
        _elder_switch(viewer)
        auto_read_switch(viewer)  # elder mode only: read pages aloud when they open
