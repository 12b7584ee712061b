"""What the office of the project's community (or its street) does: approve a funded project or
send it to the council's next agenda (portal.council.add_item), reject it (pledges released),
record payments made at the office, publish progress and spending (公示), mark it completed."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, select

from db.models_council import Council, CouncilItem
from db.models_microprojects import MicroEntry, MicroPledge, MicroProject
from db.types import row_id, rowcount, utcnow
from portal.council.common import BODY_MAX
from portal.errors import FieldErrors, Message, UserError
from portal.grids import parent_map
from portal.i18n import DEFAULT_LANGUAGE, N_, translate
from portal.microprojects.common import (
    CHANGED,
    NOTE_MAX,
    PUBLISHING,
    RECEIPT_MAX,
    _actor,
    _commit,
    _event,
    _locked,
    _move,
)
from portal.microprojects.matching import match_of
from portal.microprojects.money import format_money, parse_fen
from portal.microprojects.pledging import _too_long, release_all
from portal.text import clean_text


def _note(text: str | None, field: str, required: str | None = None) -> str:
    note = clean_text(text)
    if required and not note:
        raise FieldErrors({field: Message(required)})
    if len(note) > NOTE_MAX:
        raise FieldErrors({field: _too_long(note, NOTE_MAX)})
    return note


def _managed(session: Session, actor_id: int, project_id: int) -> tuple:
    project = _locked(session, project_id)
    actor = _actor(session, actor_id, "microproject.manage", project.grid_id)
    return actor, project


def _step(
    session: Session,
    actor_id: int,
    project_id: int,
    note: str,
    now: datetime | None,
    *,
    from_state: str,
    to_state: str,
    refused: str,
) -> MicroProject:
    """One office step from one state to the next, with its note on the trail."""
    now = now or utcnow()
    note = _note(note, "note")
    actor, project = _managed(session, actor_id, project_id)
    if project.state != from_state:
        session.rollback()
        raise UserError(refused)
    _move(session, project, to_state=to_state, actor_id=actor.id, kind=to_state, now=now, note=note)
    _commit(session)
    return session.get_one(MicroProject, project_id)


def approve(
    session: Session, *, actor_id: int, project_id: int, note: str = "", now: datetime | None = None
) -> MicroProject:
    """The office approves a funded project: pledges are now collected (payments recorded)."""
    return _step(
        session,
        actor_id,
        project_id,
        note,
        now,
        from_state="funded",
        to_state="approved",
        refused=N_("Only a project that reached its goal can be approved."),
    )


def reject(
    session: Session, *, actor_id: int, project_id: int, reason: str, now: datetime | None = None
) -> MicroProject:
    """The office does not approve a funded project (a reason is shown): pledges released."""
    now = now or utcnow()
    reason = _note(reason, "reason", N_("Please write why the project is not approved."))
    actor, project = _managed(session, actor_id, project_id)
    if project.state not in ("funded", "council"):
        session.rollback()
        raise UserError(N_("Only a project that reached its goal can be turned down."))
    _move(
        session,
        project,
        to_state="rejected",
        actor_id=actor.id,
        kind="rejected",
        now=now,
        note=reason,
    )
    release_all(session, project, actor.id, now)
    _commit(session)
    return session.get_one(MicroProject, project_id)


def _council_of(session: Session, grid_id: int) -> Council | None:
    """The council nearest above the project's grid (its general grid's, else the community's)."""
    parents = parent_map(session)
    by_grid = {c.grid_id: c for c in session.exec(select(Council).order_by(col(Council.id))).all()}
    current: int | None = grid_id
    seen: set[int] = set()
    while current is not None and current not in seen:
        if current in by_grid:
            return by_grid[current]
        seen.add(current)
        current = parents.get(current)
    return None


def send_to_council(
    session: Session, *, actor_id: int, project_id: int, now: datetime | None = None
) -> CouncilItem:
    """Puts a funded project on the agenda of its council's next meeting (still being prepared):
    the council's own add_item makes the item; the council's outcome comes back by the clock."""
    from portal import council

    now = now or utcnow()
    actor, project = _managed(session, actor_id, project_id)
    if project.state != "funded":
        session.rollback()
        raise UserError(N_("Only a project that reached its goal can go to the council."))
    body = _background(session, project)
    found = _council_of(session, project.grid_id)
    meeting = council.current_meeting(session, row_id(found), include_draft=True) if found else None
    session.rollback()  # add_item works in its own transaction
    if meeting is None or meeting.status not in ("draft", "published"):
        raise UserError(
            N_("The council has no meeting in preparation. Create the next meeting first.")
        )
    item = council.add_item(
        session,
        meeting_id=row_id(meeting),
        actor_id=actor_id,
        source="staff",
        title=project.title,
        background=body,
        proposer_id=project.proposer_id,
        now=now,
    )
    project = _locked(session, project_id)
    if project.state != "funded":  # changed while the item was added: take the item off again
        session.rollback()
        council.remove_item(
            session,
            item_id=row_id(item),
            actor_id=actor_id,
            reason=translate(DEFAULT_LANGUAGE, CHANGED),
            now=now,
        )
        raise UserError(CHANGED)
    _move(
        session,
        project,
        to_state="council",
        actor_id=actor_id,
        kind="council",
        now=now,
        council_item_id=item.id,
    )
    _commit(session)
    return item


