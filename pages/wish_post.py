import streamlit as st

from portal import auth, voice_notes, wishes
from portal.i18n import LANGUAGES, N_
from portal.ui.actions import in_session, run_action
from portal.ui.area_widgets import viewer_area
from portal.ui.data import grid_index
from portal.ui.guard import require
from portal.ui.shell import link_to
from portal.ui.voice_note_widgets import checked_voice, store, voice_input, voice_keys
from portal.ui.widgets import field_slots, grid_label
from portal.ui.wish_widgets import flash

viewer = require("wish_post")
t = viewer.t
state = st.session_state
index = grid_index()
area = viewer_area(viewer)  # a wish is posted on one's own community's wall
grids = sorted((g for g in index.grids.values() if area.covers(g.id)), key=lambda g: g.code)
grid_names = {g.id: grid_label(index, g) for g in grids}
languages = {lang.code: lang.native_name for lang in LANGUAGES}
state.setdefault("wish_grid", viewer.home_grid_id if viewer.home_grid_id in grid_names else None)
state.setdefault("wish_language", viewer.language)

st.title(t(N_("Post a wish")))
st.markdown(
    t(
        N_(
            "A small, concrete wish for our community or for yourself. Neighbours can support it, and someone may adopt it and make it happen."
        )
    )
)
with st.form("wish_form"):
    st.text_input(
        t(N_("Title")),
        key="wish_title",
        max_chars=wishes.TITLE_MAX,
        placeholder=t(N_("For example: a handrail in stairwell 3")),
    )
    slots = field_slots(("title",))
    st.text_area(
        t(N_("What do you wish for?")),
        key="wish_body",
        max_chars=wishes.BODY_MAX,
        help=t(N_("A few sentences: what, where, and why it helps.")),
    )
    slots |= field_slots(("body",))
    voice_input(viewer, "wish_voice", state.get("wish_language"))
    slots |= field_slots(("voice",))
    st.selectbox(
        t(N_("Category")),
        list(wishes.CATEGORY_LABELS),
        key="wish_category",
        index=None,
        format_func=lambda c: t(wishes.CATEGORY_LABELS[c]),
        placeholder=t(N_("Choose…")),
    )
    slots |= field_slots(("category",))
    st.selectbox(
        t(N_("Which grid does it concern?")),
        list(grid_names),
        key="wish_grid",
        format_func=grid_names.__getitem__,
        placeholder=t(N_("Choose…")),
    )
    slots |= field_slots(("grid",))
    st.selectbox(
        t(N_("Language of the wish")),
        list(languages),
        key="wish_language",
        format_func=languages.__getitem__,
    )
    slots |= field_slots(("language",))
    st.checkbox(t(N_("This is a personal need: do not show my name")), key="wish_personal")
    st.file_uploader(
        t(N_("Photo (optional)")), type=["jpg", "jpeg", "png", "webp"], key="wish_photo"
    )
    slots |= field_slots(("photo",))
    submitted = st.form_submit_button(t(N_("Post the wish")), type="primary", width="stretch")

voice_ok, voice = (
    checked_voice(viewer, "wish_voice", slots["voice"]) if submitted else (False, None)
)
if submitted and voice_ok:
    upload = state.get("wish_photo")
    spoken_in = state.get("wish_language") or viewer.language

    def post(session):
        return voice_notes.with_voice_note(
            session,
            store(),
            kind="wish",
            audio=voice,
            created_by=viewer.user_id,
            language=spoken_in,
            typed=state.get("wish_body", ""),
            create=lambda: wishes.post_wish(
                session,
                author_id=viewer.user_id,
                title=voice_notes.title_or_spoken(
                    state.get("wish_title"), voice, spoken_in, "wish"
                ),
                body=voice_notes.text_or_spoken(state.get("wish_body"), voice, spoken_in),
                category=state.get("wish_category"),
                grid_id=state.get("wish_grid"),
                language=state.get("wish_language"),
                personal=bool(state.get("wish_personal")),
                photo=upload.getvalue() if upload is not None else None,
            ),
        )

    posted = run_action(viewer, in_session(post), slots=slots)
    if posted and posted.value is not None:
        for key in (
            "wish_title",
            "wish_body",
            "wish_category",
            "wish_personal",
            "wish_photo",
            *voice_keys("wish_voice"),
        ):
            state.pop(key, None)
        state["wish_id"] = posted.value.id
        flash(t(N_("Your wish is on the wall.")))
        st.switch_page(auth.PAGE_BY_KEY["wish_detail"].path)

link_to(auth.PAGE_BY_KEY["wish_wall"], viewer)
