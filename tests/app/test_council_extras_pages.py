"""Council extras in the pages (AppTest, seeded demo): staff give an item its own options, add a
photo and a PDF, record a hand vote on an option, create a second council for a general grid;
members vote with large buttons on the options; residents see the files and both councils, and
withdraw their support."""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Grid, User
from db.models_council import Council, CouncilBallot, CouncilItem, CouncilMeeting, CouncilProposal
from db.models_council_extras import CouncilAttachment
from portal import council as c
from portal.council import options as council_options
from portal.i18n import translate
from portal.text import md_text
from tests.app.conftest import texts, user_id

PLANS = ["方案一：改建车棚", "方案二：改成小花园", "方案三：**保持**原样"]


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _html(at) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _item(url, title="楼道杂物集中清理日") -> CouncilItem:
    with Session(get_engine(url)) as s:
        return s.exec(select(CouncilItem).where(CouncilItem.title == title)).one()


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _jpeg() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (400, 300), (90, 140, 60)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def _submit(at, form: str, label: str):
    return at.button(key=f"FormSubmitter:{form}-{zh(label)}").click().run()


def _open_voting(url):
    with Session(get_engine(url), expire_on_commit=False) as s:
        meeting = s.exec(select(CouncilMeeting).where(CouncilMeeting.status == "published")).one()
        c.open_voting(s, meeting_id=meeting.id, actor_id=user_id(url, "staff01"))


def _plans(url):
    item = _item(url)
    with Session(get_engine(url), expire_on_commit=False) as s:
        council_options.set_options(
            s, item_id=item.id, actor_id=user_id(url, "staff01"), labels=PLANS
        )
    return item


def test_staff_give_an_item_its_options_errors_keep_the_text(open_app, app_db):
    item = _item(app_db)
    at = open_app("staff01", page="pages/council_manage.py")
    assert not at.exception
    form = f"council_options_form_{item.id}"
    at.text_area(key=f"council_options_{item.id}").input("只有一个方案")
    _submit(at, form, "Save the options")
    assert not at.exception
    assert zh(
        "Give at least {low} options, or none to vote For / Against / Abstain.", low=2
    ) in texts(at)
    assert at.text_area(key=f"council_options_{item.id}").value == "只有一个方案"
    at.text_area(key=f"council_options_{item.id}").input("\n".join(PLANS))
    _submit(at, form, "Save the options")
    assert not at.exception
    assert zh("The options were saved.") in texts(at)
    with Session(get_engine(app_db)) as s:
        assert [o.label for o in c.item_options(s, [item.id])[item.id]] == PLANS
    # once voting is open the options are fixed: the form is gone, the options are still listed
    _open_voting(app_db)
    at = open_app("staff01", page="pages/council_manage.py")
    assert not at.exception
    assert not [w for w in at.text_area if w.key == f"council_options_{item.id}"]
    assert PLANS[1] in _html(at)


def test_member_votes_on_an_option_with_large_buttons_and_staff_record_a_hand_vote(
    open_app, app_db
):
    item = _plans(app_db)
    _open_voting(app_db)
    at = open_app("tashi", page="pages/council_vote.py")
    assert not at.exception
    buttons = [at.button(key=f"council_vote_{item.id}_o{n}") for n in (1, 2, 3)]
    assert "\\*\\*保持\\*\\*" in buttons[2].label  # typed text, not markup
    assert not [b for b in at.button if b.key == f"council_vote_{item.id}_for"]
    buttons[1].click().run()
    assert not at.exception
    assert translate("bo", "Your ballot was saved: {choice}", choice=PLANS[1]) in texts(
        at
    )  # tashi reads Tibetan
    assert at.button(key=f"council_vote_{item.id}_o2").label.startswith("✓ ")
    staff = open_app("staff01", page="pages/council_manage.py")
    staff.selectbox(key="council_hand_item").set_value(item.id).run()
    assert staff.radio(key="council_hand_choice").options == [
        md_text(p) for p in PLANS
    ]  # labels, not markup
    staff.selectbox(key="council_hand_member").set_value(user_id(app_db, "merchant002"))
    staff.radio(key="council_hand_choice").set_value("o3")
    staff.button(key="council_hand_save").click().run()
    assert not staff.exception
    assert zh("The ballot was recorded and marked as by hand.") in texts(staff)
    with Session(get_engine(app_db)) as s:
        chosen = dict(
            s.exec(
                select(CouncilBallot.user_id, CouncilBallot.choice).where(
                    CouncilBallot.item_id == item.id
                )
            ).all()
        )
    assert chosen == {user_id(app_db, "tashi"): "o2", user_id(app_db, "merchant002"): "o3"}
    assert f"{PLANS[1]} 1" in _html(staff)  # the tally counts per option


