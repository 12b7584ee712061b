"""The permission table, written out: role × action × what the target is to the actor.

Each row: action, the facts about the target, and one letter per role in the order
resident, merchant, grid worker, staff, handler, admin (Y may, . may not). The table is NOT
derived from portal/permissions.py: a change to who may act has to change this table too.
"""

import pytest

from portal import auth, permissions
from portal.permissions import On

ORDER = ("resident", "merchant", "grid_worker", "staff", "handler", "admin")
OWN, ANSWERS, NAMED, DEPT, LIVES = (
    On(own=True),
    On(answers_for=True),
    On(named=True),
    On(department=True),
    On(lives_in=True),
)
NONE = On()

TABLE = [
    # reports
    ("report.handle", NONE, "...Y.Y"),
    ("report.handle", NAMED, "..YYYY"),
    ("report.handle", ANSWERS, "..YY.Y"),
    ("report.handle", DEPT, "...YYY"),
    ("report.verify", NONE, "...Y.Y"),
    ("report.verify", ANSWERS, "..YY.Y"),
    ("report.verify", OWN, "......"),
    ("report.verify", On(own=True, answers_for=True), "......"),
    ("report.whistle", NONE, "...Y.Y"),
    ("report.whistle", ANSWERS, "..YY.Y"),
    ("report.reassign", NONE, "...Y.Y"),
    ("report.finish_joint_part", NONE, "......"),
    ("report.finish_joint_part", DEPT, "....Y."),
    ("report.rate", NONE, "......"),
    ("report.rate", OWN, "YYYYYY"),
    ("report.categories", NONE, "...Y.Y"),
    # points
    ("points.manage", NONE, "...Y.Y"),
    ("points.own_grids", NONE, "..Y..."),
    ("task.publish", NONE, "..YY.Y"),
    ("task.cancel", NONE, "...Y.Y"),
    ("task.cancel", OWN, "..YY.Y"),
    ("task.check_claim", NONE, "...Y.Y"),
    ("task.check_claim", ANSWERS, "..YY.Y"),
    ("task.check_claim", NAMED, "..YY.Y"),
    ("task.check_claim", OWN, "......"),
    ("task.check_claim", On(own=True, answers_for=True), "......"),
    ("task.claim", NONE, "YYYYYY"),
    ("reward.redeem", NONE, "YYYYYY"),
    ("reward.hand_over", NONE, "...Y.Y"),
    ("reward.hand_over", OWN, ".Y.Y.Y"),
    ("reward.codes", NONE, ".Y.Y.Y"),
    ("reward.supply", NONE, ".Y...."),
    ("redemption.cancel", NONE, "...Y.Y"),
    ("redemption.cancel", OWN, "YYYYYY"),
    # wishes
    ("wish.post", NONE, "YYYY.Y"),
    ("wish.post_as_proposal", NONE, "..YY.Y"),
    ("wish.adopt", NONE, "YYYY.Y"),
    ("wish.moderate", NONE, "..YY.Y"),
    ("wish.confirm", NONE, "......"),
    ("wish.confirm", OWN, "YYYYYY"),
    ("wish.confirm", On(own=True, named=True), "......"),
    ("wish.support_counts", NONE, "YYYYYY"),
    # council
    ("council.manage", NONE, "...Y.Y"),
    ("council.propose", NONE, "......"),
    ("council.propose", LIVES, "Y....."),
    ("council.support", NONE, "......"),
    ("council.support", LIVES, "YY...."),
    ("council.support_counts", NONE, "YY...."),
    ("council.own_action", NONE, "..YYYY"),
    ("council.update_action", NONE, "...Y.Y"),
    ("council.update_action", OWN, "YYYYYY"),
    ("council.attach", NONE, "...Y.Y"),
    ("council.attach", OWN, "YYYYYY"),
    ("council.sit", On(group="grid"), "..YY.."),
    ("council.sit", On(group="resident"), "Y....."),
    ("council.sit", On(group="merchant"), ".Y...."),
    ("council.sit", NONE, "......"),
    # acting on behalf, cockpit
    ("behalf.act", NONE, "..YY.Y"),
    ("behalf.everywhere", NONE, "...Y.Y"),
    ("behalf.for", NONE, "Y....."),
    ("cockpit.everywhere", NONE, "...Y.Y"),
    ("cockpit.own_grids", NONE, "..Y..."),
    # devices, notices and messages, voice, translations
    ("devices.manage", NONE, "...Y.Y"),
    ("notices.publish", NONE, "...Y.Y"),
    ("notices.receive", NONE, "YY...."),
    ("notices.see_all", NONE, "...Y.Y"),
    ("voice_clip.record", NONE, "..YY.Y"),
    ("voice_clip.change", NONE, "...Y.Y"),
    ("voice_clip.change", OWN, "..YY.Y"),
    ("voice_note.hear_wish", NONE, "..YY.Y"),
    ("voice_note.hear_wish", NAMED, "YYYYYY"),
    ("voice_note.hear_council", NONE, "...Y.Y"),
    ("content.translate", NONE, "...Y.Y"),
    ("content.translate", OWN, "YYYYYY"),
    # co-funded micro-projects
    ("microproject.propose", NONE, "YY...."),
    ("microproject.pledge", NONE, "YY...."),
    ("microproject.withdraw", NONE, "......"),
    ("microproject.withdraw", OWN, "YYYYYY"),
    ("microproject.manage", NONE, "...Y.Y"),
    ("microproject.see_receipt", NONE, "YYYYYY"),
    # residents' verification
    ("resident.verify", NONE, "...Y.Y"),
    ("resident.verify", ANSWERS, "..YY.Y"),
    # shared venues
    ("venue.manage", NONE, "...Y.Y"),
    ("venue.book", NONE, "YY...."),
    ("venue.approve_as", NONE, "..YYYY"),
    ("venue.decide", NONE, "...Y.Y"),
    ("venue.decide", NAMED, "..YYYY"),
    ("venue.cancel", NONE, "...Y.Y"),
    ("venue.cancel", OWN, "YYYYYY"),
    # deputies' desk (named: the actor is the deputy; own: the actor wrote the request)
    ("deputy.manage", NONE, "...Y.Y"),
    ("deputy.request", NONE, "YY...."),
    ("deputy.respond", NONE, "...Y.Y"),
    ("deputy.respond", NAMED, "YYYYYY"),
    ("deputy.see_detail", NONE, "...Y.Y"),
    ("deputy.see_detail", OWN, "YYYYYY"),
    ("deputy.see_detail", NAMED, "YYYYYY"),
    ("deputy.see_outline", NONE, "YYYYYY"),
    # stored files (portal.media_access)
    ("wish.see_photo", NONE, "..YY.Y"),  # a hidden wish: its author and the moderators
    ("wish.see_photo", On(public=True), "YYYYYY"),
    ("wish.see_photo", OWN, "YYYYYY"),
    ("task.see_proof", NONE, "...Y.Y"),
    ("task.see_proof", OWN, "YYYYYY"),  # the claimant
    ("task.see_proof", NAMED, "YYYYYY"),  # whoever may check the claim (points decides)
    ("council.see_file", NONE, "...Y.Y"),
    ("council.see_file", On(public=True), "YYYYYY"),
    ("council.see_file", OWN, "YYYYYY"),
    # two-way assessment and the efficacy survey
    ("assessment.manage", NONE, "...Y.Y"),
    ("survey.answer", NONE, "......"),
    ("survey.answer", LIVES, "YY...."),
    ("order.score_department", NONE, ".....Y"),
    ("order.score_department", ANSWERS, "...Y.Y"),
    ("order.score_street", NONE, "......"),
    ("order.score_street", DEPT, "....Y."),
    # topic circles (named = a member of the circle, lives_in = living in its courtyard)
    ("circle.read", NONE, "YYYY.Y"),
    ("circle.join", NONE, "......"),
    ("circle.join", LIVES, "YY...."),
    ("circle.post", NONE, "......"),
    ("circle.post", NAMED, "YY...."),
    ("circle.post", On(named=True, outside=True), "......"),
    ("circle.create", NONE, "..YY.Y"),
    ("circle.moderate", NONE, "..YY.Y"),
    ("circle.moderate", On(outside=True), "......"),
    ("circle.see_hidden", NONE, "..YY.Y"),
    ("circle.see_hidden", OWN, "YYYYYY"),
    ("circle.turn", NONE, "..YY.Y"),
    ("circle.turn", OWN, "YYYY.Y"),
]

