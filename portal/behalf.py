"""Acting on behalf (代办): a grid worker visiting a resident records the resident's consent, then
files a report, supports a wish or claims a task for them. Every action is done in the resident's
name (their report, their vote, their claim and points) and leaves a BehalfAction row in the same
transaction, so every trail can say "filed by 王网格 for 张奶奶 (consent: in person)".

Rules: only grid workers, staff and admins act; a grid worker only for residents living in the
grids they answer for (and below); nobody for themselves; only under a consent that is neither
expired nor withdrawn. Consent is checked again in the database on every action, so a second
browser holding an ended consent is refused.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Grid, GridDuty, User
from db.models_behalf import CONSENT_METHODS, BehalfAction, BehalfConsent
from db.models_cockpit import Device
from db.models_points import PointsTask, TaskClaim
from db.models_reports import Report
from db.models_wishes import Wish, WishVote
from db.types import row_id, utcnow
from portal import auth, points, reports, wishes
from portal.areas import area_of
from portal.errors import FieldErrors, Message, UserError
from portal.grids import GridIndex, parent_map, subtree
from portal.i18n import N_
from portal.notifications import BEHALF_WORDS, notify
from portal.permissions import On, can, roles_for

ACTOR_ROLES = roles_for("behalf.act")  # the old name; the rule: permissions
ACTING_GRID_DUTIES = reports.GRID_DUTIES  # the duties that make a grid "theirs"
METHOD_LABELS = {
    "in_person": N_("In person, spoken"),
    "signed_paper": N_("Signed paper form"),
    "phone_resident": N_("Phone call with the resident"),
    "phone_family": N_("Phone call by a family member"),
}
DURATIONS = {"today": None, "1h": timedelta(hours=1), "3h": timedelta(hours=3)}
DURATION_LABELS = {
    "today": N_("Until the end of today"),
    "1h": N_("For one hour"),
    "3h": N_("For three hours"),
}
KIND_TEXTS = {
    "report": N_("{actor} filed report #{target} for {resident} (consent: {method})."),
    "wish_vote": N_("{actor} supported wish #{target} for {resident} (consent: {method})."),
    "task_claim": N_("{actor} claimed the task “{title}” for {resident} (consent: {method})."),
}
FILED_FOR_TEXT = N_("{actor} reported the problem for {resident} (consent: {method}).")
SUPPORTED_FOR_TEXT = N_("{actor} gave this support for {resident} (consent: {method}).")
CLAIMED_FOR_TEXT = N_("Claimed for you by {actor} (consent: {method}).")
NOTE_MAX = 300
QUERY_MAX = 40
NOT_A_HELPER = N_("Only grid workers and community staff can act for a resident.")
NOT_IN_GRIDS = N_(
    "{name} does not live in the grids you look after. You can only act for residents of your grids."
)
NOT_A_RESIDENT = N_("You can only act for a resident.")
NOT_SELF = N_("You cannot act for yourself.")
NO_CONSENT = N_("This consent could not be found. Please record the resident's consent again.")
EXPIRED = N_("The consent of {name} ran out at {when}. Please ask again and record it.")
REVOKED = N_("The consent of {name} was ended at {when}. Please ask again and record it.")
_DIGITS = re.compile(r"^\d{3,11}$")


@dataclass(frozen=True)
class Acting:
    """A valid consent: who acts, for whom, how they agreed and until when."""

    consent_id: int
    actor_id: int
    actor_name: str
    resident_id: int
    resident_name: str
    method: str  # message id of METHOD_LABELS
    valid_until: datetime


@dataclass(frozen=True)
class ResidentHit:
    user_id: int
    name: str
    username: str
    grid_name: str
    houses: tuple[str, ...]
    phone_tail: str  # last 4 digits, or ""


# --- who may act for whom ------------------------------------------------------------------------


def _actor(session: Session, actor_id: int | None) -> User:
    actor = auth.active_user(session, actor_id)
    if not can(actor, "behalf.act"):
        raise UserError(NOT_A_HELPER)
    return actor


def grids_of(session: Session, actor: User) -> set[int] | None:
    """Grid ids whose residents this person may act for; None means every grid (staff and admins
    of the whole deployment; staff of a community or street: its grids, portal.areas)."""
    if can(actor, "behalf.everywhere"):
        area = area_of(session, actor)
        return None if area.whole else set(area.grids or ())
    own = session.exec(
        select(col(GridDuty.grid_id)).where(
            col(GridDuty.user_id) == actor.id, col(GridDuty.duty).in_(ACTING_GRID_DUTIES)
        )
    ).all()
    return subtree(parent_map(session), *own) if own else set()


def _check_resident(session: Session, actor: User, resident_id: object) -> User:
    resident = session.get(User, resident_id) if isinstance(resident_id, int) else None
    if resident is None or not resident.is_active:
        raise UserError(N_("Please choose the resident you are acting for."), field="resident")
    if resident.id == actor.id:
        raise UserError(NOT_SELF, field="resident")
    if not can(resident, "behalf.for"):
        raise UserError(NOT_A_RESIDENT, field="resident")
    grids = grids_of(session, actor)
    if grids is not None and resident.home_grid_id not in grids:
        if can(actor, "behalf.everywhere"):  # the office of another community's resident
            refusal = can(actor, "behalf.act", On(outside=True))
            raise UserError(refusal.reason, field="resident")
        raise UserError(NOT_IN_GRIDS, field="resident", name=resident.display_name)
    return resident


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_residents(
    session: Session, *, actor_id: int, query: str, limit: int = 20
) -> list[ResidentHit]:
    """Residents of the actor's grids whose name, username, phone's last digits or house matches."""
    actor = _actor(session, actor_id)
    text = (query or "").replace("\x00", "").strip()[:QUERY_MAX]
    if not text:
        raise UserError(
            N_("Please type a name, the last digits of a phone number or a house."), field="query"
        )
    pattern = _like(text)
    houses = select(col(Device.resident_id)).where(
        col(Device.resident_id).is_not(None), col(Device.house).like(pattern, escape="\\")
    )
    match = [
        col(User.display_name).like(pattern, escape="\\"),
        col(User.username).like(pattern, escape="\\"),
        col(User.id).in_(houses),
    ]
    if _DIGITS.match(text):
        match.append(User.phone.like("%" + text))
    conditions = [
        User.role.in_(roles_for("behalf.for")),
        User.is_active,
        User.id != actor.id,
        or_(*match),
    ]
    grids = grids_of(session, actor)
    if grids is not None:
        conditions.append(col(User.home_grid_id).in_(sorted(grids) or [-1]))
    people = session.exec(
        select(User)
        .where(*conditions)
        .order_by(col(User.display_name), col(User.id))
        .limit(max(1, min(limit, 50)))
    ).all()
    return _hits(session, list(people))


def _hits(session: Session, people: list[User]) -> list[ResidentHit]:
    ids = [p.id for p in people]
    grid_names = dict(session.exec(select(col(Grid.id), col(Grid.name))).all())
    houses: dict[int, list[str]] = {}
    for rid, house in session.exec(
        select(col(Device.resident_id), col(Device.house))
        .where(col(Device.resident_id).in_(ids or [-1]))
        .order_by(col(Device.id))
    ).all():
        if rid is not None and house not in houses.setdefault(rid, []):
            houses[rid].append(house)
    return [
        ResidentHit(
            row_id(p),
            p.display_name,
            p.username,
            grid_names.get(p.home_grid_id, ""),
            tuple(houses.get(row_id(p), ())),
            (p.phone or "")[-4:],
        )
        for p in people
    ]


# --- consent ------------------------------------------------------------------------------------


def _open_key(actor_id: int, resident_id: int) -> str:
    return f"{actor_id}:{resident_id}"


def _valid_until(duration: str, now: datetime) -> datetime:
    """ "Today" ends at 23:59 Beijing time, so it reads as today's date, not tomorrow's 00:00."""
    length = DURATIONS[duration]
    return now + length if length else points.day_bounds(now)[1] - timedelta(minutes=1)


def record_consent(
    session: Session,
    *,
    actor_id: int,
    resident_id: object,
    agreed: bool,
    method: str | None,
    note: str = "",
    duration: str = "today",
    now: datetime | None = None,
) -> BehalfConsent:
    """Records that the resident agreed. A second click (or a second browser) while the same
    consent is still open returns that consent instead of a new one. Raises FieldErrors."""
    now = now or utcnow()
    actor = _actor(session, actor_id)
    errors: dict[str, Message] = {}
    try:
        resident = _check_resident(session, actor, resident_id)
    except UserError as exc:
        errors["resident"] = exc.message
    if agreed is not True:
        errors["agreed"] = Message(N_("Please tick the box once the resident has agreed."))
    if method not in CONSENT_METHODS:
        errors["method"] = Message(N_("Please choose how the resident agreed."))
    text = (note or "").replace("\x00", "").strip()
    if len(text) > NOTE_MAX:
        errors["note"] = Message(N_("Use at most {n} characters."), {"n": NOTE_MAX})
    if duration not in DURATIONS:
        errors["duration"] = Message(N_("Please choose how long the consent lasts."))
    if errors or method is None:  # a None method has its error above
        raise FieldErrors(errors)
    current = _open_consent(session, row_id(actor), row_id(resident), now)
    if current is not None:
        return current
    consent = BehalfConsent(
        actor_id=row_id(actor),
        resident_id=row_id(resident),
        method=method,
        note=text or None,
        given_at=now,
        valid_until=_valid_until(duration, now),
        open_key=_open_key(row_id(actor), row_id(resident)),
    )
    session.add(consent)
    try:
        session.commit()
    except IntegrityError:  # the other browser recorded it a moment ago
        session.rollback()
        current = _open_consent(session, row_id(actor), row_id(resident), now)
        if current is None:
            raise UserError(N_("Please try again.")) from None
        return current
    return consent


def _open_consent(
    session: Session, actor_id: int, resident_id: int, now: datetime
) -> BehalfConsent | None:
    """The pair's open consent if still valid; an open one that ran out is closed (key freed)."""
    consent = session.exec(
        select(BehalfConsent).where(col(BehalfConsent.open_key) == _open_key(actor_id, resident_id))
    ).first()
    if consent is None:
        return None
    if consent.valid_until > now:
        return consent
    consent.open_key = None
    session.add(consent)
    session.commit()
    return None


