"""Council extras on SQLite and PostgreSQL: items' own options (ballots, changes, hand votes, tally,
plurality and ties, locked once voting opens), photos and PDF documents on items and proposals
(checked by content), a second council for a general grid, withdrawing support, shared trimming."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlmodel import select

from db.models_council import CouncilBallotChange, CouncilEvent
from db.models_council_extras import CouncilAttachment, CouncilItemOption
from portal import council as c
from portal.council import attachments as files
from portal.council import options as options
from portal.errors import FieldErrors, UserError
from portal.media import LocalMediaStore
from portal.text import clean_text
from tests.unit import test_council
from tests.unit.test_council import grid_id, make_council, make_meeting, member_ids, propose, uid

url, s = test_council.url, test_council.s  # the council test database fixtures, shared

PLANS = ["方案一：改建停车棚", "方案二：改成小花园", "方案三：保持原样"]


def _pdf(body: bytes = b"1 0 obj << /Type /Catalog >> endobj\n") -> bytes:
    return b"%PDF-1.4\n" + body + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def _jpeg(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (90, 140, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _choice_item(s, clock, labels=PLANS, open_vote=True, per_group=2, **rules):
    council = make_council(s, clock, per_group, **rules)
    meeting = make_meeting(s, clock, council)
    staff = uid(s, "staff01")
    item = c.add_item(
        s, meeting_id=meeting.id, actor_id=staff, source="staff", title="旧车棚怎么改", now=clock()
    )
    options.set_options(s, item_id=item.id, actor_id=staff, labels=list(labels), now=clock())
    if open_vote:
        c.open_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    return council, meeting, item


# --- options ---------------------------------------------------------------------------------


def test_custom_options_tally_per_group_and_the_plurality_wins(s, clock):
    council, meeting, item = _choice_item(s, clock)
    members = member_ids(s, 2)
    votes = {"grid": ["o1", "o2"], "resident": ["o1", "o3"], "merchant": ["o1", "o2"]}
    for group, keys in votes.items():
        for member, key in zip(members[group], keys, strict=True):
            c.cast_ballot(s, item_id=item.id, user_id=member, choice=key, now=clock())
    result = c.tally(s, item.id)
    assert [o.label for o in result.options] == PLANS and result.custom
    assert (result.votes["o1"], result.votes["o2"], result.votes["o3"]) == (3, 2, 1)
    assert result.by_group["resident"]["o3"] == 1 and result.by_group["grid"]["o2"] == 1
    assert result.winner.label == PLANS[0] and result.outcome == "adopted"
    closed = c.close_voting(s, meeting_id=meeting.id, actor_id=uid(s, "staff01"), now=clock())
    assert closed[0].outcome == "adopted"
    assert PLANS[0] in closed[0].decision and "3" in closed[0].decision
    assert closed[0].decision == c.decision_text(closed[0], c.tally(s, item.id))


def test_a_tie_between_options_is_not_decided_and_says_so(s, clock):
    council, meeting, item = _choice_item(s, clock)
    members = member_ids(s, 2)
    keys = iter(["o1", "o2", "o1", "o2", "o3", "o3"])
    for group in ("grid", "resident", "merchant"):
        for member in members[group]:
            c.cast_ballot(s, item_id=item.id, user_id=member, choice=next(keys), now=clock())
    result = c.tally(s, item.id)
    assert result.quorum_met and result.tied and result.winner is None
    assert result.outcome == "not_decided"
    closed = c.close_voting(s, meeting_id=meeting.id, actor_id=uid(s, "staff01"), now=clock())
    assert closed[0].outcome == "not_decided"
    text = closed[0].decision
    assert all(label in text for label in PLANS) and "2" in text
    assert text != c.decision_text(
        closed[0], c.Tally(result.votes, result.by_group, 0, 1, "more_for", options=result.options)
    )  # not the quorum text
    assert not s.exec(select(c.CouncilAction)).all()  # nothing to carry out


def test_without_quorum_a_choice_item_is_not_decided(s, clock):
    council, meeting, item = _choice_item(s, clock)
    c.cast_ballot(s, item_id=item.id, user_id=member_ids(s, 2)["grid"][0], choice="o2", now=clock())
    result = c.tally(s, item.id)
    assert not result.quorum_met and result.winner is None and not result.tied
    assert result.outcome == "not_decided"


def test_ballots_on_a_choice_item_change_by_hand_and_refuse_other_keys(s, clock):
    council, meeting, item = _choice_item(s, clock)
    member = member_ids(s, 2)["merchant"][0]
    staff = uid(s, "staff01")
    for wrong in ("for", "o4", "", None):
        with pytest.raises(UserError) as err:
            c.cast_ballot(s, item_id=item.id, user_id=member, choice=wrong, now=clock())
        assert err.value.message.msgid == "Please choose one of the options of this item."
    c.cast_ballot(s, item_id=item.id, user_id=member, choice="o1", now=clock())
    clock.advance(minutes=5)
    ballot = c.record_hand_vote(
        s, item_id=item.id, member_id=member, choice="o3", actor_id=staff, now=clock()
    )
    assert (ballot.choice, ballot.by_hand) == ("o3", True)
    changes = s.exec(
        select(CouncilBallotChange)
        .where(CouncilBallotChange.ballot_id == ballot.id)
        .order_by(CouncilBallotChange.id)
    ).all()
    assert [(x.from_choice, x.to_choice, x.by_hand) for x in changes] == [
        (None, "o1", False),
        ("o1", "o3", True),
    ]
    assert c.tally(s, item.id).votes["o3"] == 1 and c.tally(s, item.id).by_hand == 1


def test_default_items_still_refuse_option_keys(s, clock):
    council = make_council(s, clock, 2)
    meeting = make_meeting(s, clock, council)
    staff = uid(s, "staff01")
    item = c.add_item(
        s, meeting_id=meeting.id, actor_id=staff, source="staff", title="路灯", now=clock()
    )
    c.open_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    with pytest.raises(UserError) as err:
        c.cast_ballot(
            s, item_id=item.id, user_id=member_ids(s, 2)["grid"][0], choice="o1", now=clock()
        )
    assert err.value.message.msgid == "Please choose for, against or abstain."
    assert c.tally(s, item.id).options == c.DEFAULT_OPTIONS and not c.tally(s, item.id).custom


@pytest.mark.parametrize(
    "labels, msgid",
    [
        (["只有一个"], "Give at least {low} options, or none to vote For / Against / Abstain."),
        ([f"方案{n}" for n in range(7)], "Give at most {high} options (now {count})."),
        (["甲", "  ", "乙"], "Option {n} is empty. Write it or take it out."),
        (["甲", "x" * 61], "Option {n} is too long: use at most {most} characters (now {count})."),
        (["Plan A", "plan a "], "“{label}” is given twice. Each option must be different."),
    ],
)
def test_bad_options_are_refused_and_nothing_changes(s, clock, labels, msgid):
    council, meeting, item = _choice_item(s, clock, open_vote=False)
    with pytest.raises(UserError) as err:
        options.set_options(
            s, item_id=item.id, actor_id=uid(s, "staff01"), labels=labels, now=clock()
        )
    assert err.value.message.msgid == msgid and err.value.field == "options"
    assert [o.label for o in c.item_options(s, [item.id])[item.id]] == PLANS


def test_options_can_be_replaced_or_reset_before_voting_but_not_after(s, clock):
    council, meeting, item = _choice_item(s, clock, open_vote=False)
    staff = uid(s, "staff01")
    got = options.set_options(
        s, item_id=item.id, actor_id=staff, labels=["  甲  ", "乙"], now=clock()
    )
    assert [(o.key, o.label) for o in got] == [("o1", "甲"), ("o2", "乙")]
    assert (
        options.set_options(s, item_id=item.id, actor_id=staff, labels=[], now=clock())
        == c.DEFAULT_OPTIONS
    )
    options.set_options(s, item_id=item.id, actor_id=staff, labels=PLANS, now=clock())
    with pytest.raises(UserError):
        options.set_options(
            s, item_id=item.id, actor_id=uid(s, "res01"), labels=["a", "b"], now=clock()
        )
    c.open_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    with pytest.raises(UserError) as err:
        options.set_options(s, item_id=item.id, actor_id=staff, labels=["a", "b"], now=clock())
    assert err.value.message.msgid == options.LOCKED
    assert [o.label for o in c.item_options(s, [item.id])[item.id]] == PLANS
    assert s.exec(select(CouncilEvent).where(CouncilEvent.kind == "options_set")).all()


def test_parse_options_takes_one_per_line():
    assert options.parse_options("甲\n\n  乙 \r\n丙\x00") == ["甲", "  乙 ", "丙"]
    assert options.parse_options("") == [] and options.parse_options(None) == []


def test_removing_an_item_takes_its_options_and_files_with_it(s, clock, tmp_path):
    council, meeting, item = _choice_item(s, clock, open_vote=False)
    staff = uid(s, "staff01")
    files.attach(
        s,
        LocalMediaStore(tmp_path),
        actor_id=staff,
        item_id=item.id,
        upload=files.check_upload(_pdf(), "plan.pdf"),
        now=clock(),
    )
    c.remove_item(s, item_id=item.id, actor_id=staff, reason="重复", now=clock())
    assert not s.exec(select(CouncilItemOption)).all()
    row = s.exec(select(CouncilAttachment)).one()
    assert row.item_id is None and row.removed_by == staff


# --- attachments -----------------------------------------------------------------------------


def test_a_pdf_is_checked_by_content_and_gets_a_safe_name():
    doc = files.check_upload(_pdf(), "../../etc/方案<script>.PDF")
    assert isinstance(doc, files.Document) and doc.file_name == "方案_script.pdf"
    assert files.safe_file_name("..\\..\\") == "document.pdf"
    assert files.safe_file_name("a\x00b\nc.pdf") == "ab_c.pdf"


@pytest.mark.parametrize(
    "data, name, msgid",
    [
        (b"", "x.pdf", "The file is empty."),
        (
            b"MZ\x90\x00 not a pdf at all",
            "invoice.pdf",
            "This file is not a PDF document, although its name ends in .pdf.",
        ),
        (
            b"%PDF-1.7\n1 0 obj << >> endobj\n",
            "cut.pdf",
            "This PDF document is cut off or damaged. Please save it again and send it.",
        ),
        (b"\xff\xd8\xff\xe0 corrupt jpeg", "photo.jpg", "Please send a photo (JPEG, PNG or WebP)."),
        (b"GIF89a......", "x.gif", "Please send a photo (JPEG, PNG or WebP)."),
    ],
)
def test_bad_files_are_refused_at_the_attachment_field(data, name, msgid):
    with pytest.raises(UserError) as err:
        files.check_upload(data, name)
    assert err.value.message.msgid == msgid and err.value.field == "attachment"


def test_a_too_large_pdf_is_refused(monkeypatch):
    monkeypatch.setattr(files, "MAX_DOCUMENT_BYTES", 1000)
    with pytest.raises(UserError) as err:
        files.check_upload(_pdf(b"0" * 2000), "big.pdf")
    assert err.value.message.msgid == "The document is too large (at most {mb} MB)."


def test_staff_attach_photo_and_pdf_to_an_item_exif_stripped(s, clock, tmp_path):
    council = make_council(s, clock, 1)
    meeting = make_meeting(s, clock, council)
    staff = uid(s, "staff01")
    item = c.add_item(
        s, meeting_id=meeting.id, actor_id=staff, source="staff", title="车棚", now=clock()
    )
    store = LocalMediaStore(tmp_path)
    photo = files.check_upload(_jpeg(), "IMG_1.jpg")
    with pytest.raises(FieldErrors) as err:  # a photo needs words for people who cannot see it
        files.attach(
            s, store, actor_id=staff, item_id=item.id, upload=photo, caption=" ", now=clock()
        )
    assert "caption" in err.value.errors
    files.attach(
        s, store, actor_id=staff, item_id=item.id, upload=photo, caption="车棚现状", now=clock()
    )
    files.attach(
        s,
        store,
        actor_id=staff,
        item_id=item.id,
        upload=files.check_upload(_pdf(), "预算.pdf"),
        now=clock(),
    )
    with pytest.raises(UserError):  # a resident cannot add files to an agenda item
        files.attach(
            s,
            store,
            actor_id=uid(s, "res01"),
            item_id=item.id,
            upload=photo,
            caption="x",
            now=clock(),
        )
    shown = files.for_items(s, [item])[item.id]
    assert [(a.kind, a.caption) for a in shown] == [("photo", "车棚现状"), ("document", "预算")]
    stored = store.read(shown[0].path)
    assert b"PhoneMaker" not in stored and dict(Image.open(io.BytesIO(stored)).getexif()) == {}
    assert store.read(shown[1].path) == _pdf() and shown[1].file_name == "预算.pdf"
    files.remove(s, attachment_id=shown[0].id, actor_id=staff, now=clock())
    with pytest.raises(UserError) as err:
        files.remove(s, attachment_id=shown[0].id, actor_id=staff, now=clock())
    assert err.value.message.msgid == "This file has already been removed."
    assert [a.kind for a in files.for_items(s, [item])[item.id]] == ["document"]


def test_proposer_attaches_to_own_proposal_and_it_shows_on_the_item(s, clock, tmp_path):
    council = make_council(s, clock, 1)
    meeting = make_meeting(s, clock, council)
    proposal = propose(s, clock, meeting)
    store = LocalMediaStore(tmp_path)
    doc = files.check_upload(_pdf(), "草图.pdf")
    with pytest.raises(UserError):  # someone else's proposal
        files.attach(
            s, store, actor_id=uid(s, "res02"), proposal_id=proposal.id, upload=doc, now=clock()
        )
    files.attach(
        s, store, actor_id=uid(s, "res01"), proposal_id=proposal.id, upload=doc, now=clock()
    )
    assert [a.file_name for a in files.for_proposals(s, [proposal.id])[proposal.id]] == ["草图.pdf"]
    item = c.accept_proposal(s, proposal_id=proposal.id, actor_id=uid(s, "staff01"), now=clock())
    assert [a.file_name for a in files.for_items(s, [item])[item.id]] == ["草图.pdf"]
    with pytest.raises(UserError):  # screened: the proposer cannot change its files any more
        files.attach(
            s, store, actor_id=uid(s, "res01"), proposal_id=proposal.id, upload=doc, now=clock()
        )


def test_files_per_place_are_capped(s, clock, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_PER_PLACE", 2)
    council = make_council(s, clock, 1)
    meeting = make_meeting(s, clock, council)
    staff = uid(s, "staff01")
    item = c.add_item(
        s, meeting_id=meeting.id, actor_id=staff, source="staff", title="车棚", now=clock()
    )
    for n in range(2):
        files.attach(
            s,
            LocalMediaStore(tmp_path),
            actor_id=staff,
            item_id=item.id,
            upload=files.check_upload(_pdf(bytes([65 + n])), f"{n}.pdf"),
            now=clock(),
        )
    with pytest.raises(UserError) as err:
        files.attach(
            s,
            LocalMediaStore(tmp_path),
            actor_id=staff,
            item_id=item.id,
            upload=files.check_upload(_pdf(), "3.pdf"),
            now=clock(),
        )
    assert err.value.message.msgid == "There are already {n} files here. Remove one first."


# --- a second council for a general grid -----------------------------------------------------


def _new_council(s, clock, **kw):
    values = {
        "actor_id": uid(s, "staff01"),
        "grid_id": grid_id(s, "S-G1"),
        "name": "第一网格议事会",
        "term_start": date(2026, 11, 1),
        "term_end": date(2028, 10, 31),
        "now": clock(),
    }
    values.update(kw)
    return c.create_council(s, **values)


def test_a_general_grid_gets_its_own_council_and_its_residents_see_both(s, clock):
    community = make_council(s, clock, 1)
    grid_council = _new_council(
        s,
        clock,
        seats_per_group=2,
        quorum_num=1,
        quorum_den=2,
        majority="half_of_votes",
        proposal_days=5,
    )
    assert (
        grid_council.seats_per_group,
        grid_council.quorum_num,
        grid_council.quorum_den,
        grid_council.majority,
        grid_council.proposal_days,
    ) == (2, 1, 2, "half_of_votes", 5)
    assert [x.id for x in c.councils_for(s, uid(s, "res01"), clock())] == [
        community.id,
        grid_council.id,
    ]
    # the outsider lives in community T, which has no council: S's councils are not theirs
    assert [x.id for x in c.councils_for(s, uid(s, "outsider"), clock())] == []
    assert [x.id for x in c.councils_for(s, None, clock())] == [community.id]
    # its residents may send proposals to its meetings
    meeting = make_meeting(s, clock, grid_council)
    assert propose(s, clock, meeting, username="res03").status == "submitted"
    with pytest.raises(UserError):
        propose(s, clock, meeting, username="outsider")


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"grid_id": None}, "grid"),
        ({"name": "  "}, "name"),
        ({"term_end": date(2026, 10, 1)}, "term_end"),  # before its start
        (
            {"term_start": date(2024, 1, 1), "term_end": date(2025, 1, 1)},
            "term_end",
        ),  # already over
        ({"term_end": date(2036, 1, 1)}, "term_end"),  # longer than five years
        ({"quorum_num": 3, "quorum_den": 2}, "quorum"),
        ({"majority": "loudest"}, "majority"),
        ({"seats_per_group": 0}, "seats_per_group"),
    ],
)
def test_bad_council_forms_are_refused_per_field(s, clock, kw, field):
    with pytest.raises(FieldErrors) as err:
        _new_council(s, clock, **kw)
    assert field in err.value.errors


def test_a_micro_grid_or_an_overlapping_term_is_refused(s, clock):
    with pytest.raises(FieldErrors) as err:
        _new_council(s, clock, grid_id=grid_id(s, "S-M1"))
    assert "grid" in err.value.errors
    first = _new_council(s, clock)
    with pytest.raises(FieldErrors) as err:  # second click / two staff at once
        _new_council(
            s, clock, name="又一个", term_start=date(2028, 1, 1), term_end=date(2029, 1, 1)
        )
    message = err.value.errors["grid"]
    assert message.params["name"] == first.name and message.params["end"] == "2028-10-31"
    follow_on = _new_council(
        s, clock, name="下一届", term_start=date(2028, 11, 1), term_end=date(2030, 10, 31)
    )
    assert follow_on.id != first.id


# --- withdrawing support ---------------------------------------------------------------------


def test_support_can_be_withdrawn_once_until_screening_or_deadline(s, clock):
    council = make_council(s, clock, 1)
    meeting = make_meeting(s, clock, council)
    proposal = propose(s, clock, meeting)
    res02, res03 = uid(s, "res02"), uid(s, "res03")
    assert c.support_proposal(s, proposal_id=proposal.id, user_id=res02, now=clock()) == 1
    assert c.support_proposal(s, proposal_id=proposal.id, user_id=res03, now=clock()) == 2
    assert c.withdraw_support(s, proposal_id=proposal.id, user_id=res02, now=clock()) == 1
    with pytest.raises(UserError) as err:  # the second click
        c.withdraw_support(s, proposal_id=proposal.id, user_id=res02, now=clock())
    assert err.value.message.msgid == "You do not support this proposal (any more)."
    assert c.support_proposal(s, proposal_id=proposal.id, user_id=res02, now=clock()) == 2  # again
    trail = s.exec(select(CouncilEvent).where(CouncilEvent.kind == "support_withdrawn")).all()
    assert [(e.actor_id, e.proposal_id) for e in trail] == [(res02, proposal.id)]
    c.accept_proposal(s, proposal_id=proposal.id, actor_id=uid(s, "staff01"), now=clock())
    with pytest.raises(UserError) as err:
        c.withdraw_support(s, proposal_id=proposal.id, user_id=res03, now=clock())
    assert (
        err.value.message.msgid
        == "This proposal has been screened: support can no longer be withdrawn."
    )
    assert c.support_counts(s, [proposal.id])[proposal.id] == 2


def test_support_cannot_be_withdrawn_after_the_deadline(s, clock):
    council = make_council(s, clock, 1)
    meeting = make_meeting(s, clock, council)
    proposal = propose(s, clock, meeting)
    c.support_proposal(s, proposal_id=proposal.id, user_id=uid(s, "res02"), now=clock())
    clock.now = meeting.proposal_deadline + timedelta(minutes=1)
    with pytest.raises(UserError) as err:
        c.withdraw_support(s, proposal_id=proposal.id, user_id=uid(s, "res02"), now=clock())
    assert err.value.message.msgid == "The deadline for proposals to this meeting has passed."
    assert c.support_counts(s, [proposal.id])[proposal.id] == 1


# --- shared trimming -------------------------------------------------------------------------


def test_clean_text_is_shared_by_council_and_wishes():
    from portal import wishes
    from portal.council import actions, agenda_items, meeting_steps, proposing, seating
    from portal.wishes import adoption, moderation, posting, promotion

    council_modules = (c, actions, agenda_items, meeting_steps, proposing, seating, options, files)
    assert clean_text("  a\x00b \n") == "ab" and clean_text(None) == ""
    assert not any(hasattr(m, "_clean") for m in council_modules) and not hasattr(wishes, "_clean")
    assert all(m.clean_text is clean_text for m in council_modules)
    assert wishes.clean_text is clean_text
    wish_modules = (adoption, moderation, posting, promotion)
    assert all(m.clean_text is clean_text and not hasattr(m, "_clean") for m in wish_modules)
