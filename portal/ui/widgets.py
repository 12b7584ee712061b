"""Small pieces several pages share: field errors, home tiles, people lists, grid labels, maps."""

from __future__ import annotations

import re

import streamlit as st

from db.models import Grid
from portal import auth, media
from portal.errors import Message, UserError
from portal.grids import DUTY_LABELS, KIND_LABELS, GridIndex, Placement
from portal.i18n import N_
from portal.text import md_text
from portal.ui.session import Viewer, current_viewer
from portal.ui.shell import link_to
from portal.ui.speech_widgets import readable
from portal.ui.styles import MAP_ELDER_CSS


def say(viewer: Viewer, message: Message) -> str:
    """A message for st.error / st.success (Markdown): a name or title it repeats shows as typed."""
    return viewer.t(
        message.msgid,
        **{k: md_text(v) if isinstance(v, str) else v for k, v in message.params.items()},
    )


def field_slots(names: tuple[str, ...]) -> dict[str, st.delta_generator.DeltaGenerator]:
    """Empty places under form fields, filled with that field's message after a submit."""
    return {name: st.empty() for name in names}


def show_field_errors(viewer: Viewer, slots: dict, errors: dict[str, Message]) -> None:
    for field, message in errors.items():
        target = slots.get(field) or st
        target.error(say(viewer, message), icon=":material/error:")


def grid_label(index: GridIndex, grid: Grid) -> str:
    """ "第一网格 · 玉林北路12号院" for a micro or exclusive grid; the name alone otherwise."""
    parent = index.grids.get(grid.parent_id) if grid.parent_id else None
    if parent is not None and parent.kind == "general":
        return f"{parent.name} · {grid.name}"
    return grid.name


def _leads_somewhere(page: auth.PageSpec, viewer: Viewer) -> bool:
    """The ballot tile only for people who hold a council seat (others would find nothing)."""
    if page.key != "council_vote":
        return True
    from portal.council import seated_councils
    from portal.ui.data import db

    with db() as session:
        return bool(seated_councils(session, viewer.user_id))


def home_tiles(viewer: Viewer, skip: tuple[str, ...] = ()) -> None:
    """The role's pages as tiles, but none that leads nowhere and none already shown (`skip`)."""
    tiles = [
        p
        for p in auth.pages_for(viewer.role)
        if p.tile and p.key not in skip and _leads_somewhere(p, viewer)
    ]
    columns = st.columns(2)
    for n, page in enumerate(tiles):
        readable(viewer.t(page.title), page.title)
        readable(viewer.t(page.hint), page.hint)
        with columns[n % 2].container(border=True):
            link_to(page, viewer)
            st.markdown(
                f'<p class="linli-tile-hint">{viewer.t(page.hint)}</p>', unsafe_allow_html=True
            )


def responsibility_chain(viewer: Viewer, placement: Placement) -> None:
    """Who answers for this grid, level by level up to the community."""
    for level in placement.chain:
        st.markdown(f"**{viewer.t(KIND_LABELS[level.grid.kind])}: {md_text(level.grid.name)}**")
        if not level.people:
            st.markdown("- " + viewer.t(N_("Nobody assigned yet")))
        for person in level.people:
            digits = "".join(ch for ch in person.phone or "" if ch.isdigit() or ch in "+-")
            phone = f" · [{md_text(person.phone)}](tel:{digits})" if digits else ""
            st.markdown(
                f"- {md_text(person.name)} · {viewer.t(DUTY_LABELS.get(person.duty, person.duty))}{phone}"
            )


_NO_ZOOM = re.compile(r",\s*maximum-scale=[\d.]+,\s*user-scalable=no")


def _allow_zoom(fmap) -> None:
    """folium's page header says `maximum-scale=1.0, user-scalable=no`, which stops people from
    zooming the page (WCAG 1.4.4; axe rule meta-viewport). Drop those two after each render."""
    from branca.element import Element  # here, not at the top: see folium_map

    render = fmap.render

    def render_zoomable(**kwargs):
        render(**kwargs)
        header = fmap.get_root().header
        element = header._children.get(fmap.get_name())
        if element is not None:
            header._children[fmap.get_name()] = Element(_NO_ZOOM.sub("", element.render()))

    fmap.render = render_zoomable


def folium_map(fmap, key: str, height: int = 480, clicks: bool = False) -> dict | None:
    """Shows a folium map; returns click state only when asked (so panning does not rerun).
    folium, streamlit_folium and pandas (which it loads) are imported here, not at the top: the
    login page and every page without a map import this module, and those imports cost seconds."""
    from branca.element import Element
    from streamlit_folium import st_folium

    from portal.map_panels import keep_shapes_out_of_tab_order, mark_language

    _allow_zoom(fmap)
    viewer = current_viewer()
    mark_language(fmap, viewer.lang.html_lang, viewer.lang.direction)
    keep_shapes_out_of_tab_order(fmap)
    if viewer.elder:
        fmap.get_root().header.add_child(Element(MAP_ELDER_CSS), name="linli_map_elder_css")
    returned = ["last_object_clicked", "last_clicked"] if clicks else []
    return st_folium(
        fmap, key=key, height=height, use_container_width=True, returned_objects=returned
    )


_CHECKED_PHOTOS = "_linli_checked_photos"  # upload file id → Photo or the UserError it raised


def checked_photo(upload) -> media.Photo:
    """media.check_photo for an uploaded file, decoded once per upload and not on every rerun
    (a large photo costs seconds and much memory to decode). Raises the same UserError."""
    done = st.session_state.setdefault(_CHECKED_PHOTOS, {})
    key = getattr(upload, "file_id", None) or id(upload)
    if key not in done:
        done.clear()  # keep only the current upload's result
        try:
            done[key] = media.check_photo(upload.getvalue())
        except UserError as exc:
            done[key] = exc
    if isinstance(done[key], UserError):
        raise done[key]
    return done[key]
