"""Two-way assessment and the efficacy survey (portal.assessment): the AHP against published worked
examples, matrices and rounds per office grid, one answer per resident per round (also when two
tabs send at once), results per dimension and grid, and the street scoring departments on
whistle orders and back. The world: tests/communities_world.py (CA, CB under street JD)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_assessment import AssessmentMatrix, SurveyResponse
from db.models_reports import ReportCategory
from portal import localtime, reports
from portal.assessment import ahp, scores, survey
from portal.assessment.indicators import DIMENSIONS, INDICATORS, items_of
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex
from portal.i18n import translate
from portal.media import LocalMediaStore
from portal.permissions import NOT_VERIFIED, OUTSIDE_AREA
from tests.communities_world import build
from tests.factories import parallel

NOW = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)

# --- AHP: published worked examples -----------------------------------------------------------

LEADER = [  # Wikipedia, "Analytic hierarchy process – leader example": the criteria matrix
    [1, 4, 3, 7],  # experience
    [1 / 4, 1, 1 / 3, 3],  # education
    [1 / 3, 3, 1, 5],  # charisma
    [1 / 7, 1 / 3, 1 / 5, 1],  # age
]
HOUSE = [  # Saaty (1990), How to make a decision: the AHP, EJOR 48, 9–26, the house criteria
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]


def test_ahp_reproduces_the_leader_example():
    """Published: weights experience .547, education .127, charisma .270, age .056; CR .044."""
    result = ahp.accepted(LEADER)
    assert result.weights == pytest.approx((0.547, 0.127, 0.270, 0.056), abs=0.002)
    assert result.cr == pytest.approx(0.044, abs=0.001)
    assert result.ci == pytest.approx((result.lambda_max - 4) / 3)
    assert result.ri == 0.90


def test_ahp_reproduces_saaty_s_house_example_and_refuses_it():
    """Published: priorities .173 .054 .188 .018 .031 .036 .167 .333, λmax 9.669, CI .238,
    CR .169 — above 0.1, so the portal refuses it, in the reader's language."""
    result = ahp.analyse(HOUSE)
    assert result.weights == pytest.approx(
        (0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333), abs=0.001
    )
    assert result.lambda_max == pytest.approx(9.669, abs=0.001)
    assert result.ci == pytest.approx(0.238, abs=0.001)
    assert result.cr == pytest.approx(0.169, abs=0.001)
    with pytest.raises(UserError) as exc:
        ahp.accepted(HOUSE)
    assert exc.value.message.msgid == ahp.INCONSISTENT and exc.value.message.params["cr"] == "0.169"
    text = translate("zh_Hans", ahp.INCONSISTENT, **exc.value.message.params)
    assert "0.169" in text and text != ahp.INCONSISTENT.format(cr="0.169")


@pytest.mark.parametrize(
    ("matrix", "why"),
    [
        ([[1, 3], [3, 1]], ahp.NOT_RECIPROCAL),
        ([[2, 1], [1, 1 / 2]], ahp.NOT_RECIPROCAL),
        ([[1, 11], [1 / 11, 1]], ahp.OFF_SCALE),
        ([[1, 2.5], [0.4, 1]], ahp.OFF_SCALE),
        ([[1, -3], [-1 / 3, 1]], ahp.OFF_SCALE),
        ([[1, 2, 3]], ahp.BAD_SIZE),
    ],
)
def test_ahp_refuses_what_is_not_a_reciprocal_saaty_matrix(matrix, why):
    with pytest.raises(UserError) as exc:
        ahp.analyse(matrix)
    assert exc.value.message.msgid == why


def test_ahp_small_matrices_are_always_consistent():
    two = ahp.accepted(ahp.from_pairs(2, {(0, 1): 3}))
    assert two.weights == pytest.approx((0.75, 0.25)) and two.cr == 0
    assert ahp.accepted([[1]]).weights == (1.0,)
    assert ahp.scale_label(1 / 7) == "1/7" and ahp.scale_label(5) == "5"


# --- the survey -------------------------------------------------------------------------------


@pytest.fixture
def w(session, tmp_path):
    world = build(session)

    class W:
        pass

    c = W()
    c.s, c.world, c.index = session, world, GridIndex.load(session)
    c.u = lambda name: world.users[name].id
    c.g = lambda code: world.grids[code].id
    c.store = LocalMediaStore(tmp_path / "media")
    return c


def _round(w, who="staff_ca", grid="CA", days=7):
    day = localtime.today(NOW)
    return survey.open_round(
        w.s,
        actor_id=w.u(who),
        grid_id=w.g(grid),
        title="2026 Q4",
        opens_on=day,
        closes_on=day + timedelta(days=days),
        now=NOW,
    )


def _all(score: int) -> dict[str, int]:
    return {i.code: score for i in INDICATORS}