# What an unverified (self-registered) resident may not do that a verified one may.
NEEDS_VERIFIED = {
    "task.claim",
    "reward.redeem",
    "wish.adopt",
    "wish.support_counts",
    "council.support_counts",
    "survey.answer",
    "venue.book",
    "microproject.propose",
    "microproject.pledge",
    "deputy.request",
    "circle.join",
    "circle.post",
}


class Person:
    def __init__(self, role, verification="verified", is_active=True):
        self.id, self.role, self.verification, self.is_active = 7, role, verification, is_active


@pytest.mark.parametrize(("action", "on", "expected"), TABLE)
def test_the_permission_table(action, on, expected):
    got = "".join("Y" if permissions.can(Person(r), action, on) else "." for r in ORDER)
    assert got == expected, action


def test_every_rule_is_in_the_table():
    assert {row[0] for row in TABLE} == set(permissions.RULES)


@pytest.mark.parametrize("action", sorted({row[0] for row in TABLE}))
def test_an_unverified_resident_may_do_what_a_verified_one_may_except_count(action):
    for _, on, expected in (row for row in TABLE if row[0] == action):
        fresh = bool(permissions.can(Person("resident", "unverified"), action, on))
        verified = expected[0] == "Y"
        assert fresh == (verified and action not in NEEDS_VERIFIED), (action, on)


