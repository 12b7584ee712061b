"""Two communities under one street under one district, each with its own people, for tests of
who sees and acts on whose data (portal.areas). Built with the factories, on an empty database.

    WH (district) → JD (street) → CA, CB (communities) → <C>-G1 (general) → <C>-G1-M1 (micro)
                                                                    ↳ <C>-X1 (exclusive)
Each community: staff_<c> (office), chief_<c> (general grid chief), micro_<c> (micro chief),
resident_<c>, merchant_<c>; the street: street_staff, handler_street (its 城管 department);
the district: district_staff; admin (no grid: the whole deployment).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from db.models import Department, Grid, GridDuty, User
from portal.demo.seed_reports import seed_categories
from tests.factories import add_grid, add_user, square

LON, LAT = 104.0, 30.6


@dataclass
class World:
    grids: dict[str, Grid] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)

    def centre(self, code: str) -> tuple[float, float]:
        """(lat, lon) of a point inside the micro-grid (or any grid) of that code."""
        import json

        ring = json.loads(self.grids[code].boundary)["coordinates"][0]
        lons, lats = [p[0] for p in ring[:-1]], [p[1] for p in ring[:-1]]
        return sum(lats) / len(lats), sum(lons) / len(lons)


def _department(session, world, code, name, level, grid, service) -> Department:
    dep = Department(code=code, name=name, level=level, grid_id=grid.id, service=service)
    session.add(dep)
    session.flush()
    world.departments[code] = dep
    return dep


def _community(session: Session, world: World, code: str, street: Grid, lon: float) -> None:
    g = world.grids
    g[code] = add_grid(session, code, "community", street, square(lon, LAT, 0.010))
    g[f"{code}-G1"] = add_grid(session, f"{code}-G1", "general", g[code], square(lon, LAT, 0.008))
    g[f"{code}-G1-M1"] = add_grid(
        session, f"{code}-G1-M1", "micro", g[f"{code}-G1"], square(lon, LAT, 0.004)
    )
    g[f"{code}-X1"] = add_grid(
        session, f"{code}-X1", "exclusive", g[f"{code}-G1"], square(lon + 0.005, LAT + 0.005, 0.002)
    )
    c = code.lower()
    office = _department(
        session, world, f"office_{c}", f"{code}社区居委会", "community", g[code], "office"
    )
    u = world.users
    u[f"staff_{c}"] = add_user(session, f"staff_{c}", "staff", g[code], department_id=office.id)
    u[f"chief_{c}"] = add_user(session, f"chief_{c}", "grid_worker", g[f"{code}-G1"])
    u[f"micro_{c}"] = add_user(session, f"micro_{c}", "grid_worker", g[f"{code}-G1-M1"])
    u[f"resident_{c}"] = add_user(session, f"resident_{c}", "resident", g[f"{code}-G1-M1"])
    u[f"merchant_{c}"] = add_user(session, f"merchant_{c}", "merchant", g[f"{code}-X1"])
    for who, grid, duty in (
        (f"staff_{c}", code, "secretary"),
        (f"chief_{c}", f"{code}-G1", "chief"),
        (f"micro_{c}", f"{code}-G1-M1", "micro_chief"),
    ):
        session.add(GridDuty(grid_id=g[grid].id, user_id=u[who].id, duty=duty))


def build(session: Session) -> World:
    """The two-community world, committed (categories seeded, routed to the street's 城管)."""
    world = World()
    g = world.grids
    g["WH"] = add_grid(session, "WH", "district", None, square(LON - 0.01, LAT - 0.01, 0.06))
    g["JD"] = add_grid(session, "JD", "street", g["WH"], square(LON - 0.005, LAT - 0.005, 0.04))
    _community(session, world, "CA", g["JD"], LON)
    _community(session, world, "CB", g["JD"], LON + 0.02)
    street = _department(session, world, "street", "街道办事处", "street", g["JD"], "street")
    cgz = _department(session, world, "cgz", "街道城管执法中队", "street", g["JD"], "cgz")
    _department(session, world, "district", "区网格化服务管理中心", "district", g["WH"], "district")
    u = world.users
    u["street_staff"] = add_user(session, "street_staff", "staff", g["JD"], department_id=street.id)
    u["district_staff"] = add_user(session, "district_staff", "staff", g["WH"])
    u["handler_street"] = add_user(session, "handler_street", "handler", department_id=cgz.id)
    u["admin"] = add_user(session, "admin", "admin")
    session.flush()
    seed_categories(session)
    session.commit()
    return world


def add_second_street(session: Session, world: World) -> World:
    """A second street JE (beside JD, in WH) with one community CC: its own street office
    (street_je, staff street_staff_je) and 城管 (cgz_je, handler handler_je). Committed."""
    g, u = world.grids, world.users
    g["JE"] = add_grid(session, "JE", "street", g["WH"], square(LON + 0.036, LAT - 0.005, 0.013))
    _community(session, world, "CC", g["JE"], LON + 0.038)
    street = _department(session, world, "street_je", "JE街道办事处", "street", g["JE"], "street")
    cgz = _department(session, world, "cgz_je", "JE街道城管执法中队", "street", g["JE"], "cgz")
    u["street_staff_je"] = add_user(
        session, "street_staff_je", "staff", g["JE"], department_id=street.id
    )
    u["handler_je"] = add_user(session, "handler_je", "handler", department_id=cgz.id)
    session.commit()
    return world
