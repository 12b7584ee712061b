"""Read-aloud on pages: one button, audio from portal.speech (cached), or a plain word when no voice
speaks the language (Tibetan and Yi have none offline here)."""

from __future__ import annotations

import streamlit as st

from portal import speech
from portal.i18n import N_
from portal.ui.data import settings
from portal.ui.session import Viewer

NO_VOICE = N_("Reading aloud is not available in this language yet. A grid worker can read it to you.")


@st.cache_data(show_spinner=False, max_entries=300, ttl=3600)
def _spoken(text: str, language: str) -> tuple[bytes, str] | None:
    said = speech.speak(text, language, speech.SpeechCache(settings().media_dir / "speech"))
    return (said.audio, said.mime) if said else None


def play(viewer: Viewer, text: str, language: str) -> bool:
    """Plays the text now; False (after saying so) when no engine speaks the language."""
    spoken = _spoken(text, language)
    if spoken is None:
        st.info(viewer.t(NO_VOICE), icon=":material/volume_off:")
        return False
    st.audio(spoken[0], format=spoken[1], autoplay=True)
    return True


def read_aloud(viewer: Viewer, text: str, language: str, key: str) -> None:
    """A "Read aloud" button; once pressed, the audio stays on the page for this session."""
    if st.button(viewer.t(N_("Read aloud")), key=key, icon=":material/volume_up:"):
        st.session_state[f"{key}_on"] = True
    if st.session_state.get(f"{key}_on"):
        play(viewer, text, language)
