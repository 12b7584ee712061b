"""Rewards and redemptions: the catalogue and its stock, redeeming points for a code, cancelling
(points refunded), merchants looking a code up and handing the reward over.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_points import (
    Redemption,
    RedemptionEvent,
    Reward,
    RewardStockChange,
)
from db.types import row_id, rowcount
from portal.areas import EVERYWHERE, Area, area_of
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_
from portal.notifications import notify
from portal.permissions import OUTSIDE_AREA, On, can, roles_for
from portal.points.common import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_COST,
    NOT_ENOUGH,
    REFUSED_ROLE,
    _append,
    _int,
    _lock_member,
    _now,
    _text,
)
from portal.points.ledger import balance

if TYPE_CHECKING:
    from portal.media_store import MediaStore


def _available(now: datetime):
    return and_(
        col(Reward.active),
        col(Reward.available_from) <= now,
        or_(col(Reward.available_until).is_(None), col(Reward.available_until) > now),
    )


@dataclass(frozen=True)
class RewardCard:
    reward: Reward
    provider_name: str  # the merchant's name, or "" for the community office


def _outside(session: Session, actor: User, reward: Reward | None) -> bool:
    """The reward belongs to another community's (or a street's, district's) catalogue."""
    return reward is not None and not area_of(session, actor).covers(reward.grid_id)


def _manager(session: Session, actor: User, reward: Reward | None = None) -> None:
    allowed = can(actor, "points.manage", On(outside=_outside(session, actor, reward)))
    if not allowed:
        raise UserError(OUTSIDE_AREA if allowed.reason == OUTSIDE_AREA else REFUSED_ROLE)


def rewards_for(
    session: Session,
    *,
    now: datetime | None = None,
    include_inactive: bool = False,
    area: Area = EVERYWHERE,
    managed: bool = False,
) -> list[RewardCard]:
    """The catalogue for an area: the rewards whose grid reaches it (its community's, its
    street's and district's, the deployment's); `managed`: only those inside it (staff)."""
    now = _now(now)
    query = select(Reward)
    if not area.whole and managed:
        query = query.where(col(Reward.grid_id).in_(area.grid_list() or [-1]))
    elif not area.whole:
        query = query.where(
            or_(col(Reward.grid_id).is_(None), col(Reward.grid_id).in_(area.reach_list() or [-1]))
        )
    if not include_inactive:
        query = query.where(_available(now))
    found = session.exec(query.order_by(col(Reward.cost), col(Reward.id))).all()
    merchants = (
        {
            m.id: m.display_name
            for m in session.exec(
                select(User).where(
                    col(User.id).in_([r.merchant_id for r in found if r.merchant_id])
                )
            )
        }
        if found
        else {}
    )
    return [RewardCard(r, merchants.get(r.merchant_id, "")) for r in found]


