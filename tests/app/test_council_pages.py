"""Council pages as residents, members and staff use them (AppTest, seeded demo)."""

from __future__ import annotations

from sqlmodel import Session, select

from db.engine import get_engine
from db.models_council import CouncilBallot, CouncilItem, CouncilMeeting, CouncilProposal
from portal import council as c
from portal.i18n import translate
from tests.app.conftest import texts, user_id


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _html(at) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _upcoming(url):
    with Session(get_engine(url)) as s:
        return s.exec(select(CouncilMeeting).where(CouncilMeeting.status == "published")).one()


def _open_voting(url):
    meeting = _upcoming(url)
    with Session(get_engine(url), expire_on_commit=False) as s:
        c.open_voting(s, meeting_id=meeting.id, actor_id=user_id(url, "staff01"))
    return meeting


def test_resident_sees_meeting_agenda_proposals_and_past_decisions(open_app):
    at = open_app("zhang_nainai", page="pages/council.py")
    assert not at.exception
    body = _html(at) + texts(at)
    assert zh("Community council") in [t.value for t in at.title]
    for text in (
        "院门口银杏树下放两条长椅",
        "楼道杂物集中清理日",
        "火把节在院坝办一次各族邻里联欢",
        "后巷装两盏路灯",
        zh("Not decided (no quorum)"),
        "已采购灯具",
    ):
        assert text in body, text
    # her own proposal of last month shows in "my proposals", and the support she gave is known
    assert zh("My proposals") in texts(at)
    assert zh("You support this proposal.") in texts(at)


def test_resident_supports_and_sends_a_proposal_keeping_input_on_errors(open_app, app_db):
    at = open_app("resident0100", page="pages/council.py")
    with Session(get_engine(app_db)) as s:
        axi = s.exec(
            select(CouncilProposal).where(CouncilProposal.title.startswith("火把节"))
        ).one()
    at.button(key=f"council_support_{axi.id}").click().run()
    assert not at.exception
    assert zh("Thank you for your support.") in texts(at)
    at.text_area(key="council_prop_body").input("希望<b>加装</b>监控")
    at.button(key="FormSubmitter:council_proposal_form-" + zh("Send the proposal")).click().run()
    assert not at.exception
    assert zh("Please write a short title for your proposal.") in [e.value for e in at.error]
    assert at.text_area(key="council_prop_body").value == "希望<b>加装</b>监控"
    at.text_input(key="council_prop_title").input("车棚装监控 **紧急**")
    at.button(key="FormSubmitter:council_proposal_form-" + zh("Send the proposal")).click().run()
    assert not at.exception
    assert zh(
        "Your proposal was sent. The community office will screen it before the meeting."
    ) in texts(at)
    body = _html(at)
    assert "希望&lt;b&gt;加装&lt;/b&gt;监控" in body and "<b>加装" not in body
    with Session(get_engine(app_db)) as s:
        mine = s.exec(
            select(CouncilProposal).where(
                CouncilProposal.author_id == user_id(app_db, "resident0100")
            )
        ).one()
        assert (mine.title, mine.status) == ("车棚装监控 **紧急**", "submitted")


def test_merchant_and_staff_can_read_but_not_propose(open_app):
    for who in ("chen_shop", "staff01", "handler_street"):
        at = open_app(who, page="pages/council.py")
        assert not at.exception
        assert not list(at.get("form")), who  # no proposal form for non-residents


def test_member_votes_with_large_buttons_and_can_change(open_app, app_db):
    _open_voting(app_db)
    at = open_app("tashi", page="pages/council_vote.py")  # a Tibetan resident member, reads Tibetan
    assert not at.exception
    with Session(get_engine(app_db)) as s:
        item = s.exec(select(CouncilItem).where(CouncilItem.title == "楼道杂物集中清理日")).one()
    button = at.button(key=f"council_vote_{item.id}_for")
    assert button.proto.type == "secondary"
    button.click().run()
    assert not at.exception
    assert at.button(key=f"council_vote_{item.id}_for").proto.type == "primary"
    assert at.button(key=f"council_vote_{item.id}_for").label.startswith("✓ ")
    at.button(key=f"council_vote_{item.id}_against").click().run()
    with Session(get_engine(app_db)) as s:
        ballot = s.exec(
            select(CouncilBallot).where(
                CouncilBallot.item_id == item.id, CouncilBallot.user_id == user_id(app_db, "tashi")
            )
        ).one()
        assert ballot.choice == "against"
    at.button(key=f"council_read_{item.id}").click().run()
    assert not at.exception  # Chinese text: espeak-ng audio, or a message when it is missing