def test_matrices_give_the_round_its_weights_and_an_inconsistent_one_is_refused(w):
    # government twice as important as the rest, which are equal: consistent, CR 0
    pairs = {(0, 1): 2, (0, 2): 2, (0, 3): 2}
    result = survey.save_matrix(
        w.s, actor_id=w.u("staff_ca"), grid_id=w.g("CA"), level="dimensions", pairs=pairs, now=NOW
    )
    assert result.weights == pytest.approx((0.4, 0.2, 0.2, 0.2)) and result.cr < 1e-9
    before = len(w.s.exec(select(AssessmentMatrix)).all())
    with pytest.raises(UserError) as exc:  # A>B 9, B>C 9, but C>A 9: contradictory
        survey.save_matrix(
            w.s,
            actor_id=w.u("staff_ca"),
            grid_id=w.g("CA"),
            level="institutions",
            pairs={(0, 1): 9, (1, 2): 9, (0, 2): 1 / 9},
        )
    assert exc.value.message.msgid == ahp.INCONSISTENT
    assert len(w.s.exec(select(AssessmentMatrix)).all()) == before  # nothing stored
    for who, grid in (("staff_cb", "CA"), ("resident_ca", "CA"), ("handler_street", "JD")):
        with pytest.raises(UserError):
            survey.save_matrix(
                w.s, actor_id=w.u(who), grid_id=w.g(grid), level="resources", pairs={}
            )
    # the street's matrix is in force for its communities until they enter their own
    survey.save_matrix(
        w.s, actor_id=w.u("street_staff"), grid_id=w.g("JD"), level="resources", pairs={(0, 1): 3}
    )
    weights = survey.weights_for(w.s, w.g("CB"))
    assert weights["indicators"]["facilities"] == pytest.approx(0.75)
    assert weights["dimensions"] == pytest.approx(dict.fromkeys(items_of("dimensions"), 0.25))
    assert survey.weights_for(w.s, w.g("CA"))["dimensions"]["government"] == pytest.approx(0.4)


def test_residents_answer_once_and_results_are_weighted_per_dimension_and_grid(w):
    survey.save_matrix(
        w.s,
        actor_id=w.u("staff_ca"),
        grid_id=w.g("CA"),
        level="dimensions",
        pairs={(0, 1): 2, (0, 2): 2, (0, 3): 2},
    )
    with pytest.raises(FieldErrors) as bad:
        survey.open_round(
            w.s,
            actor_id=w.u("staff_ca"),
            grid_id=w.g("CA"),
            title=" ",
            opens_on=None,
            closes_on=None,
        )
    assert set(bad.value.errors) == {"title", "period"}
    ca = _round(w)
    with pytest.raises(UserError) as exc:
        _round(w, who="staff_cb", grid="CA")
    assert exc.value.message.msgid == OUTSIDE_AREA
    assert [r.round.id for r in survey.open_rounds(w.s, w.u("resident_ca"), NOW)] == [ca.id]
    assert survey.open_rounds(w.s, w.u("resident_cb"), NOW) == []
    with pytest.raises(UserError) as exc:
        survey.answer(
            w.s, round_id=ca.id, user_id=w.u("resident_ca"), scores={"funding": 5}, now=NOW
        )
    assert exc.value.message.msgid == survey.ANSWER_ALL
    survey.answer(w.s, round_id=ca.id, user_id=w.u("resident_ca"), scores=_all(4), now=NOW)
    scores_ = _all(2) | {i.code: 5 for i in DIMENSIONS[0].indicators}  # government 5, others 2
    survey.answer(w.s, round_id=ca.id, user_id=w.u("merchant_ca"), scores=scores_, now=NOW)
    assert survey.open_rounds(w.s, w.u("resident_ca"), NOW)[0].answered
    for who, why in (("resident_ca", survey.ALREADY_ANSWERED), ("resident_cb", None)):
        with pytest.raises(UserError) as exc:
            survey.answer(w.s, round_id=ca.id, user_id=w.u(who), scores=_all(3), now=NOW)
        assert why is None or exc.value.message.msgid == why
    with pytest.raises(UserError) as exc:  # after the last day
        survey.answer(
            w.s,
            round_id=ca.id,
            user_id=w.u("chief_ca"),
            scores=_all(3),
            now=NOW + timedelta(days=9),
        )
    found = survey.results(w.s, actor_id=w.u("staff_ca"), round_id=ca.id)
    assert found.overall.responses == 2 and found.overall.counts["funding"] == 2
    assert found.overall.dimensions["government"] == pytest.approx(4.5)
    assert found.overall.dimensions["resources"] == pytest.approx(3.0)
    assert found.overall.total == pytest.approx(0.4 * 4.5 + 0.6 * 3.0)
    resident_grid, merchant_grid = w.g("CA-G1-M1"), w.g("CA-X1")
    assert found.by_grid[resident_grid].total == pytest.approx(4.0)
    assert found.by_grid[merchant_grid].total == pytest.approx(0.4 * 5 + 0.6 * 2)
    with pytest.raises(UserError):
        survey.results(w.s, actor_id=w.u("staff_cb"), round_id=ca.id)
    fresh = w.world.users["resident_cb"]
    fresh.verification = "unverified"
    w.s.add(fresh)
    w.s.commit()
    assert not survey.confirmed(w.s, fresh.id)
    street = _round(w, who="street_staff", grid="JD")
    with pytest.raises(UserError) as exc:  # a self-registered account is not counted yet
        survey.answer(w.s, round_id=street.id, user_id=fresh.id, scores=_all(3), now=NOW)
    assert exc.value.message.msgid == NOT_VERIFIED
    fresh.verification = "verified"
    w.s.add(fresh)
    w.s.commit()  # a street's round reaches both communities
    survey.answer(w.s, round_id=street.id, user_id=w.u("resident_cb"), scores=_all(3), now=NOW)
    assert survey.results(w.s, actor_id=w.u("street_staff"), round_id=street.id).overall.total == 3


