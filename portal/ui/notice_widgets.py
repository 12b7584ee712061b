"""The notices in force for the viewer, shown on the resident home page."""

from __future__ import annotations

import base64
import html

import streamlit as st

from portal import notices
from portal.i18n import N_, format_when
from portal.ui.data import db, grid_index
from portal.ui.report_widgets import media_store, user_text
from portal.ui.session import Viewer


VOICES = {"zh_Hans": "cmn-latn-pinyin", "en": "en", "ug": "ug"}  # no offline voice for bo, ii


@st.cache_data(show_spinner=False, max_entries=100, ttl=3600)
def _speech(text: str, lang_code: str) -> bytes | None:
    """WAV from espeak-ng (offline, about 20 ms), or None when no voice speaks the language."""
    import shutil
    import subprocess

    voice, binary = VOICES.get(lang_code), shutil.which("espeak-ng")
    if not voice or not binary or not text.strip():
        return None
    try:
        done = subprocess.run([binary, "-v", voice, "-s", "140", "--stdout"],
                              input=text[:2000].encode(), capture_output=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout or None


def show_notices(viewer: Viewer, limit: int = 5) -> None:
    """Current notices for the viewer's grid, in their language where a translation exists."""
    with db() as session:
        shown = notices.current(session, grid_index(), grid_id=viewer.home_grid_id,
                                language=viewer.language, limit=limit)
    if not shown:
        return
    st.subheader(viewer.t(N_("Notices")))
    for notice in shown:
        with st.container(border=True):
            st.markdown(f"**{viewer.t(notices.KIND_LABELS.get(notice.kind, notice.kind))}** · "
                        f"{format_when(viewer.language, notice.published_at, 'short')}")
            user_text(notice.title, notice.language)
            user_text(notice.body, notice.language)
            audio = _speech(f"{notice.title}。{notice.body}", notice.language)
            if audio:
                st.markdown(viewer.t(N_("Listen to this notice")))
                st.audio(audio, format="audio/wav")
            data = media_store().read(notice.image_path) if notice.image_path else None
            if data:  # st.image has no alt text, so the picture is inlined with one
                alt = html.escape(notice.image_alt or "", quote=True)
                encoded = base64.b64encode(data).decode()
                st.markdown(f'<img src="data:image/jpeg;base64,{encoded}" alt="{alt}" '
                            'style="max-width:100%;width:480px;border-radius:4px">',
                            unsafe_allow_html=True)
