"""Voice notes on pages: a record-or-upload input with a plain word about voice-to-text, and a player
that says whose note it is and how long it lasts."""

from __future__ import annotations

import html

import streamlit as st

from portal import recognition, voice_notes
from portal.errors import UserError
from portal.i18n import N_, language
from portal.media import Audio, MediaStore, store_for
from portal.text import md_text
from portal.ui.data import db, settings
from portal.ui.private_media import PrivateFile, private_audio
from portal.ui.session import Viewer
from portal.ui.widgets import say

NO_RECOGNITION = N_(
    "Voice-to-text is not available here; your voice note is kept as audio and staff will listen to it."
)
# the uploader lets these through so a wrong kind gets our message in the person's language
UPLOAD_TYPES = ["wav", "mp3", "m4a", "aac", "ogg", "oga", "opus", "amr", "webm", "flac", "silk"]


def store() -> MediaStore:
    return store_for(settings())


def voice_keys(key: str) -> tuple[str, str]:
    """The session keys of one voice input (recording, uploaded file), e.g. to clear after sending."""
    return key, f"{key}_file"


def voice_input(viewer: Viewer, key: str, speech_language: str | None = None) -> None:
    """Record with the microphone, or send a sound file; says plainly when voice-to-text is missing."""
    t = viewer.t
    recorded, uploaded = voice_keys(key)
    st.audio_input(t(N_("Or record a voice note instead of typing")), key=recorded)
    st.file_uploader(
        t(N_("Or send a voice recording (WAV, MP3, M4A or Ogg file)")),
        type=UPLOAD_TYPES,
        key=uploaded,
    )
    ready = recognition.availability(speech_language or viewer.language)
    if not ready.available:
        st.markdown(
            f'<p class="linli-voice-hint">{html.escape(t(NO_RECOGNITION))}</p>',
            unsafe_allow_html=True,
        )


def read_voice(key: str) -> Audio | None:
    """The checked recording of a voice input (recording first, else the uploaded file), or None.
    Raises UserError (field 'voice') for an empty, too long, corrupt, silent or wrong file."""
    recorded, uploaded = voice_keys(key)
    given = st.session_state.get(recorded) or st.session_state.get(uploaded)
    if given is None:
        return None
    return voice_notes.check_voice(given.getvalue())


def checked_voice(viewer: Viewer, key: str, slot) -> tuple[bool, Audio | None]:
    """(True, audio or None) when the voice input is fine; (False, None) with the message shown."""
    try:
        return True, read_voice(key)
    except UserError as exc:
        (slot or st).error(say(viewer, exc.message), icon=":material/error:")
        return False, None


def voice_clip(
    viewer: Viewer,
    file: PrivateFile,
    who: str,
    seconds: float | None,
    transcript: str | None = None,
    transcript_language: str | None = None,
) -> None:
    """One player, labelled with whose note it is and its length (also for screen readers)."""
    t = viewer.t
    length = voice_notes.length_label(seconds or 0)
    label = t(N_("Voice note from {name}, {length}"), name=who, length=length)
    st.markdown(f"🎤 {md_text(label)}")
    private_audio(file, label)
    if transcript:
        lang = language(transcript_language)
        st.markdown(
            f"<p>{html.escape(t(N_('Heard by the speech engine:')))} "
            f'<span lang="{lang.html_lang}" dir="{lang.direction}">{html.escape(" ".join(transcript.split()))}</span></p>',
            unsafe_allow_html=True,
        )


def voice_notes_of(viewer: Viewer, kind: str, subject_ids: list[int]) -> dict[int, list]:
    """The notes of these items this person may play (one query), by item id."""
    with db() as session:
        return voice_notes.notes_for(
            session, kind=kind, subject_ids=subject_ids, viewer_id=viewer.user_id
        )


def show_voice_notes(viewer: Viewer, views: list) -> None:
    """Players for notes from voice_notes_of(); a missing file is said, not hidden."""
    media = store()
    for view in views:
        data = voice_notes.read(media, view.note)
        if data is None:
            st.warning(
                viewer.t(
                    N_("A voice note from {name} could not be found in storage."),
                    name=md_text(view.author_name),
                ),
                icon=":material/error:",
            )
            continue
        voice_clip(
            viewer,
            PrivateFile("voice", view.note.id, data, view.note.mime),
            view.author_name,
            view.note.seconds,
            view.note.transcript,
            view.note.language,
        )


def voice_player(viewer: Viewer, kind: str, subject_id: int) -> None:
    """Every voice note of one item that this person may play."""
    show_voice_notes(viewer, voice_notes_of(viewer, kind, [subject_id]).get(subject_id, []))
