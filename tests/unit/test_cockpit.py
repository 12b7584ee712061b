"""Cockpit measures on a small hand-made community whose answers are worked out below by hand,
plus a recomputation on the demo data straight from the report_event rows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from db.models import Department, Grid, GridDuty, User
from db.models_council import Council, CouncilAction, CouncilEvent, CouncilItem, CouncilMeeting
from db.models_points import PointsEntry
from db.models_reports import JointTask, Report, ReportCategory, ReportEvent
from db.models_wishes import Wish, WishEvent, WishPromotion
from portal import cockpit
from portal.cockpit_scope import WHOLE, scope_for
from portal.grids import GridIndex
from portal.points import summaries

T0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
SINCE = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 1 November, Beijing
UNTIL = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 1 December, Beijing


def _square(lon: float, lat: float, size: float) -> str:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _grid(session, code, kind, parent, lon, lat, size):
    grid = Grid(
        code=code,
        name=code,
        kind=kind,
        parent_id=parent.id if parent else None,
        boundary=_square(lon, lat, size),
    )
    session.add(grid)
    session.flush()
    return grid


def _report(
    session, *, reporter, category, grid, created, lat, lon, steps, rating=None, state="assigned"
):
    report = Report(
        reporter_id=reporter.id,
        category_id=category.id,
        lat=lat,
        lon=lon,
        grid_id=grid.id,
        state=state,
        due_at=created + timedelta(hours=72),
        created_at=created,
        updated_at=created,
        rating=rating,
    )
    session.add(report)
    session.flush()
    previous = None
    for hours, action, to_state, level in [
        (0, "submit", "submitted", "grid"),
        (0, "assign", "assigned", "grid"),
        *steps,
    ]:
        session.add(
            ReportEvent(
                report_id=report.id,
                action=action,
                from_state=previous,
                to_state=to_state,
                level=level,
                at=created + timedelta(hours=hours),
            )
        )
        previous = to_state
    return report


@pytest.fixture
def world(session):
    """Two general grids (G1, G2) with one micro-grid each; three reports in November, one in
    October; three wishes; a few points entries."""
    community = _grid(session, "C", "community", None, 104.0, 30.0, 0.02)
    g1 = _grid(session, "G1", "general", community, 104.0, 30.0, 0.01)
    g2 = _grid(session, "G2", "general", community, 104.01, 30.0, 0.01)
    m1 = _grid(session, "M1", "micro", g1, 104.0, 30.0, 0.005)
    m2 = _grid(session, "M2", "micro", g2, 104.01, 30.0, 0.005)
    d1 = Department(code="cgz", name="城管", level="street")
    d2 = Department(code="police", name="派出所", level="street")
    session.add_all([d1, d2])
    users = [
        User(
            username=f"u{n}",
            display_name=f"u{n}",
            password_hash="x",
            role="resident",
            home_grid_id=(m1 if n < 2 else m2).id,
        )
        for n in range(3)
    ]
    session.add_all(users)
    c1 = ReportCategory(code="lighting", kind="component", names="{}", duplicate_radius_m=50)
    c2 = ReportCategory(code="parking", kind="event", names="{}", duplicate_radius_m=50)
    session.add_all([c1, c2])
    session.flush()
    u0, u1, u2 = users
    # R1 (G1, lighting): accepted after 2 h, resolved after 10 h, rated 5, closed.
    _report(
        session,
        reporter=u0,
        category=c1,
        grid=m1,
        created=T0,
        lat=30.001,
        lon=104.001,
        rating=5,
        state="closed",
        steps=[
            (2, "accept", "accepted", "grid"),
            (10, "resolve", "resolved", "grid"),
            (11, "rate", "rated", "grid"),
            (11, "close", "closed", "grid"),
        ],
    )
    # R2 (G1, lighting) ~20 m from R1 a day later: a repeat; accepted after 80 h (late),
    # resolved after 100 h, rated 1 and reopened.
    _report(
        session,
        reporter=u1,
        category=c1,
        grid=m1,
        created=T0 + timedelta(days=1),
        lat=30.00118,
        lon=104.001,
        rating=1,
        state="reopened",
        steps=[
            (80, "accept", "accepted", "grid"),
            (100, "resolve", "resolved", "grid"),
            (101, "rate", "rated", "grid"),
            (101, "reopen", "reopened", "grid"),
        ],
    )
    # R3 (G2, parking): escalated to the community, then the street, then a joint order with
    # two departments; never accepted.
    r3 = _report(
        session,
        reporter=u2,
        category=c2,
        grid=m2,
        created=T0 + timedelta(days=2),
        lat=30.001,
        lon=104.011,
        steps=[
            (73, "auto_escalate", "assigned", "community"),
            (80, "escalate", "assigned", "street"),
            (81, "whistle", "assigned", "street"),
        ],
    )
    session.add_all(
        [
            JointTask(report_id=r3.id, department_id=d1.id, role="lead"),
            JointTask(report_id=r3.id, department_id=d2.id, role="assist"),
        ]
    )
    # R4 (G2, lighting) in October: outside the period.
    _report(
        session,
        reporter=u2,
        category=c1,
        grid=m2,
        created=T0 - timedelta(days=20),
        lat=30.002,
        lon=104.012,
        steps=[(1, "accept", "accepted", "grid")],
    )
    # Wishes: W1 posted T0, fulfilled after 4 days; W2 posted T0+1d, fulfilled at T0+3d, after 2 days
    # (G1: median 3.0); W3 decided (G2).
    for n, (author, grid, fulfilled_days) in enumerate([(u0, m1, 4), (u1, m1, 3), (u2, m2, None)]):
        created = T0 + timedelta(days=n if n < 2 else 1)
        wish = Wish(
            author_id=author.id,
            grid_id=grid.id,
            title=f"w{n}",
            body="b",
            category="help",
            language="zh_Hans",
            created_at=created,
            state="fulfilled" if fulfilled_days else "decided",
        )
        session.add(wish)
        session.flush()
        session.add(WishEvent(wish_id=wish.id, kind="posted", to_state="open", at=created))
        if fulfilled_days:
            session.add(
                WishEvent(
                    wish_id=wish.id,
                    kind="fulfilled",
                    to_state="fulfilled",
                    at=T0 + timedelta(days=fulfilled_days),
                )
            )
        else:
            session.add(
                WishPromotion(
                    wish_id=wish.id,
                    threshold=5,
                    support=6,
                    status="decided",
                    promoted_at=created,
                    decided_at=T0 + timedelta(days=5),
                )
            )
    # Points: u0 (G1) +10 task, +5 report, -8 reward, +3 refund → issued 15, redeemed 5;
    # u2 (G2) +20 task.
    balance = 0
    for seq, (amount, source) in enumerate(
        [(10, "task"), (5, "report"), (-8, "reward"), (3, "refund")], 1
    ):
        balance += amount
        session.add(
            PointsEntry(
                user_id=u0.id,
                seq=seq,
                amount=amount,
                balance_after=balance,
                source=source,
                source_id=str(seq),
                reason="r",
                grid_id=m1.id,
                created_at=T0 + timedelta(hours=seq),
            )
        )
    session.add(
        PointsEntry(
            user_id=u2.id,
            seq=1,
            amount=20,
            balance_after=20,
            source="task",
            source_id="1",
            reason="r",
            grid_id=m2.id,
            created_at=T0,
        )
    )
    _councils(session, community, g1, u0)
    session.flush()
    summaries.rebuild(session)  # the lines above are written by hand, not through the ledger
    session.commit()
    return {
        "index": GridIndex.load(session),
        "g1": g1.id,
        "g2": g2.id,
        "c1": c1.id,
        "c2": c2.id,
        "community": community.id,
        "m1": m1.id,
        "m2": m2.id,
    }


def _council(session, grid, meeting_at):
    council = Council(
        grid_id=grid.id,
        name=f"council {grid.code}",
        term_start=date(2026, 1, 1),
        term_end=date(2027, 12, 31),
    )
    session.add(council)
    session.flush()
    meeting = CouncilMeeting(
        council_id=council.id,
        month=cockpit.month_of(meeting_at),
        place="hall",
        starts_at=meeting_at,
        proposal_deadline=meeting_at - timedelta(days=3),
        status="minutes_published",
    )
    session.add(meeting)
    session.flush()
    return council, meeting


def _item(session, meeting, outcome, decided_at):
    item = CouncilItem(
        meeting_id=meeting.id,
        title=f"{outcome} {decided_at}",
        source="staff",
        outcome=outcome,
        decided_at=decided_at if outcome else None,
    )
    session.add(item)
    session.flush()
    return item


def _action(session, council, item, owner, progress):
    """An action with its progress events [(at, to_state)]; the last state is the action's."""
    action = CouncilAction(
        item_id=item.id,
        owner_id=owner.id,
        due_date=date(2026, 12, 31),
        status=progress[-1][1] if progress else "planned",
    )
    session.add(action)
    session.flush()
    previous = "planned"
    for at, state in progress:
        session.add(
            CouncilEvent(
                council_id=council.id,
                meeting_id=item.meeting_id,
                item_id=item.id,
                action_id=action.id,
                kind="action_progress",
                from_state=previous,
                to_state=state,
                at=at,
            )
        )
        previous = state


