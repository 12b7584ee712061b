"""Malicious text posted through the real forms (AppTest, seeded demo) comes back as text: a display
name with a Markdown image, a message and a report with HTML, council options with links, a
proposal and its translation with script tags. Every rendered markdown / html element is checked."""

from __future__ import annotations

from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Grid, User
from db.models_council import CouncilMeeting, CouncilProposal
from db.models_reports import Report, ReportCategory
from portal import council as c
from portal import notices
from portal.i18n import translate
from portal.text import md_text
from tests.app.conftest import texts, user_id

IMAGE = "![p](http://example.com/x.png)"
LINK = "[click](javascript:alert(1))"
TAG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _html(at) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _rendered(at) -> list[tuple[bool, str]]:
    """Every Markdown body, label and HTML body of the run (what the browser interprets), each with
    whether Markdown reads it: not st.html, nor a one-line HTML block (CommonMark leaves those alone)."""
    parts = [
        str(e.value)
        for group in (
            at.title,
            at.header,
            at.subheader,
            at.markdown,
            at.caption,
            at.error,
            at.warning,
            at.info,
            at.success,
        )
        for e in group
    ]
    parts += [b.label for b in at.button] + [o for r in at.radio for o in r.options]
    marked = [(not (p.startswith("<") and "\n" not in p and "\r" not in p), p) for p in parts]
    return marked + [(False, e.proto.body) for e in at.get("html")]


def _no_raw_markup(at) -> None:
    for markdown, part in _rendered(at):
        for bad in (TAG, SCRIPT) + ((IMAGE, LINK, "](javascript:", "![p](") if markdown else ()):
            assert bad not in part, (bad, part)


def _register(open_app, app_db, name: str, username: str):
    with Session(get_engine(app_db)) as s:
        courtyard = s.exec(select(Grid).where(Grid.code == "G2-M3")).one()
    at = open_app(page="pages/register.py")
    at.text_input(key="reg_name").input(name)
    at.text_input(key="reg_username").input(username)
    at.text_input(key="reg_password").input("bamboo-garden-8")
    at.text_input(key="reg_repeat").input("bamboo-garden-8")
    at.selectbox(key="reg_home").set_value(courtyard.id)
    at.button(key="FormSubmitter:register_form-" + zh("Register")).click().run()
    assert not at.exception, at.exception
    return at, courtyard


def test_a_display_name_with_markup_stays_text_on_home_account_and_messages(open_app, app_db):
    at, courtyard = _register(open_app, app_db, IMAGE, "img_name")
    assert zh("Hello, {name}", name=md_text(IMAGE)) in [t.value for t in at.title]
    assert any(m.value.startswith(f"**{md_text(IMAGE)}** · ") for m in at.sidebar.markdown)
    _no_raw_markup(at)

    at.switch_page("pages/account.py").run()
    assert not at.exception
    assert any(md_text(IMAGE) in m.value for m in at.markdown)
    _no_raw_markup(at)

    at.switch_page("pages/messages.py").run()
    at.text_area(key="msg_new_body").input(f"{TAG}\n{LINK}")
    at.button(key="FormSubmitter:msg_new-" + zh("Send")).click().run()
    assert not at.exception
    _no_raw_markup(at)

    with Session(get_engine(app_db)) as s:
        chief = notices.chief_of(s, courtyard.id)
        thread = notices.thread_for(
            s, s.exec(select(User).where(User.username == "img_name")).one()
        )
    reader = open_app(chief.username, page="pages/messages.py")
    reader.selectbox(key="msg_thread").set_value(thread.id).run()
    assert not reader.exception
    bodies = [m.value for m in reader.markdown]
    assert any(v.startswith(f"**{md_text(IMAGE)}** · ") for v in bodies), bodies
    assert any("&lt;img src=x onerror=alert(1)&gt;<br>" in v for v in bodies), bodies
    _no_raw_markup(reader)