def test_refusals_say_why():
    refused = permissions.can(Person("resident", "unverified"), "wish.adopt")
    assert not refused and refused.reason == permissions.NOT_VERIFIED
    own = permissions.can(Person("grid_worker"), "report.verify", On(own=True, answers_for=True))
    assert own.reason == permissions.OWN_WORK
    assert not permissions.can(None, "wish.post")
    assert not permissions.can(Person("staff", is_active=False), "devices.manage")
    with pytest.raises(KeyError):
        permissions.can(Person("staff"), "no.such.action")


# The menu (portal/auth.py PAGES) shows a page to exactly the roles its main action allows.
PAGE_ACTIONS = [
    ("report_categories", "report.categories", NONE),
    ("tasks_manage", "task.publish", NONE),
    ("rewards_manage", "reward.codes", NONE),
    ("wish_post", "wish.post", NONE),
    ("wish_moderation", "wish.moderate", NONE),
    ("devices", "devices.manage", NONE),
    ("notices_manage", "notices.publish", NONE),
    ("council_manage", "council.manage", NONE),
    ("voice_clips", "voice_clip.record", NONE),
    ("verify_residents", "resident.verify", ANSWERS),
    ("assessment_manage", "assessment.manage", NONE),
    ("survey", "survey.answer", LIVES),
    ("venues_manage", "venue.decide", NAMED),
    ("microprojects_manage", "microproject.manage", NONE),
    ("deputies", "deputy.see_outline", NONE),
    ("circles", "circle.read", NONE),
]


@pytest.mark.parametrize(("page", "action", "on"), PAGE_ACTIONS)
def test_the_menu_agrees_with_the_permissions(page, action, on):
    allowed = {r for r in ORDER if permissions.can(Person(r), action, on)}
    assert set(auth.PAGE_BY_KEY[page].roles) == allowed


def test_the_cockpit_page_is_for_those_with_a_scope():
    scoped = {
        r
        for r in ORDER
        if permissions.role_can(r, "cockpit.everywhere")
        or permissions.role_can(r, "cockpit.own_grids")
    }
    assert set(auth.PAGE_BY_KEY["cockpit"].roles) == scoped
