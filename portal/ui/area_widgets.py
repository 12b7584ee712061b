"""The viewer's area (portal.areas) for the pages that list a community's own things: notices,
the wish wall, the council, tasks and rewards."""

from __future__ import annotations

from collections.abc import Collection

from db.models import User
from portal.areas import EVERYWHERE, Area, area_of
from portal.cockpit_scope import area_bounds
from portal.grids import GridIndex
from portal.ui.data import db, grid_index, settings
from portal.ui.session import Viewer


def viewer_area(viewer: Viewer) -> Area:
    """Where the viewer sees and acts (the whole deployment for a visitor)."""
    if viewer.user_id is None:
        return EVERYWHERE
    with db() as session:
        return area_of(session, session.get(User, viewer.user_id), grid_index())


def area_base_map(index: GridIndex, grids: Collection[int] | None):
    """A base map framed on these grids (None: the whole deployment). Pass the same grids as
    add_grids(only=…): a page draws its viewer's area, never every grid of a district (8,000
    outlines at 100 communities cost seconds per rerun). folium is imported here, as in
    portal.ui.widgets.folium_map: the pages that only list things do not load it."""
    from portal import maps

    return maps.base_map(settings(), index.bounds() if grids is None else area_bounds(index, grids))