def test_staff_attach_a_photo_and_a_pdf_bad_files_are_refused(open_app, app_db):
    item = _item(app_db)
    at = open_app("staff01", page="pages/council_manage.py")
    key = f"council_attach_{item.id}"
    at.file_uploader(key=f"{key}_file").set_value(("方案.pdf", b"MZ not a pdf", "application/pdf"))
    at.text_input(key=f"{key}_caption").input("预算表")
    _submit(at, f"{key}_form", "Add the file")
    assert not at.exception
    assert zh("This file is not a PDF document, although its name ends in .pdf.") in texts(at)
    assert at.text_input(key=f"{key}_caption").value == "预算表"
    at.file_uploader(key=f"{key}_file").set_value(("方案.pdf", _pdf(), "application/pdf"))
    _submit(at, f"{key}_form", "Add the file")
    assert not at.exception
    assert zh("The file was added.") in texts(at)
    at.file_uploader(key=f"{key}_file").set_value(("楼道.jpg", _jpeg(), "image/jpeg"))
    _submit(at, f"{key}_form", "Add the file")  # a photo needs words for screen readers
    assert zh(
        "Please describe the photo in a few words (read out to people who cannot see it)."
    ) in texts(at)
    at.text_input(key=f"{key}_caption").input("楼道里堆着纸箱")
    _submit(at, f"{key}_form", "Add the file")
    assert zh("The file was added.") in texts(at)
    with Session(get_engine(app_db)) as s:
        kinds = s.exec(
            select(CouncilAttachment.kind).where(CouncilAttachment.item_id == item.id)
        ).all()
    assert sorted(kinds) == ["document", "photo"]
    # residents and members see the photo with its alt text and the PDF as a download
    for who in ("zhang_nainai", "tashi"):
        page = "pages/council.py" if who == "zhang_nainai" else "pages/council_vote.py"
        seen = open_app(who, page=page)
        assert not seen.exception
        assert 'alt="楼道里堆着纸箱"' in _html(seen)
        downloads = list(seen.get("download_button"))
        assert any("预算表" in d.proto.label for d in downloads), who


