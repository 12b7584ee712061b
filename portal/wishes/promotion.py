"""Promotion to the council: a public wish that reaches its grid's threshold becomes a council
candidate; the council's decision closes it (`decide`, called by portal.council)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from db.models_wishes import Wish, WishEvent, WishPromotion
from db.types import row_id, rowcount, utcnow
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_
from portal.text import clean_text
from portal.wishes import notices
from portal.wishes.common import BODY_MAX, CHANGED, _commit, _locked_wish, _move, _too_long
from portal.wishes.grid_rules import Rule, rule_for


def _maybe_promote(
    session: Session, wish: Wish, count: int, now: datetime, rule: Rule | None = None
) -> bool:
    """Public wishes that reach their grid's threshold become council candidates (personal needs
    are for neighbours to adopt, not for the council)."""
    if wish.personal:
        return False
    rule = rule or rule_for(session, wish.grid_id)
    if count < rule.support_threshold:
        return False
    result = session.execute(
        update(Wish)
        .where(col(Wish.id) == wish.id, col(Wish.state) == "open")
        .values(state="promoted", state_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return False
    session.add(
        WishPromotion(
            wish_id=row_id(wish),
            promoted_at=now,
            threshold=rule.support_threshold,
            support=count,
            status="candidate",
        )
    )
    session.add(
        WishEvent(
            wish_id=row_id(wish),
            kind="promoted",
            from_state="open",
            to_state="promoted",
            note=None,
            at=now,
        )
    )
    notices.state_changed(session, wish, "promoted", now)
    return True


def candidates(session: Session) -> list[tuple[WishPromotion, Wish]]:
    """Promoted wishes waiting for the council (oldest first): what the council module reads."""
    return list(
        session.exec(
            select(WishPromotion, Wish)
            .join(Wish, col(Wish.id) == col(WishPromotion.wish_id))
            .where(col(WishPromotion.status) == "candidate", col(Wish.state) == "promoted")
            .order_by(col(WishPromotion.promoted_at), col(WishPromotion.id))
        ).all()
    )


def decide(
    session: Session, *, wish_id: int, decision: str, decided_by: int, now: datetime | None = None
) -> WishPromotion:
    """The council's decision on a promoted wish: promotion candidate → decided, wish → decided."""
    now = now or utcnow()
    active_user(session, decided_by)
    decision = clean_text(decision)
    if not decision:
        raise FieldErrors({"decision": Message(N_("Please write what the council decided."))})
    if len(decision) > BODY_MAX:
        raise FieldErrors({"decision": _too_long(decision, BODY_MAX)})
    wish = _locked_wish(session, wish_id)
    if wish.state != "promoted":
        session.rollback()
        raise UserError(N_("Only a wish sent to the council can be decided."))
    result = session.execute(
        update(WishPromotion)
        .where(col(WishPromotion.wish_id) == wish_id, col(WishPromotion.status) == "candidate")
        .values(status="decided", decided_at=now, decided_by=decided_by, decision=decision)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(CHANGED)
    _move(
        session,
        wish,
        to_state="decided",
        actor_id=decided_by,
        kind="decided",
        now=now,
        note=decision,
    )
    _commit(session)
    return session.exec(select(WishPromotion).where(col(WishPromotion.wish_id) == wish_id)).one()