def test_a_report_text_with_blank_carriage_returns_stays_one_html_line(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        lighting = s.exec(select(ReportCategory.id).where(ReportCategory.code == "lighting")).one()
    at = open_app("zhang_nainai", page="pages/report_new.py")
    at.selectbox(key="rp_category").set_value(lighting)
    at.text_area(key="rp_text").input(f"灯坏了\r\r{IMAGE}\r\n\r\n{TAG}")
    at.radio(key="rp_where").set_value("home").run()
    at.button(key="rp_send").click().run()
    assert not at.exception, at.exception
    with Session(get_engine(app_db)) as s:
        report = s.exec(select(Report).order_by(Report.id.desc())).first()
    assert IMAGE in report.description  # saved as typed
    mine = open_app("zhang_nainai", page="pages/my_reports.py")
    assert not mine.exception
    shown = [m.value for m in mine.markdown if "灯坏了" in m.value]
    assert shown and all("\r" not in v and "\n" not in v for v in shown), (
        shown
    )  # no blank line: no Markdown
    assert any("&lt;img src=x onerror=alert(1)&gt;" in v for v in shown)
    _no_raw_markup(mine)


def test_council_options_with_links_and_tags_are_labels_not_markup(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        item = s.exec(
            select(c.CouncilItem).where(c.CouncilItem.title == "楼道杂物集中清理日")
        ).one()
    staff = open_app("staff01", page="pages/council_manage.py")
    form = f"FormSubmitter:council_options_form_{item.id}-" + zh("Save the options")
    staff.text_area(key=f"council_options_{item.id}").input(f"{IMAGE}\n{IMAGE}")
    staff.button(key=form).click().run()
    assert not staff.exception
    said = zh("“{label}” is given twice. Each option must be different.", label=md_text(IMAGE))
    assert said in [e.value for e in staff.error], [e.value for e in staff.error]
    _no_raw_markup(staff)
    labels = [LINK, TAG, IMAGE]
    staff.text_area(key=f"council_options_{item.id}").input("\n".join(labels))
    staff.button(key=form).click().run()
    assert not staff.exception
    with Session(get_engine(app_db), expire_on_commit=False) as s:
        assert [o.label for o in c.item_options(s, [item.id])[item.id]] == labels  # kept as typed
        meeting = s.exec(select(CouncilMeeting).where(CouncilMeeting.status == "published")).one()
        c.open_voting(s, meeting_id=meeting.id, actor_id=user_id(app_db, "staff01"))

    staff = open_app("staff01", page="pages/council_manage.py")
    staff.selectbox(key="council_hand_item").set_value(item.id).run()
    assert staff.radio(key="council_hand_choice").options == [md_text(x) for x in labels]
    assert "&lt;img src=x onerror=alert(1)&gt;" in _html(staff)
    _no_raw_markup(staff)

    member = open_app("tashi", page="pages/council_vote.py")
    assert not member.exception
    assert member.button(key=f"council_vote_{item.id}_o1").label == md_text(LINK)
    member.button(key=f"council_vote_{item.id}_o3").click().run()
    assert not member.exception
    _no_raw_markup(member)


def test_a_proposal_and_its_translation_with_script_tags_stay_text(open_app, app_db):
    at = open_app("resident0100", page="pages/council.py")
    at.text_input(key="council_prop_title").input(f"{SCRIPT} 车棚")
    at.text_area(key="council_prop_body").input(f"{IMAGE}\n{LINK}\n{TAG}")
    at.button(key="FormSubmitter:council_proposal_form-" + zh("Send the proposal")).click().run()
    assert not at.exception
    body = _html(at)
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; 车棚" in body
        and "&lt;img src=x onerror=alert(1)&gt;" in body
    )
    _no_raw_markup(at)
    with Session(get_engine(app_db)) as s:
        mine = s.exec(
            select(CouncilProposal).where(
                CouncilProposal.author_id == user_id(app_db, "resident0100"),
                CouncilProposal.status == "submitted",
            )
        ).one()
    key = f"tr_proposal_{mine.id}"
    at.toggle(key=f"{key}_open").set_value(True).run()
    at.selectbox(key=f"{key}_lang").set_value("ug")
    at.text_input(key=f"{key}_title").input(f"{SCRIPT} ماشىنا")
    at.text_area(key=f"{key}_body").input(f"{TAG} {LINK}")
    next(b for b in at.button if b.key.startswith(f"FormSubmitter:{key}_form-")).click().run()
    assert not at.exception
    reader = open_app("aygul", page="pages/council.py")  # reads Uyghur: sees the translation
    body = _html(reader)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ماشىنا" in body
    assert "&lt;img src=x onerror=alert(1)&gt; [click](javascript:alert(1))" in body
    assert "<script>alert" not in body and "<img src=x" not in body
    assert texts(reader)