def test_two_tabs_sending_at_once_make_one_response(db_url):
    with Session(get_engine(db_url), expire_on_commit=False) as s:
        world = build(s)
        day = localtime.today(NOW)
        found = survey.open_round(
            s,
            actor_id=world.users["staff_ca"].id,
            grid_id=world.grids["CA"].id,
            title="R",
            opens_on=day,
            closes_on=day,
        )
        round_id, user_id = found.id, world.users["resident_ca"].id

    def send(_i):
        with Session(get_engine(db_url)) as s:
            return survey.answer(s, round_id=round_id, user_id=user_id, scores=_all(4), now=NOW).id

    outcomes = parallel(2, send)
    refused = [o for o in outcomes if isinstance(o, UserError)]
    assert len(refused) == 1 and refused[0].message.msgid == survey.ALREADY_ANSWERED
    with Session(get_engine(db_url)) as s:
        assert len(s.exec(select(SurveyResponse)).all()) == 1


# --- two-way scores ---------------------------------------------------------------------------


def _whistled(w):
    cat = w.s.exec(select(ReportCategory).where(ReportCategory.code == "ads")).one()
    lat, lon = w.world.centre("CA-G1-M1")
    report = reports.submit(
        w.s,
        w.index,
        w.store,
        reporter_id=w.u("resident_ca"),
        category_id=cat.id,
        description="小广告",
        lat=lat,
        lon=lon,
    )
    reports.whistle(
        w.s,
        w.index,
        report_id=report.id,
        actor_id=w.u("staff_ca"),
        lead_department_id=w.world.departments["cgz"].id,
    )
    return report


def test_the_street_scores_the_department_and_the_department_the_dispatch(w):
    report = _whistled(w)
    cgz = w.world.departments["cgz"].id
    kw = {"report_id": report.id, "department_id": cgz, "speed": 4, "result": 5, "comment": "及时"}
    with pytest.raises(UserError) as exc:  # not handled yet
        scores.score_department(w.s, w.index, actor_id=w.u("street_staff"), **kw)
    assert exc.value.message.msgid == scores.NOT_HANDLED
    reports.finish_joint_part(w.s, report_id=report.id, actor_id=w.u("handler_street"))
    assert [r.report_id for r in scores.orders_to_score(w.s, w.index, w.u("street_staff"))] == [
        report.id
    ]
    assert scores.orders_to_score(w.s, w.index, w.u("staff_ca")) == []
    for who in ("staff_ca", "resident_ca", "handler_street"):  # not the street office
        with pytest.raises(UserError):
            scores.score_department(w.s, w.index, actor_id=w.u(who), **kw)
    with pytest.raises(FieldErrors) as bad:
        scores.score_department(
            w.s, w.index, actor_id=w.u("street_staff"), **(kw | {"speed": 0, "result": None})
        )
    assert set(bad.value.errors) == {"speed", "result"}
    scores.score_department(w.s, w.index, actor_id=w.u("street_staff"), **kw)
    with pytest.raises(UserError) as exc:
        scores.score_department(w.s, w.index, actor_id=w.u("street_staff"), **kw)
    assert exc.value.message.msgid == scores.ALREADY_SCORED
    back = {"report_id": report.id, "speed": 3, "result": 2}
    with pytest.raises(UserError):
        scores.score_street(w.s, w.index, actor_id=w.u("street_staff"), **back)
    scores.score_street(w.s, w.index, actor_id=w.u("handler_street"), **back)
    with pytest.raises(UserError):
        scores.score_street(w.s, w.index, actor_id=w.u("handler_street"), **back)
    (row,) = scores.by_department(w.s, grids=[w.g("CA-G1-M1")])
    assert (row.department_id, row.orders, row.scored, row.speed, row.result) == (cgz, 1, 1, 4, 5)
    assert (row.dispatch_scored, row.dispatch_speed, row.dispatch_result) == (1, 3, 2)
    assert row.mean_hours is not None and row.mean_hours >= 0
    assert scores.by_department(w.s, grids=[w.g("CB")]) == []
