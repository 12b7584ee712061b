from datetime import timedelta

import streamlit as st

from portal import auth, localtime, wishes
from portal.errors import UserError
from portal.i18n import N_, format_when, format_when_ago
from portal.media_access import trail_photo_ids
from portal.text import record_id
from portal.ui.actions import in_session, run_action
from portal.ui.behalf_widgets import wish_support, wish_trail
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.private_media import PrivateFile, private_image
from portal.ui.report_widgets import media_store
from portal.ui.shell import link_to
from portal.ui.speech_widgets import read_aloud
from portal.ui.translation_widgets import show_translation, translation_form
from portal.ui.verification_widgets import not_counted_notice, support_counts, thanks
from portal.ui.voice_note_widgets import voice_player
from portal.ui.widgets import field_slots, grid_label, say
from portal.ui.wish_widgets import ERRORS, FLASH, esc, facts, run, show_flash, styles, wish_text

viewer = require("wish_detail")
t = viewer.t
uid = viewer.user_id
state = st.session_state
index = grid_index()
styles()

wish_id = state.get("wish_id")
bad_link = False
if wish_id is None and "id" in st.query_params:
    wish_id = record_id(st.query_params["id"])
    bad_link = wish_id is None

st.title(t(N_("Wish")))
link_to(auth.PAGE_BY_KEY["wish_wall"], viewer, t(N_("Back to the wish wall")))
if bad_link:  # ?id=² or ?id=99999999999999999999: not a number of any wish
    st.warning(t(N_("This link does not name a wish. Please choose one on the wish wall.")))
    st.stop()
if wish_id is None:
    st.info(t(N_("Choose a wish on the wish wall to see it here.")))
    st.stop()
try:
    with db() as session:
        view = wishes.detail(session, wish_id=wish_id, viewer_id=uid)
except UserError as exc:
    st.warning(say(viewer, exc.message))
    st.stop()
st.query_params["id"] = str(wish_id)
card = view.card
show_flash(viewer)
errors = state.pop(ERRORS, {})

with st.container(border=True):
    wish_text(card, heading="h2")
    read_aloud(viewer, f"{card.title}。{card.body}", card.language, key=f"read_wish_{wish_id}")
    show_translation(viewer, "wish", wish_id, card.language)
    grid = index.grids.get(card.grid_id)
    facts(viewer, card, grid_label(index, grid) if grid else "")
    if card.photo_path:
        data = media_store().read(card.photo_path)
        if data:  # through the portal's media route, login checked (not Streamlit's /media/)
            private_image(PrivateFile("wish", wish_id, data, "image/jpeg"), t(N_("Photo")), 480)
    voice_player(viewer, "wish", wish_id)  # only the author and those who handle the wish hear it


def _act(action, done):
    with db() as session:
        run(viewer, lambda: action(session), done)


counts = support_counts(viewer, "wish.support_counts")  # an unconfirmed resident's does not
if not counts and (view.can_vote or view.can_withdraw):
    not_counted_notice(viewer)
if view.can_vote:
    st.button(
        t(N_("Support ({n})"), n=card.support),
        key="wish_vote",
        type="primary",
        width="stretch",
        icon=":material/favorite:",
        on_click=_act,
        args=(
            lambda s: wishes.vote(s, wish_id=wish_id, user_id=uid),
            thanks(viewer, t(N_("Thank you for your support.")), counts),
        ),
    )
if view.can_withdraw:
    st.button(
        t(N_("Withdraw my support")),
        key="wish_withdraw",
        width="stretch",
        icon=":material/undo:",
        on_click=_act,
        args=(
            lambda s: wishes.withdraw_vote(s, wish_id=wish_id, user_id=uid),
            t(N_("Your support was withdrawn.")),
        ),
    )
wish_support(viewer, wish_id)  # 代办: support in the name of the resident this session acts for
if card.mine and card.state == "open":
    st.markdown(
        t(N_("This is your wish. Neighbours can support it; you cannot support your own wish."))
    )


def _form_result(action, done: str, slots: dict) -> None:
    if run_action(viewer, in_session(action), done=done, slots=slots, flash_key=FLASH):
        st.rerun()


if view.can_adopt:
    with st.form("adopt_form"):
        st.subheader(t(N_("Adopt this wish")))
        st.markdown(
            t(
                N_(
                    "You promise to make it happen. The author and the grid chief will see your name."
                )
            )
        )

        st.date_input(
            t(N_("I promise to do it by")),
            key="adopt_date",
            value=localtime.today() + timedelta(days=7),
            min_value=localtime.today(),
            format="YYYY-MM-DD",
        )
        slots = field_slots(("promised_date",))
        st.text_area(
            t(N_("A note for the author (optional)")), key="adopt_note", max_chars=wishes.NOTE_MAX
        )
        slots |= field_slots(("note",))
        if st.form_submit_button(t(N_("Adopt")), type="primary", width="stretch"):
            _form_result(
                lambda s: wishes.adopt(
                    s,
                    wish_id=wish_id,
                    user_id=uid,
                    promised_date=state.get("adopt_date"),
                    note=state.get("adopt_note", ""),
                ),
                t(N_("You adopted this wish. Thank you!")),
                slots,
            )

