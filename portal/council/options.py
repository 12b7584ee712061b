"""An agenda item's own options (e.g. three plans to choose from) instead of for / against / abstain.

Staff give an item 2–6 options, each a short non-empty text, no two alike; an empty list goes back
to for / against / abstain. Options are fixed once voting opens on the item's meeting. A ballot for
option n holds the choice "o<n>"; portal.council counts them and the option with strictly the most
votes wins (a tie decides nothing).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col

from db.models_council import CouncilItem
from db.models_council_extras import OPTION_LABEL_MAX, OPTIONS_MAX, OPTIONS_MIN, CouncilItemOption
from db.types import utcnow
from portal.council.common import (
    NOT_FOUND,
    Option,
    _commit,
    _event,
    _manager,
    _meeting,
    council_grid,
)
from portal.council.counting import item_options
from portal.errors import UserError
from portal.i18n import N_
from portal.text import clean_text

LOCKED = N_("The options of this item cannot change any more: voting has opened on it.")


def parse_options(text: str | None) -> list[str]:
    """One option per line, as typed in a text box; blank lines are left out."""
    return [line for line in (clean_text(text)).splitlines() if line.strip()]


def check_labels(labels: list[str]) -> list[str]:
    """The cleaned labels, or a UserError (field 'options') saying what is wrong."""
    cleaned = [clean_text(label) for label in labels]
    if not cleaned:
        return []
    if len(cleaned) < OPTIONS_MIN:
        raise UserError(
            N_("Give at least {low} options, or none to vote For / Against / Abstain."),
            field="options",
            low=OPTIONS_MIN,
        )
    if len(cleaned) > OPTIONS_MAX:
        raise UserError(
            N_("Give at most {high} options (now {count})."),
            field="options",
            high=OPTIONS_MAX,
            count=len(cleaned),
        )
    seen: set[str] = set()
    for n, label in enumerate(cleaned, 1):
        if not label:
            raise UserError(
                N_("Option {n} is empty. Write it or take it out."), field="options", n=n
            )
        if len(label) > OPTION_LABEL_MAX:
            raise UserError(
                N_("Option {n} is too long: use at most {most} characters (now {count})."),
                field="options",
                n=n,
                most=OPTION_LABEL_MAX,
                count=len(label),
            )
        if label.casefold() in seen:
            raise UserError(
                N_("“{label}” is given twice. Each option must be different."),
                field="options",
                label=label,
            )
        seen.add(label.casefold())
    return cleaned


def set_options(
    session: Session, *, item_id: int, actor_id: int, labels: list[str], now: datetime | None = None
) -> tuple[Option, ...]:
    """Gives an item its own options (or back to for / against / abstain with an empty list)."""
    now = now or utcnow()
    _manager(session, actor_id, council_grid(session, item_id=item_id) if item_id else -1)
    cleaned = check_labels(labels)
    item = session.get(CouncilItem, item_id) if item_id else None
    if item is None:
        raise UserError(NOT_FOUND)
    meeting = _meeting(session, item.meeting_id, lock=True)
    if meeting.status not in ("draft", "published"):
        session.rollback()
        raise UserError(LOCKED)
    before = [o.label for o in item_options(session, [item_id])[item_id] if o.custom]
    session.execute(delete(CouncilItemOption).where(col(CouncilItemOption.item_id) == item_id))
    for position, label in enumerate(cleaned, 1):
        session.add(
            CouncilItemOption(
                item_id=item_id, position=position, label=label, created_by=actor_id, created_at=now
            )
        )
    # Holding the write lock now (SQLite): the meeting status read here is the latest.
    if _meeting(session, item.meeting_id).status not in ("draft", "published"):
        session.rollback()
        raise UserError(LOCKED)
    _event(
        session,
        meeting.council_id,
        "options_set",
        actor_id,
        now,
        meeting_id=meeting.id,
        item_id=item_id,
        note=f"{' / '.join(before) or '—'} → {' / '.join(cleaned) or '—'}",
    )
    _commit(session)
    return item_options(session, [item_id])[item_id]