def acting(
    session: Session, *, consent_id: object, actor_id: int | None, now: datetime | None = None
) -> Acting:
    """The consent, checked now: it is the actor's, not ended, not expired, and the resident still
    lives in the actor's grids. Raises UserError saying which."""
    now = now or utcnow()
    actor = _actor(session, actor_id)
    consent = session.get(BehalfConsent, consent_id) if isinstance(consent_id, int) else None
    if consent is None or consent.actor_id != actor.id:
        raise UserError(NO_CONSENT)
    session.refresh(consent)  # another browser may have ended it
    resident = session.get(User, consent.resident_id)
    if resident is None:
        raise UserError(NO_CONSENT)
    if consent.revoked_at is not None:
        raise UserError(REVOKED, name=resident.display_name, when=consent.revoked_at)
    if consent.valid_until <= now:
        raise UserError(EXPIRED, name=resident.display_name, when=consent.valid_until)
    _check_resident(session, actor, resident.id)
    return Acting(
        row_id(consent),
        actor.id,
        actor.display_name,
        row_id(resident),
        resident.display_name,
        METHOD_LABELS[consent.method],
        consent.valid_until,
    )


def end_consent(
    session: Session, *, consent_id: int, user_id: int, now: datetime | None = None
) -> BehalfConsent:
    """ "Stop acting" (the actor) or "withdraw my consent" (the resident). Ending twice is fine."""
    now = now or utcnow()
    consent = session.get(BehalfConsent, consent_id)
    if consent is None or user_id not in (consent.actor_id, consent.resident_id):
        raise UserError(NO_CONSENT)
    if consent.revoked_at is None:
        consent.revoked_at, consent.revoked_by, consent.open_key = now, user_id, None
        session.add(consent)
        session.commit()
    return consent


