"""Counting an item's ballots: totals and per group, quorum and majority by the council's rules,
an item's own options and the option that wins (a tie decides nothing).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

from db.models_council import (
    SEAT_GROUPS,
    Council,
    CouncilBallot,
    CouncilItem,
    CouncilMeeting,
)
from db.models_council_extras import CouncilItemOption
from db.types import row_id
from portal.council.common import DEFAULT_OPTIONS, NOT_FOUND, Option
from portal.council.seating import seat_counts
from portal.errors import UserError


@dataclass
class Tally:
    votes: Counter
    by_group: dict[str, Counter]
    seats: int
    quorum_needed: int
    majority: str
    by_hand: int = 0
    options: tuple[Option, ...] = DEFAULT_OPTIONS

    @property
    def voted(self) -> int:
        return sum(self.votes.values())

    @property
    def quorum_met(self) -> bool:
        return self.seats > 0 and self.voted >= self.quorum_needed

    @property
    def custom(self) -> bool:
        """The item has its own options: the option with strictly the most votes wins."""
        return any(o.custom for o in self.options)

    @property
    def leaders(self) -> list[Option]:
        """The options with the most votes (more than one: a tie; none before any vote)."""
        most = max((self.votes[o.key] for o in self.options), default=0)
        return [o for o in self.options if most > 0 and self.votes[o.key] == most]

    @property
    def winner(self) -> Option | None:
        leaders = self.leaders
        return leaders[0] if self.custom and self.quorum_met and len(leaders) == 1 else None

    @property
    def tied(self) -> bool:
        return self.custom and self.quorum_met and len(self.leaders) > 1

    @property
    def majority_met(self) -> bool:
        if self.custom:
            return len(self.leaders) == 1
        yes, no, voted = self.votes["for"], self.votes["against"], self.voted
        if self.majority == "half_of_votes":
            return yes * 2 > voted
        if self.majority == "two_thirds_of_votes":
            return yes > 0 and yes * 3 >= voted * 2
        return yes > no

    @property
    def outcome(self) -> str:
        if not self.quorum_met:
            return "not_decided"
        if self.custom:  # a choice between options: one wins, or a tie decides nothing
            return "adopted" if self.majority_met else "not_decided"
        return "adopted" if self.majority_met else "rejected"

    def counts(self) -> dict[str, int]:
        return {
            "for": self.votes["for"],
            "against": self.votes["against"],
            "abstain": self.votes["abstain"],
            "voted": self.voted,
        }


def quorum_needed(seats: int, council: Council) -> int:
    return -(-seats * council.quorum_num // council.quorum_den)  # ceil


def tally(
    session: Session, item_id: int, *, council: Council | None = None, seats: int | None = None
) -> Tally:
    """Counts the ballots of an item: totals, per group, quorum and majority by the council's rules.
    After closing, the seats counted are those at closing time."""
    item = session.get(CouncilItem, item_id)
    if item is None:
        raise UserError(NOT_FOUND)
    if council is None:
        council = session.get_one(
            Council, session.get_one(CouncilMeeting, item.meeting_id).council_id
        )
    if seats is None:
        seats = (
            item.seats_at_close
            if item.seats_at_close is not None
            else sum(seat_counts(session, row_id(council)).values())
        )
    rows = session.exec(
        select(CouncilBallot.seat_group, CouncilBallot.choice, CouncilBallot.by_hand).where(
            CouncilBallot.item_id == item_id
        )
    ).all()
    options = item_options(session, [item_id])[item_id]
    votes: Counter = Counter()
    by_group: dict[str, Counter] = {group: Counter() for group in SEAT_GROUPS}
    hand = 0
    for group, choice, by_hand in rows:
        votes[choice] += 1
        by_group[group][choice] += 1
        hand += bool(by_hand)
    return Tally(
        votes, by_group, seats, quorum_needed(seats, council), council.majority, hand, options
    )


def item_options(session: Session, item_ids: list[int]) -> dict[int, tuple[Option, ...]]:
    """Each item's options: its own (in order) or the default for / against / abstain."""
    found: dict[int, list[Option]] = {}
    rows = session.exec(
        select(CouncilItemOption)
        .where(col(CouncilItemOption.item_id).in_(list(item_ids) or [-1]))
        .order_by(col(CouncilItemOption.item_id), col(CouncilItemOption.position))
    ).all()
    for row in rows:
        found.setdefault(row.item_id, []).append(Option(f"o{row.position}", row.label, True))
    return {item_id: tuple(found.get(item_id, ())) or DEFAULT_OPTIONS for item_id in item_ids}


def option_label(options: tuple[Option, ...], key: str | None) -> Option | None:
    return next((o for o in options if o.key == key), None)
