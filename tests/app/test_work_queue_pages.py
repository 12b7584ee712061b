"""The work queue page: search, every filter with its count, ordering, one opened card with its
forms, the choices kept after an action; the points page keeps its tab after an action."""

from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Department, User
from db.models_reports import JointTask, Report, ReportEvent
from db.types import utcnow
from portal import reports
from portal.grids import GridIndex
from portal.i18n import translate
from portal.reports.clock import is_overdue
from tests.app.conftest import user_id

PAGE = "pages/work_queue.py"
FORMS = ("res_note_", "why_", "wh_lead_", "to_dept_", "tr_report_")


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def cards(at) -> list[int]:
    return [int(b.key[5:]) for b in at.button if b.key and b.key.startswith("open_")]


def form_keys(at) -> set[str]:
    widgets = [*at.text_area, *at.text_input, *at.selectbox, *at.toggle]
    return {w.key for w in widgets if w.key and w.key.startswith(FORMS)}


def open_reports(url) -> list[Report]:
    with Session(get_engine(url)) as s:
        return list(
            s.exec(
                select(Report).where(
                    Report.state.in_(reports.OPEN_STATES + ("resolved",))  # type: ignore[attr-defined]
                )
            )
        )


def test_search_finds_a_report_by_number_words_place_and_reporter(open_app, app_db):
    at = open_app("staff01", page=PAGE)
    assert not at.exception
    target = next(r for r in open_reports(app_db) if len(r.description) >= 4)
    at.text_input(key="wq_search").input(f"#{target.id}").run()
    assert cards(at) == [target.id]
    at.text_input(key="wq_search").input(target.description[:4]).run()
    assert target.id in cards(at)
    with Session(get_engine(app_db)) as s:
        reporter = s.get(User, target.reporter_id).display_name
        place = GridIndex.load(s).grids[target.grid_id].name
    at.text_input(key="wq_search").input(reporter).run()
    assert target.id in cards(at)
    at.text_input(key="wq_search").input(place).run()
    assert target.id in cards(at)
    at.text_input(key="wq_search").input("没有这样的反映xyz").run()
    assert cards(at) == [] and zh("Nothing matches these choices.") in [
        m.value for m in at.markdown
    ]


def test_every_filter_shows_its_count_and_filters(open_app, app_db):
    at = open_app("staff01", page=PAGE)
    rows = open_reports(app_db)
    now = utcnow()
    # state: the count on the option is the number of cards it shows
    state = at.selectbox(key="wq_state")
    assert state.options[0] == zh("{label} ({n})", label=zh("All states"), n=len(rows))
    assigned = sum(1 for r in rows if r.state == "assigned")
    label = zh("{label} ({n})", label=zh(reports.STATE_LABELS["assigned"]), n=assigned)
    assert label in state.options
    state.set_value("assigned").run()
    assert len(cards(at)) == min(assigned, 20)
    assert zh(
        "{n} reports, {k} overdue.",
        n=assigned,
        k=sum(is_overdue(r, now) for r in rows if r.state == "assigned"),
    ) in [m.value for m in at.markdown]
    at.selectbox(key="wq_state").set_value(None).run()
    # category, grid, department
    category = rows[0].category_id
    at.selectbox(key="wq_category").set_value(category).run()
    assert set(cards(at)) <= {r.id for r in rows if r.category_id == category}
    assert len(cards(at)) == min(20, sum(1 for r in rows if r.category_id == category))
    at.selectbox(key="wq_category").set_value(None).run()
    grid = rows[0].grid_id
    at.selectbox(key="wq_grid").set_value(grid).run()
    assert rows[0].id in cards(at) and set(cards(at)) <= {r.id for r in rows if r.grid_id == grid}
    at.selectbox(key="wq_grid").set_value(None).run()
    with Session(get_engine(app_db)) as s:
        joint = {(j.report_id, j.department_id) for j in s.exec(select(JointTask))}
    held = {(r.id, r.department_id) for r in rows if r.department_id}
    department = next(iter(held | joint))[1]
    expected = {rid for rid, d in held | joint if d == department} & {r.id for r in rows}
    at.selectbox(key="wq_department").set_value(department).run()
    assert set(cards(at)) == expected or len(cards(at)) == 20
    at.selectbox(key="wq_department").set_value(None).run()
    # overdue, due today, urgent: each pill says how many
    overdue = sum(is_overdue(r, now) for r in rows)
    urgent = sum(r.urgent for r in rows)
    labels = [getattr(o, "content", o) for o in at.pills(key="wq_flags").options]
    assert zh("{label} ({n})", label=zh("Overdue"), n=overdue) in labels
    assert zh("{label} ({n})", label=zh("Urgent"), n=urgent) in labels
    at.session_state["wq_flags"] = ["overdue"]
    at.run()
    assert len(cards(at)) == min(20, overdue)
    assert all(is_overdue(r, now) for r in rows if r.id in cards(at))
    at.session_state["wq_flags"] = ["urgent"]
    at.run()
    assert len(cards(at)) == min(20, urgent)
    at.session_state["wq_flags"] = ["due_today"]
    at.run()
    assert not at.exception
    assert not [r for r in rows if r.id in cards(at) and is_overdue(r, now)]