# --- acting: each action and its trail row in one transaction -----------------------------------


@contextmanager
def _trail(session: Session, who: Acting, kind: str, model: type, match, target_of, now: datetime):
    """Adds the BehalfAction row inside the service's own commit, for the row it wrote of `model`
    that `match`es: the action and its trail are saved together or not at all."""
    written: list = []

    def after_flush(sess, _context):
        written.extend(o for o in (*sess.new, *sess.dirty) if isinstance(o, model) and match(o))

    def before_commit(sess):
        if written:
            target = target_of(written.pop())
            written.clear()
            sess.add(
                BehalfAction(
                    consent_id=who.consent_id,
                    actor_id=who.actor_id,
                    resident_id=who.resident_id,
                    kind=kind,
                    target_id=target,
                    at=now,
                )
            )
            notify(
                sess,
                [who.resident_id],
                "behalf_done",
                {"actor": who.actor_name, "what": BEHALF_WORDS[kind]},
                "act_for",
                now=now,
            )
            sess.flush()

    event.listen(session, "after_flush", after_flush)
    event.listen(session, "before_commit", before_commit)
    try:
        yield
    finally:
        event.remove(session, "after_flush", after_flush)
        event.remove(session, "before_commit", before_commit)


def file_report(
    session: Session,
    index: GridIndex,
    store,
    *,
    consent_id: object,
    actor_id: int,
    now: datetime | None = None,
    **report,
) -> Report:
    """reports.submit for the resident: reporter = the actor, on_behalf_of = the resident."""
    now = now or utcnow()
    who = acting(session, consent_id=consent_id, actor_id=actor_id, now=now)
    match = lambda r: r.reporter_id == who.actor_id and r.on_behalf_of_id == who.resident_id  # noqa: E731
    with _trail(session, who, "report", Report, match, lambda r: r.id, now):
        return reports.submit(
            session,
            index,
            store,
            reporter_id=who.actor_id,
            on_behalf_of_id=who.resident_id,
            now=now,
            **report,
        )


