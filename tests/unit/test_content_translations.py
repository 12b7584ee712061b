"""Translations of what people wrote: only the author or staff may add one, into another language;
the reader gets the newest one in their language with who wrote it; nothing is overwritten."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from db.models import User
from db.models_council import CouncilProposal
from db.models_reports import Report
from db.models_translations import ContentTranslation
from db.models_wishes import Wish
from db.types import utcnow
from portal import content_translations as ct
from portal.errors import FieldErrors, UserError


def _user(session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def _wish(session) -> Wish:
    return session.exec(select(Wish).where(Wish.language == "zh_Hans").order_by(Wish.id)).first()


def _other_resident(session, *not_ids: int) -> User:
    return session.exec(
        select(User)
        .where(User.role == "resident", User.id.notin_(not_ids), User.is_active)
        .order_by(User.id)
    ).first()


def test_author_adds_a_translation_and_a_reader_sees_it(demo_session):
    wish = _wish(demo_session)
    row = ct.add(
        demo_session,
        kind="wish",
        item_id=wish.id,
        language="ug",
        title="  تۇتقۇچ  ",
        body="پەلەمپەيگە تۇتقۇچ ئورنىتىش",
        translator_id=wish.author_id,
    )
    assert row.id and row.title == "تۇتقۇچ"  # trimmed
    view = ct.latest(demo_session, "wish", wish.id, "ug")
    assert view.body == "پەلەمپەيگە تۇتقۇچ ئورنىتىش" and view.translator_is_author
    author = demo_session.get(User, wish.author_id)
    assert view.translator_name == author.display_name
    assert ct.latest(demo_session, "wish", wish.id, "bo") is None
    assert ct.languages(demo_session, "wish", wish.id) == ["ug"]


def test_staff_may_translate_a_report_but_a_neighbour_may_not(demo_session):
    report = demo_session.exec(
        select(Report).where(Report.description != "").order_by(Report.id)
    ).first()
    staff = _user(demo_session, "staff01")
    neighbour = _other_resident(demo_session, report.reporter_id, report.on_behalf_of_id or 0)
    assert ct.may_translate(demo_session, staff.id, "report", report.id)
    assert ct.may_translate(demo_session, report.reporter_id, "report", report.id)
    assert not ct.may_translate(demo_session, neighbour.id, "report", report.id)
    with pytest.raises(UserError) as refused:
        ct.add(
            demo_session,
            kind="report",
            item_id=report.id,
            language="bo" if report.language != "bo" else "en",
            body="text",
            translator_id=neighbour.id,
        )
    assert refused.value.message.msgid == ct.NOT_ALLOWED
    target = "en" if report.language != "en" else "zh_Hans"
    ct.add(
        demo_session,
        kind="report",
        item_id=report.id,
        language=target,
        body="Streetlight broken",
        translator_id=staff.id,
    )
    view = ct.latest(demo_session, "report", report.id, target)
    assert view.title is None and not view.translator_is_author
    assert view.translator_name == staff.display_name


def test_proposal_needs_a_title_too(demo_session):
    proposal = demo_session.exec(select(CouncilProposal).order_by(CouncilProposal.id)).first()
    target = "en" if proposal.language != "en" else "zh_Hans"
    with pytest.raises(FieldErrors) as bad:
        ct.add(
            demo_session,
            kind="proposal",
            item_id=proposal.id,
            language=target,
            title=" ",
            body="A bench by the gate",
            translator_id=proposal.author_id,
        )
    assert bad.value.errors["title"].msgid == ct.NO_TITLE
    ct.add(
        demo_session,
        kind="proposal",
        item_id=proposal.id,
        language=target,
        title="Bench",
        body="A bench by the gate",
        translator_id=proposal.author_id,
    )
    assert ct.latest(demo_session, "proposal", proposal.id, target).title == "Bench"


@pytest.mark.parametrize(
    "language,title,body,field,msgid",
    [
        ("zh_Hans", "标题", "正文", "language", ct.SAME_LANGUAGE),
        ("xx", "t", "b", "language", ct.NO_LANGUAGE),
        (None, "t", "b", "language", ct.NO_LANGUAGE),
        ("en", "t", "   \n ", "body", ct.NO_BODY),
        ("en", "t", "\x00\x07", "body", ct.NO_BODY),
        ("en", "t", "x" * (ct.BODY_MAX + 1), "body", ct.BODY_LONG),
        ("en", "x" * (ct.TITLE_MAX + 1), "b", "title", ct.TITLE_LONG),
    ],
)
def test_bad_input_is_refused_at_its_field_and_nothing_is_saved(
    demo_session, language, title, body, field, msgid
):
    wish = _wish(demo_session)
    with pytest.raises(FieldErrors) as bad:
        ct.add(
            demo_session,
            kind="wish",
            item_id=wish.id,
            language=language,
            title=title,
            body=body,
            translator_id=wish.author_id,
        )
    assert bad.value.errors[field].msgid == msgid
    assert demo_session.exec(select(ContentTranslation)).all() == []


@pytest.mark.parametrize(
    "kind,item_id", [("wish", 10**9), ("poem", 1), ("wish", "1; DROP TABLE wish")]
)
def test_unknown_items_are_refused(demo_session, kind, item_id):
    staff = _user(demo_session, "staff01")
    with pytest.raises(UserError) as refused:
        ct.add(
            demo_session,
            kind=kind,
            item_id=item_id,
            language="en",
            body="b",
            translator_id=staff.id,
        )
    assert refused.value.message.msgid == ct.NOT_FOUND
    assert not ct.may_translate(demo_session, staff.id, kind, item_id)
    assert ct.latest(demo_session, "poem", 1, "en") is None


def test_markup_is_kept_as_text_and_a_second_click_saves_once(demo_session):
    wish = _wish(demo_session)
    body = "<script>alert(1)</script> **bold**"
    for _ in range(2):
        ct.add(
            demo_session,
            kind="wish",
            item_id=wish.id,
            language="en",
            title="<b>t</b>",
            body=body,
            translator_id=wish.author_id,
        )
    rows = demo_session.exec(select(ContentTranslation)).all()
    assert len(rows) == 1 and rows[0].body == body  # stored as typed; the UI escapes it


def test_a_newer_translation_supersedes_and_the_older_stays(demo_session):
    wish = _wish(demo_session)
    staff = _user(demo_session, "staff01")
    first = utcnow() - timedelta(hours=2)
    ct.add(
        demo_session,
        kind="wish",
        item_id=wish.id,
        language="en",
        title="Old",
        body="old",
        translator_id=wish.author_id,
        now=first,
    )
    ct.add(
        demo_session,
        kind="wish",
        item_id=wish.id,
        language="en",
        title="New",
        body="new",
        translator_id=staff.id,
        now=first + timedelta(hours=1),
    )
    view = ct.latest(demo_session, "wish", wish.id, "en")
    assert (view.title, view.body, view.translator_name) == ("New", "new", staff.display_name)
    assert len(demo_session.exec(select(ContentTranslation)).all()) == 2


def test_an_inactive_account_cannot_translate(demo_session):
    wish = _wish(demo_session)
    author = demo_session.get(User, wish.author_id)
    author.is_active = False
    demo_session.commit()
    assert not ct.may_translate(demo_session, author.id, "wish", wish.id)
    assert not ct.may_translate(demo_session, None, "wish", wish.id)


def test_the_database_refuses_an_unknown_kind_or_an_empty_body(demo_session):
    from sqlalchemy.exc import IntegrityError

    staff = _user(demo_session, "staff01")
    for bad in (
        {"kind": "poem", "body": "b"},
        {"kind": "wish", "body": ""},
        {"kind": "wish", "body": "b", "language": "fr"},
    ):
        row = ContentTranslation(item_id=1, translator_id=staff.id, **{"language": "en", **bad})
        demo_session.add(row)
        with pytest.raises(IntegrityError):
            demo_session.commit()
        demo_session.rollback()
