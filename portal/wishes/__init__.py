"""Wish wall (微心愿): residents post small wishes, neighbours vote, someone adopts and fulfils them,
the most supported public wishes go to the monthly council.

Lifecycle (every step is a WishEvent row and a conditional UPDATE ... WHERE state = <expected>):

    open ──adopt──▶ adopted ──report──▶ fulfilled ──confirm──▶ confirmed   (adopter earns points once)
     │  ◀─release──    ▲ ◀────dispute───────┘
     ├──support reaches the grid's threshold──▶ promoted ──decide (council)──▶ decided
     ├──no support for the grid's expiry time (expire_stale)──▶ expired
     └── any state ──hide (moderator, reason shown to the author)──▶ hidden ──restore──▶ previous state

Votes are rows (one per person per wish, a unique constraint); support is always counted from them.

Where each rule lives:
    common      limits, states, labels and messages; the permission check, the locked read, the
                guarded move (UPDATE + event + notices) and commit-or-"changed"; storing a photo
    grid_rules  each grid's threshold and expiry (its own, inherited, or the defaults)
    posting     posting a wish: the form checks and the daily limit
    voting      support (votes and the count from them), withdrawing it
    promotion   threshold reached → council candidate; the council's decision (`decide`)
    adoption    adopt, give back, report fulfilled, confirm (points), dispute
    moderation  flags, hide, restore, dismiss flags, the moderation queue
    expiry      the scheduler's rule (`expire_stale`)
    queries     read models: the wall (one page of cards) and one wish's detail
    notices     who is told what when a wish moves (the notification outbox)

(The module is `voting`, not `support`, so `wishes.support` is always the function.)

Everything public is re-exported here, so `from portal import wishes; wishes.vote(...)` works.
"""

from __future__ import annotations

from db.models_wishes import WISH_CATEGORIES, Wish
from portal.text import clean_text
from portal.wishes.adoption import adopt, confirm, dispute, release, report_fulfilled
from portal.wishes.common import (
    ACTIVE_STATES,
    BODY_MAX,
    CATEGORY_LABELS,
    CHANGED,
    DAILY_LIMIT,
    DEFAULT_EXPIRE_DAYS,
    DEFAULT_THRESHOLD,
    EVENT_LABELS,
    MAX_PROMISE_DAYS,
    MODERATOR_ROLES,
    NOT_FOUND,
    NOTE_MAX,
    PAGE_SIZE,
    REASON_MAX,
    SORTS,
    STATE_LABELS,
    TITLE_MAX,
)
from portal.wishes.expiry import expire_stale
from portal.wishes.grid_rules import Rule, rule_for, rules_table, set_grid_rule
from portal.wishes.moderation import dismiss_flags, flag, flagged, hide, restore
from portal.wishes.posting import post_wish
from portal.wishes.promotion import candidates, decide
from portal.wishes.queries import (
    Promotion,
    TrailItem,
    WallPage,
    WishCard,
    WishView,
    detail,
    wall,
)
from portal.wishes.voting import support, vote, withdraw_vote

__all__ = [
    "ACTIVE_STATES",
    "BODY_MAX",
    "CATEGORY_LABELS",
    "CHANGED",
    "DAILY_LIMIT",
    "DEFAULT_EXPIRE_DAYS",
    "DEFAULT_THRESHOLD",
    "EVENT_LABELS",
    "MAX_PROMISE_DAYS",
    "MODERATOR_ROLES",
    "NOTE_MAX",
    "NOT_FOUND",
    "PAGE_SIZE",
    "REASON_MAX",
    "SORTS",
    "STATE_LABELS",
    "TITLE_MAX",
    "WISH_CATEGORIES",
    "Promotion",
    "Rule",
    "TrailItem",
    "WallPage",
    "Wish",
    "WishCard",
    "WishView",
    "adopt",
    "candidates",
    "clean_text",
    "confirm",
    "decide",
    "detail",
    "dismiss_flags",
    "dispute",
    "expire_stale",
    "flag",
    "flagged",
    "hide",
    "post_wish",
    "release",
    "report_fulfilled",
    "restore",
    "rule_for",
    "rules_table",
    "set_grid_rule",
    "support",
    "vote",
    "wall",
    "withdraw_vote",
]
