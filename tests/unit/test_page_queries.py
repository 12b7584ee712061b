"""The small read services pages call instead of querying tables themselves."""

from sqlmodel import select

from db.models import Department, User
from db.models_reports import Report
from portal import auth
from portal.reports import queries as report_queries


def test_user_lookups(demo_session):
    nainai = demo_session.exec(select(User).where(User.username == "zhang_nainai")).one()
    assert auth.user_id_for_username(demo_session, "zhang_nainai") == nainai.id
    assert auth.user_id_for_username(demo_session, "nobody-here") is None
    assert auth.display_names(demo_session, {nainai.id}) == {nainai.id: nainai.display_name}
    assert auth.display_names(demo_session, set()) == {}


def test_report_and_department_lookups(demo_session):
    departments = demo_session.exec(select(Department)).all()
    names = report_queries.department_names(demo_session)
    assert names == {d.id: d.name for d in departments} and list(names) == sorted(names)
    first = demo_session.exec(select(Report).order_by(Report.id)).first()
    assert report_queries.report(demo_session, first.id).id == first.id
    assert report_queries.report(demo_session, -1) is None
