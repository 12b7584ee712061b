"""The community's own address list (courtyards, buildings, exclusive grids such as markets and
schools, and registered shops) searched by Chinese, full pinyin or pinyin initials, offline.

Built from the grid tree and the merchants' accounts: no map service is asked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin
from sqlmodel import Session, col, select

from db.models import User
from portal.grids import GridIndex

MAX_QUERY = 40  # characters; longer input is cut (an address is never that long)
KINDS = ("micro", "exclusive", "general")
_SEPARATORS = re.compile(r"[\s'’·\-_.,，。/\\]+")


@dataclass(frozen=True)
class Address:
    name: str
    kind: str  # "courtyard", "building", "place" (an exclusive grid), "shop", "grid"
    grid_id: int
    lat: float
    lon: float
    within: str  # the name of the grid above, to tell two similar names apart
    pinyin: str  # full pinyin, no spaces: "yulinbeilu12haoyuan"
    initials: str  # "ylbl12hy"


def spell(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, lower case and without spaces."""
    syllables = [s.lower() for s in lazy_pinyin(name, errors="default")]
    initials = [s.lower() for s in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")]
    return _SEPARATORS.sub("", "".join(syllables)), _SEPARATORS.sub("", "".join(initials))


def _kind(grid_kind: str, name: str) -> str:
    if grid_kind == "exclusive":
        return "place"
    if grid_kind == "general":
        return "grid"
    return "building" if name.endswith(("栋", "幢", "楼", "单元")) else "courtyard"


def address_book(session: Session, index: GridIndex) -> list[Address]:
    """Every address a resident may name: micro-grids (courtyards, buildings), exclusive grids,
    general grids, and active merchants' shops at their grid."""
    book: list[Address] = []

    def add(name: str, kind: str, grid_id: int) -> None:
        shape = index.shapes.get(grid_id)
        if shape is None or not name.strip():
            return
        centre = shape.representative_point()
        parent = index.grids[grid_id].parent_id
        within = index.grids[parent].name if parent in index.grids else ""
        full, initials = spell(name)
        book.append(Address(name, kind, grid_id, centre.y, centre.x, within, full, initials))

    for grid in index.grids.values():
        if grid.kind in KINDS and grid.id is not None:
            add(grid.name, _kind(grid.kind, grid.name), grid.id)
    shops = session.exec(
        select(col(User.display_name), col(User.home_grid_id)).where(
            col(User.role) == "merchant", col(User.is_active), col(User.home_grid_id).is_not(None)
        )
    ).all()
    for name, grid_id in shops:
        if grid_id is not None:
            add(name, "shop", grid_id)
    return book


def normalise(query: object) -> str:
    """The query as matched: text only, lower case, no spaces or separators, at most MAX_QUERY."""
    if not isinstance(query, str):
        return ""
    text = "".join(ch for ch in query[: MAX_QUERY * 4] if ch.isprintable())
    return _SEPARATORS.sub("", text).lower()[:MAX_QUERY]


_KIND_ORDER = {"courtyard": 0, "building": 0, "place": 1, "shop": 2, "grid": 3}


def search(book: list[Address], query: object, limit: int = 8) -> list[Address]:
    """Addresses matching the query in Chinese characters, full pinyin or initials: names that
    begin with it first, then those that contain it; at most `limit`."""
    q = normalise(query)
    if not q:
        return []
    ranked: list[tuple[int, int, str, Address]] = []
    for address in book:
        name = address.name.lower()
        fields = (name, address.pinyin, address.initials)
        if any(f.startswith(q) for f in fields):
            rank = 0
        elif any(q in f for f in fields):
            rank = 1
        else:
            continue
        ranked.append((rank, _KIND_ORDER.get(address.kind, 9), address.name, address))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked[: max(0, min(limit, 50))]]
