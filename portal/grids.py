"""The 3+1 grid tree: which grid a point lies in, and who answers for it up to the community."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from sqlmodel import Session, col, func, select

from db.models import Grid, GridDuty, User
from db.types import row_id
from portal.i18n import N_

KIND_ORDER = ("district", "street", "community", "general", "micro", "exclusive")
KIND_LABELS = {
    "district": N_("District"),
    "street": N_("Street"),
    "community": N_("Community grid"),
    "general": N_("General grid"),
    "micro": N_("Micro-grid"),
    "exclusive": N_("Exclusive grid"),
}
DUTY_LABELS = {
    "chief": N_("Grid chief"),
    "micro_chief": N_("Micro-grid chief"),
    "full_time": N_("Full-time grid worker"),
    "part_time": N_("Part-time grid worker"),
    "instructor": N_("Grid instructor"),
    "cadre": N_("Cadre sent down"),
    "activist": N_("Resident activist"),
    "responsible": N_("Person responsible"),
    "secretary": N_("Community secretary"),
}
# Who is asked first when work arrives in a grid.
LEAD_DUTIES = ("micro_chief", "responsible", "chief", "secretary")
PLACE_LABELS = {
    "market": N_("Market"),
    "mall": N_("Shopping centre"),
    "school": N_("School"),
    "hospital": N_("Hospital"),
    "park": N_("Park"),
    "station": N_("Transport hub"),
}
OUTSIDE = N_("This place is outside the community's grids.")


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    duty: str
    phone: str | None


@dataclass(frozen=True)
class Level:
    grid: Grid
    people: tuple[Person, ...]


@dataclass(frozen=True)
class Placement:
    """Answer to "where is this point": the chain from the most specific grid up to the community."""

    lat: float
    lon: float
    chain: tuple[Level, ...] = ()
    message: str | None = None  # message id when the point is not inside any grid

    @property
    def inside(self) -> bool:
        return bool(self.chain)

    @property
    def grid(self) -> Grid | None:
        return self.chain[0].grid if self.chain else None

    def grid_id(self) -> int:
        """The most specific grid's id, for a place already checked to be inside."""
        if not self.chain:
            raise ValueError("the place lies outside every grid")
        return row_id(self.chain[0].grid)

    def lead(self) -> Person | None:
        """The first responsible person found walking up from the most specific grid."""
        for level in self.chain:
            for duty in LEAD_DUTIES:
                for person in level.people:
                    if person.duty == duty:
                        return person
        return None


@dataclass
class GridIndex:
    """All grids with their shapes, for point lookups without touching the database."""

    grids: dict[int, Grid]
    shapes: dict[int, BaseGeometry]
    _ids: list[int] = field(default_factory=list)
    _tree: STRtree | None = None

    @classmethod
    def load(cls, session: Session) -> GridIndex:
        grids = {row_id(g): g for g in session.exec(select(Grid))}
        session.expunge_all()
        shapes = {gid: shape(json.loads(g.boundary)) for gid, g in grids.items()}
        index = cls(grids=grids, shapes=shapes, _ids=list(shapes))
        index._tree = STRtree([shapes[i] for i in index._ids]) if shapes else None
        return index

    def containing(self, lat: float, lon: float) -> list[Grid]:
        """Grids holding the point, most specific (smallest) first."""
        if self._tree is None:
            return []
        point = Point(lon, lat)
        hits = [self._ids[i] for i in self._tree.query(point, predicate="intersects")]
        return sorted((self.grids[i] for i in hits), key=lambda g: self.shapes[g.id].area)

    def ancestors(self, grid: Grid) -> list[Grid]:
        chain = [grid]
        seen = {grid.id}
        while chain[-1].parent_id and chain[-1].parent_id not in seen:
            parent = self.grids.get(chain[-1].parent_id)
            if parent is None:
                break
            seen.add(parent.id)
            chain.append(parent)
        return chain

    def children(self, grid_id: int | None) -> list[Grid]:
        return sorted(
            (g for g in self.grids.values() if g.parent_id == grid_id), key=lambda g: g.code
        )

    def of_kind(self, kind: str) -> list[Grid]:
        return sorted((g for g in self.grids.values() if g.kind == kind), key=lambda g: g.code)

    def bounds(self) -> tuple[float, float, float, float]:
        """(south, west, north, east) of everything."""
        minx = min(s.bounds[0] for s in self.shapes.values())
        miny = min(s.bounds[1] for s in self.shapes.values())
        maxx = max(s.bounds[2] for s in self.shapes.values())
        maxy = max(s.bounds[3] for s in self.shapes.values())
        return miny, minx, maxy, maxx


def parent_map(session: Session) -> dict[int, int | None]:
    """grid id → parent id, for walking the tree without loading shapes."""
    rows = session.exec(select(col(Grid.id), col(Grid.parent_id))).all()
    return {grid_id: parent_id for grid_id, parent_id in rows if grid_id is not None}