def test_non_member_is_told_only_members_vote(open_app):
    at = open_app("zhang_nainai", page="pages/council_vote.py")
    assert not at.exception
    assert zh(
        "You do not hold a seat on the council. Only members vote; everyone can follow the council, send proposals and support them."
    ) in texts(at)
    assert not [b for b in at.button if b.key and b.key.startswith("council_vote_")]


def test_staff_screens_builds_agenda_opens_and_closes_voting(open_app, app_db):
    at = open_app("staff01", page="pages/council_manage.py")
    assert not at.exception
    with Session(get_engine(app_db)) as s:
        axi = s.exec(
            select(CouncilProposal).where(CouncilProposal.title.startswith("火把节"))
        ).one()
        room = s.exec(
            select(CouncilProposal).where(CouncilProposal.title.startswith("活动室晚上开放"))
        ).one()
    at.button(key=f"council_decline_{room.id}").click().run()
    assert not at.exception
    assert zh("Please give the proposer a reason.") in texts(at)  # empty reason refused
    at.button(key=f"council_accept_{axi.id}").click().run()
    assert zh("The proposal is on the agenda.") in texts(at)
    at.text_input(key=f"council_decline_reason_{room.id}").input("与上月议题重复，已并入下月议程。")
    at.button(key=f"council_decline_{room.id}").click().run()
    assert zh("The proposal was declined. The proposer can see the reason.") in texts(at)
    # the promoted wish from the wish wall can go on the agenda
    wish_buttons = [b for b in at.button if b.key and b.key.startswith("council_add_wish_")]
    assert wish_buttons
    wish_buttons[0].click().run()
    assert zh("The wish is on the agenda.") in texts(at)
    at.button(key="council_open_voting").click().run()
    assert zh("Voting is open.") in texts(at)
    # a hand vote for a member, marked as such
    with Session(get_engine(app_db)) as s:
        item = s.exec(select(CouncilItem).where(CouncilItem.title == "楼道杂物集中清理日")).one()
    at.selectbox(key="council_hand_item").set_value(item.id)
    at.selectbox(key="council_hand_member").set_value(user_id(app_db, "merchant002"))
    at.radio(key="council_hand_choice").set_value("for")
    at.button(key="council_hand_save").click().run()
    assert zh("The ballot was recorded and marked as by hand.") in texts(at)
    at.selectbox(key="council_attend_member").set_value(user_id(app_db, "merchant002"))
    at.button(key="council_attend_save").click().run()
    assert zh("Recorded as present. The member earns the council points once.") in texts(at)
    at.button(key="council_close_voting").click().run()
    assert not at.exception
    assert zh("Voting is closed. The results are fixed.") in texts(at)
    with Session(get_engine(app_db)) as s:
        item = s.get(CouncilItem, item.id)
        ballot = s.exec(select(CouncilBallot).where(CouncilBallot.item_id == item.id)).one()
        assert ballot.by_hand and item.outcome == "not_decided"
    at.text_area(key="council_minutes").input("到会1人。")
    at.button(key="FormSubmitter:council_minutes_form-" + zh("Publish the minutes")).click().run()
    assert not at.exception
    assert zh("The minutes are published.") in texts(at)


def test_staff_reports_action_progress_residents_see_it(open_app, app_db):
    at = open_app("staff01", page="pages/council_manage.py")
    with Session(get_engine(app_db)) as s:
        action_id = s.exec(select(c.CouncilAction.id)).first()
    at.text_input(key=f"council_progress_note_{action_id}").input("第二盏路灯也装好了。")
    at.selectbox(key=f"council_progress_status_{action_id}").set_value("done")
    at.button(
        key=f"FormSubmitter:council_progress_form_{action_id}-" + zh("Report progress")
    ).click().run()
    assert not at.exception
    assert zh("Progress reported. Residents can see it.") in texts(at)
    resident = open_app("resident0100", page="pages/council.py")
    assert "第二盏路灯也装好了。" in _html(resident)


def test_council_page_in_uyghur_right_to_left_and_tibetan(open_app):
    at = open_app("aygul", page="pages/council.py")
    assert not at.exception
    assert translate("ug", "Community council") in [t.value for t in at.title]
    at = open_app("tashi", page="pages/council.py")  # a member: the page links to the ballot
    assert not at.exception
    assert translate("bo", "Past decisions and their progress") in texts(at)
