"""Who may act: the one place that decides it.

`can(actor, action, target)` answers with a `Decision` (truthy when allowed; when refused it
carries the message id saying why). `actor` is a User (or anything with `role`, `id` and
`verification`); None means nobody is logged in. `target` is an `On`: the facts about the thing
acted on that the calling service looked up in the database (is it the actor's own, does the
actor answer for its grid, is the actor named for it…). The rule itself lives here, never in the
service. Page visibility is portal/auth.py PAGES (the menu); tests/unit/test_permissions.py holds
the expected table and checks the menu agrees.

Sections: reports · points (tasks, claims, rewards, ledger) · wishes · council · micro-projects
· acting on behalf · cockpit scope · devices · notices · voice clips and notes · content
translations · residents' verification · two-way assessment and the efficacy survey · shared
venues · deputies' desk · topic circles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.i18n import N_

RESIDENT, MERCHANT, GRID_WORKER = "resident", "merchant", "grid_worker"
STAFF, HANDLER, ADMIN = "staff", "handler", "admin"
ROLES = (RESIDENT, MERCHANT, GRID_WORKER, STAFF, HANDLER, ADMIN)

OFFICE = (STAFF, ADMIN)  # the community office: everything, everywhere
WORKERS = (GRID_WORKER, STAFF, ADMIN)  # grid workers and the office
PUBLIC = (RESIDENT, MERCHANT)  # the people the portal serves

VERIFIED, UNVERIFIED = "verified", "unverified"

YOUR_ROLE = N_("Your role cannot do this.")
NOT_VERIFIED = N_(
    "Your account is not confirmed yet. A grid worker confirms it in person; until then you "
    "can report problems and read."
)
NOT_YOURS = N_("You cannot act on this report at its present step.")
OWN_WORK = N_("You cannot check or confirm your own work.")
OUTSIDE_AREA = N_("This belongs to another community.")  # portal.areas decides what is outside


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # message id (N_) when refused

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def refused(reason: str) -> Decision:
    return Decision(False, reason)


@dataclass(frozen=True)
class On:
    """Facts about the target, looked up by the caller."""

    own: bool = False  # the actor's own: reporter, author, claimant, publisher, owner, merchant
    answers_for: bool = False  # the actor holds a grid duty over the target's grid
    named: bool = False  # the actor is named for it: assignee, chosen checker
    department: bool = False  # the target is with the actor's department
    lives_in: bool = False  # the actor lives in the target's area (council)
    group: str | None = None  # council seat group
    public: bool = False  # shown to everyone who may open its page (a wish not hidden, a council
    # item of an announced meeting): for the stored files of portal.media_access
    outside: bool = False  # it lies outside the actor's area (another community: portal.areas)


NOTHING = On()


def is_verified(actor) -> bool:
    """Whether this person's actions count (self-registered residents start unverified)."""
    return actor is not None and getattr(actor, "verification", VERIFIED) == VERIFIED


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...]  # who may do it at all
    refused: str  # why not, when the role is wrong
    check: Callable[[object, On], Decision] | None = None  # further conditions on the target
    verified: bool = False  # only for verified accounts


RULES: dict[str, Rule] = {}


def _rule(action: str, roles, refused_with=YOUR_ROLE, check=None, verified=False) -> None:
    assert action not in RULES, action
    RULES[action] = Rule(tuple(roles), refused_with, check, verified)


def _office_or(condition: Callable[[object, On], bool], reason: str):
    def check(actor, on: On) -> Decision:
        return ALLOWED if actor.role in OFFICE or condition(actor, on) else refused(reason)

    return check


def _only_own(reason: str):
    return lambda actor, on: ALLOWED if on.own else refused(reason)


