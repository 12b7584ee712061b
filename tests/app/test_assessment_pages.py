"""The efficacy survey and two-way assessment pages (AppTest, seeded demo): staff enter an AHP
matrix (an inconsistent one is refused, what was chosen stays) and open a round; a resident
answers with the large 1–5 buttons, once; the results and the two-way scores show."""

from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Department
from db.models_assessment import AssessmentMatrix, OrderScore, SurveyResponse, SurveyRound
from db.models_reports import JointTask, Report
from portal.assessment import ahp, survey
from portal.assessment.indicators import INDICATORS, label_of
from portal.i18n import translate
from tests.app.conftest import texts

STAFF_PAGE, SURVEY_PAGE, SCORES_PAGE = (
    "pages/assessment_manage.py",
    "pages/survey.py",
    "pages/order_scores.py",
)


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _rows(app_db, model):
    with Session(get_engine(app_db)) as s:
        return s.exec(select(model)).all()


def test_staff_matrix_round_then_a_resident_answers_once(open_app, app_db):
    at = open_app("staff01", page=STAFF_PAGE)
    assert not at.exception
    grid_key = at.selectbox(key="am_grid")
    assert grid_key.value is not None
    at.selectbox(key="am_level").set_value("institutions").run()
    prefix = [s for s in at.select_slider if str(s.key).startswith("am_pair_")]
    assert len(prefix) == 6  # four indicators: six pairs
    # grid division ≫ admission ≫ assessment, yet assessment ≫ grid division: contradictory
    by_pair = {tuple(map(int, str(s.key).rsplit("_", 2)[-2:])): s for s in prefix}
    by_pair[(0, 1)].set_value(9.0)
    by_pair[(1, 2)].set_value(9.0)
    by_pair[(0, 2)].set_value(1 / 9)
    submit = [b for b in at.button if str(b.key).startswith("FormSubmitter:am_matrix_")][0]
    submit.click().run()
    assert not at.exception
    assert any("CR" in e.value or "0.10" in e.value for e in at.error)  # the translated refusal
    assert zh(ahp.INCONSISTENT, cr="").split("（")[0] in "\n".join(e.value for e in at.error)
    kept = {tuple(map(int, str(s.key).rsplit("_", 2)[-2:])): s.value for s in at.select_slider}
    assert kept[(0, 1)] == 9.0 and kept[(0, 2)] == 1 / 9  # what was chosen stays
    assert _rows(app_db, AssessmentMatrix) == []
    at.selectbox(key="am_level").set_value("dimensions").run()
    gov = [s for s in at.select_slider if str(s.key).endswith("_dimensions_0_1")][0]
    gov.set_value(3.0)
    [b for b in at.button if str(b.key).startswith("FormSubmitter:am_matrix_")][0].click().run()
    assert not at.exception
    assert len(_rows(app_db, AssessmentMatrix)) == 1
    at.text_input(key="am_round_title").input("2026 四季度")
    [b for b in at.button if str(b.key).startswith("FormSubmitter:am_round_")][0].click().run()
    assert not at.exception
    (found,) = _rows(app_db, SurveyRound)
    assert zh("The survey round is open.") in texts(at)

    home = open_app("zhang_nainai", page=SURVEY_PAGE)
    assert not home.exception
    first = zh(
        "How well does this work in your community: {indicator}?",
        indicator=zh(label_of(INDICATORS[0].code)),
    )
    assert first in texts(home)
    for n, _indicator in enumerate(INDICATORS):
        home.button(key=f"survey_{found.id}_{n}_{4 if n % 2 else 5}").click().run()
        assert not home.exception
    assert zh("Your answers") in texts(home)
    other_tab = open_app("zhang_nainai", page=SURVEY_PAGE)  # a second tab, ready to send too
    for n, _indicator in enumerate(INDICATORS):
        other_tab.button(key=f"survey_{found.id}_{n}_3").click().run()
    home.button(key="survey_send").click().run()
    assert zh("Thank you! Your answers are saved.") in texts(home)
    assert zh(survey.ALREADY_ANSWERED) in texts(home)
    other_tab.button(key="survey_send").click().run()
    assert zh(survey.ALREADY_ANSWERED) in texts(other_tab)
    assert len(_rows(app_db, SurveyResponse)) == 1

    at.run()
    result_texts = "\n".join(str(d.value) for d in at.dataframe)
    assert "3.803" in texts(at)  # the Dazu reference beside the round's total
    assert "4.5" in result_texts or "4.50" in result_texts


def _done_joint_order(app_db) -> tuple[int, int]:
    """A demo report with a done part of 城管 (the demo has no joint order yet)."""
    with Session(get_engine(app_db)) as s:
        report = s.exec(select(Report).order_by(Report.id)).first()
        cgz = s.exec(select(Department).where(Department.code == "cgz")).one()
        s.add(JointTask(report_id=report.id, department_id=cgz.id, role="lead", status="done"))
        s.commit()
        return report.id, cgz.id


def test_two_way_scores_both_ways_and_the_cockpit_shows_them(open_app, app_db):
    report_id, cgz = _done_joint_order(app_db)
    for who, key in (("admin", f"os_{report_id}_{cgz}"), ("handler_cgz", f"os_{report_id}_{cgz}")):
        at = open_app(who, page=SCORES_PAGE)
        assert not at.exception, who
        assert zh("Two-way assessment") in [t.value for t in at.title]
        submit = at.button(key=f"FormSubmitter:{key}-" + zh("Save the score"))
        submit.click().run()  # nothing chosen: a message at each scale
        assert len(at.error) == 2 and at.text_input(key=f"{key}_comment").value == ""
        at.radio(key=f"{key}_speed").set_value(4)
        at.radio(key=f"{key}_result").set_value(5 if who == "admin" else 3)
        at.text_input(key=f"{key}_comment").input("及时")
        at.button(key=f"FormSubmitter:{key}-" + zh("Save the score")).click().run()
        assert not at.exception, who
        assert zh("Score saved.") in texts(at), who
    directions = sorted(r.direction for r in _rows(app_db, OrderScore))
    assert directions == ["department", "street"]
    for who in ("staff01", "handler_street"):  # no street office above S; not 城管's order
        at = open_app(who, page=SCORES_PAGE)
        assert zh("No handled joint or whistle order to score yet.") in texts(at), who
    cockpit = open_app("staff01", page="pages/cockpit.py")
    assert not cockpit.exception
    assert zh("Two-way assessment of departments") in [s.value for s in cockpit.subheader]
    table = next(d.value for d in cockpit.dataframe if zh("Orders handled") in d.value.columns)
    row = table.iloc[0]
    assert (
        row[zh("Street's score: result")] == "5"
        and row[zh("Its score of the dispatch: clarity")] == "3"
    )