def save_reward(
    session: Session,
    *,
    actor_id: int,
    name: str,
    cost: object,
    description: str = "",
    stock: object = 0,
    provider: str = "office",
    merchant_id: int | None = None,
    available_from: datetime | None = None,
    available_until: datetime | None = None,
    active: bool = True,
    reward_id: int | None = None,
    picture: bytes | None = None,
    media_root: Path | MediaStore | None = None,
    now: datetime | None = None,
) -> Reward:
    """Add a reward to the catalogue or change one (stock changes go through change_stock)."""
    now = _now(now)
    actor = active_user(session, actor_id)
    _manager(session, actor, session.get(Reward, reward_id) if reward_id is not None else None)
    errors: dict[str, Message] = {}
    label = _text(name, 81)
    if len(label) < 2:
        errors["name"] = Message(N_("Please give the reward a name."))
    elif len(label) > 80:
        errors["name"] = Message(N_("Use at most {n} characters."), {"n": 80})
    price = _int(cost)
    if price is None or not 1 <= price <= MAX_COST:
        errors["cost"] = Message(
            N_("Points must be a whole number from {least} to {most}."),
            {"least": 1, "most": MAX_COST},
        )
    units = _int(stock) if reward_id is None else 0
    if units is None or not 0 <= units <= 100_000:
        errors["stock"] = Message(
            N_("Stock must be a whole number from {least} to {most}."),
            {"least": 0, "most": 100_000},
        )
    if provider not in ("office", "merchant"):
        errors["provider"] = Message(N_("Please choose who hands the reward out."))
    elif provider == "merchant":
        merchant = session.get(User, merchant_id) if merchant_id else None
        if not can(merchant, "reward.supply"):
            errors["merchant"] = Message(N_("Please choose the merchant who hands it out."))
    start = available_from or now
    if available_until is not None and available_until <= start:
        errors["period"] = Message(N_("The end must be after the start."))
    stored = None
    if picture:
        from portal.media import check_photo, store_for

        try:
            checked = check_photo(picture)
        except UserError as exc:
            errors["picture"] = exc.message
        else:
            if media_root is not None:
                stored = store_for(media_root).save_photo(checked)[0]
    if errors or price is None or units is None:
        raise FieldErrors(errors)
    reward: Reward | None
    if reward_id is None:
        reward = Reward(
            name=label,
            cost=price,
            stock=units,
            created_by=actor.id,
            created_at=now,
            grid_id=actor.home_grid_id,  # the creator's office grid: whose catalogue it is
        )
    else:
        reward = session.get(Reward, reward_id)
        if reward is None:
            raise UserError(N_("This reward no longer exists."))
    reward.name, reward.description, reward.cost = label, _text(description, 1000), price
    reward.provider = provider
    reward.merchant_id = merchant_id if provider == "merchant" else None
    reward.available_from, reward.available_until, reward.active = start, available_until, active
    if stored:
        reward.picture = stored
    session.add(reward)
    session.flush()
    if reward_id is None and units:
        session.add(
            RewardStockChange(
                reward_id=row_id(reward),
                delta=units,
                reason="initial stock",
                actor_id=actor.id,
                at=now,
            )
        )
    session.commit()
    return reward


def change_stock(
    session: Session,
    *,
    actor_id: int,
    reward_id: int,
    delta: object,
    reason: str,
    now: datetime | None = None,
) -> Reward:
    """Add (or take away) units; stock never goes below zero."""
    now = _now(now)
    actor = active_user(session, actor_id)
    _manager(session, actor, session.get(Reward, reward_id))
    value = _int(delta)
    if value is None or value == 0 or abs(value) > 100_000:
        raise UserError(N_("Enter a whole number other than 0."), field="delta")
    note = _text(reason, 200)
    if len(note) < 2:
        raise UserError(N_("Please write a reason."), field="reason")
    done = session.execute(
        update(Reward)
        .where(col(Reward.id) == reward_id, col(Reward.stock) + value >= 0)
        .values(stock=Reward.stock + value)
    )
    if rowcount(done) != 1:
        session.rollback()
        raise UserError(N_("There are not that many units in stock."), field="delta")
    session.add(
        RewardStockChange(reward_id=reward_id, delta=value, reason=note, actor_id=actor.id, at=now)
    )
    session.commit()
    return session.get_one(Reward, reward_id)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "").upper()[:12]


