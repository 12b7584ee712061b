"""Co-funded micro-projects (微治理项目众筹): residents propose a small project for their courtyard
or grid (a lift, parking, a façade, charging posts) with a goal, a last day and a plan; confirmed
neighbours of the community pledge money (a promise in fen: the portal keeps the promise and the
payment record, the money is paid at the office) and points (through the one points ledger); the
community's or street's office sets a matching rule and the matched share shows live; a project
that reaches its goal goes to the office's approval or to the council's next agenda; progress and
spending are published (公示) with receipt photos; a project that misses its deadline closes and
its pledges are released.

    open ──goal reached (pledges + matched share)──▶ funded ──approve──▶ approved ──▶ completed
     │                                                  ├──send to council──▶ council ──outcome──┘
     │                                                  └──reject (reason)──▶ rejected (released)
     └──last day passed (clock rule)──▶ expired (pledges released, points returned)

Pledges: promised → paid (office, receipt no.) / released / withdrawn (pledger, while open).

Where each rule lives:
    money      yuan typed → fen, fen → "¥1,234.50" in the reader's locale
    common     limits, states, labels; permission check with the area; locked read; guarded move
    matching   the office's rule and the matched share (live, fixed at the goal, budget)
    pledging   proposing, pledging, withdrawing, releasing (the running totals and the ledger)
    office     approve, reject, send to the council, record payments, publish, complete
    clock      the housekeeping rule: deadlines and the council's outcomes
    queries    cards, a project's page, my pledges, totals from the rows
"""

from __future__ import annotations

from db.models_microprojects import PROJECT_CATEGORIES, MicroPledge, MicroProject
from portal.microprojects.clock import Closed, close_due
from portal.microprojects.common import (
    CATEGORY_LABELS,
    EVENT_LABELS,
    MAX_DAYS,
    MAX_POINTS,
    NOTE_MAX,
    PLAN_MAX,
    PLEDGE_LABELS,
    STATE_LABELS,
    TITLE_MAX,
)
from portal.microprojects.matching import Match, match_of, office_rules, rule_for, set_rule
from portal.microprojects.money import format_money, parse_fen, yuan_text
from portal.microprojects.office import (
    approve,
    complete,
    publish,
    record_payment,
    reject,
    send_to_council,
)
from portal.microprojects.pledging import pledge, propose, withdraw
from portal.microprojects.queries import (
    Card,
    PledgeLine,
    ProjectView,
    detail,
    may_propose,
    my_pledges,
    projects,
    totals_from_rows,
)

__all__ = [
    "CATEGORY_LABELS",
    "EVENT_LABELS",
    "MAX_DAYS",
    "MAX_POINTS",
    "NOTE_MAX",
    "PLAN_MAX",
    "PLEDGE_LABELS",
    "PROJECT_CATEGORIES",
    "STATE_LABELS",
    "TITLE_MAX",
    "Card",
    "Closed",
    "Match",
    "MicroPledge",
    "MicroProject",
    "PledgeLine",
    "ProjectView",
    "approve",
    "close_due",
    "complete",
    "detail",
    "format_money",
    "match_of",
    "may_propose",
    "my_pledges",
    "office_rules",
    "parse_fen",
    "pledge",
    "projects",
    "propose",
    "publish",
    "record_payment",
    "reject",
    "rule_for",
    "send_to_council",
    "set_rule",
    "totals_from_rows",
    "withdraw",
    "yuan_text",
]
