"""Which grids a cockpit viewer sees, and which row of the by-grid table a grid's figures go to.

Staff and admins see their office's area (portal.areas): a community, whose rows are the general
grids; a street or district, whose rows are its communities side by side (or, chosen, the general
grids of them all); a grid with no general grid
above it (the community grid itself, or an exclusive grid drawn straight under the community) is its
own row, so a community council's decisions show in a row of the community as a whole.

A grid worker sees the grids they have a duty for (grid_duty rows) and every grid below them, and
nothing else. Rows are then the general grids inside that area, and each duty grid below a general
grid (a micro-grid chief's courtyard) is a row of its own, so a micro-grid chief sees one row for
their micro-grid rather than their general grid's row filled with only part of its figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from db.models import GridDuty, User
from db.types import row_id
from portal.areas import area_of, office_above
from portal.grids import GridIndex, subtree
from portal.permissions import role_can, roles_for

OFFICE_ROLES = roles_for("cockpit.everywhere")  # the old name; the rule: permissions


@dataclass(frozen=True)
class Scope:
    roots: tuple[int, ...] = ()  # the viewer's duty grids (minimal: none lies below another)
    grids: frozenset[int] | None = None  # None: the whole deployment
    by_community: bool = False  # rows are the communities (a street's or district's cockpit)

    @property
    def whole(self) -> bool:
        return self.grids is None

    def covers(self, grid_id: int | None) -> bool:
        return self.grids is None or grid_id in self.grids

    def id_list(self) -> list[int]:
        """The grids of the area, for an SQL `IN` (only when not the whole community)."""
        return sorted(self.grids or ())

    def row_of(self, index: GridIndex, grid_id: int | None) -> int | None:
        """The row key (a grid id) the figures of this grid are counted in (cached on the index,
        which is loaded anew when grids change)."""
        rows = index.__dict__.setdefault("_cockpit_rows", {}).setdefault(self.roots, {})
        if grid_id not in rows:
            rows[grid_id] = self._row_of(index, grid_id)
        return rows[grid_id]

    def _row_of(self, index: GridIndex, grid_id: int | None) -> int | None:
        grid = index.grids.get(grid_id) if grid_id is not None else None
        if grid is None:
            return None
        if self.by_community:
            return office_above(index, grid.id, "community") or grid.id
        for g in index.ancestors(grid):
            if g.kind == "general" or (g.id in self.roots and g.kind != "community"):
                return g.id
        return grid.id

    def row_grids(self, index: GridIndex) -> set[int]:
        """Rows shown even when empty: the general grids of the area and the viewer's own grids
        (the communities, when rows are communities)."""
        if self.by_community:
            return {row_id(g) for g in index.of_kind("community") if self.covers(g.id)}
        rows = {row_id(g) for g in index.of_kind("general") if self.covers(g.id)}
        own = {
            self.row_of(index, r)
            for r in self.roots
            if r in index.grids and index.grids[r].kind != "community"
        }
        return rows | {row for row in own if row is not None}


WHOLE = Scope()


def scope_of_roots(index: GridIndex, roots, by_community: bool = False) -> Scope:
    parents = {row_id(g): g.parent_id for g in index.grids.values()}
    roots = {r for r in roots if r in parents}
    minimal = tuple(
        sorted(
            r
            for r in roots
            if not any(r != other and r in subtree(parents, other) for other in roots)
        )
    )
    return Scope(minimal, frozenset(subtree(parents, *minimal)), by_community)


def duty_grids(session: Session, user_id: int) -> list[int]:
    return sorted(
        set(
            session.exec(
                select(col(GridDuty.grid_id)).where(col(GridDuty.user_id) == user_id)
            ).all()
        )
    )


def office_rows_by_community(index: GridIndex, roots) -> bool:
    """A street's or district's cockpit puts its communities side by side."""
    return any(index.grids[r].kind in ("street", "district") for r in roots if r in index.grids)


def scope_for(session: Session, index: GridIndex, *, role: str, user_id: int | None) -> Scope:
    """Staff and admins: their office's area (portal.areas: a community, a street, a district or
    the whole deployment), rows by community above a community; a grid worker: their duty grids
    and below; nothing for anyone else."""
    if role_can(role, "cockpit.everywhere"):
        user = session.get(User, user_id) if user_id is not None else None
        area = area_of(session, user, index)
        if area.whole:
            return WHOLE
        return scope_of_roots(index, area.roots, office_rows_by_community(index, area.roots))
    if not role_can(role, "cockpit.own_grids") or user_id is None:
        return Scope((), frozenset())
    return scope_of_roots(index, duty_grids(session, user_id))


def map_grids(index: GridIndex, scope: Scope, row_keys) -> list:
    """Grids to shade on the map: the rows' grids, without the community as a whole (unless the
    rows are communities)."""
    return [
        index.grids[k]
        for k in row_keys
        if k in index.grids
        and (index.grids[k].kind != "community" or scope.by_community)
        and (scope.whole or k in (scope.grids or ()))
    ]


def area_bounds(index: GridIndex, grid_ids) -> tuple[float, float, float, float]:
    """(south, west, north, east) around the given grids (everything when none has a shape)."""
    shapes = [index.shapes[g] for g in grid_ids if g in index.shapes]
    if not shapes:
        return index.bounds()
    return (
        min(s.bounds[1] for s in shapes),
        min(s.bounds[0] for s in shapes),
        max(s.bounds[3] for s in shapes),
        max(s.bounds[2] for s in shapes),
    )