def support_wish(
    session: Session,
    *,
    consent_id: object,
    actor_id: int,
    wish_id: int,
    now: datetime | None = None,
) -> int:
    """The resident's vote for a wish, given by the actor. Returns the support now."""
    now = now or utcnow()
    who = acting(session, consent_id=consent_id, actor_id=actor_id, now=now)
    match = lambda v: v.user_id == who.resident_id and v.wish_id == wish_id  # noqa: E731
    try:
        with _trail(session, who, "wish_vote", WishVote, match, lambda v: v.wish_id, now):
            return wishes.vote(session, wish_id=wish_id, user_id=who.resident_id, now=now)
    except UserError as exc:
        raise _in_their_name(exc, who) from None


def claim_task(
    session: Session,
    *,
    consent_id: object,
    actor_id: int,
    task_id: int,
    now: datetime | None = None,
) -> TaskClaim:
    """A place on a task for the resident: their claim, their points when it is approved."""
    now = now or utcnow()
    who = acting(session, consent_id=consent_id, actor_id=actor_id, now=now)
    match = lambda c: c.user_id == who.resident_id and c.task_id == task_id  # noqa: E731
    try:
        with _trail(session, who, "task_claim", TaskClaim, match, lambda c: c.id, now):
            return points.claim_task(session, user_id=who.resident_id, task_id=task_id, now=now)
    except UserError as exc:
        raise _in_their_name(exc, who) from None


THEIR_NAME = {  # the services speak to "you"; when acting, "you" is the resident
    "You already support this wish.": N_("{name} already supports this wish."),
    "You cannot support your own wish.": N_("{name} wrote this wish and cannot support it."),
    "You have already claimed this task.": N_("{name} has already claimed this task."),
    "This task is not open to your grid.": N_("This task is not open to the grid {name} lives in."),
}


def _in_their_name(exc: UserError, who: Acting) -> UserError:
    msgid = THEIR_NAME.get(exc.message.msgid)
    return UserError(msgid, name=who.resident_name) if msgid else exc


def tasks_for(session: Session, who: Acting, now: datetime | None = None) -> list[points.TaskCard]:
    """Tasks open to the resident's grid that they have not claimed."""
    cards = points.open_tasks_for(session, user_id=who.resident_id, now=now)
    return [c for c in cards if c.claim is None or c.claim.status == "withdrawn"]


def resident_votes(session: Session, who: Acting, wish_ids: list[int]) -> set[int]:
    """Which of these wishes the resident already supports."""
    return set(
        session.exec(
            select(col(WishVote.wish_id)).where(
                col(WishVote.user_id) == who.resident_id,
                col(WishVote.wish_id).in_(wish_ids or [-1]),
            )
        ).all()
    )


def may_support(session: Session, who: Acting, wish_id: int) -> bool:
    wish = session.get(Wish, wish_id)
    return (
        wish is not None
        and wish.state == "open"
        and wish.author_id != who.resident_id
        and wish_id not in resident_votes(session, who, [wish_id])
    )