def _councils(session, community, g1, owner):
    """The community council (meeting on 10 Nov): adopted and rejected in November (2 decided),
    one without quorum (not decided), one adopted in October (outside November); actions: one done
    in November, one done in October, one only in progress. G1's council (meeting on 20 Nov): one
    adopted item, its action done in November. G2 has no council."""
    council, meeting = _council(session, community, T0 + timedelta(days=7))
    adopted = _item(session, meeting, "adopted", T0 + timedelta(days=7))
    _item(session, meeting, "rejected", T0 + timedelta(days=7))
    _item(session, meeting, "not_decided", T0 + timedelta(days=7))
    _item(session, meeting, None, None)  # still on the agenda
    old = _item(session, meeting, "adopted", T0 - timedelta(days=10))
    third = _item(session, meeting, "adopted", T0 - timedelta(days=12))
    _action(
        session,
        council,
        adopted,
        owner,
        [(T0 + timedelta(days=8), "in_progress"), (T0 + timedelta(days=9), "done")],
    )
    _action(session, council, old, owner, [(T0 - timedelta(days=5), "done")])
    _action(session, council, third, owner, [(T0 + timedelta(days=9), "in_progress")])
    council, meeting = _council(session, g1, T0 + timedelta(days=17))
    item = _item(session, meeting, "adopted", T0 + timedelta(days=17))
    _action(session, council, item, owner, [(T0 + timedelta(days=20), "done")])


