"""Meeting attendance: staff record who attended; each attendee earns points once per meeting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models_council import (
    CouncilAttendance,
)
from db.types import row_id, utcnow
from portal import points
from portal.council.common import _commit, _event, _manager, _meeting, council_grid, meeting_title
from portal.council.seating import seat_of
from portal.errors import UserError
from portal.i18n import DEFAULT_LANGUAGE, N_, translate


def record_attendance(
    session: Session, *, meeting_id: int, member_id: int, actor_id: int, now: datetime | None = None
) -> CouncilAttendance:
    """A member was present: recorded once, and earns the council points once per meeting."""
    now = now or utcnow()
    _manager(session, actor_id, council_grid(session, meeting_id=meeting_id))
    meeting = _meeting(session, meeting_id)
    if meeting.status == "draft":
        raise UserError(N_("Attendance is recorded for a published meeting."))
    seat = seat_of(session, meeting.council_id, member_id)
    if seat is None:
        raise UserError(N_("Only members holding a council seat are recorded as present."))
    row = CouncilAttendance(
        meeting_id=meeting_id, user_id=member_id, seat_id=row_id(seat), recorded_by=actor_id, at=now
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise UserError(N_("This member is already recorded as present.")) from None
    title_id, title_params = meeting_title(meeting)
    points.award(
        session,
        user_id=member_id,
        source="council",
        source_id=f"{meeting_id}",
        reason=translate(DEFAULT_LANGUAGE, title_id, **title_params),
        actor_id=actor_id,
        now=now,
    )
    _event(
        session,
        meeting.council_id,
        "attended",
        actor_id,
        now,
        meeting_id=meeting_id,
        note=str(member_id),
    )
    _commit(session, N_("This member is already recorded as present."))
    return session.get_one(CouncilAttendance, row.id)


def attendance(session: Session, meeting_id: int) -> set[int]:
    return set(
        session.exec(
            select(CouncilAttendance.user_id).where(CouncilAttendance.meeting_id == meeting_id)
        ).all()
    )