if view.can_report:
    with st.form("fulfil_form"):
        st.subheader(t(N_("Report it as fulfilled")))
        st.text_area(t(N_("What was done?")), key="fulfil_note", max_chars=wishes.NOTE_MAX)
        slots = field_slots(("note",))
        st.file_uploader(
            t(N_("Photo (optional)")), type=["jpg", "jpeg", "png", "webp"], key="fulfil_photo"
        )
        slots |= field_slots(("photo",))
        if st.form_submit_button(t(N_("Report as fulfilled")), type="primary", width="stretch"):
            upload = state.get("fulfil_photo")
            _form_result(
                lambda s: wishes.report_fulfilled(
                    s,
                    wish_id=wish_id,
                    user_id=uid,
                    note=state.get("fulfil_note", ""),
                    photo=upload.getvalue() if upload is not None else None,
                ),
                t(N_("Thank you! The author will now confirm it.")),
                slots,
            )
    st.button(
        t(N_("Give the wish back")),
        key="wish_release",
        width="stretch",
        on_click=_act,
        args=(
            lambda s: wishes.release(s, wish_id=wish_id, user_id=uid),
            t(N_("The wish is open again for others to adopt.")),
        ),
    )

if view.can_confirm:
    st.subheader(t(N_("Was your wish fulfilled?")))
    st.button(
        t(N_("Yes, confirm it is done")),
        key="wish_confirm",
        type="primary",
        width="stretch",
        icon=":material/task_alt:",
        on_click=_act,
        args=(
            lambda s: wishes.confirm(s, wish_id=wish_id, user_id=uid),
            t(N_("Confirmed. The adopter has earned points. Thank you!")),
        ),
    )
    with st.form("dispute_form"):
        st.text_area(
            t(N_("Not yet? Say what is still missing")),
            key="dispute_note",
            max_chars=wishes.NOTE_MAX,
        )
        slots = field_slots(("note",))
        if st.form_submit_button(t(N_("It is not done yet")), width="stretch"):
            _form_result(
                lambda s: wishes.dispute(
                    s, wish_id=wish_id, user_id=uid, note=state.get("dispute_note", "")
                ),
                t(N_("The adopter will see what is still missing.")),
                slots,
            )

translation_form(viewer, "wish", wish_id)
st.subheader(t(N_("What happened")))
lines = []
for item in view.trail:
    who = item.actor_name or (
        t(N_("The system"))
        if item.actor_name is None and item.kind in ("promoted", "expired")
        else t(N_("A neighbour"))
    )
    line = f"{esc(format_when_ago(viewer.language, item.at))} · {esc(t(wishes.EVENT_LABELS.get(item.kind, item.kind)))} · {esc(who)}"
    if item.note:
        line += f" · {esc(item.note)}"
    lines.append(f"<li>{line}</li>")
st.html(f'<ul class="linli-wish-facts">{"".join(lines)}</ul>')
wish_trail(viewer, wish_id)  # 代办: support given for residents, with both names
with db() as session:
    trail_photos = trail_photo_ids(session, wish_id)
for item in view.trail:
    if item.photo_path and item.photo_path in trail_photos:
        data = media_store().read(item.photo_path)
        if data:
            photo = PrivateFile("wish_event", trail_photos[item.photo_path], data, "image/jpeg")
            private_image(photo, t(N_("Photo of the result")), 320)

if view.can_flag:
    with st.expander(t(N_("Report a problem with this wish"))):
        with st.form("flag_form"):
            st.text_input(
                t(N_("Why should the moderators look at it?")),
                key="flag_reason",
                max_chars=wishes.REASON_MAX,
            )
            slots = field_slots(("reason",))
            if st.form_submit_button(t(N_("Send to the moderators"))):
                _form_result(
                    lambda s: wishes.flag(
                        s, wish_id=wish_id, user_id=uid, reason=state.get("flag_reason", "")
                    ),
                    t(N_("Thank you. The moderators will look at it.")),
                    slots,
                )

if view.can_moderate:
    st.subheader(t(N_("Moderation")))
    for name, reason, at in view.flags:
        st.html(
            f'<p class="linli-wish-facts">{esc(name)} · {esc(format_when(viewer.language, at, "short"))} · {esc(reason)}</p>'
        )
    if card.state == "hidden":
        st.button(
            t(N_("Show it again")),
            key="wish_restore",
            width="stretch",
            on_click=_act,
            args=(
                lambda s: wishes.restore(s, wish_id=wish_id, moderator_id=uid),
                t(N_("The wish is shown again.")),
            ),
        )
    else:
        with st.form("hide_form"):
            st.text_input(
                t(N_("Reason for hiding (the author will see it)")),
                key="hide_reason",
                max_chars=wishes.REASON_MAX,
            )
            slots = field_slots(("reason",))
            if st.form_submit_button(t(N_("Hide this wish"))):
                _form_result(
                    lambda s: wishes.hide(
                        s, wish_id=wish_id, moderator_id=uid, reason=state.get("hide_reason", "")
                    ),
                    t(N_("The wish is hidden. The author can see why.")),
                    slots,
                )
if errors:
    st.error(" ".join(say(viewer, m) for m in errors.values()), icon=":material/error:")
