import streamlit as st

from portal import auth, voice_notes, wishes
from portal.i18n import N_, format_when
from portal.ui.actions import in_session, run_action
from portal.ui.area_widgets import viewer_area
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.voice_note_widgets import show_voice_notes, voice_notes_of
from portal.ui.widgets import field_slots, grid_label
from portal.ui.wish_widgets import FLASH, esc, run, show_flash

viewer = require("wish_moderation")
t = viewer.t
uid = viewer.user_id
state = st.session_state
index = grid_index()
area = viewer_area(viewer)  # moderation and grid rules of one's own area only

st.title(t(N_("Wish wall moderation")))
show_flash()


def _open(wish_id: int) -> None:
    state["wish_id"] = wish_id
    state["wish_go_detail"] = True


def _dismiss(wish_id: int) -> None:
    with db() as session:
        run(
            viewer,
            lambda: wishes.dismiss_flags(session, wish_id=wish_id, moderator_id=uid),
            t(N_("The flags were closed and the wish stays on the wall.")),
        )


with db() as session:
    queue = wishes.flagged(session, area=area)
    candidates = wishes.candidates(session)
    rules = wishes.rules_table(session, area=area)

st.subheader(t(N_("Flagged wishes")))
if not queue:
    st.info(t(N_("No flagged wishes.")))
spoken = voice_notes_of(viewer, "wish", [wish.id for wish, _count in queue])
for wish, count in queue:
    with st.container(border=True):
        st.html(
            f'<p lang="{esc(wish.language.replace("_", "-"))}"><strong>{esc(wish.title)}</strong></p>'
            f'<p class="linli-wish-facts">{esc(t(N_("{n} open flags"), n=count))}</p>'
        )
        show_voice_notes(viewer, spoken.get(wish.id, []))
        left, right = st.columns(2)
        left.button(
            t(N_("Look and decide")),
            key=f"mod_open_{wish.id}",
            on_click=_open,
            args=(wish.id,),
            width="stretch",
        )
        right.button(
            t(N_("Keep it on the wall")),
            key=f"mod_keep_{wish.id}",
            on_click=_dismiss,
            args=(wish.id,),
            width="stretch",
        )

st.subheader(t(N_("Wishes sent as voice notes")))
with db() as session:
    heard = voice_notes.recent_voice_wishes(session, viewer_id=uid)
if not heard:
    st.info(t(N_("No wish on the wall came with a voice note.")))
for wish, notes in heard:
    with st.container(border=True):
        st.html(
            f'<p lang="{esc(wish.language.replace("_", "-"))}"><strong>{esc(wish.title)}</strong></p>'
        )
        show_voice_notes(viewer, notes)
        st.button(
            t(N_("Look and decide")),
            key=f"mod_voice_open_{wish.id}",
            on_click=_open,
            args=(wish.id,),
            width="stretch",
        )

st.subheader(t(N_("Candidates for the next council")))
if not candidates:
    st.info(t(N_("No wish has reached its support threshold yet.")))
for promotion, wish in candidates:
    st.html(
        f'<p class="linli-wish-facts"><span lang="{esc(wish.language.replace("_", "-"))}">'
        f"{esc(wish.title)}</span> · "
        f"{esc(t(N_('{support} supporters, threshold {threshold}'), support=promotion.support, threshold=promotion.threshold))}"
        f" · {esc(format_when(viewer.language, promotion.promoted_at, 'short'))}</p>"
    )

st.subheader(t(N_("Support threshold and expiry per grid")))
st.markdown(
    t(
        N_(
            "A rule applies to the grid and every grid below it. Without a rule: {threshold} supporters, expiry after {days} days without new support."
        ),
        threshold=wishes.DEFAULT_THRESHOLD,
        days=wishes.DEFAULT_EXPIRE_DAYS,
    )
)
if rules:
    st.dataframe(
        [
            {
                t(N_("Grid")): grid_label(index, grid),
                t(N_("Supporters needed")): rule.support_threshold,
                t(N_("Days without support before expiry")): rule.expire_days,
                t(N_("Set on")): format_when(viewer.language, rule.set_at, "short"),
            }
            for grid, rule in rules
        ],
        hide_index=True,
    )
grids = sorted((g for g in index.grids.values() if area.covers(g.id)), key=lambda g: g.code)
names = {g.id: grid_label(index, g) for g in grids}
with st.form("rule_form"):
    st.selectbox(
        t(N_("Grid")),
        list(names),
        key="rule_grid",
        index=None,
        format_func=names.__getitem__,
        placeholder=t(N_("Choose…")),
    )
    slots = field_slots(("grid",))
    st.number_input(
        t(N_("Supporters needed")),
        key="rule_threshold",
        min_value=1,
        max_value=10000,
        value=wishes.DEFAULT_THRESHOLD,
        step=1,
    )
    slots |= field_slots(("support_threshold",))
    st.number_input(
        t(N_("Days without support before expiry")),
        key="rule_days",
        min_value=1,
        max_value=3650,
        value=wishes.DEFAULT_EXPIRE_DAYS,
        step=1,
    )
    slots |= field_slots(("expire_days",))
    saved = st.form_submit_button(t(N_("Save the rule")), type="primary", width="stretch")
if saved and run_action(
    viewer,
    in_session(
        lambda session: wishes.set_grid_rule(
            session,
            grid_id=state.get("rule_grid") or 0,
            support_threshold=int(state.get("rule_threshold") or 0),
            expire_days=int(state.get("rule_days") or 0),
            set_by=uid,
        )
    ),
    slots=slots,
    done=t(N_("The rule was saved.")),
    flash_key=FLASH,
):
    st.rerun()

if state.pop("wish_go_detail", False):
    st.switch_page(auth.PAGE_BY_KEY["wish_detail"].path)