# --- reading the trails ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """One action taken for a resident, in words: KIND_TEXTS[kind] with these params."""

    at: datetime
    kind: str
    target_id: int
    actor_id: int
    resident_id: int
    actor: str
    resident: str
    method: str  # message id
    title: str  # task title ("" for others)
    consent_id: int


def _done(session: Session, conditions: list, limit: int) -> list[Done]:
    rows = session.exec(
        select(BehalfAction, BehalfConsent)
        .join(BehalfConsent, col(BehalfConsent.id) == col(BehalfAction.consent_id))
        .where(*conditions)
        .order_by(col(BehalfAction.at).desc(), col(BehalfAction.id).desc())
        .limit(limit)
    ).all()
    people = {a.actor_id for a, _ in rows} | {a.resident_id for a, _ in rows}
    names = dict(
        session.exec(
            select(col(User.id), col(User.display_name)).where(col(User.id).in_(people or [-1]))
        ).all()
    )
    claim_ids = [a.target_id for a, _ in rows if a.kind == "task_claim"]
    titles = dict(
        session.exec(
            select(col(TaskClaim.id), col(PointsTask.title))
            .join(PointsTask, col(PointsTask.id) == col(TaskClaim.task_id))
            .where(col(TaskClaim.id).in_(claim_ids or [-1]))
        ).all()
    )
    return [
        Done(
            a.at,
            a.kind,
            a.target_id,
            a.actor_id,
            a.resident_id,
            names.get(a.actor_id, ""),
            names.get(a.resident_id, ""),
            METHOD_LABELS[c.method],
            titles.get(a.target_id, "") if a.kind == "task_claim" else "",
            row_id(c),
        )
        for a, c in rows
    ]


def done_for(session: Session, resident_id: int, limit: int = 50) -> list[Done]:
    """What was done in this resident's name, newest first (their own history)."""
    return _done(session, [col(BehalfAction.resident_id) == resident_id], limit)


def done_by(session: Session, actor_id: int, limit: int = 50) -> list[Done]:
    """What this grid worker did for residents, newest first."""
    return _done(session, [col(BehalfAction.actor_id) == actor_id], limit)


def on_target(session: Session, kind: str, target_ids: list[int]) -> dict[int, Done]:
    """The action behind each of these reports, wishes or claims (if it was done for someone)."""
    if not target_ids:
        return {}
    found = _done(
        session,
        [col(BehalfAction.kind) == kind, col(BehalfAction.target_id).in_(target_ids)],
        limit=10_000,
    )
    return {d.target_id: d for d in reversed(found)}  # the newest wins


def on_target_all(session: Session, kind: str, target_id: int) -> list[Done]:
    """Every action taken on one report, wish or claim for someone, oldest first."""
    return list(
        reversed(
            _done(
                session,
                [col(BehalfAction.kind) == kind, col(BehalfAction.target_id) == target_id],
                limit=500,
            )
        )
    )


def open_consents_by(session: Session, actor_id: int, now: datetime | None = None) -> list[Acting]:
    """The actor's consents still valid now (to continue acting after a reload or on another device)."""
    now = now or utcnow()
    ids = session.exec(
        select(col(BehalfConsent.id))
        .where(
            col(BehalfConsent.actor_id) == actor_id,
            col(BehalfConsent.revoked_at).is_(None),
            col(BehalfConsent.valid_until) > now,
        )
        .order_by(col(BehalfConsent.given_at).desc())
        .limit(20)
    ).all()
    found = []
    for consent_id in ids:
        try:
            found.append(acting(session, consent_id=consent_id, actor_id=actor_id, now=now))
        except UserError:  # the resident moved out of the actor's grids
            continue
    return found


def consents_for(
    session: Session, resident_id: int, now: datetime | None = None, limit: int = 20
) -> list[tuple[BehalfConsent, str, bool]]:
    """The resident's consents, newest first: (consent, actor's name, still valid now)."""
    now = now or utcnow()
    rows = session.exec(
        select(BehalfConsent, col(User.display_name))
        .join(User, col(User.id) == col(BehalfConsent.actor_id))
        .where(col(BehalfConsent.resident_id) == resident_id)
        .order_by(col(BehalfConsent.given_at).desc())
        .limit(limit)
    ).all()
    return [(c, name, c.revoked_at is None and c.valid_until > now) for c, name in rows]
