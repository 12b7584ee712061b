"""Snap-a-report (随手拍): report → dispatch by grid → handle / escalate → verify → rate → close.

A resident (or someone on their behalf, or a smart device's alarm) files a report at a place; it
goes to the grid's lead, and up the chain grid → community → street → district when nobody acts in
time. Every transition is a ReportEvent row; the Report row holds the current state and a version
number, so two handlers acting at once cannot both win (a conditional UPDATE on id, version and
state). `sweep()` is the clock: it warns before a report falls due, escalates overdue reports one
level and closes resolved reports nobody rated within a week (no zombie orders).

Where each rule lives (commands change reports, queries only read them):
    common      levels, states, labels and limits; the event row (and its notices) and the
                guarded move every command uses
    catalog     report categories and their names; staff editing the list
    routing     who answers where (the responder per level), `facts` for permissions.can and
                `may_handle`
    filing      submit, submit_alarm, the submission key and resend check, check_place, storing
                photos and voice notes, the first dispatch
    handling    a handler's steps (act), escalation, reassignment, whistle and joint parts,
                rating, me too
    sweeping    the clock rules run by `sweep()`: warn due soon, escalate overdue, close unrated
    clock       the resident's due time and the one "overdue" rule (Python and SQL)
    nearby      open reports of the same kind near a place (offered as "me too")
    queries     read models: timelines, work queue, map points, the public view, Open311
    visibility  who reads which report (`can_see_report` and its SQL twin)
    work_queue  the staff work queue: search, filters and their counts, order, one page of cards
    notices     who is told what when a report moves (the notification outbox)

(The module is `sweeping`, not `sweep`, so `reports.sweep` is always the function.)

Everything public of the command modules is re-exported here, so
`from portal import reports; reports.submit(...)` works; read models are imported from their
module (`from portal.reports import queries`).
"""

from __future__ import annotations

from db.models_reports import Report
from portal.permissions import NOT_YOURS
from portal.reports.catalog import categories, category_name, save_category
from portal.reports.clock import OPEN_STATES
from portal.reports.common import (
    ACTION_TEXTS,
    CONFLICT,
    DONE_STATES,
    DUE_SOON,
    GRID_DUTIES,
    HANDLER_ACTIONS,
    LEVEL_LABELS,
    LEVELS,
    LOW_RATING,
    MAX_DESCRIPTION,
    RATE_WINDOW,
    STATE_COLOURS,
    STATE_LABELS,
    STATE_MARKS,
    WHISTLE_HOURS,
    WORKING_STATES,
)
from portal.reports.filing import RESEND_WINDOW, check_place, submission_key, submit, submit_alarm
from portal.reports.handling import act, finish_joint_part, me_too, rate, reassign, whistle
from portal.reports.nearby import Nearby, distance_m, nearby_open
from portal.reports.routing import facts, may_handle
from portal.reports.sweeping import sweep

__all__ = [
    "ACTION_TEXTS",
    "CONFLICT",
    "DONE_STATES",
    "DUE_SOON",
    "GRID_DUTIES",
    "HANDLER_ACTIONS",
    "LEVELS",
    "LEVEL_LABELS",
    "LOW_RATING",
    "MAX_DESCRIPTION",
    "NOT_YOURS",
    "Nearby",
    "OPEN_STATES",
    "RATE_WINDOW",
    "RESEND_WINDOW",
    "Report",
    "STATE_COLOURS",
    "STATE_LABELS",
    "STATE_MARKS",
    "WHISTLE_HOURS",
    "WORKING_STATES",
    "act",
    "categories",
    "category_name",
    "check_place",
    "distance_m",
    "facts",
    "finish_joint_part",
    "may_handle",
    "me_too",
    "nearby_open",
    "rate",
    "reassign",
    "save_category",
    "submission_key",
    "submit",
    "submit_alarm",
    "sweep",
    "whistle",
]
