import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from db.engine import DatabaseUnavailable, check_connection, describe_url, get_engine, normalise_url
from db.migrate import upgrade
from db.models import Grid, GridDuty, User
from portal.demo import seed as demo
from tests.conftest import ROOT


def test_postgres_urls_are_normalised():
    assert normalise_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("postgresql://h/db") == "postgresql+psycopg://h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    assert "secret" not in describe_url("postgresql://u:secret@h/db")


def test_sqlite_pragmas(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000


def test_migrations_match_the_models(db_url):
    """Alembic's head builds exactly the tables and columns the models declare."""
    inspector = inspect(get_engine(db_url))
    for table in SQLModel.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def _revision_and_tables(url: str) -> tuple[str, set[str]]:
    engine = get_engine(url)
    with engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    return revision, set(inspect(engine).get_table_names())


def test_upgrade_twice_is_harmless(db_url):
    """Running the migrations again on a database at head changes neither schema nor data."""
    with Session(get_engine(db_url)) as s:
        s.add(Grid(code="KEEP", name="Keep", kind="community", boundary="{}"))
        s.commit()
    before = _revision_and_tables(db_url)
    upgrade(db_url)
    upgrade(db_url)
    assert _revision_and_tables(db_url) == before
    with Session(get_engine(db_url)) as s:
        assert s.exec(select(Grid.code)).all() == ["KEEP"]


def test_database_constraints_hold(session):
    session.add(Grid(code="S", name="S", kind="village", boundary="{}"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.add(User(username="x", display_name="x", password_hash="x", role="emperor"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_seed_builds_the_demo_and_is_idempotent(db_url):
    first = demo.seed(db_url)
    assert (first.grids, first.departments) == (82, len(demo.DEPARTMENTS))
    assert first.users > 300
    again = demo.seed(db_url)
    assert (again.grids, again.users, again.duties, again.departments) == (0, 0, 0, 0)
    with Session(get_engine(db_url)) as s:
        roles = Counter(s.exec(select(User.role)).all())
        languages = Counter(s.exec(select(User.language)).all())
        assert set(roles) == {"resident", "merchant", "grid_worker", "staff", "handler", "admin"}
        assert all(languages[code] > 0 for code in ("zh_Hans", "bo", "ug", "ii"))
        elderly = s.exec(select(User).where(User.birth_year <= 1960)).all()
        assert len(elderly) > 20
        micro_ids = s.exec(select(Grid.id).where(Grid.kind == "micro")).all()
        chiefs = s.exec(select(GridDuty.grid_id).where(GridDuty.duty == "micro_chief")).all()
        assert set(chiefs) == set(micro_ids)


def test_seed_scale_multiplies_residents(db_url):
    demo.seed(db_url, scale=2)
    with Session(get_engine(db_url)) as s:
        assert len(s.exec(select(User.id).where(User.role == "resident")).all()) == 500 + 5


def test_seed_builds_many_communities_under_a_street_and_is_idempotent(db_url):
    """--communities 3: the demo's S and two more beside it, under one street of one district;
    their polygons apart, everyone's home in their own community, running it again adds nothing."""
    import json

    from shapely.geometry import shape

    from db.models import Department
    from db.models_reports import Report
    from portal import areas
    from portal.points import summaries

    first = demo.seed(db_url, communities=3, reports_per_community=40)
    assert first.grids == 3 * 82 + 2 and first.reports == 60 + 2 * 40
    again = demo.seed(db_url, communities=3, reports_per_community=40)
    assert (again.grids, again.users, again.duties, again.departments, again.reports) == (
        0,
        0,
        0,
        0,
        0,
    )
    with Session(get_engine(db_url)) as s:
        grids = {g.id: g for g in s.exec(select(Grid))}
        by_kind = Counter(g.kind for g in grids.values())
        assert (by_kind["community"], by_kind["street"], by_kind["district"]) == (3, 1, 1)
        by_code = {g.code: g for g in grids.values()}
        assert by_code["ST01"].parent_id == by_code["WH"].id
        assert {g.code for g in grids.values() if g.parent_id == by_code["ST01"].id} == {
            "S",
            "C002",
            "C003",
        }
        shapes = {g.code: shape(json.loads(g.boundary)) for g in grids.values()}
        communities = ["S", "C002", "C003"]
        for n, a in enumerate(communities):
            assert shapes["ST01"].contains(shapes[a])
            for b in communities[n + 1 :]:
                assert shapes[a].intersection(shapes[b]).area == 0, (a, b)
        parents = areas.parents_of(s)
        kinds = {gid: g.kind for gid, g in grids.items()}

        def community(grid_id):
            found = areas.community_of(parents, kinds, grid_id)
            return grids[found].code if found else None

        for g in grids.values():  # every grid of a community inside its outline
            if g.kind in ("general", "micro", "exclusive"):
                centre = shapes[g.code].representative_point()
                assert shapes[community(g.id)].contains(centre), g.code
        departments = {d.id: d for d in s.exec(select(Department))}
        offices = {"street01_staff": "ST01", "district_staff": "WH"}
        for user in s.exec(select(User)):
            if user.role == "admin":
                assert user.home_grid_id is None
                continue
            if user.role == "handler":  # its department's office grid (the city's 12345: above all)
                dep = departments[user.department_id]
                assert dep.grid_id is not None or dep.code == "city", user.username
                continue
            if user.username in offices:
                assert grids[user.home_grid_id].code == offices[user.username]
                continue
            own = user.username[:4].upper() if user.username.startswith("c00") else "S"
            assert community(user.home_grid_id) == own, user.username
            if user.role == "staff":
                assert grids[user.home_grid_id].code == own
                assert departments[user.department_id].grid_id == user.home_grid_id
        staff = s.exec(select(User).where(User.username == "c002_staff01")).one()
        area = areas.area_of(s, staff)
        homes = Counter(area.covers(grid_id) for grid_id in s.exec(select(Report.grid_id)).all())
        assert homes[True] == 40 and homes[False] > 60 + 40  # its own year of reports only
        assert summaries.differences(s) == []


def test_unreachable_database_is_named():
    engine = get_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(DatabaseUnavailable) as caught:
        check_connection(engine)
    assert "DATABASE_URL" in str(caught.value)


def test_migrate_command_exits_nonzero_when_database_is_unreachable():
    result = subprocess.run(
        [sys.executable, "-m", "db.migrate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2",
            "PATH": "/usr/bin:/bin",
        },
        timeout=60,
    )
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