def can(actor, action: str, target: On | None = None) -> Decision:
    """May `actor` do `action` on `target`? The only place that decides it."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no permission rule for {action!r}")
    if actor is None or not getattr(actor, "is_active", True):
        return refused(N_("Please log in first."))
    if actor.role not in rule.roles:
        return refused(rule.refused)
    if rule.verified and not is_verified(actor):
        return refused(NOT_VERIFIED)
    if target is not None and target.outside:
        return refused(OUTSIDE_AREA)
    if rule.check is None:
        return ALLOWED
    return rule.check(actor, target or NOTHING)


@dataclass(frozen=True)
class _Someone:
    role: str
    id: int | None = None


def role_can(role: str, action: str, target: On | None = None) -> Decision:
    """can() for a role alone (a verified, active person of that role), e.g. from a session."""
    return can(_Someone(role), action, target)


def roles_for(action: str) -> tuple[str, ...]:
    """The roles that may do `action` on something (for queries that list eligible people)."""
    return RULES[action].roles


# --- reports ----------------------------------------------------------------------------------
# accept, start, resolve, return, escalate: the office; whoever it is assigned to; at grid level
# a grid worker answering for its grid; a handler of the department holding it.


def _may_handle(actor, on: On) -> Decision:
    if actor.role in OFFICE or on.named:
        return ALLOWED
    if actor.role == GRID_WORKER and on.answers_for:
        return ALLOWED
    if actor.role == HANDLER and on.department:
        return ALLOWED
    return refused(NOT_YOURS)


def _may_verify_report(actor, on: On) -> Decision:
    if on.own:  # a worker's own report is verified by someone else
        return refused(OWN_WORK)
    return _office_or(lambda a, o: o.answers_for, NOT_YOURS)(actor, on)


_rule("report.handle", (GRID_WORKER, STAFF, HANDLER, ADMIN), NOT_YOURS, _may_handle)
_rule("report.verify", WORKERS, NOT_YOURS, _may_verify_report)
_rule("report.whistle", WORKERS, NOT_YOURS, _office_or(lambda a, o: o.answers_for, NOT_YOURS))
_rule("report.reassign", OFFICE, NOT_YOURS)
_rule("report.finish_joint_part", (HANDLER,), NOT_YOURS, lambda a, o: Decision(o.department))
_rule(
    "report.rate",
    ROLES,
    N_("Only the person who reported it can rate it."),
    _only_own(N_("Only the person who reported it can rate it.")),
)
_rule("report.categories", OFFICE, NOT_YOURS)
# A rating counts in the handlers' figures (cockpit) only when a resident or merchant gave it: a
# worker's own report is not a judgement on their colleagues' or their own work.
RATING_COUNTS_FROM = PUBLIC


# --- points -----------------------------------------------------------------------------------
CHECKS_OWN_GRID = N_("You cannot check proof for this task.")


def _may_check_claim(actor, on: On) -> Decision:
    """own = the claim is the actor's; named = the task's chosen checker; answers_for = the actor's
    grid duties cover the claimant's home grid."""
    if on.own:
        return refused(N_("You cannot check your own task."))
    if actor.role in OFFICE or on.named or on.answers_for:
        return ALLOWED
    return refused(CHECKS_OWN_GRID)


_rule("points.manage", OFFICE)  # rules, adjustments, the reward catalogue and its stock
_rule("points.own_grids", (GRID_WORKER,))  # works in the grids they hold a duty for
_rule("task.publish", WORKERS)  # for the grids they answer for: answers_for per grid
_rule(
    "task.cancel",
    WORKERS,
    N_("Only the publisher or community staff can cancel this task."),
    _office_or(
        lambda a, o: o.own, N_("Only the publisher or community staff can cancel this task.")
    ),
)
_rule("task.check_claim", WORKERS, CHECKS_OWN_GRID, _may_check_claim)
_rule("task.claim", ROLES, verified=True)
_rule("reward.redeem", ROLES, verified=True)
_rule(
    "reward.hand_over",
    (MERCHANT, STAFF, ADMIN),
    check=_office_or(lambda a, o: a.role == MERCHANT and o.own, YOUR_ROLE),
)
_rule("reward.codes", (MERCHANT, STAFF, ADMIN))
_rule(
    "redemption.cancel",
    ROLES,
    N_("This code could not be found."),
    _office_or(lambda a, o: o.own, N_("This code could not be found.")),
)
_rule("reward.supply", (MERCHANT,))  # may be the merchant a reward comes from
# A task's proof photo (portal.media_access): the claimant, whoever may check that claim
# (named = points.tasks._may_verify for the claimant) and the office; nobody else.
_rule(
    "task.see_proof",
    ROLES,
    CHECKS_OWN_GRID,
    _office_or(lambda a, o: o.own or o.named, CHECKS_OWN_GRID),
)
# Reward pictures are public on purpose: the catalogue is what everyone may redeem, so they are
# served like the portal's other static content (README "Security"), not through portal.media_access.


# --- wishes -----------------------------------------------------------------------------------
def _may_confirm_wish(_actor, on: On) -> Decision:
    """own = the actor wrote the wish; named = the actor adopted it (then it is their own work)."""
    if not on.own:
        return refused(N_("Only the author can confirm that the wish was fulfilled."))
    if on.named:
        return refused(OWN_WORK)
    return ALLOWED


