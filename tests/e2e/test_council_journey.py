"""A council proposal from sending to decision in a real browser: a resident sends a proposal, staff
accept it onto the agenda and open voting, two members vote in their browsers, staff close voting,
and the resident sees the decision; axe-core finds nothing on the resident, ballot and staff pages."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_council import CouncilItem, CouncilProposal
from portal import council as c
from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    click_key,
    expect_text,
    open_as,
    open_page,
    screenshot,
    wait_rerun,
    zh,
)

pytestmark = pytest.mark.e2e

RESIDENT = "resident0100"
MEMBERS_IN_BROWSER = ("li_ayi", "chen_shop")  # a resident seat and a merchant seat
TITLE = "车棚装电动车充电桩<script>alert(1)</script>"


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_council_journey(server, new_context):
    resident = open_as(new_context, server, RESIDENT)
    open_page(resident, server.url + "/council", f"{MAIN} .linli-council")
    assert_no_axe_violations(resident, "council (resident)")
    form = resident.locator(f'{MAIN} [data-testid="stForm"]')
    form.get_by_role("textbox", name=zh("Title of the proposal")).fill(TITLE)
    form.get_by_role("textbox", name=zh("What do you propose, and why?")).fill(
        "楼道里私拉电线给电动车充电很危险。\n希望在车棚装六个充电桩，按次扫码付费。"
    )
    wait_rerun(resident, lambda: form.get_by_role("button", name=zh("Send the proposal")).click())
    expect_text(
        resident,
        zh("Your proposal was sent. The community office will screen it before the meeting."),
    )
    screenshot(resident, "council-1-proposal-sent")
    with Session(get_engine(server.db_url)) as s:
        proposal = s.exec(select(CouncilProposal).where(CouncilProposal.title == TITLE)).one()
        assert proposal.status == "submitted"

    staff = open_as(new_context, server, "staff01")
    open_page(staff, server.url + "/council_manage", f"{MAIN} .linli-council")
    _tab(staff, zh("Screen proposals"))
    staff.locator(f".st-key-council_accept_{proposal.id} button").wait_for()
    assert_no_axe_violations(staff, "council management (screening)")
    click_key(staff, f"council_accept_{proposal.id}")
    expect_text(staff, zh("The proposal is on the agenda."))
    _tab(staff, zh("Meetings"))
    click_key(staff, "council_open_voting")
    expect_text(staff, zh("Voting is open."))
    with Session(get_engine(server.db_url)) as s:
        item = s.exec(
            select(CouncilItem).where(
                CouncilItem.source == "proposal", CouncilItem.source_id == proposal.id
            )
        ).one()
        council = c.council_for(s, None)
        members = [v.seat.user_id for v in c.seats(s, council.id)]
        in_browser = set(s.exec(select(User.id).where(User.username.in_(MEMBERS_IN_BROWSER))).all())

    for n, username in enumerate(MEMBERS_IN_BROWSER):
        member = open_as(new_context, server, username)
        open_page(
            member, server.url + "/council_vote", f".st-key-council_vote_{item.id}_for button"
        )
        if n == 0:
            assert_no_axe_violations(member, "my council ballot")
        click_key(member, f"council_vote_{item.id}_for")
        expect_text(member, zh("Your ballot was saved: {choice}", choice=zh("For")))
        assert (
            "✓ " + zh("For")
            in member.locator(f".st-key-council_vote_{item.id}_for button").inner_text()
        )
        height = member.locator(f".st-key-council_vote_{item.id}_against button").bounding_box()[
            "height"
        ]
        assert height >= 60, height  # large, clear ballot buttons
        screenshot(member, f"council-2-ballot-{username}")

    # To keep the journey short, the rest of the quorum (8 of 12 seats) votes through the service,
    # as their own online ballots would: 6 more "for".
    others = [m for m in members if m not in in_browser][:6]
    with Session(get_engine(server.db_url), expire_on_commit=False) as s:
        for member_id in others:
            c.cast_ballot(s, item_id=item.id, user_id=member_id, choice="for")

    _tab(staff, zh("Meetings"))
    click_key(staff, "council_close_voting")
    expect_text(staff, zh("Voting is closed. The results are fixed."))
    _tab(staff, zh("Voting and attendance"))
    assert_no_axe_violations(staff, "council management (results)")
    screenshot(staff, "council-3-closed")

    open_page(resident, server.url + "/council", f".st-key-council_item_{item.id}")
    result = zh("Result: {outcome}", outcome=zh("Adopted by the council"))
    # the item's block appears before all of its lines are drawn: wait for the result line
    resident.locator(f".st-key-council_item_{item.id}").get_by_text(
        result, exact=False
    ).first.wait_for()
    decided = resident.locator(f".st-key-council_item_{item.id}").inner_text()
    assert TITLE in decided  # shown as text, not markup
    assert result in decided
    assert (
        zh(
            "For {for} · Against {against} · Abstain {abstain}",
            **{"for": 8, "against": 0, "abstain": 0},
        )
        in decided
    )
    assert_no_axe_violations(resident, "council (resident, decision)")
    screenshot(resident, "council-4-decided")
    with Session(get_engine(server.db_url)) as s:
        item = s.get(CouncilItem, item.id)
        assert item.outcome == "adopted" and c.tally(s, item.id).voted == 8