def test_measures_by_grid_match_the_hand_worked_answers(session, world):
    result = cockpit.measures(session, world["index"], since=SINCE, until=UNTIL, by="grid")
    rows = {r["key"]: r for r in result.rows}
    g1, g2 = rows[world["g1"]], rows[world["g2"]]
    assert g1["received"] == 2
    assert g1["response_h"] == 41.0  # (2 + 80) / 2
    assert g1["resolution_h"] == 55.0  # (10 + 100) / 2
    assert g1["within_limit_pct"] == 50.0  # R1 within 72 h, R2 not
    assert g1["closure_pct"] == 50.0 and g1["reopen_pct"] == 50.0
    assert g1["repeats"] == 1  # R2 repeats R1
    assert g1["rating"] == 3.0
    assert g1["joint_orders"] == 0 and g1["departments"] == 0
    assert (
        g1["wishes_posted"] == 2 and g1["wishes_fulfilled"] == 2 and g1["wish_median_days"] == 3.0
    )
    assert g1["points_issued"] == 15 and g1["points_redeemed"] == 5
    assert g1["wishes_decided"] == 0
    assert g1["council_decided"] == 1 and g1["council_actions_done"] == 1  # G1's own council
    assert g2["received"] == 1 and g2["response_h"] is None and g2["within_limit_pct"] == 0.0
    assert g2["closure_pct"] == 0.0 and g2["repeats"] == 0 and g2["rating"] is None
    assert (g2["esc_community"], g2["esc_street"], g2["esc_district"]) == (1, 1, 0)
    assert g2["joint_orders"] == 1 and g2["departments"] == 2
    assert g2["wishes_posted"] == 1 and g2["wishes_fulfilled"] == 0 and g2["wishes_decided"] == 1
    assert g2["council_decided"] == 0 and g2["council_actions_done"] == 0
    assert g2["points_issued"] == 20 and g2["points_redeemed"] == 0
    total = result.total
    assert total["received"] == 3 and total["response_h"] == 41.0
    assert total["within_limit_pct"] == 33.3 and total["closure_pct"] == 33.3
    assert total["esc_street"] == 1 and total["departments"] == 2
    assert total["points_issued"] == 35 and total["wishes_posted"] == 3
    assert total["council_decided"] == 3 and total["council_actions_done"] == 2


