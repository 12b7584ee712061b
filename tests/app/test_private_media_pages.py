"""Served by serve.py (portal.web.mounted) the pages embed private voice notes through the portal's
own /files route, under LINLI_BASE_URL_PATH, and never hand the bytes to st.audio (whose
/media/<id> URL answers anyone)."""

from __future__ import annotations

import html

from sqlmodel import Session, select

from db.engine import get_engine
from db.models_voice_notes import VoiceNote
from portal import web as portal_web
from tests.app.test_voice_note_pages import _last_wish, _send_wish, zh
from tests.audio_samples import tone_wav


def _html_bodies(at) -> list[str]:
    return [e.proto.body for e in at.get("html")]


def test_the_authors_voice_note_plays_from_the_portal_route(open_app, app_db, monkeypatch):
    monkeypatch.setattr(portal_web, "mounted", True)
    monkeypatch.setenv("LINLI_BASE_URL_PATH", "/linli/")
    at = open_app("zhang_nainai", page="pages/wish_post.py")
    at.selectbox(key="wish_category").set_value("help")
    at.audio_input(key="wish_voice").set_value(("note.wav", tone_wav(2.0), "audio/wav"))
    _send_wish(at)
    assert not at.exception, at.exception
    wish = _last_wish(app_db, "zhang_nainai")
    with Session(get_engine(app_db)) as s:
        note = s.exec(
            select(VoiceNote).where(
                VoiceNote.subject_kind == "wish", VoiceNote.subject_id == wish.id
            )
        ).one()
    label = zh("Voice note from {name}, {length}", name="张奶奶", length="0:02")
    player = (
        f'<audio class="linli-private-audio" controls preload="metadata" '
        f'src="/linli/files/voice/{note.id}" aria-label="{html.escape(label, quote=True)}"'
    )
    assert any(body.startswith(player) for body in _html_bodies(at)), _html_bodies(at)
    # no st.audio of the note (a Streamlit /media/ URL); read-aloud players of page text may remain
    assert label not in [e.proto.alt for e in at.get("audio")]
