"""Topic circles (话题圈): interest and courtyard groups of a community where residents post short
texts and reply; grid workers moderate (hide with a reason the author sees); a post can be turned
into a wish or a report with one click, keeping the link.

Where each rule lives: who may do what is portal/permissions.py ("circle.*"); the facts it needs
(another community, living in the courtyard, a member) are looked up in `common`.

    common    limits, labels, messages; the facts about a circle for one person; checked texts
    posts     start a circle, join, leave, post, reply, hide, show again
    turning   a post into a wish or a report (one per post), and the link back (`source_of`)
    queries   the circles of one's community; a circle's feed as the viewer may see it
"""

from __future__ import annotations

from db.models_circles import CIRCLE_KINDS, TEXT_MAX, Circle, CirclePost, CircleReply
from portal.circles.common import (
    ALREADY_TURNED,
    KIND_LABELS,
    NOT_FOUND,
    REASON_MAX,
    TURNED_LABELS,
)
from portal.circles.posts import create_circle, hide, join, leave, post, reply, unhide
from portal.circles.queries import CircleCard, Feed, PostView, ReplyView, circles_for, feed
from portal.circles.turning import source_of, turn_into_report, turn_into_wish

__all__ = [
    "ALREADY_TURNED",
    "CIRCLE_KINDS",
    "KIND_LABELS",
    "NOT_FOUND",
    "REASON_MAX",
    "TEXT_MAX",
    "TURNED_LABELS",
    "Circle",
    "CircleCard",
    "CirclePost",
    "CircleReply",
    "Feed",
    "PostView",
    "ReplyView",
    "circles_for",
    "create_circle",
    "feed",
    "hide",
    "join",
    "leave",
    "post",
    "reply",
    "source_of",
    "turn_into_report",
    "turn_into_wish",
    "unhide",
]