def test_community_council_counts_in_a_community_row_not_in_the_general_grids(session, world):
    result = cockpit.measures(session, world["index"], since=SINCE, until=UNTIL, by="grid")
    rows = {r["key"]: r for r in result.rows}
    assert set(rows) == {world["g1"], world["g2"], world["community"]}
    community = rows[world["community"]]
    assert community["community"] is True
    assert community["council_decided"] == 2  # adopted + rejected; no quorum is no decision
    assert community["council_actions_done"] == 1  # October's done action is outside the period
    assert community["received"] == 0 and community["points_issued"] == 0
    ranking = cockpit.red_black(result, "closure_pct", n=3, min_reports=0)
    assert world["community"] not in [r["key"] for r in ranking.red + ranking.black]


def test_council_measures_by_month(session, world):
    by_month = cockpit.measures(
        session, world["index"], since=SINCE - timedelta(days=31), until=UNTIL, by="month"
    )
    months = {r["key"]: r for r in by_month.rows}
    assert months["2026-10"]["council_decided"] == 2  # two adopted in October
    assert months["2026-10"]["council_actions_done"] == 1
    assert months["2026-11"]["council_decided"] == 3
    assert months["2026-11"]["council_actions_done"] == 2
    assert by_month.total["council_decided"] == 5 and by_month.total["council_actions_done"] == 3


def test_measures_by_category_and_month(session, world):
    by_cat = {
        r["key"]: r
        for r in cockpit.measures(
            session, world["index"], since=SINCE, until=UNTIL, by="category"
        ).rows
    }
    assert by_cat[world["c1"]]["received"] == 2 and by_cat[world["c2"]]["received"] == 1
    assert "points_issued" not in by_cat[world["c1"]]
    by_month = cockpit.measures(
        session, world["index"], since=SINCE - timedelta(days=31), until=UNTIL, by="month"
    )
    months = {r["key"]: r for r in by_month.rows}
    assert set(months) == {"2026-10", "2026-11"}
    assert months["2026-10"]["received"] == 1 and months["2026-11"]["received"] == 3
    assert months["2026-11"]["points_issued"] == 35
    # October's report R4 lies 150 m from R3 and has another category: no repeats added.
    assert by_month.total["repeats"] == 1


def _worker(session, username, grid_id, duty):
    user = User(username=username, display_name=username, password_hash="x", role="grid_worker")
    session.add(user)
    session.flush()
    session.add(GridDuty(grid_id=grid_id, user_id=user.id, duty=duty))
    session.commit()
    return user


def test_grid_worker_sees_only_their_grid_and_below(session, world):
    index = world["index"]
    chief = _worker(session, "chief_g2", world["g2"], "chief")
    scope = scope_for(session, index, role=chief.role, user_id=chief.id)
    assert scope.grids == {world["g2"], world["m2"]}
    result = cockpit.measures(session, index, since=SINCE, until=UNTIL, scope=scope)
    assert [r["key"] for r in result.rows] == [world["g2"]]
    row = result.rows[0]
    assert (row["received"], row["wishes_posted"], row["points_issued"]) == (1, 1, 20)
    assert row["council_decided"] == 0  # the community council is not G2's
    assert result.total["received"] == 1 and result.total["points_issued"] == 20
    assert result.total["council_decided"] == 0