def test_resident_withdraws_support_and_the_count_goes_down(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        proposal = s.exec(
            select(CouncilProposal).where(CouncilProposal.title.startswith("火把节"))
        ).one()
    at = open_app("resident0100", page="pages/council.py")
    at.button(key=f"council_support_{proposal.id}").click().run()
    before = c.support_counts(Session(get_engine(app_db)), [proposal.id])[proposal.id]
    at.button(key=f"council_unsupport_{proposal.id}").click().run()
    assert not at.exception
    assert zh("Your support was withdrawn.") in texts(at)
    with Session(get_engine(app_db)) as s:
        assert c.support_counts(s, [proposal.id])[proposal.id] == before - 1
    assert [b for b in at.button if b.key == f"council_support_{proposal.id}"]  # can support again


def test_resident_adds_a_pdf_to_own_proposal(open_app, app_db):
    at = open_app("resident0100", page="pages/council.py")
    at.text_input(key="council_prop_title").input("车棚装监控")
    at.text_area(key="council_prop_body").input("车棚常丢车，希望装监控。")
    at.button(key="FormSubmitter:council_proposal_form-" + zh("Send the proposal")).click().run()
    assert not at.exception
    with Session(get_engine(app_db)) as s:
        proposal = s.exec(
            select(CouncilProposal).where(CouncilProposal.title == "车棚装监控")
        ).one()
    key = f"council_prop_attach_{proposal.id}"
    at.file_uploader(key=f"{key}_file").set_value(
        ("broken.jpg", b"\xff\xd8\xff garbage", "image/jpeg")
    )
    _submit(at, f"{key}_form", "Add the file")
    assert zh("Please send a photo (JPEG, PNG or WebP).") in texts(at)
    at.file_uploader(key=f"{key}_file").set_value(("../监控位置.pdf", _pdf(), "application/pdf"))
    _submit(at, f"{key}_form", "Add the file")
    assert not at.exception
    assert zh("The file was added.") in texts(at)
    with Session(get_engine(app_db)) as s:
        row = s.exec(
            select(CouncilAttachment).where(CouncilAttachment.proposal_id == proposal.id)
        ).one()
    assert row.file_name == "监控位置.pdf" and row.uploaded_by == user_id(app_db, "resident0100")
    staff = open_app("staff01", page="pages/council_manage.py")  # staff see it when screening
    assert any("监控位置" in d.proto.label for d in staff.get("download_button"))


def _general_grid_of(url, username):
    with Session(get_engine(url)) as s:
        home = s.get(Grid, s.exec(select(User.home_grid_id).where(User.username == username)).one())
        while home is not None and home.kind != "general":
            home = s.get(Grid, home.parent_id) if home.parent_id else None
        return home


def test_staff_create_a_council_for_a_general_grid_residents_see_both(open_app, app_db):
    grid = _general_grid_of(app_db, "zhang_nainai")
    at = open_app("staff01", page="pages/council_manage.py")
    form = "council_more_form"
    _submit(at, form, "Create the council")  # empty name
    assert not at.exception
    assert zh("Please give the council a name.") in texts(at)
    at.text_input(key=f"{form}_name").input(f"{grid.name}议事会")
    at.date_input(key=f"{form}_end").set_value(date.today() - timedelta(days=1))
    _submit(at, form, "Create the council")
    assert zh("The term must end after it starts.") in texts(at)
    assert at.text_input(key=f"{form}_name").value == f"{grid.name}议事会"
    at.date_input(key=f"{form}_end").set_value(date.today() + timedelta(days=700))
    _submit(at, form, "Create the council")  # the community grid already has its council
    assert not at.exception
    with Session(get_engine(app_db)) as s:
        community = s.exec(select(Council)).one()
    assert zh(
        "“{name}” already serves this grid from {start} to {end}. Choose a term that does not overlap.",
        name=md_text(community.name),
        start=md_text(community.term_start.isoformat()),
        end=md_text(community.term_end.isoformat()),
    ) in texts(at)  # as typed, not markup
    at.selectbox(key=f"{form}_grid").set_value(grid.id)
    at.number_input(key=f"{form}_seats").set_value(2)
    _submit(at, form, "Create the council")
    assert not at.exception
    assert zh("The council was created. Now give its seats.") in texts(at)
    with Session(get_engine(app_db)) as s:
        made = s.exec(select(Council).where(Council.grid_id == grid.id)).one()
    assert (made.name, made.seats_per_group) == (f"{grid.name}议事会", 2)
    assert at.selectbox(key="council_manage_id").value == made.id
    _submit(at, form, "Create the council")  # the second click: refused, nothing new
    with Session(get_engine(app_db)) as s:
        assert len(s.exec(select(Council).where(Council.grid_id == grid.id)).all()) == 1
    # a resident of that grid sees both councils and can switch to the grid's one
    home = open_app("zhang_nainai", page="pages/council.py")
    assert not home.exception
    picker = home.radio(key="council_pick")
    assert picker.options[1] == made.name
    picker.set_value(made.id).run()
    assert not home.exception
    assert zh("No meeting is announced yet.") in texts(home)


def test_every_role_opens_the_council_pages_with_extras(open_app, app_db):
    _plans(app_db)
    for who in ("zhang_nainai", "chen_shop", "chief_g1m1", "staff01", "handler_street", "admin"):
        for page in ("pages/council.py", "pages/council_vote.py", "pages/council_manage.py"):
            at = open_app(who, page=page)
            assert not at.exception, (who, page)
