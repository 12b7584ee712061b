"""The council extras in a real browser (issue #6): a resident supports a proposal and withdraws the
support; staff give an agenda item three options of its own, attach a photo and a PDF and open
voting; a member votes with one large button per option and sees the photo (with its description as
alt text) and the PDF (as a download that returns the very file); a resident of a general grid with
its own council chooses between the two councils. axe-core finds nothing on any of these screens,
one of them in elder mode.

The tests share one server and run in file order: the first needs proposals still open, the second
opens voting on the meeting."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image, ImageDraw
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Grid, User
from db.models_council import CouncilItem, CouncilProposal
from db.models_council_extras import CouncilAttachment
from portal import council as c
from portal.ui.council_form_widgets import size_text
from tests.e2e.helpers import (
    ARTIFACTS,
    MAIN,
    assert_no_axe_violations,
    click_key,
    expect_text,
    open_as,
    open_page,
    wait_idle,
    wait_rerun,
    zh,
)

pytestmark = pytest.mark.e2e

ITEM_TITLE = "楼道杂物集中清理日"  # seeded on this month's (published) agenda
PLANS = ["方案一：物业统一清运", "方案二：各楼栋自行清理", "方案三：<b>暂缓</b>，先发通知"]
PHOTO_CAPTION = '3栋楼道堆满纸箱和"旧沙发"<清理前>'
PDF_CAPTION = "清理分工表"
DOCUMENT_LINK = "a.linli-private-download"  # through /files/council/, login checked
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def _png() -> bytes:
    image = Image.new("RGB", (320, 240), (200, 190, 170))
    draw = ImageDraw.Draw(image)
    for n in range(6):  # a stack of "boxes"
        draw.rectangle(
            (40 + n * 40, 120 - n * 12, 75 + n * 40, 220), fill=(150, 110, 60), outline=(60, 40, 20)
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _shot(locator, name: str) -> None:
    """A screenshot of one part of the page (the page itself scrolls inside Streamlit's main area)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _supporters(page, proposal_id: int) -> str:
    return page.locator(f".st-key-council_proposal_{proposal_id}").inner_text()


# --- (1) support and withdraw ------------------------------------------------------------------


def test_resident_supports_a_proposal_and_withdraws_it(server, new_context):
    with Session(get_engine(server.db_url)) as s:
        proposal = s.exec(
            select(CouncilProposal).where(CouncilProposal.title.startswith("火把节"))
        ).one()
        before = c.support_counts(s, [proposal.id])[proposal.id]
    resident = open_as(new_context, server, "resident0100")
    open_page(resident, server.url + "/council", f".st-key-council_support_{proposal.id} button")
    assert zh("{n} supporters", n=before) in _supporters(resident, proposal.id)

    click_key(resident, f"council_support_{proposal.id}")
    expect_text(resident, zh("Thank you for your support."))
    resident.locator(f".st-key-council_unsupport_{proposal.id} button").wait_for()
    shown = _supporters(resident, proposal.id)
    assert zh("{n} supporters", n=before + 1) in shown and zh("You support this proposal.") in shown
    assert_no_axe_violations(resident, "council (resident, supporting, withdraw button)")

    click_key(resident, f"council_unsupport_{proposal.id}")
    expect_text(resident, zh("Your support was withdrawn."))
    resident.locator(
        f".st-key-council_support_{proposal.id} button"
    ).wait_for()  # can support again
    assert zh("{n} supporters", n=before) in _supporters(resident, proposal.id)
    assert resident.locator(f".st-key-council_unsupport_{proposal.id}").count() == 0
    _shot(resident.locator(f".st-key-council_proposal_{proposal.id}"), "council-extras-1-withdrawn")
    with Session(get_engine(server.db_url)) as s:
        assert c.support_counts(s, [proposal.id])[proposal.id] == before


# --- (2) options, files, voting ----------------------------------------------------------------


def _attach(staff, item_id: int, name: str, mime: str, data: bytes, caption: str) -> None:
    key = f"council_attach_{item_id}"
    form = staff.locator('[data-testid="stForm"]').filter(
        has=staff.locator(f".st-key-{key}_caption")
    )
    form.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    form.get_by_text(name).wait_for()  # uploaded (the form shows the file)
    wait_idle(staff)
    form.locator(f".st-key-{key}_caption input").fill(caption)
    wait_rerun(staff, lambda: form.get_by_role("button", name=zh("Add the file")).click())
    expect_text(staff, zh("The file was added."))


def test_staff_give_options_and_files_a_member_votes_on_an_option(server, new_context):
    with Session(get_engine(server.db_url)) as s:
        item = s.exec(select(CouncilItem).where(CouncilItem.title == ITEM_TITLE)).one()
    staff = open_as(new_context, server, "staff01")
    open_page(staff, server.url + "/council_manage", f"{MAIN} .linli-council")

    _tab(staff, zh("Agenda"))
    options = staff.locator(f".st-key-council_options_{item.id} textarea")
    options.fill("\n".join(PLANS))
    form = staff.locator('[data-testid="stForm"]').filter(has=options)
    wait_rerun(staff, lambda: form.get_by_role("button", name=zh("Save the options")).click())
    expect_text(staff, zh("The options were saved."))
    _tab(staff, zh("Agenda"))
    _attach(staff, item.id, "楼道.png", "image/png", _png(), PHOTO_CAPTION)
    _tab(staff, zh("Agenda"))
    _attach(staff, item.id, "分工表.pdf", "application/pdf", PDF, PDF_CAPTION)
    _tab(staff, zh("Agenda"))
    agenda_item = staff.locator(f".st-key-council_agenda_{item.id}")
    assert agenda_item.locator("img").get_attribute("alt") == PHOTO_CAPTION
    assert agenda_item.locator(DOCUMENT_LINK).count() == 1
    assert_no_axe_violations(staff, "council management (agenda item with options and files)")
    _tab(staff, zh("Meetings"))
    click_key(staff, "council_open_voting")
    expect_text(staff, zh("Voting is open."))
    with Session(get_engine(server.db_url)) as s:
        assert [o.label for o in c.item_options(s, [item.id])[item.id]] == PLANS
        kinds = sorted(
            s.exec(select(CouncilAttachment.kind).where(CouncilAttachment.item_id == item.id)).all()
        )
        assert kinds == ["document", "photo"]

    member = open_as(new_context, server, "li_ayi", elder=True)  # a resident seat, in elder mode
    ballot = f".st-key-council_ballot_item_{item.id}"
    open_page(member, server.url + "/council_vote", f".st-key-council_vote_{item.id}_o1 button")
    buttons = [member.locator(f".st-key-council_vote_{item.id}_o{n} button") for n in (1, 2, 3)]
    for button, plan in zip(buttons, PLANS, strict=True):
        assert button.inner_text().strip().endswith(plan)  # typed text shown as typed, not markup
        assert button.bounding_box()["height"] >= 60  # one large button per option
    assert member.locator(f"{ballot} [class*='st-key-council_vote_{item.id}_']").count() == 3
    assert (
        member.locator(f".st-key-council_vote_{item.id}_for").count() == 0
    )  # no For/Against/Abstain

    photo = member.locator(f"{ballot} img")
    assert photo.count() == 1 and photo.get_attribute("alt") == PHOTO_CAPTION
    assert member.evaluate("el => el.complete && el.naturalWidth > 0", photo.element_handle())
    download = member.locator(f"{ballot} {DOCUMENT_LINK}")
    assert download.bounding_box()["height"] >= 60  # a large target in elder mode
    assert (
        download.inner_text()
        .strip()
        .endswith(zh("Document: {name} (PDF, {size})", name=PDF_CAPTION, size=size_text(len(PDF))))
    )
    assert_no_axe_violations(member, "my council ballot (own options, photo, PDF; elder mode)")
    _shot(member.locator(ballot), "council-extras-2-ballot")

    click_key(member, f"council_vote_{item.id}_o2")
    expect_text(member, zh("Your ballot was saved: {choice}", choice=PLANS[1]))
    assert "✓ " + PLANS[1] in buttons[1].inner_text()
    assert "✓" not in buttons[0].inner_text() + buttons[2].inner_text()
    with member.expect_download() as caught:
        download.click()
    assert caught.value.path().read_bytes() == PDF
    with Session(get_engine(server.db_url)) as s:
        li_ayi = s.exec(select(User.id).where(User.username == "li_ayi")).one()
        mine = next(
            v for v in c.agenda(s, item.meeting_id, viewer_id=li_ayi) if v.item.id == item.id
        )
        assert mine.my_choice == "o2" and mine.tally.voted == 1

    # a resident sees the item with its options, the photo and the document
    resident = open_as(new_context, server, "resident0100")
    open_page(
        resident,
        server.url + "/council",
        f".st-key-council_item_{item.id} {DOCUMENT_LINK}",
    )
    shown = resident.locator(f".st-key-council_item_{item.id}")
    assert zh("Options: {options}", options=" / ".join(PLANS)) in shown.inner_text()
    assert shown.locator("img").get_attribute("alt") == PHOTO_CAPTION
    assert shown.locator(DOCUMENT_LINK).count() == 1
    assert_no_axe_violations(resident, "council (resident, item with options and files)")
    _shot(shown, "council-extras-3-item-files")


# --- (3) a general grid's own council ----------------------------------------------------------


def _general_grid(session: Session, username: str) -> Grid:
    grid = session.get(
        Grid, session.exec(select(User.home_grid_id).where(User.username == username)).one()
    )
    while grid.kind != "general":
        grid = session.get(Grid, grid.parent_id)
    return grid


def test_resident_of_a_grid_with_its_own_council_picks_it(server, new_context):
    # Precondition through the service (the staff form is covered by the AppTests).
    with Session(get_engine(server.db_url), expire_on_commit=False) as s:
        grid = _general_grid(s, "zhang_nainai")
        staff = s.exec(select(User.id).where(User.username == "staff01")).one()
        today = date.today()
        own = c.create_council(
            s,
            actor_id=staff,
            grid_id=grid.id,
            name=f"{grid.name}议事会",
            term_start=today - timedelta(days=1),
            term_end=today + timedelta(days=700),
            seats_per_group=2,
        )
        community = c.councils_for(s, None)[0]
    resident = open_as(new_context, server, "zhang_nainai", elder=True)
    open_page(resident, server.url + "/council", ".st-key-council_pick [role='radiogroup']")
    picker = resident.locator(".st-key-council_pick")
    choices = picker.locator("[role='radiogroup'] label")
    assert [x.strip() for x in choices.all_inner_texts()] == [
        community.name,
        own.name,
    ]  # the community's first
    assert zh("Which council") in picker.inner_text()
    assert resident.locator(f"{MAIN} strong").filter(has_text=community.name).count() >= 1
    assert_no_axe_violations(resident, "council picker (resident, elder mode)")

    wait_rerun(resident, lambda: choices.filter(has_text=own.name).click())
    expect_text(resident, zh("No meeting is announced yet."))
    assert resident.locator(f"{MAIN} strong").filter(has_text=own.name).count() >= 1
    assert resident.locator(f"{MAIN} strong").filter(has_text=community.name).count() == 0
    _shot(picker, "council-extras-4-picker")