def test_micro_grid_chief_gets_a_row_of_their_own_micro_grid(session, world):
    index = world["index"]
    chief = _worker(session, "chief_m1", world["m1"], "micro_chief")
    scope = scope_for(session, index, role=chief.role, user_id=chief.id)
    result = cockpit.measures(session, index, since=SINCE, until=UNTIL, scope=scope)
    assert [r["key"] for r in result.rows] == [world["m1"]]
    row = result.rows[0]
    assert (row["received"], row["repeats"], row["points_issued"]) == (2, 1, 15)
    assert row["council_decided"] == 0  # G1's council sits above the micro-grid
    months = cockpit.measures(session, index, since=SINCE, until=UNTIL, by="month", scope=scope)
    assert months.total["received"] == 2 and months.total["wishes_posted"] == 2
    cats = cockpit.measures(session, index, since=SINCE, until=UNTIL, by="category", scope=scope)
    assert {r["key"] for r in cats.rows} == {world["c1"]}  # R3 (parking) lies in G2


def test_scope_of_other_roles(session, world):
    index = world["index"]
    assert scope_for(session, index, role="staff", user_id=1) is WHOLE
    assert scope_for(session, index, role="admin", user_id=1) is WHOLE
    nobody = scope_for(session, index, role="resident", user_id=1)
    assert cockpit.measures(session, index, since=SINCE, until=UNTIL, scope=nobody).rows == []
    idle = _worker(session, "no_duty", world["g1"], "chief")
    session.exec(text("DELETE FROM grid_duty WHERE user_id = :u"), params={"u": idle.id})
    assert scope_for(session, index, role=idle.role, user_id=idle.id).grids == frozenset()


def test_red_black_list_ranks_grids_with_enough_reports(session, world):
    result = cockpit.measures(session, world["index"], since=SINCE, until=UNTIL)
    ranking = cockpit.red_black(result, "closure_pct", n=1, min_reports=1)
    assert [r["key"] for r in ranking.red] == [world["g1"]]
    assert [r["key"] for r in ranking.black] == [world["g2"]]
    assert cockpit.red_black(result, "response_h", n=1, min_reports=1).red[0]["key"] == world["g1"]
    assert cockpit.red_black(result, "closure_pct", min_reports=2).black == []  # G2 has 1 report
    with pytest.raises(ValueError):
        cockpit.red_black(result, "received")


def test_csv_and_geojson_exports(session, world):
    rows = cockpit.measures(session, world["index"], since=SINCE, until=UNTIL).rows
    data = cockpit.to_csv(rows, ["key", "received", "rating"], ["grid", "received", "rating"])
    assert data.startswith("\ufeff".encode()) and b"grid,received,rating" in data
    geo = json.loads(cockpit.to_geojson([{"id": 1, "lat": 30.0, "lon": 104.0, "title": "灯"}]))
    assert geo["features"][0]["geometry"]["coordinates"] == [104.0, 30.0]
    assert geo["features"][0]["properties"] == {"id": 1, "title": "灯"}


def test_open_data_has_no_personal_data(demo_session):
    index = GridIndex.load(demo_session)
    rows = cockpit.open_reports(demo_session, index)
    assert rows and set(rows[0]) == {
        "id",
        "category",
        "state",
        "community",
        "grid",
        "created_at",
        "closed_at",
        "due_at",
        "overdue",
        "rating",
        "lat",
        "lon",
    }
    wishes = cockpit.open_wishes(demo_session, index)
    personal = set(demo_session.exec(select(Wish.id).where(Wish.personal == True)).all())  # noqa: E712
    assert wishes and not personal & {w["id"] for w in wishes}
    assert all("author" not in w for w in wishes)
    decisions = cockpit.open_decisions(demo_session, index)
    published = demo_session.exec(
        text(
            "SELECT count(*) FROM council_item i JOIN council_meeting m ON m.id = i.meeting_id "
            "WHERE m.status = 'minutes_published' AND i.outcome IS NOT NULL"
        )
    ).one()[0]
    assert published and len(decisions) == published
    assert not {"proposer_id", "added_by", "background"} & set(decisions[0])
    names = set(demo_session.exec(select(User.display_name)).all())
    assert not any(d["title"] in names or d["decision"] in names for d in decisions)


