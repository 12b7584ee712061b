"""Private photos and voice notes on pages, embedded through the portal's own media route
(/files/{kind}/{id}, login cookie checked on each request: portal/web/media_routes.py) so no
Streamlit /media/<id> URL, which answers anyone who has it, ever carries them.

Used for every private kind of portal.media_access.KINDS (report media, voice notes, wish photos,
task proof photos, council files). Reward pictures are public catalogue content and use st.image.

Without that route (AppTest, bare `streamlit run app.py`) the bytes go through st.audio and inline
images as before, so those keep working."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

import streamlit as st

from portal.media_access import media_path
from portal.ui.data import settings
from portal.ui.session import web_routes_served


@dataclass(frozen=True)
class PrivateFile:
    kind: str  # portal.media_access.KINDS: "report", "voice", "wish", … "council", "microproject"
    media_id: int
    data: bytes  # the file as stored, for the fallback (already read: a missing file is said)
    mime: str


def media_url(kind: str, media_id: int, thumb: bool = False) -> str:
    """The media route's URL for one file, under LINLI_BASE_URL_PATH when one is set."""
    base = settings().base_url_path
    return (f"/{base}" if base else "") + media_path(kind, media_id, thumb)


def private_audio(file: PrivateFile, label: str) -> None:
    """A player for a private recording, named label for screen readers."""
    if not web_routes_served():
        st.audio(file.data, format=file.mime, alt=label)
        return
    src = html.escape(media_url(file.kind, file.media_id), quote=True)
    st.html(
        f'<audio class="linli-private-audio" controls preload="metadata" src="{src}" '
        f'aria-label="{html.escape(label, quote=True)}" style="width:100%"></audio>'
    )


def private_image(file: PrivateFile, alt: str, width: int) -> None:
    """A private photo on its own, at most width pixels wide (st.image would use /media/)."""
    style = f"max-width:min(100%,{width}px);height:auto;border-radius:4px"
    st.markdown(private_image_tag(file, alt, style), unsafe_allow_html=True)


def private_download_link(file: PrivateFile, label: str) -> str | None:
    """An <a> downloading a private document through the media route, or None without the route
    (the caller then offers st.download_button). label is plain text."""
    if not web_routes_served():
        return None
    return (
        f'<a class="linli-private-download" href="{html.escape(media_url(file.kind, file.media_id), quote=True)}" '
        f"download>{html.escape(label)}</a>"
    )


def private_image_tag(file: PrivateFile, alt: str, style: str, thumb: bool = False) -> str:
    """An <img> for a private photo (file.data is the thumbnail when thumb); alt is plain text."""
    if web_routes_served():
        src = media_url(file.kind, file.media_id, thumb)
    else:
        src = f"data:{file.mime};base64,{base64.b64encode(file.data).decode()}"
    return (
        f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt, quote=True)}" '
        f'style="{style}">'
    )
