"""Translations of wishes, reports and proposals in the pages (AppTest, seeded demo): the author
adds one, a reader in that language sees the original and the labelled translation, staff add one,
bad input is refused at its field and what was typed stays."""

from __future__ import annotations

from sqlmodel import Session, col, select
from streamlit.testing.v1 import AppTest

from db.engine import get_engine
from db.models import User
from db.models_council import CouncilProposal
from db.models_reports import Report
from db.models_translations import ContentTranslation
from db.models_wishes import Wish
from portal import content_translations as ct
from portal.i18n import translate
from tests.app.conftest import texts, user_id
from tests.conftest import ROOT


def _html(at) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _open(app_db, username: str, page: str, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["user_id"] = user_id(app_db, username)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def _zh_wish(app_db) -> tuple[int, str]:
    with Session(get_engine(app_db)) as s:
        wish = s.exec(
            select(Wish)
            .where(Wish.language == "zh_Hans", Wish.state == "open", col(Wish.personal).is_(False))
            .order_by(Wish.id)
        ).first()  # noqa: E712
        return wish.id, s.get(User, wish.author_id).username


def _fill(at: AppTest, kind: str, item_id: int, language: str, body: str, title: str | None = None):
    key = f"tr_{kind}_{item_id}"
    at.toggle(key=f"{key}_open").set_value(True).run()
    at.selectbox(key=f"{key}_lang").set_value(language)
    if title is not None:
        at.text_input(key=f"{key}_title").input(title)
    at.text_area(key=f"{key}_body").input(body)
    submit = next(b for b in at.button if b.key.startswith(f"FormSubmitter:{key}_form-"))
    submit.click().run()
    assert not at.exception


def test_author_adds_a_translation_and_an_uyghur_reader_sees_both(app_db):
    wish_id, author = _zh_wish(app_db)
    at = _open(app_db, author, "pages/wish_detail.py", wish_id=wish_id)
    _fill(at, "wish", wish_id, "ug", title="پەلەمپەي تۇتقۇچى", body="<b>تۇتقۇچ</b> ئورنىتىش")
    with Session(get_engine(app_db)) as s:
        rows = s.exec(select(ContentTranslation).where(ContentTranslation.item_id == wish_id)).all()
    assert [(r.kind, r.language, r.title) for r in rows] == [("wish", "ug", "پەلەمپەي تۇتقۇچى")]

    reader = _open(app_db, "aygul", "pages/wish_detail.py", wish_id=wish_id)  # aygul reads Uyghur
    body = _html(reader)
    assert 'lang="zh-Hans" dir="ltr"' in body  # the original, in its own language
    assert 'lang="ug" dir="rtl"><h4>پەلەمپەي تۇتقۇچى</h4>' in body  # the translation
    assert (
        "&lt;b&gt;تۇتقۇچ&lt;/b&gt;" in body and "<b>تۇتقۇچ" not in body
    )  # typed markup stays text
    assert translate("ug", "Translation") in body
    with Session(get_engine(app_db)) as s:
        name = s.exec(select(User.display_name).where(User.username == author)).one()
    assert name in body

    # a reader in another language sees only the original
    tibetan = _open(app_db, "tashi", "pages/wish_detail.py", wish_id=wish_id)
    assert "پەلەمپەي تۇتقۇچى" not in _html(tibetan)


def test_empty_translation_is_refused_and_the_title_stays(app_db):
    wish_id, author = _zh_wish(app_db)
    at = _open(app_db, author, "pages/wish_detail.py", wish_id=wish_id)
    _fill(at, "wish", wish_id, "en", title="A handrail", body="   ")
    assert translate("zh_Hans", ct.NO_BODY) in [e.value for e in at.error]
    assert at.text_input(key=f"tr_wish_{wish_id}_title").value == "A handrail"
    with Session(get_engine(app_db)) as s:
        assert s.exec(select(ContentTranslation)).all() == []


def test_a_neighbour_gets_no_translation_form(app_db):
    wish_id, author = _zh_wish(app_db)
    other = "resident0100" if author != "resident0100" else "resident0101"
    at = _open(app_db, other, "pages/wish_detail.py", wish_id=wish_id)
    assert not [t for t in at.toggle if t.key == f"tr_wish_{wish_id}_open"]


def test_staff_translate_a_report_in_the_work_queue_and_the_reporter_sees_it(app_db):
    with Session(get_engine(app_db)) as s:
        report = s.exec(
            select(Report)
            .where(Report.description != "", Report.language == "zh_Hans")
            .order_by(Report.id)
        ).first()
        reporter = s.get(User, report.reporter_id)
    at = _open(app_db, "staff01", "pages/report_map.py", rm_open=report.id)
    _fill(
        at,
        "report",
        report.id,
        reporter.language if reporter.language != "zh_Hans" else "en",
        body="Translated by the office",
    )
    assert not at.exception
    with Session(get_engine(app_db)) as s:
        row = s.exec(
            select(ContentTranslation).where(ContentTranslation.item_id == report.id)
        ).one()
        staff_name = s.exec(select(User.display_name).where(User.username == "staff01")).one()
    assert row.kind == "report" and row.body == "Translated by the office"
    # the reporter, reading in the translation's language, sees it under the original
    with Session(get_engine(app_db)) as s:
        who = s.get(User, report.reporter_id)
        who.language = row.language
        s.commit()
    mine = _open(app_db, reporter.username, "pages/my_reports.py")
    html = _html(mine)
    assert "Translated by the office" in html and staff_name in html
    label = translate(
        row.language,
        "Translated from {source} by community staff, {name}, {when}",
        source="简体中文",
        name=staff_name,
        when="",
    ).rstrip(", ،")
    assert label.split(staff_name)[0] in html


def test_proposal_author_translates_from_my_proposals(app_db):
    with Session(get_engine(app_db)) as s:
        proposal = s.exec(select(CouncilProposal).order_by(CouncilProposal.id)).first()
        author = s.get(User, proposal.author_id).username
    at = _open(app_db, author, "pages/council.py")
    target = "bo" if proposal.language != "bo" else "en"
    _fill(at, "proposal", proposal.id, target, title="གྲོས་འཆར།", body="ཡིག་སྒྱུར།")
    with Session(get_engine(app_db)) as s:
        reads = s.exec(select(User.language).where(User.username == author)).one()
    assert translate(
        reads, "Thank you. The translation into {language} is saved.", language="བོད་ཡིག"
    ) in texts(at)
    with Session(get_engine(app_db)) as s:
        assert ct.latest(s, "proposal", proposal.id, target).title == "གྲོས་འཆར།"