def subtree(parents: dict[int, int | None], *roots: int) -> set[int]:
    """The given grids and every grid below them."""
    children: dict[int | None, list[int]] = {}
    for gid, parent in parents.items():
        children.setdefault(parent, []).append(gid)
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _valid_coordinates(lat: object, lon: object) -> bool:
    try:
        lat_f, lon_f = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return -90 <= lat_f <= 90 and -180 <= lon_f <= 180


def people_by_grid(session: Session, grid_ids: list[int]) -> dict[int, tuple[Person, ...]]:
    if not grid_ids:
        return {}
    rows = session.exec(
        select(GridDuty, User)
        .join(User, col(User.id) == col(GridDuty.user_id))
        .where(col(GridDuty.grid_id).in_(grid_ids), col(User.is_active))
        .order_by(col(GridDuty.id))
    ).all()
    found: dict[int, list[Person]] = {gid: [] for gid in grid_ids}
    for duty, user in rows:
        found[duty.grid_id].append(Person(row_id(user), user.display_name, duty.duty, user.phone))
    return {gid: tuple(people) for gid, people in found.items()}


def chain_for(
    session: Session, index: GridIndex, grid: Grid, lat: float = 0.0, lon: float = 0.0
) -> Placement:
    grids = index.ancestors(grid)
    people = people_by_grid(session, [g.id for g in grids])
    return Placement(lat, lon, tuple(Level(g, people.get(row_id(g), ())) for g in grids))


def locate(session: Session, index: GridIndex, lat: object, lon: object) -> Placement:
    """The most specific grid holding the point and the chain of responsibility above it."""
    if not _valid_coordinates(lat, lon):
        return Placement(0.0, 0.0, (), N_("This is not a valid place on the map."))
    lat_f, lon_f = float(lat), float(lon)  # type: ignore[arg-type]
    hits = index.containing(lat_f, lon_f)
    if not hits:
        return Placement(lat_f, lon_f, (), OUTSIDE)
    return chain_for(session, index, hits[0], lat_f, lon_f)


@dataclass(frozen=True)
class GeneralGridCounts:
    grid: Grid
    micro_grids: int
    exclusive_grids: int
    households: int
    residents: int
    merchants: int
    elderly: int
    own_language: int  # residents whose chosen language is Tibetan, Uyghur or Yi
    duty_holders: int


def counts_by_general_grid(
    session: Session, index: GridIndex, this_year: int, only: Collection[int] | None = None
) -> list[GeneralGridCounts]:
    """Per general grid: sub-grids, households and registered people living there; `only`: the
    general grids among these (a viewer's area, portal.areas), None: all of the deployment."""
    general_of: dict[int, int] = {}
    subs_of: dict[int, list[Grid]] = {}
    for grid in index.grids.values():
        for ancestor in index.ancestors(grid):
            if ancestor.kind == "general" and (only is None or ancestor.id in only):
                general_of[row_id(grid)] = row_id(ancestor)
                if grid.id != ancestor.id:
                    subs_of.setdefault(row_id(ancestor), []).append(grid)
    query = select(
        col(User.home_grid_id), col(User.role), col(User.birth_year), col(User.language)
    ).where(col(User.is_active), col(User.home_grid_id).is_not(None))
    if only is not None:
        query = query.where(col(User.home_grid_id).in_(sorted(general_of)))
    people = session.exec(query).all()
    residents, merchants, elderly, own_language = Counter(), Counter(), Counter(), Counter()
    for grid_id, role, birth_year, lang in people:
        general_id = general_of.get(grid_id) if grid_id is not None else None
        if general_id is None:
            continue
        if role == "resident":
            residents[general_id] += 1
            if birth_year and this_year - birth_year >= 60:
                elderly[general_id] += 1
            if lang in ("bo", "ug", "ii"):
                own_language[general_id] += 1
        elif role == "merchant":
            merchants[general_id] += 1
    duty_rows = session.exec(
        select(col(GridDuty.grid_id), func.count(func.distinct(col(GridDuty.user_id)))).group_by(
            col(GridDuty.grid_id)
        )
    ).all()
    duties = Counter()
    for grid_id, n in duty_rows:
        if grid_id in general_of:
            duties[general_of[grid_id]] += n
    result = []
    for general in index.of_kind("general"):
        if only is not None and general.id not in only:
            continue
        subs = subs_of.get(row_id(general), [])
        result.append(
            GeneralGridCounts(
                grid=general,
                micro_grids=sum(1 for g in subs if g.kind == "micro"),
                exclusive_grids=sum(1 for g in subs if g.kind == "exclusive"),
                households=sum(g.households for g in subs),
                residents=residents[general.id],
                merchants=merchants[general.id],
                elderly=elderly[general.id],
                own_language=own_language[general.id],
                duty_holders=duties[general.id],
            )
        )
    return result


def home_choices(index: GridIndex) -> list[Grid]:
    """Grids a person can live or trade in: micro-grids and exclusive grids, by general grid."""
    return sorted(
        (g for g in index.grids.values() if g.kind in ("micro", "exclusive")), key=lambda g: g.code
    )