_rule("wish.post", (RESIDENT, MERCHANT, GRID_WORKER, STAFF, ADMIN))
_rule("wish.post_as_proposal", WORKERS)  # a worker's post is a proposal
_rule("wish.adopt", (RESIDENT, MERCHANT, GRID_WORKER, STAFF, ADMIN), verified=True)
_rule("wish.moderate", WORKERS)
_rule("wish.confirm", ROLES, check=_may_confirm_wish)
_rule("wish.support_counts", ROLES, verified=True)  # toward the promotion threshold
# A wish's photos (its own and those on its trail): whoever may read the wish, i.e. everyone
# logged in while it is on the wall (public), its author and the moderators when it is hidden.
_rule(
    "wish.see_photo",
    ROLES,
    check=lambda a, o: Decision(o.public or o.own or a.role in RULES["wish.moderate"].roles),
)


# --- council ----------------------------------------------------------------------------------
GROUP_ROLES = {
    "grid": (GRID_WORKER, STAFF),
    "resident": (RESIDENT,),
    "merchant": (MERCHANT,),
}


def _lives_in(reason: str):
    return lambda actor, on: ALLOWED if on.lives_in else refused(reason)


def _may_sit(actor, on: On) -> Decision:
    return Decision(actor.role in GROUP_ROLES.get(on.group or "", ()), YOUR_ROLE)


_rule("council.manage", OFFICE)
_rule("council.propose", (RESIDENT,), check=_lives_in(YOUR_ROLE))
_rule("council.support", (RESIDENT, MERCHANT), check=_lives_in(YOUR_ROLE))
_rule("council.support_counts", (RESIDENT, MERCHANT), verified=True)  # toward the threshold
_rule("council.own_action", (GRID_WORKER, STAFF, HANDLER, ADMIN))  # may be named an action's owner
_rule("council.update_action", ROLES, check=_office_or(lambda a, o: o.own, YOUR_ROLE))
_rule("council.attach", ROLES, check=_office_or(lambda a, o: o.own, YOUR_ROLE))
_rule("council.sit", ROLES, check=_may_sit)
# A council file: everyone logged in once it is public (on an item of an announced meeting, or on
# a proposal open for support or accepted); its uploader or the proposal's author; the office.
_rule("council.see_file", ROLES, check=_office_or(lambda a, o: o.public or o.own, YOUR_ROLE))


# --- co-funded micro-projects ------------------------------------------------------------------
# Residents and merchants of the project's community propose and pledge (confirmed accounts only:
# a pledge is a promise of money); the office of the community or its street sets the matching
# rule, approves, records payments and publishes progress and spending (公示). The pledger alone
# withdraws a pledge. Receipts are shown to everyone of the community (outside: another one).
_rule("microproject.propose", PUBLIC, verified=True)
_rule("microproject.pledge", PUBLIC, verified=True)
_rule(
    "microproject.withdraw",
    ROLES,
    N_("Only the person who pledged can withdraw the pledge."),
    _only_own(N_("Only the person who pledged can withdraw the pledge.")),
)
_rule("microproject.manage", OFFICE)
_rule("microproject.see_receipt", ROLES)

# --- acting on a resident's behalf, cockpit scope ---------------------------------------------
_rule("behalf.act", WORKERS, N_("Only grid workers and community staff can act for a resident."))
_rule("behalf.everywhere", OFFICE)  # for any resident; a grid worker for their grids
_rule("behalf.for", (RESIDENT,))  # whom one may act for
_rule("cockpit.everywhere", OFFICE)  # a grid worker sees their duty grids and below
_rule("cockpit.own_grids", (GRID_WORKER,))


# --- devices, notices, voice clips and notes, content translations ----------------------------
_rule("devices.manage", OFFICE)
_rule("notices.publish", OFFICE)
_rule("notices.receive", PUBLIC)
_rule("notices.see_all", OFFICE)
_rule("voice_clip.record", WORKERS)
_rule("voice_clip.change", WORKERS, check=_office_or(lambda a, o: o.own, YOUR_ROLE))
_rule("voice_note.hear_wish", ROLES, check=lambda a, o: Decision(o.named or a.role in WORKERS))
_rule("voice_note.hear_council", OFFICE)
_rule("content.translate", ROLES, check=_office_or(lambda a, o: o.own, YOUR_ROLE))


# --- residents' verification ------------------------------------------------------------------
_rule(
    "resident.verify",
    WORKERS,
    check=_office_or(
        lambda a, o: o.answers_for,
        N_("You can only confirm residents of the grids you look after."),
    ),
)


