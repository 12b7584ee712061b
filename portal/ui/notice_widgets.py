"""The notices in force for the viewer, shown on the resident home page."""

from __future__ import annotations

import base64
import html

import streamlit as st

from portal import notices
from portal.i18n import N_, format_when_ago
from portal.ui.area_widgets import viewer_area
from portal.ui.data import db, grid_index
from portal.ui.report_widgets import media_store, user_text
from portal.ui.session import Viewer
from portal.ui.speech_widgets import read_aloud, readable


def show_notices(viewer: Viewer, limit: int = 5) -> None:
    """Current notices for the viewer's grid, in their language where a translation exists."""
    area = viewer_area(viewer)
    with db() as session:
        shown = notices.current(
            session,
            grid_index(),
            grid_id=viewer.home_grid_id,
            language=viewer.language,
            limit=limit,
            area=area,
        )
    if not shown:
        return
    st.subheader(viewer.t(N_("Notices")))
    readable(viewer.t(N_("Notices")), N_("Notices"))
    for notice in shown:
        readable(notice.title)
        with st.container(border=True):
            st.markdown(
                f"**{viewer.t(notices.KIND_LABELS.get(notice.kind, notice.kind))}** · "
                f"{format_when_ago(viewer.language, notice.published_at)}"
            )
            user_text(notice.title, notice.language)
            user_text(notice.body, notice.language)
            read_aloud(
                viewer,
                f"{notice.title}。{notice.body}",
                notice.language,
                key=f"notice_read_{notice.id}",
            )
            data = media_store().read(notice.image_path) if notice.image_path else None
            if data:  # st.image has no alt text, so the picture is inlined with one
                alt = html.escape(notice.image_alt or "", quote=True)
                encoded = base64.b64encode(data).decode()
                st.markdown(
                    f'<img src="data:image/jpeg;base64,{encoded}" alt="{alt}" '
                    'style="max-width:100%;width:480px;border-radius:4px">',
                    unsafe_allow_html=True,
                )
