"""Each grid's support threshold and expiry time: its own rule, else the nearest grid above it
with one, else the defaults. A new rule is a new row; the old ones stay as history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models import Grid
from db.models_wishes import WishGridRule
from db.types import utcnow
from portal.areas import EVERYWHERE, Area
from portal.errors import FieldErrors, Message
from portal.grids import parent_map
from portal.i18n import N_
from portal.wishes.common import DEFAULT_EXPIRE_DAYS, DEFAULT_THRESHOLD, _in_area, _require


@dataclass(frozen=True)
class Rule:
    support_threshold: int
    expire_days: int
    grid_id: int | None  # the grid whose rule applies (None: the defaults)


def _latest_rules(session: Session) -> dict[int, WishGridRule]:
    newest = select(func.max(col(WishGridRule.id))).group_by(col(WishGridRule.grid_id))
    return {
        r.grid_id: r
        for r in session.exec(select(WishGridRule).where(col(WishGridRule.id).in_(newest)))
    }


def _resolve(
    grid_id: int | None, rules: dict[int, WishGridRule], parents: dict[int, int | None]
) -> Rule:
    seen: set[int] = set()
    while grid_id is not None and grid_id not in seen:
        seen.add(grid_id)
        if grid_id in rules:
            r = rules[grid_id]
            return Rule(r.support_threshold, r.expire_days, grid_id)
        grid_id = parents.get(grid_id)
    return Rule(DEFAULT_THRESHOLD, DEFAULT_EXPIRE_DAYS, None)


def rule_for(session: Session, grid_id: int | None) -> Rule:
    """The rule in force for a grid: its own, else the nearest grid above it with one, else defaults."""
    return _resolve(grid_id, _latest_rules(session), parent_map(session))


def set_grid_rule(
    session: Session,
    *,
    grid_id: int,
    support_threshold: int,
    expire_days: int,
    set_by: int,
    now: datetime | None = None,
) -> WishGridRule:
    """A moderator sets a grid's threshold and expiry (a new row; the old one stays as history)."""
    moderator = _require(session, set_by, "wish.moderate")
    errors: dict[str, Message] = {}
    if session.get(Grid, grid_id) is None:
        errors["grid"] = Message(N_("Please choose a grid."))
    else:  # only the grids of one's own area
        _in_area(session, moderator, grid_id, "wish.moderate")
    if not isinstance(support_threshold, int) or not 1 <= support_threshold <= 10000:
        errors["support_threshold"] = Message(
            N_("Use a whole number from {low} to {high}."), {"low": 1, "high": 10000}
        )
    if not isinstance(expire_days, int) or not 1 <= expire_days <= 3650:
        errors["expire_days"] = Message(
            N_("Use a whole number from {low} to {high}."), {"low": 1, "high": 3650}
        )
    if errors:
        raise FieldErrors(errors)
    # Imported here: voting imports promotion, which imports this module.
    from portal.wishes.voting import promote_reached  # noqa: PLC0415

    now = now or utcnow()
    rule = WishGridRule(
        grid_id=grid_id,
        support_threshold=support_threshold,
        expire_days=expire_days,
        set_by=set_by,
        set_at=now,
    )
    session.add(rule)
    session.flush()
    promote_reached(session, grid_id, now)  # a lowered threshold counts at once, not next run
    session.commit()
    return rule


def rules_table(session: Session, area: Area = EVERYWHERE) -> list[tuple[Grid, WishGridRule]]:
    """Grids of the area with a rule of their own (the newest one each)."""
    rules = {g: r for g, r in _latest_rules(session).items() if area.covers(g)}
    grids = {g.id: g for g in session.exec(select(Grid).where(col(Grid.id).in_(list(rules))))}
    return sorted(
        ((grids[gid], rule) for gid, rule in rules.items() if gid in grids),
        key=lambda pair: pair[0].code,
    )