# --- two-way assessment (双向考核) and the efficacy survey (portal.assessment) -----------------
# answers_for = the actor is staff of the street office above the order's community; department
# = the actor's department handled the order; lives_in = the survey round's grid covers the
# actor's community.
NOT_YOUR_STREET = N_("Only the street office above this community scores its orders.")
_rule("assessment.manage", OFFICE)  # matrices, rounds and results of their office grids
_rule(
    "survey.answer",
    PUBLIC,
    check=_lives_in(N_("This survey is for another community.")),
    verified=True,
)
_rule(
    "order.score_department",
    OFFICE,
    NOT_YOUR_STREET,
    lambda a, o: ALLOWED if a.role == ADMIN or o.answers_for else refused(NOT_YOUR_STREET),
)
_rule(
    "order.score_street",
    (HANDLER,),
    N_("Only a department that handled this order scores its dispatch."),
    lambda a, o: Decision(
        o.department, N_("Only a department that handled this order scores its dispatch.")
    ),
)
# --- shared venues ----------------------------------------------------------------------------
# The office of a venue's grid manages it (places, windows, photos, rules); residents and merchants
# of the community book it once confirmed; the venue's named approver (the owner unit's person) or
# the office decides pending bookings and records who came; the booker or the office cancels.
NOT_APPROVER = N_("Only the venue's owner unit or the community office can decide on this booking.")
NOT_BOOKER = N_("Only the person who booked can cancel this booking.")
_rule("venue.manage", OFFICE)
_rule("venue.book", PUBLIC, verified=True)
_rule("venue.approve_as", (GRID_WORKER, STAFF, HANDLER, ADMIN))  # may be named a venue's approver
_rule(
    "venue.decide",
    (GRID_WORKER, STAFF, HANDLER, ADMIN),
    NOT_APPROVER,
    _office_or(lambda a, o: o.named, NOT_APPROVER),
)
_rule("venue.cancel", ROLES, NOT_BOOKER, _office_or(lambda a, o: o.own, NOT_BOOKER))
# --- deputies' desk (人大代表、政协委员) -----------------------------------------------------
# named = the actor is the deputy (deputy.user_id); own = the actor wrote the request. The office
# keeps the profiles and slots and answers for a deputy who has no account.
NOT_THE_DEPUTY = N_("Only the deputy or community staff can answer this request.")
_rule("deputy.manage", OFFICE)
_rule("deputy.request", PUBLIC, verified=True)  # their community's deputies (On.outside)
_rule("deputy.respond", ROLES, NOT_THE_DEPUTY, _office_or(lambda a, o: o.named, NOT_THE_DEPUTY))
_rule(
    "deputy.see_detail",
    ROLES,
    NOT_THE_DEPUTY,
    _office_or(lambda a, o: o.own or o.named, NOT_THE_DEPUTY),
)
_rule("deputy.see_outline", ROLES)  # the public trail of one's own community (On.outside)
# --- topic circles (话题圈) -------------------------------------------------------------------
# Residents and merchants of the community read, join (a courtyard's circle: only those living in
# it — lives_in) and, once members (named), post and reply; grid workers and the office of the
# community start circles and moderate; a hidden post is seen by its author and the moderators;
# the author or a worker turns a post into a wish or a report. Another community: On.outside.
CIRCLE_MEMBERS_ONLY = N_("Join the circle to post and reply in it.")
CIRCLE_COURTYARD_ONLY = N_("This circle is for the people living in its courtyard.")
CIRCLE_TURN_WHO = N_("Only the author or a grid worker can do this.")
_rule("circle.read", (RESIDENT, MERCHANT, GRID_WORKER, STAFF, ADMIN))
_rule("circle.join", PUBLIC, check=_lives_in(CIRCLE_COURTYARD_ONLY), verified=True)
_rule(
    "circle.post",
    PUBLIC,
    check=lambda a, o: ALLOWED if o.named else refused(CIRCLE_MEMBERS_ONLY),
    verified=True,
)
_rule("circle.create", WORKERS)
_rule("circle.moderate", WORKERS)
_rule("circle.see_hidden", ROLES, check=lambda a, o: Decision(o.own or a.role in WORKERS))
_rule(
    "circle.turn",
    (RESIDENT, MERCHANT, GRID_WORKER, STAFF, ADMIN),
    CIRCLE_TURN_WHO,
    lambda a, o: ALLOWED if o.own or a.role in WORKERS else refused(CIRCLE_TURN_WHO),
)