def test_urgent_and_overdue_come_first(open_app, app_db):
    at = open_app("staff01", page=PAGE)
    now = utcnow()
    rows = {r.id: r for r in open_reports(app_db)}
    shown = [rows[i] for i in cards(at)]
    rank = [0 if r.urgent else 1 if is_overdue(r, now) else 2 for r in shown]
    assert rank == sorted(rank) and rank[0] == 0
    at.selectbox(key="wq_sort").set_value("newest").run()
    created = [rows[i].created_at for i in cards(at)]
    assert created == sorted(created, reverse=True)


def test_only_the_opened_card_renders_its_forms_and_an_action_keeps_the_choices(open_app):
    at = open_app("staff01", page=PAGE)
    assert form_keys(at) == set()  # no hidden forms in the 20 cards
    assert not [b for b in at.button if b.key and b.key.startswith(("resolve_", "whistle_"))]
    at.selectbox(key="wq_state").set_value("assigned").run()
    first = cards(at)[0]
    at.button(key=f"open_{first}").click().run()
    assert not at.exception
    assert form_keys(at) and all(
        k.endswith(f"_{first}") or f"_{first}_" in k for k in form_keys(at)
    )
    second = cards(at)[1]
    at.button(key=f"open_{second}").click().run()  # opening another closes the first
    assert all(str(first) not in k for k in form_keys(at))
    # act on the opened card: the filter, the opened card and the page stay as they were
    at.button(key=f"accept_{second}").click().run()
    assert not at.exception
    assert at.selectbox(key="wq_state").value == "assigned"
    # accepted: no longer in the "assigned" list, still open above it
    assert cards(at)[0] == second and second not in cards(at)[1:]
    assert [m.value for m in at.success] == [zh("Accepted: report #{id}.", id=second)]
    assert zh("Opened report") in [h.value for h in at.subheader]  # still open, above the list
    assert at.session_state["wq_open"] == second


def test_a_link_opens_one_report(app_db):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    target = open_reports(app_db)[-1]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["user_id"] = user_id(app_db, "staff01")
    at.session_state["wq_open"] = target.id  # what ?report=ID sets on the first run
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert form_keys(at) and all(str(target.id) in k for k in form_keys(at))


def test_an_assisting_department_sees_only_its_part(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        index = GridIndex.load(s)
        report = next(r for r in open_reports(app_db) if r.state in reports.WORKING_STATES)
        police = s.exec(select(Department).where(Department.code == "police")).one()
        prop = s.exec(select(Department).where(Department.code == "property")).one()
        reports.whistle(
            s,
            index,
            report_id=report.id,
            actor_id=user_id(app_db, "staff01"),
            lead_department_id=police.id,
            assist_department_ids=[prop.id],
            parts={prop.id: "关闭燃气阀"},
        )
        names = (police.name, prop.name)
    at = open_app("handler_property", page=PAGE)
    assert not at.exception
    assert report.id in cards(at)
    mine = [b.key for b in at.button if b.key and b.key.endswith(f"_{report.id}")]
    assert sorted(mine) == sorted([f"joint_{report.id}", f"open_{report.id}"])
    shown = "\n".join(m.value for m in at.markdown)
    assert names[0] in shown and names[1] in shown and "关闭燃气阀" in shown
    assert zh("Assisting") in shown and zh("Lead") in shown
    at.button(key=f"open_{report.id}").click().run()
    assert not [k for k in form_keys(at) if not k.startswith("tr_")]  # no step forms
    at.button(key=f"joint_{report.id}").click().run()
    assert [m.value for m in at.success] == [
        zh("Your part is recorded as done: report #{id}.", id=report.id)
    ]
    assert f"joint_{report.id}" not in [b.key for b in at.button]
    assert zh("Part done") in "\n".join(m.value for m in at.markdown)
    with Session(get_engine(app_db)) as s:
        actions = s.exec(select(ReportEvent.action).where(ReportEvent.report_id == report.id)).all()
    assert actions[-1] == "joint_done"


def _open_tab(at, key: str) -> str:
    return at.session_state[key] if key in at.session_state else ""


def test_points_page_keeps_its_tab_after_an_action(open_app, app_db):
    from db.models_points import Reward

    at = open_app("axi", page="pages/points.py")
    rewards_label = translate("ii", "Rewards")
    at.session_state["points_tab"] = rewards_label
    at.run()
    with Session(get_engine(app_db)) as s:
        haircut = s.exec(select(Reward).where(Reward.provider == "merchant")).one()
    at.button(key=f"redeem_{haircut.id}").click().run()
    assert not at.exception
    assert at.success  # the banner above the tabs
    assert _open_tab(at, "points_tab") == rewards_label
