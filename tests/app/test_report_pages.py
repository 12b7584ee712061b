"""Snap-a-report pages: file, follow, handle, map."""

from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_reports import Report, ReportCategory, ReportEvent
from portal.i18n import translate
from tests.app.conftest import texts, user_id


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _category(url, code="lighting") -> int:
    with Session(get_engine(url)) as s:
        return s.exec(select(ReportCategory.id).where(ReportCategory.code == code)).one()


def test_file_a_report_from_my_courtyard(open_app, app_db):
    at = open_app("zhang_nainai", page="pages/report_new.py")
    assert not at.exception
    at.selectbox(key="rp_category").set_value(_category(app_db))
    at.text_area(key="rp_text").input("三单元楼道灯不亮了")
    at.radio(key="rp_where").set_value("home").run()
    assert zh(
        "It will be sent to {name} ({duty}).", name="孙德福", duty=zh("Micro-grid chief")
    ) in texts(at)
    at.button(key="rp_send").click().run()
    assert not at.exception, at.exception
    with Session(get_engine(app_db)) as s:
        report = s.exec(select(Report).order_by(Report.id.desc())).first()
        assert report.description == "三单元楼道灯不亮了"
        assert report.reporter_id == user_id(app_db, "zhang_nainai")
        assert report.state == "assigned" and report.place_source == "home"
    assert [m.value for m in at.success][0].startswith(
        zh("Thank you. Report #{id} was sent to {name}.", id=report.id, name="孙德福")[:6]
    )
    assert at.text_area(key="rp_text").value == ""  # the form is fresh for the next report


def test_missing_place_and_category_are_told_at_the_fields(open_app):
    at = open_app("tashi", page="pages/report_new.py")
    at.text_area(key="rp_text").input("路灯坏了")
    at.radio(key="rp_where").set_value("map").run()
    at.button(key="rp_send").click().run()
    errors = [e.value for e in at.error]
    assert translate("bo", "Please choose the place on the map.") in errors
    assert translate("bo", "Please choose what kind of problem it is.") in errors
    assert at.text_area(key="rp_text").value == "路灯坏了"


def test_handler_accepts_from_the_queue_and_resident_follows(open_app, app_db):
    resident = open_app("zhang_nainai", page="pages/report_new.py")
    resident.selectbox(key="rp_category").set_value(_category(app_db))
    resident.text_area(key="rp_text").input("<script>alert(1)</script> 灯不亮")
    resident.radio(key="rp_where").set_value("home").run()
    resident.button(key="rp_send").click().run()
    with Session(get_engine(app_db)) as s:
        report = s.exec(select(Report).order_by(Report.id.desc())).first()
    chief = open_app("chief_g1m1", page="pages/work_queue.py")
    assert not chief.exception
    chief.button(key=f"accept_{report.id}").click().run()
    assert not chief.exception
    with Session(get_engine(app_db)) as s:
        actions = s.exec(select(ReportEvent.action).where(ReportEvent.report_id == report.id)).all()
    assert actions[-1] == "accept"
    banner = [m.value for m in chief.success]  # says accepted, not done (已完成)
    assert (
        banner == [zh("Accepted: report #{id}.", id=report.id)] == [f"已受理：反映 #{report.id}。"]
    )
    mine = open_app("zhang_nainai", page="pages/my_reports.py")
    shown = texts(mine)
    assert "&lt;script&gt;" in shown and "<script>" not in shown  # shown as text, not markup
    assert zh("Accepted") in shown


def test_staff_map_and_public_map_render_without_names(open_app, app_db):
    staff = open_app("staff01", page="pages/report_map.py")
    assert not staff.exception
    legend = zh(
        "Pins: S submitted, A with a handler, H being handled, R resolved, V checked, "
        "C closed, B returned, O reopened; a black square with ! is overdue."
    )
    assert legend in [m.value for m in staff.markdown]
    public = open_app("aygul", page="pages/public_reports.py")
    assert not public.exception
    with Session(get_engine(app_db)) as s:
        reporters = set(s.exec(select(Report.reporter_id)).all())
        users = s.exec(select(User)).all()
        workers = {u.display_name for u in users if u.role not in ("resident", "merchant")}
        reporter_names = {
            u.display_name
            for u in users
            if u.id in reporters and u.display_name not in workers and u.username != "aygul"
        }
    assert reporter_names
    shown = texts(public)
    assert not [name for name in reporter_names if name in shown]


def test_staff_change_a_category_time_limit(open_app, app_db):
    at = open_app("staff01", page="pages/report_categories.py")
    lighting = _category(app_db)
    at.selectbox(key="cat_pick").set_value(lighting).run()
    at.number_input(key=f"cat_hours_{lighting}").set_value(36)
    at.button(key=f"FormSubmitter:category_form_{lighting}-" + zh("Save")).click().run()
    assert not at.exception
    with Session(get_engine(app_db)) as s:
        assert s.get(ReportCategory, lighting).time_limit_hours == 36


def test_the_ballot_tile_shows_only_for_council_members(open_app, app_db):
    from portal.council import seated_councils

    hint = zh("For council members: vote on each agenda item")
    with Session(get_engine(app_db)) as s:
        li_ayi = s.exec(select(User).where(User.username == "li_ayi")).one()
        assert seated_councils(s, li_ayi.id)
        seatless = next(
            u
            for u in s.exec(select(User).where(User.role == "resident").order_by(User.id))
            if not seated_councils(s, u.id)
        ).username
    assert hint in texts(open_app("li_ayi", page="pages/home.py"))
    assert hint not in texts(open_app(seatless, page="pages/home.py"))


def test_rating_without_stars_says_so_at_the_stars_and_keeps_the_comment(open_app, app_db):
    with Session(get_engine(app_db)) as session:
        report, username = session.exec(
            select(Report, User.username)
            .join(User, User.id == Report.reporter_id)
            .where(Report.state.in_(["resolved", "verified"]))
            .order_by(Report.id)
        ).first()
    at = open_app(username, page="pages/my_reports.py")
    at.text_input(key=f"comment_{report.id}").input("灯修好了")
    form_submit = next(b for b in at.button if f"rate_{report.id}" in str(b.id))
    form_submit.click().run()
    assert zh("Please choose 1 to 5 stars.") in [e.value for e in at.error]
    assert at.text_input(key=f"comment_{report.id}").value == "灯修好了"
    with Session(get_engine(app_db)) as session:
        assert session.get(Report, report.id).state == report.state  # nothing saved