def test_demo_closure_and_response_recomputed_by_hand(demo_session):
    """Recomputes one grid's closure rate and mean response time with plain SQL and Python."""
    index = GridIndex.load(demo_session)
    since, until = datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    result = cockpit.measures(demo_session, index, since=since, until=until)
    row = max(result.rows, key=lambda r: r["received"])
    general = row["key"]
    grids = [g.id for g in index.grids.values() if general in [a.id for a in index.ancestors(g)]]
    ids = [
        r
        for (r,) in demo_session.exec(
            text(
                f"SELECT id FROM report WHERE grid_id IN ({','.join(map(str, grids))}) "
                "AND created_at >= :s AND created_at < :u"
            ),
            params={"s": since, "u": until},
        ).all()
    ]
    assert len(ids) == row["received"] > 0
    closed, waits = 0, []
    for rid in ids:
        events = demo_session.exec(
            select(ReportEvent)
            .where(ReportEvent.report_id == rid)
            .order_by(ReportEvent.at, ReportEvent.id)
        ).all()
        closed += events[-1].to_state == "closed"
        accepts = [e.at for e in events if e.action == "accept"]
        if accepts:
            waits.append((accepts[0] - events[0].at).total_seconds() / 3600)
    assert row["closure_pct"] == round(100 * closed / len(ids), 1)
    if waits:
        assert row["response_h"] == round(sum(waits) / len(waits), 1)


def test_demo_council_figures_recomputed_with_plain_sql(demo_session):
    """The community row's council figures and the monthly ones, counted again in plain SQL."""
    index = GridIndex.load(demo_session)
    since, until = datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    by_grid = cockpit.measures(demo_session, index, since=since, until=until)
    community = next(g.id for g in index.of_kind("community"))
    decided = demo_session.exec(
        text(
            "SELECT c.grid_id, i.decided_at FROM council_item i "
            "JOIN council_meeting m ON m.id = i.meeting_id JOIN council c ON c.id = m.council_id "
            "WHERE i.outcome IN ('adopted', 'rejected') AND i.decided_at >= :s AND i.decided_at < :u"
        ),
        params={"s": since, "u": until},
    ).all()
    done = demo_session.exec(
        text(
            "SELECT c.grid_id, MIN(e.at) FROM council_event e JOIN council_action a ON a.id = e.action_id "
            "JOIN council_item i ON i.id = a.item_id JOIN council_meeting m ON m.id = i.meeting_id "
            "JOIN council c ON c.id = m.council_id "
            "WHERE e.kind = 'action_progress' AND e.to_state = 'done' GROUP BY e.action_id, c.grid_id"
        ),
    ).all()
    assert decided, "the demo has a decided council meeting"
    rows = {r["key"]: r for r in by_grid.rows}
    for grid_id in {g for g, _ in decided} | {g for g, _ in done}:
        row = rows[by_grid_row(index, grid_id)]
        assert row["council_decided"] == sum(1 for g, _ in decided if g == grid_id)
        assert row["council_actions_done"] == sum(1 for g, _ in done if g == grid_id)
    assert rows[community]["council_decided"] == sum(1 for g, _ in decided if g == community) > 0
    assert by_grid.total["council_decided"] == len(decided)
    months = cockpit.measures(demo_session, index, since=since, until=until, by="month")
    for row in months.rows:
        assert row["council_decided"] == sum(
            1 for _, at in decided if cockpit.month_of(_utc(at)) == row["key"]
        )


def _utc(value) -> datetime:
    """A time read by plain SQL: a string on SQLite, possibly without its zone (stored as UTC)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def by_grid_row(index, grid_id):
    """The row of a council's grid: its general grid, or the grid itself (the community)."""
    grid = index.grids[grid_id]
    return next((g.id for g in index.ancestors(grid) if g.kind == "general"), grid.id)


def test_period_of_months():
    since, until = cockpit.period_of_months(3, datetime(2026, 11, 15, tzinfo=UTC))
    assert since.strftime("%Y-%m-%d") == "2026-09-01" and until.strftime("%Y-%m-%d") == "2026-12-01"
    assert cockpit.months_between(since, until) == ["2026-09", "2026-10", "2026-11"]
