"""Points (积分): the one ledger, rules per source, tasks residents claim, rewards and redemptions.

Every feature that rewards people calls `award()`; nothing else creates points. The ledger is
append-only: a person's entries are a chain (seq 1, 2, 3…) carrying the running balance, and the
database refuses a duplicate event, a second entry with the same seq and any negative balance.

Writers serialise per person through the `points_member` row (PostgreSQL row lock; on SQLite the
first write of a transaction takes the database write lock), per task through a conditional UPDATE
of the task row, and per reward through `UPDATE … SET stock = stock - 1 WHERE stock > 0`.

Where each rule lives:
    common   limits, roles, labels and messages; day and month bounds; the per-person lock and
             the one append to the ledger chain
    ledger   balance, the rules per source, award (the only way points are created), staff
             adjustments, a person's history
    tasks    publishing and cancelling tasks (one-off or weekly / monthly series) for grids, who
             may publish and verify where, the open tasks a person sees, the staff overview
    claims   claiming a task, withdrawing, submitting proof, verifying (points on approval)
    rewards  the reward catalogue and stock, redeeming for a code, cancelling, handing over
    figures  leaderboard (with opt-out) and monthly figures per grid, read from the summaries
    summaries  per person and per month totals kept with every ledger line (same transaction),
             their full recomputation and rebuild (python -m portal.points.rebuild_summaries)

Everything public is re-exported here, so `from portal import points; points.award(...)` works.
"""

from __future__ import annotations

from portal.points.claims import (
    MyClaim,
    ToVerify,
    Verdict,
    claim_task,
    claims_to_verify,
    my_claims,
    submit_proof,
    verify_claim,
    withdraw_claim,
)
from portal.points.common import (
    CLAIM_STATUS_LABELS,
    CODE_ALPHABET,
    CODE_LENGTH,
    DEFAULT_RULES,
    EARNING_EXCLUDED,
    FREQUENCIES,
    HISTORY_TEXT,
    MAX_ADJUSTMENT,
    MAX_AWARD,
    MAX_COST,
    MAX_OCCURRENCES,
    MAX_PLACES,
    MAX_TASK_POINTS,
    NOT_ENOUGH,
    OFFICE,
    OTHER_HISTORY_TEXT,
    PROOF_GRACE,
    PROOF_LABELS,
    REDEMPTION_STATUS_LABELS,
    REFUSED_ROLE,
    RESERVED_SOURCES,
    SOURCE_LABELS,
    SOURCE_RE,
    WORKERS,
    day_bounds,
    month_starts,
)
from portal.points.figures import (
    MonthFigures,
    Standing,
    leaderboard,
    leaderboard_opt_out,
    monthly_by_grid,
    set_leaderboard_opt_out,
)
from portal.points.ledger import (
    HistoryLine,
    Rule,
    adjust,
    award,
    balance,
    ensure_rules,
    find_person,
    history,
    history_count,
    ledger_sum,
    rule_for,
    rules,
    set_rule,
)
from portal.points.rewards import (
    CodeView,
    MyRedemption,
    RewardCard,
    cancel_redemption,
    change_stock,
    codes_waiting,
    hand_over,
    look_up_code,
    merchants,
    my_redemptions,
    new_code,
    normalise_code,
    redeem,
    rewards_for,
    save_reward,
    set_reward_active,
)
from portal.points.tasks import (
    TaskCard,
    TaskRow,
    cancel_task,
    open_tasks_for,
    publish_task,
    publishable_grids,
    tasks_overview,
)

__all__ = [
    "CLAIM_STATUS_LABELS",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "CodeView",
    "DEFAULT_RULES",
    "EARNING_EXCLUDED",
    "FREQUENCIES",
    "HISTORY_TEXT",
    "HistoryLine",
    "MAX_ADJUSTMENT",
    "MAX_AWARD",
    "MAX_COST",
    "MAX_OCCURRENCES",
    "MAX_PLACES",
    "MAX_TASK_POINTS",
    "MonthFigures",
    "MyClaim",
    "MyRedemption",
    "NOT_ENOUGH",
    "OFFICE",
    "OTHER_HISTORY_TEXT",
    "PROOF_GRACE",
    "PROOF_LABELS",
    "REDEMPTION_STATUS_LABELS",
    "REFUSED_ROLE",
    "RESERVED_SOURCES",
    "RewardCard",
    "Rule",
    "SOURCE_LABELS",
    "SOURCE_RE",
    "Standing",
    "TaskCard",
    "TaskRow",
    "ToVerify",
    "Verdict",
    "WORKERS",
    "adjust",
    "award",
    "balance",
    "cancel_redemption",
    "cancel_task",
    "change_stock",
    "claim_task",
    "claims_to_verify",
    "codes_waiting",
    "day_bounds",
    "ensure_rules",
    "find_person",
    "hand_over",
    "history",
    "history_count",
    "leaderboard",
    "leaderboard_opt_out",
    "ledger_sum",
    "look_up_code",
    "merchants",
    "month_starts",
    "monthly_by_grid",
    "my_claims",
    "my_redemptions",
    "new_code",
    "normalise_code",
    "open_tasks_for",
    "publish_task",
    "publishable_grids",
    "redeem",
    "rewards_for",
    "rule_for",
    "rules",
    "save_reward",
    "set_leaderboard_opt_out",
    "set_reward_active",
    "set_rule",
    "submit_proof",
    "tasks_overview",
    "verify_claim",
    "withdraw_claim",
]
