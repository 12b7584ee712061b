"""The viewer's area (portal.areas) for the pages that list a community's own things: notices,
the wish wall, the council, tasks and rewards."""

from __future__ import annotations

from db.models import User
from portal.areas import EVERYWHERE, Area, area_of
from portal.ui.data import db, grid_index
from portal.ui.session import Viewer


def viewer_area(viewer: Viewer) -> Area:
    """Where the viewer sees and acts (the whole deployment for a visitor)."""
    if viewer.user_id is None:
        return EVERYWHERE
    with db() as session:
        return area_of(session, session.get(User, viewer.user_id), grid_index())
