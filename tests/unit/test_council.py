"""Council rules on SQLite and PostgreSQL: seats in three equal groups, the meeting lifecycle,
proposals and their deadline, screening, ballots and their changes, tally with quorum and majority
per council, attendance points, actions, promoted wishes; 30 members voting at the same moment."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Grid, User
from db.models_council import (
    CouncilAction,
    CouncilBallot,
    CouncilBallotChange,
    CouncilEvent,
    CouncilItem,
    CouncilProposal,
)
from db.models_points import PointsEntry
from db.models_wishes import Wish, WishPromotion
from portal import council as c
from portal import wishes
from portal.errors import FieldErrors, UserError
from tests.factories import add_grids, add_user, parallel

MEMBERS_PER_GROUP = 10  # enough for 30 members voting at once


def build(url: str) -> None:
    """Two communities (S with two micro-grids, T next door) and the people the tests need."""
    with Session(get_engine(url)) as s:
        grids = add_grids(
            s,
            [
                ("S", "community", None),
                ("S-G1", "general", "S"),
                ("S-M1", "micro", "S-G1"),
                ("S-M2", "micro", "S-G1"),
                ("T", "community", None),
                ("T-M1", "micro", "T"),
            ],
        )
        people = [
            ("staff01", "staff", "S"),
            ("staff02", "staff", "S"),
            ("outsider", "resident", "T-M1"),
            ("handler_street", "handler", "S"),
        ]
        people += [(f"res{n:02d}", "resident", ("S-M1", "S-M2")[n % 2]) for n in range(1, 21)]
        people += [(f"shop{n:02d}", "merchant", "S-M2") for n in range(1, 13)]
        people += [(f"grid{n:02d}", "grid_worker", "S-M1") for n in range(1, 13)]
        for username, role, home in people:
            add_user(s, username, role, grids[home], display_name=username.upper())
        s.commit()


@pytest.fixture
def url(db_url) -> str:
    build(db_url)
    return db_url


@pytest.fixture
def s(url):
    with Session(get_engine(url), expire_on_commit=False) as session:
        yield session


def uid(session, username: str) -> int:
    return session.exec(select(User.id).where(User.username == username)).one()


def grid_id(session, code: str) -> int:
    return session.exec(select(Grid.id).where(Grid.code == code)).one()


def make_council(s, clock, per_group: int = 4, **rules):
    staff = uid(s, "staff01")
    council = c.create_council(
        s,
        actor_id=staff,
        grid_id=grid_id(s, "S"),
        name="S社区三级议事会",
        term_start=date(2026, 1, 1),
        term_end=date(2028, 12, 31),
        seats_per_group=per_group,
        now=clock(),
        **rules,
    )
    for n in range(1, per_group + 1):
        for group, prefix in (("grid", "grid"), ("resident", "res"), ("merchant", "shop")):
            c.add_seat(
                s,
                council_id=council.id,
                user_id=uid(s, f"{prefix}{n:02d}"),
                group=group,
                actor_id=staff,
                now=clock(),
            )
    return council


def make_meeting(s, clock, council, days: int = 10, publish: bool = True):
    staff = uid(s, "staff01")
    meeting = c.create_meeting(
        s,
        council_id=council.id,
        actor_id=staff,
        starts_at=clock() + timedelta(days=days),
        place="社区活动室",
        now=clock(),
    )
    if publish:
        meeting = c.publish_meeting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    return meeting


def propose(s, clock, meeting, username="res01", **kw):
    values = {"title": "院坝装路灯", "body": "晚上院坝太黑，老人容易摔倒，希望装两盏路灯。"}
    values.update(kw)
    return c.submit_proposal(
        s, meeting_id=meeting.id, author_id=uid(s, username), now=clock(), **values
    )


def ready_to_vote(s, clock, per_group: int = 4, items: int = 1, **rules):
    """A council, a published meeting with accepted proposals, voting open. Returns (council, meeting, items)."""
    council = make_council(s, clock, per_group, **rules)
    meeting = make_meeting(s, clock, council)
    staff = uid(s, "staff01")
    made = []
    for n in range(items):
        proposal = propose(s, clock, meeting, username=f"res{n + 1:02d}", title=f"议案{n + 1}")
        made.append(c.accept_proposal(s, proposal_id=proposal.id, actor_id=staff, now=clock()))
    c.open_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    return council, meeting, made


def member_ids(s, per_group: int) -> dict[str, list[int]]:
    return {
        group: [uid(s, f"{prefix}{n:02d}") for n in range(1, per_group + 1)]
        for group, prefix in (("grid", "grid"), ("resident", "res"), ("merchant", "shop"))
    }


# --- seats -------------------------------------------------------------------------------------


def test_seats_are_held_by_people_in_three_groups(s, clock):
    council = make_council(s, clock, per_group=2)
    staff = uid(s, "staff01")
    balance = c.balance(s, council.id)
    assert (
        balance.counts == {"grid": 2, "resident": 2, "merchant": 2}
        and balance.equal
        and balance.full
    )
    with pytest.raises(UserError) as caught:  # a merchant in a resident seat
        c.add_seat(
            s, council_id=council.id, user_id=uid(s, "shop05"), group="resident", actor_id=staff
        )
    assert caught.value.field == "person"
    with pytest.raises(UserError, match="already holds a seat"):
        c.add_seat(
            s, council_id=council.id, user_id=uid(s, "res01"), group="resident", actor_id=staff
        )
    with pytest.raises(UserError, match="already has its"):
        c.add_seat(
            s, council_id=council.id, user_id=uid(s, "res09"), group="resident", actor_id=staff
        )
    with pytest.raises(UserError, match="community office"):
        c.add_seat(
            s,
            council_id=council.id,
            user_id=uid(s, "res09"),
            group="resident",
            actor_id=uid(s, "res01"),
        )
    # ending a seat keeps it as history and lets the person hold a seat again later
    seat = c.seat_of(s, council.id, uid(s, "res01"))
    c.end_seat(s, seat_id=seat.id, actor_id=staff, note="搬家了")
    assert c.seat_of(s, council.id, uid(s, "res01")) is None
    assert c.balance(s, council.id).equal is False
    again = c.add_seat(
        s, council_id=council.id, user_id=uid(s, "res01"), group="resident", actor_id=staff
    )
    assert again.id != seat.id and c.balance(s, council.id).equal


def test_unequal_groups_are_flagged_and_cannot_open_a_vote(s, clock):
    council = make_council(s, clock, per_group=3)
    staff = uid(s, "staff01")
    meeting = make_meeting(s, clock, council)
    proposal = propose(s, clock, meeting)
    c.accept_proposal(s, proposal_id=proposal.id, actor_id=staff, now=clock())
    c.end_seat(s, seat_id=c.seat_of(s, council.id, uid(s, "shop03")).id, actor_id=staff)
    balance = c.balance(s, council.id)
    assert not balance.equal and balance.counts["merchant"] == 2
    with pytest.raises(UserError, match="same number of seats") as caught:
        c.open_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    assert caught.value.message.params == {"grid": 3, "resident": 3, "merchant": 2}
    c.add_seat(s, council_id=council.id, user_id=uid(s, "shop10"), group="merchant", actor_id=staff)
    assert (
        c.open_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock()).status == "voting_open"
    )
    with pytest.raises(UserError, match="while voting is open"):
        c.add_seat(
            s, council_id=council.id, user_id=uid(s, "shop11"), group="merchant", actor_id=staff
        )


# --- meetings and proposals --------------------------------------------------------------------


def test_meeting_lifecycle_in_order_only(s, clock):
    council = make_council(s, clock, per_group=1)
    staff = uid(s, "staff01")
    meeting = make_meeting(s, clock, council, publish=False)
    assert meeting.status == "draft" and meeting.proposal_deadline == meeting.starts_at - timedelta(
        days=3
    )
    with pytest.raises(UserError):
        c.open_voting(s, meeting_id=meeting.id, actor_id=staff)
    c.publish_meeting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    with pytest.raises(UserError, match="agenda is empty"):
        c.open_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    c.add_item(
        s,
        meeting_id=meeting.id,
        actor_id=staff,
        source="staff",
        title="垃圾分类点改造",
        background="方案见附件。",
        now=clock(),
    )
    c.open_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    with pytest.raises(FieldErrors) as caught:
        c.publish_minutes(s, meeting_id=meeting.id, actor_id=staff, minutes=" ")
    assert "minutes" in caught.value.errors
    with pytest.raises(UserError, match="once voting is closed"):
        c.publish_minutes(s, meeting_id=meeting.id, actor_id=staff, minutes="纪要")
    c.close_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    done = c.publish_minutes(
        s, meeting_id=meeting.id, actor_id=staff, minutes="到会3人。", now=clock()
    )
    assert done.status == "minutes_published" and done.minutes == "到会3人。"
    kinds = [
        e.kind
        for e in s.exec(
            select(CouncilEvent)
            .where(CouncilEvent.meeting_id == meeting.id)
            .order_by(CouncilEvent.id)
        )
    ]
    assert kinds[0] == "meeting_created" and "meeting_voting_closed" in kinds
    assert (
        kinds.index("meeting_published")
        < kinds.index("meeting_voting_open")
        < kinds.index("meeting_minutes_published")
    )
    with pytest.raises(FieldErrors, match="starts_at"):  # one meeting per month
        c.create_meeting(
            s,
            council_id=council.id,
            actor_id=staff,
            starts_at=meeting.starts_at + timedelta(hours=2),
            place="活动室",
            now=clock(),
        )


def test_proposals_before_the_deadline_from_residents_only(s, clock):
    council = make_council(s, clock, per_group=1)
    meeting = make_meeting(s, clock, council, days=10)  # deadline: 7 days from now
    assert propose(s, clock, meeting).status == "submitted"
    with pytest.raises(FieldErrors) as caught:
        propose(s, clock, meeting, title="  ", body="")
    assert set(caught.value.errors) == {"title", "body"}
    with pytest.raises(UserError, match="belongs to another community"):  # lives in T
        propose(s, clock, meeting, username="outsider")
    for who in ("shop05", "staff02", "grid05"):
        with pytest.raises(UserError, match="Only residents of this community"):
            propose(s, clock, meeting, username=who)
    propose(s, clock, meeting, title="二")
    propose(s, clock, meeting, title="三")
    with pytest.raises(UserError, match="most one person can send"):
        propose(s, clock, meeting, title="四")
    clock.advance(days=7)
    with pytest.raises(UserError, match="deadline for proposals"):
        propose(s, clock, meeting, username="res02")


def test_support_ranks_proposals_and_merging_pools_supporters(s, clock):
    council = make_council(s, clock, per_group=1)
    staff = uid(s, "staff01")
    meeting = make_meeting(s, clock, council)
    lamp = propose(s, clock, meeting, username="res01", title="装路灯")
    light = propose(s, clock, meeting, username="res02", title="巷子太黑")
    bench = propose(s, clock, meeting, username="res03", title="放长椅")
    for who in ("res04", "res05", "shop05", "res08"):
        c.support_proposal(s, proposal_id=bench.id, user_id=uid(s, who), now=clock())
    c.support_proposal(s, proposal_id=lamp.id, user_id=uid(s, "res04"), now=clock())
    for who in ("res04", "res06", "res07"):
        c.support_proposal(s, proposal_id=light.id, user_id=uid(s, who), now=clock())
    with pytest.raises(UserError, match="own proposal"):
        c.support_proposal(s, proposal_id=lamp.id, user_id=uid(s, "res01"), now=clock())
    with pytest.raises(UserError, match="already support"):
        c.support_proposal(s, proposal_id=lamp.id, user_id=uid(s, "res04"), now=clock())
    with pytest.raises(UserError, match="belongs to another community"):  # lives in T
        c.support_proposal(s, proposal_id=lamp.id, user_id=uid(s, "outsider"), now=clock())
    c.merge_proposal(
        s, proposal_id=light.id, into_id=lamp.id, actor_id=staff, note="同一条巷子", now=clock()
    )
    counts = {v.proposal.id: v.support for v in c.proposals(s, meeting.id)}
    assert counts[lamp.id] == 3  # res04 counted once, res06 and res07 come with the merged one
    c.accept_proposal(s, proposal_id=bench.id, actor_id=staff, now=clock())
    c.accept_proposal(s, proposal_id=lamp.id, actor_id=staff, title="后巷装两盏路灯", now=clock())
    c.add_item(
        s,
        meeting_id=meeting.id,
        actor_id=staff,
        source="staff",
        title="社区食堂试运行",
        now=clock(),
    )
    order = [v.item.title for v in c.agenda(s, meeting.id)]
    assert order == [
        "放长椅",
        "后巷装两盏路灯",
        "社区食堂试运行",
    ]  # 4 supporters, 3, then staff items
    mine = c.my_proposals(s, uid(s, "res02"))
    assert mine[0].proposal.status == "merged" and mine[0].merged_into_title == "装路灯"
    clock.advance(days=8)
    with pytest.raises(UserError, match="deadline"):
        c.support_proposal(s, proposal_id=lamp.id, user_id=uid(s, "res09"), now=clock())


def test_screening_accept_decline_with_reason_and_no_twice(s, clock):
    council = make_council(s, clock, per_group=1)
    staff = uid(s, "staff01")
    meeting = make_meeting(s, clock, council)
    a = propose(s, clock, meeting, username="res01")
    b = propose(s, clock, meeting, username="res02", title="把小区改成停车场")
    with pytest.raises(FieldErrors, match="reason"):
        c.decline_proposal(s, proposal_id=b.id, actor_id=staff, reason="  ")
    c.decline_proposal(
        s, proposal_id=b.id, actor_id=staff, reason="属于业委会事项，已转交业委会。", now=clock()
    )
    seen = c.my_proposals(s, uid(s, "res02"))[0]
    assert (
        seen.proposal.status == "declined"
        and seen.proposal.reason == "属于业委会事项，已转交业委会。"
    )
    item = c.accept_proposal(s, proposal_id=a.id, actor_id=staff, now=clock())
    assert (item.source, item.source_id, item.proposer_id) == ("proposal", a.id, uid(s, "res01"))
    with pytest.raises(UserError, match="already been screened"):
        c.accept_proposal(s, proposal_id=a.id, actor_id=staff)
    with pytest.raises(UserError, match="community office"):
        c.decline_proposal(s, proposal_id=a.id, actor_id=uid(s, "res03"), reason="x")
    c.remove_item(s, item_id=item.id, actor_id=staff, reason="下月再议", now=clock())
    assert s.get(CouncilProposal, a.id).status == "submitted"


# --- ballots and tally -------------------------------------------------------------------------


def test_ballots_change_until_close_and_every_change_is_kept(s, clock):
    council, meeting, (item,) = ready_to_vote(s, clock, per_group=2)
    staff = uid(s, "staff01")
    member = uid(s, "res01")
    c.cast_ballot(s, item_id=item.id, user_id=member, choice="against", now=clock())
    clock.advance(minutes=5)
    c.cast_ballot(s, item_id=item.id, user_id=member, choice="for", now=clock())
    ballots = s.exec(select(CouncilBallot).where(CouncilBallot.item_id == item.id)).all()
    assert [(b.user_id, b.choice) for b in ballots] == [(member, "for")]
    changes = s.exec(
        select(CouncilBallotChange)
        .where(CouncilBallotChange.ballot_id == ballots[0].id)
        .order_by(CouncilBallotChange.id)
    ).all()
    assert [(x.from_choice, x.to_choice) for x in changes] == [
        (None, "against"),
        ("against", "for"),
    ]
    with pytest.raises(UserError, match="Only members holding a council seat"):
        c.cast_ballot(s, item_id=item.id, user_id=uid(s, "res09"), choice="for")
    with pytest.raises(UserError, match="for, against or abstain"):
        c.cast_ballot(s, item_id=item.id, user_id=member, choice="maybe")
    hand = c.record_hand_vote(
        s,
        item_id=item.id,
        member_id=uid(s, "grid01"),
        choice="abstain",
        actor_id=staff,
        now=clock(),
    )
    assert hand.by_hand and hand.recorded_by == staff
    with pytest.raises(UserError, match="community office"):
        c.record_hand_vote(
            s, item_id=item.id, member_id=uid(s, "grid02"), choice="for", actor_id=member
        )
    c.close_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    with pytest.raises(UserError, match="not open"):
        c.cast_ballot(s, item_id=item.id, user_id=member, choice="against")
    history = c.ballot_history(s, item.id)
    assert len(history) == 3 and history[-1][0].by_hand


def test_ballot_before_voting_opens_is_refused(s, clock):
    council = make_council(s, clock, per_group=1)
    meeting = make_meeting(s, clock, council)
    item = c.add_item(
        s,
        meeting_id=meeting.id,
        actor_id=uid(s, "staff01"),
        source="member",
        proposer_id=uid(s, "shop01"),
        title="商户门前三包",
        now=clock(),
    )
    with pytest.raises(UserError, match="not open"):
        c.cast_ballot(s, item_id=item.id, user_id=uid(s, "shop01"), choice="for")
    with pytest.raises(UserError, match="Only members holding a council seat can propose"):
        c.add_item(
            s,
            meeting_id=meeting.id,
            actor_id=uid(s, "staff01"),
            source="member",
            proposer_id=uid(s, "shop09"),
            title="x",
        )


def _vote(s, clock, item, choices: dict[str, list[str]]):
    for group, prefix in (("grid", "grid"), ("resident", "res"), ("merchant", "shop")):
        for n, choice in enumerate(choices.get(group, []), 1):
            c.cast_ballot(
                s, item_id=item.id, user_id=uid(s, f"{prefix}{n:02d}"), choice=choice, now=clock()
            )


def test_tally_totals_split_per_group_quorum_and_majority(s, clock):
    council, meeting, items = ready_to_vote(s, clock, per_group=4, items=3)
    staff = uid(s, "staff01")
    adopted, short, tie = items
    # 12 seats: quorum ceil(2/3 × 12) = 8 ballots
    _vote(
        s,
        clock,
        adopted,
        {
            "grid": ["for", "for", "against"],
            "resident": ["for", "for", "abstain"],
            "merchant": ["against", "for"],
        },
    )
    _vote(
        s, clock, short, {"grid": ["for", "for", "for"], "resident": ["for", "for", "for", "for"]}
    )
    _vote(
        s,
        clock,
        tie,
        {
            "grid": ["for", "against", "for"],
            "resident": ["against", "abstain", "abstain"],
            "merchant": ["for", "against"],
        },
    )
    result = c.tally(s, adopted.id)
    assert (result.votes["for"], result.votes["against"], result.votes["abstain"]) == (5, 2, 1)
    assert (result.seats, result.quorum_needed, result.voted) == (12, 8, 8)
    assert dict(result.by_group["grid"]) == {"for": 2, "against": 1}
    assert dict(result.by_group["resident"]) == {"for": 2, "abstain": 1}
    assert dict(result.by_group["merchant"]) == {"against": 1, "for": 1}
    assert result.outcome == "adopted"
    assert c.tally(s, short.id).outcome == "not_decided"  # 7 of 12: all for, still not decided
    assert c.tally(s, tie.id).outcome == "rejected"  # 3 for, 3 against
    c.close_voting(
        s,
        meeting_id=meeting.id,
        actor_id=staff,
        action_owner_id=uid(s, "handler_street"),
        action_days=21,
        now=clock(),
    )
    outcomes = {v.item.id: (v.item.outcome, v.item.seats_at_close) for v in c.agenda(s, meeting.id)}
    assert outcomes == {
        adopted.id: ("adopted", 12),
        short.id: ("not_decided", 12),
        tie.id: ("rejected", 12),
    }
    actions = s.exec(select(CouncilAction)).all()
    assert [(a.item_id, a.owner_id, a.status) for a in actions] == [
        (adopted.id, uid(s, "handler_street"), "planned")
    ]
    assert (
        actions[0].due_date
        == (clock() + timedelta(days=21)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    )
    # seats changing later does not change a closed tally
    c.end_seat(s, seat_id=c.seat_of(s, council.id, uid(s, "grid04")).id, actor_id=staff)
    assert c.tally(s, adopted.id).seats == 12 and c.tally(s, adopted.id).outcome == "adopted"


def test_rules_are_configurable_per_council(s, clock):
    council, meeting, (item,) = ready_to_vote(
        s, clock, per_group=2, quorum_num=1, quorum_den=2, majority="two_thirds_of_votes"
    )
    _vote(s, clock, item, {"grid": ["for", "for"], "resident": ["against"]})
    result = c.tally(s, item.id)
    assert (result.quorum_needed, result.outcome) == (3, "adopted")  # 2 of 3 ballots = two thirds
    c.cast_ballot(s, item_id=item.id, user_id=uid(s, "shop01"), choice="abstain", now=clock())
    assert c.tally(s, item.id).outcome == "rejected"  # 2 of 4 is less than two thirds
    with pytest.raises(UserError, match="while voting is open"):
        c.set_rules(
            s,
            council_id=council.id,
            actor_id=uid(s, "staff01"),
            seats_per_group=2,
            quorum_num=2,
            quorum_den=3,
            majority="more_for",
            proposal_days=3,
        )
    with pytest.raises(FieldErrors) as caught:
        c.set_rules(
            s,
            council_id=council.id,
            actor_id=uid(s, "staff01"),
            seats_per_group=0,
            quorum_num=4,
            quorum_den=3,
            majority="loudest",
            proposal_days=3,
        )
    assert set(caught.value.errors) == {"seats_per_group", "quorum", "majority"}


# --- attendance, actions, wishes ---------------------------------------------------------------


def test_attendance_earns_points_once_per_meeting(s, clock):
    council, meeting, _ = ready_to_vote(s, clock, per_group=1)
    staff = uid(s, "staff01")
    member = uid(s, "shop01")
    c.record_attendance(s, meeting_id=meeting.id, member_id=member, actor_id=staff, now=clock())
    with pytest.raises(UserError, match="already recorded"):
        c.record_attendance(s, meeting_id=meeting.id, member_id=member, actor_id=staff, now=clock())
    with pytest.raises(UserError, match="Only members"):
        c.record_attendance(s, meeting_id=meeting.id, member_id=uid(s, "res09"), actor_id=staff)
    entries = s.exec(
        select(PointsEntry).where(PointsEntry.user_id == member, PointsEntry.source == "council")
    ).all()
    assert [(e.source_id, e.amount) for e in entries] == [(str(meeting.id), 10)]
    assert c.attendance(s, meeting.id) == {member}


def test_actions_owner_due_date_and_progress(s, clock):
    council, meeting, (item,) = ready_to_vote(s, clock, per_group=1)
    staff = uid(s, "staff01")
    _vote(s, clock, item, {"grid": ["for"], "resident": ["for"], "merchant": ["for"]})
    c.close_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    action = s.exec(select(CouncilAction)).one()
    assert action.owner_id == staff
    with pytest.raises(FieldErrors) as caught:
        c.set_action(
            s,
            action_id=action.id,
            actor_id=staff,
            owner_id=uid(s, "res05"),
            due_date=date(2020, 1, 1),
            now=clock(),
        )
    assert set(caught.value.errors) == {"owner", "due_date"}
    owner = uid(s, "grid05")
    c.set_action(
        s,
        action_id=action.id,
        actor_id=staff,
        owner_id=owner,
        due_date=date(2026, 12, 20),
        now=clock(),
    )
    with pytest.raises(UserError, match="Only the owner"):
        c.report_progress(
            s, action_id=action.id, actor_id=uid(s, "res05"), status="done", note="好了"
        )
    with pytest.raises(FieldErrors, match="note"):
        c.report_progress(s, action_id=action.id, actor_id=owner, status="in_progress", note="")
    c.report_progress(
        s,
        action_id=action.id,
        actor_id=owner,
        status="in_progress",
        note="已联系电工。",
        now=clock(),
    )
    c.report_progress(
        s, action_id=action.id, actor_id=owner, status="done", note="两盏路灯已装好。", now=clock()
    )
    with pytest.raises(UserError, match="already done"):
        c.report_progress(
            s, action_id=action.id, actor_id=staff, status="in_progress", note="再看看"
        )
    (decision,) = c.decisions(s, council.id)
    assert decision.view.action.status == "done" and decision.view.owner_name == "GRID05"
    assert [(e.from_state, e.to_state, e.note) for e in decision.view.progress] == [
        ("planned", "in_progress", "已联系电工。"),
        ("in_progress", "done", "两盏路灯已装好。"),
    ]


def test_a_promoted_wish_on_the_agenda_gets_the_decision(s, clock):
    council = make_council(s, clock, per_group=1)
    staff = uid(s, "staff01")
    meeting = make_meeting(s, clock, council)
    wish = wishes.post_wish(
        s,
        author_id=uid(s, "res10"),
        title="三号楼装扶手",
        body="楼梯陡，老人上下不方便。",
        category="facility",
        now=clock(),
    )
    wishes.set_grid_rule(
        s, grid_id=grid_id(s, "S"), support_threshold=2, expire_days=30, set_by=staff
    )
    for who in ("res11", "res12"):
        wishes.vote(s, wish_id=wish.id, user_id=uid(s, who), now=clock())
    assert [w.id for _, w in c.wish_candidates(s)] == [wish.id]
    item = c.add_item(
        s, meeting_id=meeting.id, actor_id=staff, source="wish", source_id=wish.id, now=clock()
    )
    assert (item.title, item.proposer_id) == ("三号楼装扶手", uid(s, "res10"))
    assert c.wish_candidates(s) == []
    with pytest.raises(UserError, match="already on an agenda"):
        c.add_item(s, meeting_id=meeting.id, actor_id=staff, source="wish", source_id=wish.id)
    c.open_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    _vote(s, clock, item, {"grid": ["for"], "resident": ["for"], "merchant": ["against"]})
    c.close_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    s.expire_all()
    assert s.get(Wish, wish.id).state == "decided"
    promotion = s.exec(select(WishPromotion).where(WishPromotion.wish_id == wish.id)).one()
    assert promotion.status == "decided" and "三号楼装扶手" in promotion.decision


def test_report_candidates_are_escalated_or_recurring(s, clock):
    from db.models_reports import Report, ReportCategory, ReportSupporter

    council = make_council(s, clock, per_group=1)
    staff = uid(s, "staff01")
    meeting = make_meeting(s, clock, council)
    category = ReportCategory(code="lamp", kind="component", names='{"zh_Hans": "路灯"}')
    s.add(category)
    s.flush()

    def report(level: str, grid: str, state: str = "assigned") -> Report:
        row = Report(
            reporter_id=uid(s, "res01"),
            category_id=category.id,
            description=f"{level} {grid}",
            lat=30.6,
            lon=104.0,
            grid_id=grid_id(s, grid),
            level=level,
            state=state,
            due_at=clock() + timedelta(days=3),
        )
        s.add(row)
        s.flush()
        return row

    escalated = report("street", "S-M1")
    recurring = report("grid", "S-M2")
    for who in ("res02", "res03"):
        s.add(ReportSupporter(report_id=recurring.id, user_id=uid(s, who)))
    report("grid", "S-M1")  # once, at grid level: not for the council
    report("district", "T-M1")  # another community
    report("street", "S-M1", state="closed")  # already solved
    s.commit()
    found = {r.id: n for r, n in c.report_candidates(s, council.id)}
    assert found == {escalated.id: 0, recurring.id: 2}
    item = c.add_item(
        s,
        meeting_id=meeting.id,
        actor_id=staff,
        source="report",
        source_id=escalated.id,
        now=clock(),
    )
    assert (item.proposer_id, item.background) == (uid(s, "res01"), "street S-M1")
    assert [r.id for r, _ in c.report_candidates(s, council.id)] == [recurring.id]


# --- concurrency: real threads, each with its own session, on both backends --------------------


def test_thirty_members_vote_on_the_same_item_at_once(url, clock):
    engine = get_engine(url)
    with Session(engine, expire_on_commit=False) as s:
        council, meeting, (item,) = ready_to_vote(s, clock, per_group=MEMBERS_PER_GROUP)
        ids = member_ids(s, MEMBERS_PER_GROUP)
        item_id = item.id
    voters = [(group, member) for group, people in ids.items() for member in people]
    assert len(voters) == 30
    choice = {0: "for", 1: "against", 2: "abstain"}

    def work(i):
        with Session(engine, expire_on_commit=False) as s:
            return c.cast_ballot(s, item_id=item_id, user_id=voters[i][1], choice=choice[i % 3])

    results = parallel(30, work)
    assert [r for r in results if isinstance(r, Exception)] == []
    with Session(engine) as s:
        ballots = s.exec(select(CouncilBallot).where(CouncilBallot.item_id == item_id)).all()
        assert len(ballots) == 30 and len({b.user_id for b in ballots}) == 30
        result = c.tally(s, item_id)
        assert (result.votes["for"], result.votes["against"], result.votes["abstain"]) == (
            10,
            10,
            10,
        )
        assert sum(sum(g.values()) for g in result.by_group.values()) == 30
        assert all(sum(result.by_group[g].values()) == 10 for g in ids)
        assert result.outcome == "rejected"  # quorum met, for not more than against


def test_votes_racing_the_close_are_either_counted_or_refused(url, clock):
    engine = get_engine(url)
    with Session(engine, expire_on_commit=False) as s:
        council, meeting, (item,) = ready_to_vote(s, clock, per_group=MEMBERS_PER_GROUP)
        voters = [m for people in member_ids(s, MEMBERS_PER_GROUP).values() for m in people][:20]
        staff = uid(s, "staff01")
        item_id, meeting_id = item.id, meeting.id

    def work(i):
        with Session(engine, expire_on_commit=False) as s:
            if i == 20:
                return c.close_voting(s, meeting_id=meeting_id, actor_id=staff)
            return c.cast_ballot(s, item_id=item_id, user_id=voters[i], choice="for")

    results = parallel(21, work)
    refused = [r for r in results[:20] if isinstance(r, UserError)]
    assert not isinstance(results[20], Exception)
    assert all(not isinstance(r, Exception) or isinstance(r, UserError) for r in results)
    with Session(engine) as s:
        ballots = s.exec(select(CouncilBallot).where(CouncilBallot.item_id == item_id)).all()
        assert len(ballots) == 20 - len(refused)
        assert c.tally(s, item_id).voted == len(
            ballots
        )  # what was counted at close is all there is
        outcome = s.get(CouncilItem, item_id).outcome
        assert outcome == ("adopted" if len(ballots) >= 20 else "not_decided")