def redeem(
    session: Session, *, user_id: int, reward_id: int, now: datetime | None = None
) -> Redemption:
    """Take the points and one unit of stock in one transaction; return the redemption and code."""
    now = _now(now)
    user = active_user(session, user_id)
    wanted = session.get(Reward, reward_id)
    reached = wanted is None or area_of(session, user).reaches(wanted.grid_id)
    allowed = can(user, "reward.redeem", On(outside=not reached))  # another community's reward
    if not allowed:
        raise UserError(allowed.reason or REFUSED_ROLE)
    _lock_member(session, row_id(user), now)  # first write: serialises this person's ledger
    taken = session.execute(
        update(Reward)
        .where(col(Reward.id) == reward_id, col(Reward.stock) > 0, _available(now))
        .values(stock=Reward.stock - 1)
    )
    if rowcount(taken) != 1:
        session.rollback()
        reward = session.get(Reward, reward_id)
        if reward is None:
            raise UserError(N_("This reward no longer exists."))
        if reward.stock <= 0:
            raise UserError(N_("This reward is out of stock."))
        raise UserError(N_("This reward is not available now."))
    reward = session.exec(
        select(Reward).where(Reward.id == reward_id).execution_options(populate_existing=True)
    ).one()
    have = balance(session, row_id(user))
    if have < reward.cost:
        session.rollback()
        raise UserError(NOT_ENOUGH, cost=reward.cost, balance=have)
    for _attempt in range(5):
        try:
            with session.begin_nested():
                redemption = Redemption(
                    code=new_code(),
                    reward_id=row_id(reward),
                    user_id=row_id(user),
                    cost=reward.cost,
                    status="pending",
                    created_at=now,
                )
                session.add(redemption)
                session.flush()
            break
        except IntegrityError:  # the code happened to exist: draw another
            continue
    else:  # pragma: no cover - 32^6 codes
        session.rollback()
        raise UserError(N_("Please try again."))
    session.add(
        RedemptionEvent(
            redemption_id=row_id(redemption), to_status="pending", actor_id=user.id, at=now
        )
    )
    _append(
        session,
        user=user,
        amount=-reward.cost,
        source="reward",
        source_id=str(redemption.id),
        reason=reward.name,
        actor_id=user.id,
        now=now,
    )
    notify(
        session,
        [user.id],
        "redemption",
        {"title": reward.name, "state": "ready", "code": redemption.code},
        "points",
        now=now,
    )
    session.commit()
    return redemption


def cancel_redemption(
    session: Session,
    *,
    actor_id: int,
    redemption_id: int,
    reason: str = "",
    now: datetime | None = None,
) -> Redemption:
    """Cancel a code not yet handed over: the unit goes back to stock, the points come back."""
    now = _now(now)
    actor = active_user(session, actor_id)
    redemption = session.get(Redemption, redemption_id)
    if redemption is None or not can(
        actor, "redemption.cancel", On(own=redemption.user_id == actor.id)
    ):
        raise UserError(N_("This code could not be found."))
    owner = active_user(session, redemption.user_id)
    _lock_member(session, row_id(owner), now)
    done = session.execute(
        update(Redemption)
        .where(col(Redemption.id) == redemption_id, col(Redemption.status) == "pending")
        .values(status="cancelled", closed_at=now, closed_by=actor.id)
    )
    if rowcount(done) != 1:
        session.rollback()
        raise UserError(N_("This code was already handed over or cancelled."))
    session.execute(
        update(Reward).where(col(Reward.id) == redemption.reward_id).values(stock=Reward.stock + 1)
    )
    note = _text(reason, 200) or None
    session.add(
        RedemptionEvent(
            redemption_id=redemption_id,
            from_status="pending",
            to_status="cancelled",
            actor_id=actor.id,
            note=note,
            at=now,
        )
    )
    reward = session.get_one(Reward, redemption.reward_id)
    _append(
        session,
        user=owner,
        amount=redemption.cost,
        source="refund",
        source_id=str(redemption.id),
        reason=reward.name,
        actor_id=actor.id,
        now=now,
    )
    session.commit()
    session.refresh(redemption)
    return redemption


@dataclass(frozen=True)
class CodeView:
    redemption: Redemption
    reward: Reward
    person: str


def _may_hand_over(session: Session, actor: User, reward: Reward) -> bool:
    """The reward's merchant, or the office of the area the reward belongs to."""
    outside = actor.role != "merchant" and _outside(session, actor, reward)
    on = On(own=reward.merchant_id == actor.id, outside=outside)
    return bool(can(actor, "reward.hand_over", on))


def look_up_code(session: Session, *, actor_id: int, code: str) -> CodeView:
    actor = active_user(session, actor_id)
    key = normalise_code(code)
    if not key:
        raise UserError(N_("Please type the code."), field="code")
    redemption = session.exec(select(Redemption).where(Redemption.code == key)).first()
    reward = session.get(Reward, redemption.reward_id) if redemption else None
    if redemption is None or reward is None or not _may_hand_over(session, actor, reward):
        raise UserError(
            N_("No reward of yours has this code. Please check the code."), field="code"
        )
    person = session.get(User, redemption.user_id)
    return CodeView(redemption, reward, person.display_name if person else "")


