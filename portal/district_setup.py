"""`python -m portal.district_setup`: load a district's grid tree, its offices and their staff.

    grids FILE.geojson     GeoJSON FeatureCollection, one Polygon per grid, properties
                           code, name, kind (district, street, community, general, micro,
                           exclusive), parent (a code, empty for the top), optional households
                           and place_type. Added or updated by code; nothing is deleted.
    department CODE NAME --level L --office GRID [--service S]
                           a department (居委会, 街道办, 城管…) serving an office grid
    account USERNAME NAME --role R --office GRID [--department CODE]
                           a staff member, department handler or grid worker of that office
                           (a grid worker gets the duty --duty on the grid, default full_time);
                           a random password is printed once (--password-stdin: read it from
                           standard input instead, e.g. from a password manager)

Every command checks what it is given and says what is wrong without changing anything.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import shape
from sqlmodel import Session, col, select

from db.engine import DatabaseUnavailable, get_engine
from db.migrate import upgrade
from db.models import Department, Grid, GridDuty, User
from db.types import row_id
from portal import auth
from portal.config import load_settings

KINDS = ("district", "street", "community", "general", "micro", "exclusive")
PARENT_KINDS = {  # which kinds a grid of each kind may hang under
    "district": (None,),
    "street": ("district", None),
    "community": ("street", "district", None),
    "general": ("community",),
    "micro": ("general",),
    "exclusive": ("community", "general"),
}
LEVELS = ("community", "street", "district", "city")
OFFICE_ROLES = ("staff", "handler", "grid_worker")


class SetupError(ValueError):
    """What is wrong with the input (nothing was changed)."""


@dataclass
class Loaded:
    added: int = 0
    updated: int = 0


def _features(text: str) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SetupError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise SetupError("expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise SetupError("the FeatureCollection has no features")
    return features


def _checked(n: int, feature: dict, kinds_by_code: dict[str, str]) -> tuple[dict, str]:
    props = feature.get("properties") or {}
    code, name, kind = (str(props.get(k) or "").strip() for k in ("code", "name", "kind"))
    parent = str(props.get("parent") or "").strip() or None
    where = f"feature {n + 1} ({code or 'no code'})"
    if not code or len(code) > 32 or not name or len(name) > 120:
        raise SetupError(f"{where}: code (≤ 32) and name (≤ 120 characters) are required")
    if kind not in KINDS:
        raise SetupError(f"{where}: kind must be one of {', '.join(KINDS)}")
    parent_kind = kinds_by_code.get(parent) if parent else None
    if parent and parent_kind is None:
        raise SetupError(f"{where}: parent {parent} is neither in the file before it nor stored")
    if parent_kind not in PARENT_KINDS[kind]:
        raise SetupError(f"{where}: a {kind} grid cannot lie under a {parent_kind or 'nothing'}")
    geometry = feature.get("geometry") or {}
    try:
        polygon = shape(geometry)
    except Exception:
        raise SetupError(f"{where}: the geometry is not GeoJSON") from None
    if polygon.geom_type != "Polygon" or not polygon.is_valid or polygon.is_empty:
        raise SetupError(f"{where}: the geometry must be one valid Polygon")
    households = props.get("households") or 0
    if not isinstance(households, int) or households < 0:
        raise SetupError(f"{where}: households must be a whole number ≥ 0")
    values = {
        "code": code,
        "name": name,
        "kind": kind,
        "boundary": json.dumps(geometry, ensure_ascii=False),
        "households": households,
        "place_type": (str(props["place_type"])[:32] if props.get("place_type") else None),
    }
    return values, parent or ""


def load_grids(session: Session, text: str) -> Loaded:
    """Adds or updates the grids of a FeatureCollection (parents before children), in one
    transaction: any problem refuses the whole file."""
    stored = {g.code: g for g in session.exec(select(Grid))}
    kinds = {code: g.kind for code, g in stored.items()}
    result = Loaded()
    try:
        for n, feature in enumerate(_features(text)):
            _store(session, stored, kinds, result, *_checked(n, feature, kinds))
    except SetupError:
        session.rollback()
        raise
    session.commit()
    return result


def _store(session, stored: dict, kinds: dict, result: Loaded, values: dict, parent: str) -> None:
    grid = stored.get(values["code"])
    if grid is None:
        grid = Grid(**values)
        stored[grid.code] = grid
        result.added += 1
    else:
        for key, value in values.items():
            setattr(grid, key, value)
        result.updated += 1
    grid.parent_id = stored[parent].id if parent else None
    kinds[grid.code] = grid.kind
    session.add(grid)
    session.flush()


def _office(session: Session, code: str) -> Grid:
    grid = session.exec(select(Grid).where(col(Grid.code) == code)).first()
    if grid is None:
        raise SetupError(f"no grid with code {code}")
    return grid


def add_department(
    session: Session, code: str, name: str, *, level: str, office: str, service: str | None
) -> Department:
    if level not in LEVELS:
        raise SetupError(f"level must be one of {', '.join(LEVELS)}")
    grid = _office(session, office)
    if grid.kind not in ("district", "street", "community"):
        raise SetupError(f"{office} is a {grid.kind} grid, not an office (community, street…)")
    if session.exec(select(Department).where(col(Department.code) == code)).first():
        raise SetupError(f"a department {code} exists already")
    department = Department(
        code=code, name=name, level=level, grid_id=grid.id, service=service or code
    )
    session.add(department)
    session.commit()
    return department


def add_account(
    session: Session,
    username: str,
    name: str,
    *,
    role: str,
    office: str,
    department: str | None = None,
    duty: str = "full_time",
    password: str = "",
) -> tuple[User, str]:
    """A staff member (home = the office grid), handler (of a department) or grid worker (a duty
    on the grid); returns the account and its password."""
    given = bool(password)
    if role not in OFFICE_ROLES:
        raise SetupError(f"role must be one of {', '.join(OFFICE_ROLES)}")
    grid = _office(session, office)
    if role == "staff" and grid.kind not in ("district", "street", "community"):
        raise SetupError(f"staff belong to an office grid; {office} is a {grid.kind} grid")
    dep = None
    if department:
        dep = session.exec(select(Department).where(col(Department.code) == department)).first()
        if dep is None:
            raise SetupError(f"no department {department}")
    if role == "handler" and dep is None:
        raise SetupError("a handler needs --department")
    if session.exec(select(User.id).where(col(User.username) == username)).first():
        raise SetupError(f"the username {username} is taken")
    while not password or (
        not given and auth.password_problem(password, username)  # a random one: draw again
    ):
        password = secrets.token_urlsafe(12)
    problem = auth.password_problem(password, username)
    if problem:
        raise SetupError("the password is not accepted (too short, too long or too plain)")
    user = User(
        username=username,
        display_name=name,
        password_hash=auth.hash_password(password),
        role=role,
        home_grid_id=grid.id,
        department_id=dep.id if dep else None,
    )
    session.add(user)
    session.flush()
    if role == "grid_worker":
        session.add(GridDuty(grid_id=row_id(grid), user_id=row_id(user), duty=duty))
    session.commit()
    return user, password


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m portal.district_setup",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    grids = sub.add_parser("grids")
    grids.add_argument("file", type=Path)
    dep = sub.add_parser("department")
    dep.add_argument("code")
    dep.add_argument("name")
    dep.add_argument("--level", required=True)
    dep.add_argument("--office", required=True)
    dep.add_argument("--service")
    acc = sub.add_parser("account")
    acc.add_argument("username")
    acc.add_argument("name")
    acc.add_argument("--role", required=True)
    acc.add_argument("--office", required=True)
    acc.add_argument("--department")
    acc.add_argument("--duty", default="full_time")
    acc.add_argument("--password-stdin", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = load_settings().database_url
    try:
        upgrade(url)
        with Session(get_engine(url)) as session:
            if args.command == "grids":
                loaded = load_grids(session, args.file.read_text(encoding="utf-8"))
                print(f"grids added {loaded.added}, updated {loaded.updated}")
            elif args.command == "department":
                add_department(
                    session,
                    args.code,
                    args.name,
                    level=args.level,
                    office=args.office,
                    service=args.service,
                )
                print(f"department {args.code} added")
            else:
                given = sys.stdin.readline().strip() if args.password_stdin else ""
                _user, password = add_account(
                    session,
                    args.username,
                    args.name,
                    role=args.role,
                    office=args.office,
                    department=args.department,
                    duty=args.duty,
                    password=given,
                )
                shown = "(the one given)" if given else password
                print(f"account {args.username} added; password (shown once): {shown}")
    except (SetupError, OSError) as exc:
        print(f"nothing changed: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
