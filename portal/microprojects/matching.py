"""The office's matching rule (配捐): per community or street grid, a ratio of the pledged money,
a cap per project and optionally a whole budget. The matched share of a project is

    min(ratio × pledged, cap, budget − the shares already fixed from that budget)

computed from the rows: live while the project collects, fixed (and taken from the budget) when
it reaches its goal, 0 once it is rejected or expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models import Grid
from db.models_microprojects import MicroMatchRule, MicroProject
from db.types import row_id, utcnow
from portal.areas import OFFICE_KINDS, area_of
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.grids import parent_map
from portal.i18n import N_
from portal.microprojects.common import ENDED, FIXED, _allowed, _commit
from portal.microprojects.money import parse_fen

MAX_RATIO = 1000  # percent: at most 10 yuan matched per yuan pledged


@dataclass(frozen=True)
class Match:
    fen: int  # the matched share
    rule: MicroMatchRule | None  # the rule in force (None: no matching here)
    fixed: bool  # fixed when the goal was reached


def _newest(session: Session, grid_ids: list[int]) -> dict[int, MicroMatchRule]:
    if not grid_ids:
        return {}
    newest = (
        select(MicroMatchRule.grid_id, func.max(MicroMatchRule.id).label("id"))
        .where(col(MicroMatchRule.grid_id).in_(grid_ids))
        .group_by(col(MicroMatchRule.grid_id))
        .subquery()
    )
    rows = session.exec(
        select(MicroMatchRule).join(newest, newest.c.id == col(MicroMatchRule.id))
    ).all()
    return {r.grid_id: r for r in rows}


def rule_for(session: Session, grid_id: int, parents: dict | None = None) -> MicroMatchRule | None:
    """The rule in force for a project's grid: the nearest office above it (or itself) that set
    one — the community's own rule first, else its street's, else the district's."""
    parents = parents if parents is not None else parent_map(session)
    chain: list[int] = []
    current: int | None = grid_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    rules = _newest(session, chain)
    return next((rules[g] for g in chain if g in rules), None)


def committed(session: Session, match_grid_id: int, but: int | None = None) -> int:
    """Fen of this office's budget already fixed for projects that reached their goal."""
    query = select(func.coalesce(func.sum(MicroProject.matched_fen), 0)).where(
        col(MicroProject.match_grid_id) == match_grid_id, col(MicroProject.state).in_(FIXED)
    )
    if but is not None:
        query = query.where(col(MicroProject.id) != but)
    return int(session.exec(query).one() or 0)


def share(rule: MicroMatchRule | None, pledged_fen: int, used: int) -> int:
    """min(ratio × pledged, cap, budget left) in whole fen, never below 0."""
    if rule is None or rule.ratio_percent <= 0:
        return 0
    fen = pledged_fen * rule.ratio_percent // 100
    if rule.cap_fen is not None:
        fen = min(fen, rule.cap_fen)
    if rule.budget_fen is not None:
        fen = min(fen, rule.budget_fen - used)
    return max(fen, 0)


def match_of(session: Session, project: MicroProject, parents: dict | None = None) -> Match:
    """The project's matched share now (module docstring)."""
    if project.state in ENDED:
        return Match(0, None, False)
    if project.state in FIXED and project.matched_fen is not None:
        grid = project.match_grid_id
        rule = _newest(session, [grid]).get(grid) if grid is not None else None
        return Match(project.matched_fen, rule, True)
    rule = rule_for(session, project.grid_id, parents)
    used = committed(session, rule.grid_id) if rule is not None else 0
    return Match(share(rule, project.pledged_fen, used), rule, False)


def set_rule(
    session: Session,
    *,
    actor_id: int,
    grid_id: int | None,
    ratio_percent: object,
    cap: object = "",
    budget: object = "",
    now: datetime | None = None,
) -> MicroMatchRule:
    """The office sets the matching rule of its community or street (a new row; the newest is in
    force). cap and budget are yuan as typed, empty for none."""
    now = now or utcnow()
    actor = active_user(session, actor_id)
    grid = session.get(Grid, grid_id) if grid_id else None
    errors: dict[str, Message] = {}
    if grid is None or grid.kind not in OFFICE_KINDS:
        errors["grid"] = Message(N_("Please choose the community or street office's grid."))
    ratio = ratio_percent if isinstance(ratio_percent, int) else None
    if isinstance(ratio_percent, str) and ratio_percent.strip().isdigit():
        ratio = int(ratio_percent.strip())
    if ratio is None or isinstance(ratio_percent, bool) or not 0 <= ratio <= MAX_RATIO:
        errors["ratio"] = Message(
            N_("Write the matching as a whole percentage from 0 to {most}."), {"most": MAX_RATIO}
        )
    cap_fen, why = parse_fen(cap, allow_zero=True) if str(cap).strip() else (None, None)
    if why:
        errors["cap"] = why
    budget_fen, why = parse_fen(budget, allow_zero=True) if str(budget).strip() else (None, None)
    if why:
        errors["budget"] = why
    if errors or grid is None or ratio is None:
        raise FieldErrors(errors)
    _allowed(session, actor, "microproject.manage", grid.id)
    if not area_of(session, actor).whole and grid.id not in area_of(session, actor).roots:
        # staff set the rule of their own office (a street's staff: the street, not a community)
        raise UserError(N_("You can set the matching rule of your own office only."), field="grid")
    rule = MicroMatchRule(
        grid_id=row_id(grid),
        ratio_percent=ratio,
        cap_fen=cap_fen,
        budget_fen=budget_fen,
        set_by=actor.id,
        set_at=now,
    )
    session.add(rule)
    _commit(session)
    session.refresh(rule)
    return rule


def office_rules(session: Session, actor_id: int) -> list[tuple[Grid, MicroMatchRule | None, int]]:
    """The office grids whose rule this person sets (their own office), each with the rule in
    force and the fen of its budget already fixed."""
    actor = active_user(session, actor_id)
    area = area_of(session, actor)
    query = select(Grid).where(col(Grid.kind).in_(OFFICE_KINDS)).order_by(col(Grid.code))
    if not area.whole:
        query = query.where(col(Grid.id).in_(area.roots))
    grids = list(session.exec(query).all())
    rules = _newest(session, [row_id(g) for g in grids])
    return [(g, rules.get(row_id(g)), committed(session, row_id(g))) for g in grids]
