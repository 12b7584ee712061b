"""Topic circles' limits, labels and messages, and the helpers every step uses: the facts about
a circle the permission rules need (inside the actor's area, living in it, a member), and the
checked text of a post or reply."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from db.models import User
from db.models_circles import TEXT_MAX, Circle, CircleMember
from portal.areas import Area, area_of, parents_of
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.grids import subtree
from portal.i18n import N_
from portal.permissions import On, can
from portal.text import clean_text
from portal.wishes.common import _too_long as too_long

REASON_MAX = 300
NAME_MAX = 60
FEED_SIZE = 30  # newest posts shown in a circle's feed

KIND_LABELS = {
    "interest": N_("Interest circle"),
    "courtyard": N_("Courtyard circle"),
}
TURNED_LABELS = {
    "wish": N_("Turned into a wish"),
    "report": N_("Turned into a report"),
}
NOT_FOUND = N_("This circle could not be found.")
POST_NOT_FOUND = N_("This post could not be found.")
ALREADY_TURNED = N_("This post has already been turned into a wish or a report.")


@dataclass(frozen=True)
class Facts:
    """What a circle is to one person (looked up for portal.permissions)."""

    outside: bool  # another community
    lives_in: bool  # home grid inside the circle's courtyard (or community)
    member: bool

    def on(self, own: bool = False) -> On:
        return On(own=own, lives_in=self.lives_in, named=self.member, outside=self.outside)


def facts(session: Session, user: User, circle: Circle) -> Facts:
    member = (
        session.exec(
            select(col(CircleMember.id)).where(
                col(CircleMember.circle_id) == circle.id, col(CircleMember.user_id) == user.id
            )
        ).first()
        is not None
    )
    return facts_from(area_of(session, user), parents_of(session), user, circle, member)


def facts_from(
    area: Area, parents: dict[int, int | None], user: User, circle: Circle, member: bool
) -> Facts:
    """facts() from what a list already looked up once (the area, the grid tree, memberships)."""
    home = user.home_grid_id
    lives_in = home is not None and home in subtree(
        parents, circle.courtyard_grid_id or circle.grid_id
    )
    return Facts(outside=not area.covers(circle.grid_id), lives_in=lives_in, member=member)


def refuse_unless(session: Session, user: User, action: str, on: On) -> None:
    """UserError (rolling back) with the reason, unless permissions.can allows it."""
    decision = can(user, action, on)
    if not decision:
        session.rollback()
        raise UserError(decision.reason)


def get_circle(session: Session, circle_id: int) -> Circle:
    circle = session.get(Circle, circle_id)
    if circle is None:
        raise UserError(NOT_FOUND)
    return circle


def acting(session: Session, user_id: int) -> User:
    return active_user(session, user_id)


def checked_text(text: str, field: str = "body") -> str:
    text = clean_text(text)
    if not text:
        raise FieldErrors({field: Message(N_("Please write a few words."))})
    if len(text) > TEXT_MAX:
        raise FieldErrors({field: too_long(text, TEXT_MAX)})
    return text


def checked_reason(reason: str) -> str:
    reason = clean_text(reason)
    if not reason:
        raise FieldErrors({"reason": Message(N_("Please give the reason the author will see."))})
    if len(reason) > REASON_MAX:
        raise FieldErrors({"reason": too_long(reason, REASON_MAX)})
    return reason
