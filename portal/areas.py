"""Whose data is whose: the communities of one deployment, and the area each person sees.

One deployment serves a district: district → street → community → general grid → micro-grid
(exclusive grids under a community or a general grid). Every object belongs to a grid (a report,
a wish, a council, a device, a task through its grids, a notice or a reward through its office
grid), so "whose" is always "which subtree".

- A person's **area** is where they see and act. Staff and admins: their office grid
  (`User.home_grid_id`, a community, street or district) and everything below it; a handler: the
  grid of their department; a grid worker: the communities of their duty grids; a resident or
  merchant: the community of their home grid. No grid at all: the whole deployment (a
  one-community deployment set up before communities existed keeps working unchanged).
- What a person **reads** also includes what their street and district publish for everyone below
  them (notices, rewards): `Area.reaches`.

Acting on something outside one's area is refused by portal.permissions (`On.outside`); lists
filter by `Area.grid_list()` in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from db.models import Department, Grid, GridDuty, User
from portal.errors import UserError
from portal.grids import GridIndex, subtree
from portal.permissions import OUTSIDE_AREA

OFFICE_KINDS = ("district", "street", "community")  # grids an office (staff, department) serves


@dataclass(frozen=True)
class Area:
    roots: tuple[int, ...] = ()  # the office or community grids; () with grids None: everywhere
    grids: frozenset[int] | None = None  # the roots and everything below; None: the deployment
    above: frozenset[int] = frozenset()  # the streets and districts above the roots

    @property
    def whole(self) -> bool:
        return self.grids is None

    def covers(self, grid_id: int | None) -> bool:
        """The grid lies inside the area (what one may list and act on). A thing with no grid
        belongs to the whole deployment: only a whole-deployment area covers it."""
        if self.grids is None:
            return True
        return grid_id is not None and grid_id in self.grids

    def reaches(self, grid_id: int | None) -> bool:
        """Published for this area: inside it, by an office above it, or deployment-wide."""
        return grid_id is None or self.covers(grid_id) or grid_id in self.above

    def grid_list(self) -> list[int]:
        """The area's grids, for an SQL `IN` (only when not the whole deployment)."""
        return sorted(self.grids or ())

    def reach_list(self) -> list[int]:
        """The grids whose deployment-wide publications reach the area (SQL `IN`; add NULL)."""
        return sorted((self.grids or frozenset()) | self.above)


EVERYWHERE = Area()


def require_inside(area: Area, grid_id: int | None) -> None:
    """Refuse (in the person's language) acting on something of another community."""
    if not area.covers(grid_id):
        raise UserError(OUTSIDE_AREA)


def parents_of(session: Session) -> dict[int, int | None]:
    rows = session.exec(select(col(Grid.id), col(Grid.parent_id))).all()
    return {gid: parent for gid, parent in rows if gid is not None}


def parents_from(index: GridIndex) -> dict[int, int | None]:
    cached = index.__dict__.get("_parents")
    if cached is None:
        cached = {gid: g.parent_id for gid, g in index.grids.items()}
        index.__dict__["_parents"] = cached
    return cached


def area_of_roots(parents: dict[int, int | None], roots) -> Area:
    roots = tuple(sorted({r for r in roots if r in parents}))
    if not roots:
        return EVERYWHERE
    above: set[int] = set()
    for root in roots:
        parent = parents.get(root)
        while parent is not None and parent not in above:
            above.add(parent)
            parent = parents.get(parent)
    grids = frozenset(subtree(parents, *roots))
    return Area(roots=roots, grids=grids, above=frozenset(above - grids))


def community_of(parents: dict[int, int | None], kinds: dict[int, str], grid_id: int | None):
    """The community grid above (or at) a grid, None when it lies in no community."""
    seen: set[int] = set()
    while grid_id is not None and grid_id not in seen:
        if kinds.get(grid_id) == "community":
            return grid_id
        seen.add(grid_id)
        grid_id = parents.get(grid_id)
    return None


def office_above(index: GridIndex, grid_id: int | None, kind: str) -> int | None:
    """The grid of `kind` (community, street, district) above a grid, or None."""
    grid = index.grids.get(grid_id) if grid_id is not None else None
    if grid is None:
        return None
    return next((g.id for g in index.ancestors(grid) if g.kind == kind), None)


def _kinds(session: Session) -> dict[int, str]:
    rows = session.exec(select(col(Grid.id), col(Grid.kind))).all()
    return {gid: kind for gid, kind in rows if gid is not None}


def _roots_of(session: Session, user, kinds: dict[int, str], parents) -> list[int]:
    role = getattr(user, "role", None)
    if role in ("staff", "admin"):
        return [user.home_grid_id] if user.home_grid_id else []
    if role == "handler":
        if user.department_id is None:
            return []
        department = session.get(Department, user.department_id)
        return [department.grid_id] if department and department.grid_id else []
    if role == "grid_worker":
        duty_grids = session.exec(
            select(col(GridDuty.grid_id)).where(col(GridDuty.user_id) == user.id)
        ).all()
        found = {community_of(parents, kinds, g) for g in duty_grids}
        # a duty on a street or district grid (a street's grid team): that whole office
        found |= {g for g in duty_grids if kinds.get(g) in ("street", "district")}
        return [g for g in found if g is not None]
    community = community_of(parents, kinds, getattr(user, "home_grid_id", None))
    return [community] if community is not None else []


def area_of(session: Session, user: User | None, index: GridIndex | None = None) -> Area:
    """The area a person sees and acts in (module docstring). Nobody logged in: everywhere
    (public pages show only what portal.reports.visibility makes public)."""
    if user is None:
        return EVERYWHERE
    if index is not None:
        parents = parents_from(index)
        kinds = {gid: g.kind for gid, g in index.grids.items()}
    else:
        parents, kinds = parents_of(session), _kinds(session)
    if len([k for k in kinds.values() if k == "community"]) <= 1 and not any(
        k in ("street", "district") for k in kinds.values()
    ):
        return EVERYWHERE  # one community: its area is everything (no filter to pay for)
    return area_of_roots(parents, _roots_of(session, user, kinds, parents))


def communities_in(index: GridIndex, area: Area) -> list[Grid]:
    """The communities inside an area, by code."""
    return [g for g in index.of_kind("community") if area.covers(g.id)]


def department_for(session: Session, index: GridIndex, grid_id: int | None, department):
    """The department of `department`'s service that serves this grid: the one whose office grid
    is the nearest above it (a street's own 城管 for a report of that street), else `department`
    itself (deployment-wide, or no closer one of that service exists)."""
    if department is None:
        return None
    grid = index.grids.get(grid_id) if grid_id is not None else None
    if grid is None:
        return department
    chain = [g.id for g in index.ancestors(grid)]
    service = department.service or department.code
    candidates = session.exec(
        select(Department).where(
            col(Department.service) == service, col(Department.grid_id).in_(chain)
        )
    ).all()
    if not candidates:
        return department
    return min(candidates, key=lambda d: chain.index(d.grid_id))