def hand_over(
    session: Session, *, actor_id: int, code: str, now: datetime | None = None
) -> CodeView:
    """Mark a code as handed over; a second time is refused."""
    now = _now(now)
    view = look_up_code(session, actor_id=actor_id, code=code)
    done = session.execute(
        update(Redemption)
        .where(col(Redemption.id) == view.redemption.id, col(Redemption.status) == "pending")
        .values(status="handed_over", closed_at=now, closed_by=actor_id)
    )
    if rowcount(done) != 1:
        session.rollback()
        current = session.exec(
            select(Redemption)
            .where(Redemption.id == view.redemption.id)
            .execution_options(populate_existing=True)
        ).one()
        if current.status == "handed_over":
            raise UserError(N_("This code was already handed over."), field="code")
        raise UserError(N_("This code was cancelled; the points went back."), field="code")
    session.add(
        RedemptionEvent(
            redemption_id=row_id(view.redemption),
            from_status="pending",
            to_status="handed_over",
            actor_id=actor_id,
            at=now,
        )
    )
    notify(
        session,
        [view.redemption.user_id],
        "redemption",
        {"title": view.reward.name, "state": "handed over", "code": view.redemption.code},
        "points",
        now=now,
    )
    session.commit()
    session.refresh(view.redemption)
    return view


@dataclass(frozen=True)
class MyRedemption:
    redemption: Redemption
    reward: Reward
    provider_name: str


def my_redemptions(session: Session, *, user_id: int, limit: int = 30) -> list[MyRedemption]:
    rows = session.exec(
        select(Redemption, Reward)
        .join(Reward, col(Reward.id) == Redemption.reward_id)
        .where(Redemption.user_id == user_id)
        .order_by(col(Redemption.created_at).desc(), col(Redemption.id).desc())
        .limit(limit)
    ).all()
    names = (
        {
            u.id: u.display_name
            for u in session.exec(
                select(User).where(
                    col(User.id).in_([r.merchant_id for _x, r in rows if r.merchant_id])
                )
            )
        }
        if rows
        else {}
    )
    return [MyRedemption(x, r, names.get(r.merchant_id, "")) for x, r in rows]


def codes_waiting(session: Session, *, actor_id: int, limit: int = 100) -> list[CodeView]:
    """Codes not yet handed over for rewards this person hands out (all of them for staff)."""
    actor = active_user(session, actor_id)
    query = (
        select(Redemption, Reward, User)
        .join(Reward, col(Reward.id) == Redemption.reward_id)
        .join(User, col(User.id) == Redemption.user_id)
        .where(Redemption.status == "pending")
    )
    if not can(actor, "reward.codes"):
        return []
    if not can(actor, "points.manage"):  # a merchant sees the codes for their own rewards
        query = query.where(Reward.merchant_id == actor.id)
    else:  # the office: the rewards of its area
        area = area_of(session, actor)
        if not area.whole:
            query = query.where(col(Reward.grid_id).in_(area.grid_list() or [-1]))
    rows = session.exec(query.order_by(col(Redemption.created_at)).limit(limit)).all()
    return [CodeView(x, r, u.display_name) for x, r, u in rows]


def merchants(session: Session) -> list[tuple[int, str]]:
    """(id, name) of the merchants of the alliance, for choosing who hands a reward out."""
    return [
        (uid, name)
        for uid, name in session.exec(
            select(User.id, User.display_name)
            .where(col(User.role).in_(roles_for("reward.supply")), User.is_active)
            .order_by(User.display_name, col(User.id))
        ).all()
        if uid is not None
    ]


def set_reward_active(session: Session, *, actor_id: int, reward_id: int, active: bool) -> Reward:
    """Stop offering a reward (codes already given stay valid) or offer it again."""
    actor = active_user(session, actor_id)
    reward = session.get(Reward, reward_id)
    _manager(session, actor, reward)
    if reward is None:
        raise UserError(N_("This reward no longer exists."))
    reward.active = bool(active)
    session.add(reward)
    session.commit()
    return reward
