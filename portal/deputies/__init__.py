"""Deputies' desk (人大代表、政协委员板块): the people's congress deputies and CPPCC members living or
working in a community, their reception days and slots, and residents' requests to them.

A verified resident or merchant of the community leaves a request, optionally booking one free
reception slot (one booking per slot: `deputy_request.slot_id` is unique). The deputy — a user is
a deputy when a deputy row names their account — or the community's office for them answers it,
writes its public outline, forwards it as a report (portal.reports.submit; the request keeps the
report's id) and closes it. Every step is a DeputyRequestEvent row and a conditional UPDATE on
the state, so two people acting at once cannot both win.

Privacy: the detail (the resident's words and name, the answer) is for the resident, the deputy
and the community's office; the community sees the trail — topic, state, outline and dates of
the requests whose outline has been written. Staff of another community can do nothing
(portal.areas; permissions section "deputies' desk").

    desk     commands: save_deputy, add_slot, leave_request, answer, write_outline, forward, close
    queries  read models: deputies, my_requests, incoming, request_detail, trail, may_respond
"""

from __future__ import annotations

from portal.deputies.desk import (
    ANSWER_MAX,
    BIO_MAX,
    BODY_LABELS,
    BODY_MAX,
    DAYS_MAX,
    LEVEL_LABELS,
    NAME_MAX,
    OUTLINE_MAX,
    PLACE_MAX,
    SLOT_MINUTES,
    SLOT_TAKEN,
    STATE_LABELS,
    TOPIC_MAX,
    add_slot,
    answer,
    close,
    forward,
    leave_request,
    save_deputy,
    write_outline,
)

__all__ = [
    "ANSWER_MAX",
    "BIO_MAX",
    "BODY_LABELS",
    "BODY_MAX",
    "DAYS_MAX",
    "LEVEL_LABELS",
    "NAME_MAX",
    "OUTLINE_MAX",
    "PLACE_MAX",
    "SLOT_MINUTES",
    "SLOT_TAKEN",
    "STATE_LABELS",
    "TOPIC_MAX",
    "add_slot",
    "answer",
    "close",
    "forward",
    "leave_request",
    "save_deputy",
    "write_outline",
]
