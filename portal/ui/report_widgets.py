"""Pieces the report pages share: a report's card, its plain-language timeline, its photos and voice."""

from __future__ import annotations

import html

import streamlit as st
from sqlmodel import Session

from db.models import User
from db.models_reports import Report
from db.types import row_id
from portal.i18n import N_, format_when_ago, language
from portal.media import MediaStore, store_for
from portal.reports import LEVEL_LABELS, STATE_LABELS, queries
from portal.text import md_text
from portal.ui.data import settings
from portal.ui.private_media import PrivateFile, private_image_tag
from portal.ui.session import Viewer
from portal.ui.voice_note_widgets import voice_clip

THUMB_STYLE = "width:220px;max-width:100%;margin:0 8px 8px 0;border-radius:4px"


def media_store() -> MediaStore:
    """The configured media store (a local folder or an S3 bucket)."""
    return store_for(settings())


def user_text_html(text: str, lang_code: str) -> str:
    """Text someone typed as one line of HTML (so Markdown never reads it), marked with its language."""
    lang = language(lang_code)
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    safe = "<br>".join(html.escape(line) for line in lines)
    return f'<p lang="{html.escape(lang.html_lang)}" dir="{html.escape(lang.direction)}">{safe}</p>'


def user_text(text: str, lang_code: str) -> None:
    """Text someone typed: shown as text (never markup), marked with its own language."""
    st.markdown(user_text_html(text, lang_code), unsafe_allow_html=True)


def state_line(viewer: Viewer, report: Report, category: str, overdue: bool) -> str:
    t = viewer.t
    parts = [
        f"#{report.id}",
        category,
        t(STATE_LABELS[report.state]),
        t(LEVEL_LABELS[report.level]),
    ]
    if report.urgent:
        parts.append("🚨 " + t(N_("Urgent")))
    if overdue:
        parts.append("⚠️ " + t(N_("Overdue")))
    return " · ".join(md_text(p) for p in parts)  # the category is typed by staff


def show_timeline(
    viewer: Viewer, session: Session, report_id: int, public: bool = False
) -> list[str]:
    """Draws the timeline; returns its lines as plain sentences (for reading aloud)."""
    t = viewer.t
    said: list[str] = []
    for step in queries.timeline(session, report_id, public=public):
        params = dict(step.params)
        params["actor"] = params["actor"] or t(N_("A neighbour"))
        level_msgid = params["level"]
        params["level"] = t(level_msgid)
        params["assignee"] = params["assignee"] or t(N_("the community office"))
        if "method" in params:  # filed for a resident (代办): how they agreed
            method_msgid = params["method"]
            params["method"] = t(method_msgid)
        when = format_when_ago(viewer.language, step.at)
        line = f"- **{md_text(when)}** — {md_text(t(step.text, **params))}"
        st.markdown(line)
        said.append(f"{when}: {t(step.text, **params)}")
        if step.note:
            user_text(step.note, viewer.language)
    return said


def show_media(viewer: Viewer, session: Session, report_id: int, with_voice: bool = True) -> None:
    store = media_store()
    alt = viewer.t(N_("Photo of the problem"))
    tags = []
    for picture in queries.photos(session, report_id):  # st.image has no alt text: <img> tags
        data = store.read(picture.thumb_path or picture.path)
        if data:
            mime = "image/jpeg" if picture.thumb_path else picture.content_type
            photo = PrivateFile("report", row_id(picture), data, mime)
            tags.append(private_image_tag(photo, alt, THUMB_STYLE, thumb=True))
    if tags:
        st.markdown("".join(tags), unsafe_allow_html=True)
    if with_voice:
        for note in queries.voice_notes(session, report_id):
            data = store.read(note.path)
            if data:
                uploader = session.get(User, note.uploader_id)
                voice_clip(
                    viewer,
                    PrivateFile("report", row_id(note), data, note.content_type),
                    uploader.display_name if uploader else viewer.t(N_("A neighbour")),
                    note.seconds,
                )