def _background(session: Session, project: MicroProject) -> str:
    """The agenda item's background: the plan and the money (in the council's language)."""
    match = match_of(session, project)
    money = translate(
        DEFAULT_LANGUAGE,
        N_("Goal {goal}; pledged by residents {pledged}; matched {matched}."),
        goal=format_money(DEFAULT_LANGUAGE, project.goal_fen),
        pledged=format_money(DEFAULT_LANGUAGE, project.pledged_fen),
        matched=format_money(DEFAULT_LANGUAGE, match.fen),
    )
    return f"{project.plan[: BODY_MAX - 300]}\n\n{money}"


def record_payment(
    session: Session,
    *,
    actor_id: int,
    pledge_id: int,
    receipt_no: str,
    now: datetime | None = None,
) -> MicroPledge:
    """The office records that the pledger paid their promise at the office (receipt number)."""
    now = now or utcnow()
    receipt = clean_text(receipt_no)
    if not receipt or len(receipt) > RECEIPT_MAX:
        raise FieldErrors(
            {"receipt": Message(N_("Please write the receipt number (at most 40 characters)."))}
        )
    row = session.get(MicroPledge, pledge_id)
    if row is None:
        raise UserError(N_("This pledge could not be found."))
    actor, project = _managed(session, actor_id, row.project_id)
    if project.state not in PUBLISHING:
        session.rollback()
        raise UserError(N_("Payments are recorded once the project is approved."))
    if not row.amount_fen:
        session.rollback()
        raise UserError(N_("This pledge is points only: there is nothing to pay."))
    done = session.execute(
        update(MicroPledge)
        .where(col(MicroPledge.id) == pledge_id, col(MicroPledge.state) == "promised")
        .values(
            state="paid",
            state_changed_at=now,
            paid_at=now,
            receipt_no=receipt,
            recorded_by=actor.id,
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(done) != 1:
        session.rollback()
        raise UserError(N_("This pledge was already paid or released."))
    session.execute(
        update(MicroProject)
        .where(col(MicroProject.id) == project.id)
        .values(paid_fen=MicroProject.paid_fen + row.amount_fen)
        .execution_options(synchronize_session=False)
    )
    _event(session, row_id(project), "paid", actor.id, now, pledge_id=pledge_id, note=receipt)
    _commit(session)
    return session.get_one(MicroPledge, pledge_id)


def publish(
    session: Session,
    *,
    actor_id: int,
    project_id: int,
    kind: str,
    body: str,
    amount: object = "",
    spent_on: date | None = None,
    photo: bytes | None = None,
    media_root: Path | None = None,
    now: datetime | None = None,
) -> MicroEntry:
    """Publishes a progress update or a spending line (amount, what for, receipt photo)."""
    now = now or utcnow()
    text = clean_text(body)
    errors: dict[str, Message] = {}
    if not text:
        errors["body"] = Message(N_("Please write what was done or what the money paid for."))
    elif len(text) > NOTE_MAX:
        errors["body"] = _too_long(text, NOTE_MAX)
    fen = None
    if kind == "spending":
        fen, why = parse_fen(amount)
        if why:
            errors["amount"] = why
        if not photo:
            errors["photo"] = Message(N_("Please add a photo of the receipt."))
    elif kind != "progress":
        errors["kind"] = Message(N_("Please choose a progress update or a spending line."))
    if errors:
        raise FieldErrors(errors)
    stored = thumb = None
    if photo:
        from portal import media

        try:
            checked = media.check_photo(photo)
        except UserError as exc:
            raise FieldErrors({"photo": exc.message}) from None
        stored, thumb = media.store_for(media_root).save_photo(checked)
    actor, project = _managed(session, actor_id, project_id)
    if project.state not in PUBLISHING:
        session.rollback()
        raise UserError(N_("Progress and spending are published once the project is approved."))
    entry = MicroEntry(
        project_id=row_id(project),
        kind=kind,
        amount_fen=fen,
        body=text,
        photo_path=stored,
        thumb_path=thumb,
        spent_on=spent_on,
        actor_id=row_id(actor),
        at=now,
    )
    session.add(entry)
    _commit(session)
    session.refresh(entry)
    return entry


def complete(
    session: Session, *, actor_id: int, project_id: int, note: str = "", now: datetime | None = None
) -> MicroProject:
    """The office marks an approved project as completed (its 公示 stays)."""
    return _step(
        session,
        actor_id,
        project_id,
        note,
        now,
        from_state="approved",
        to_state="completed",
        refused=N_("Only an approved project can be completed."),
    )
