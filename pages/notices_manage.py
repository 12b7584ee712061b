import streamlit as st

from db.types import utcnow
from portal import localtime, notices
from portal.i18n import LANGUAGES, N_, format_when
from portal.media import check_photo
from portal.ui.actions import in_session, run_action
from portal.ui.area_widgets import viewer_area
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.report_widgets import media_store, user_text
from portal.ui.widgets import field_slots, grid_label

viewer = require("notices_manage")
t = viewer.t
index = grid_index()
area = viewer_area(viewer)  # one chooses among, and manages, only the grids of one's own area
grids = {
    g.id: grid_label(index, g)
    for kind in ("general", "micro", "exclusive")
    for g in index.of_kind(kind)
    if area.covers(g.id)
}
kinds = {k: t(label) for k, label in notices.KIND_LABELS.items()}
languages = {lang.code: lang.native_name for lang in LANGUAGES}

st.title(t(N_("Notices")))
st.markdown(
    t(
        N_(
            "Publish a notice, an activity or a policy to the whole community or to chosen "
            "grids. Residents see it on their home page, in their language when you add a "
            "translation."
        )
    )
)
if "nt_flash" in st.session_state:
    st.success(st.session_state.pop("nt_flash"))

with st.form("nt_form"):
    st.selectbox(t(N_("Kind of notice")), list(kinds), key="nt_kind", format_func=kinds.__getitem__)
    slots = field_slots(("kind",))
    st.text_input(t(N_("Title")), key="nt_title", max_chars=notices.MAX_TITLE)
    slots |= field_slots(("title",))
    st.text_area(t(N_("Text")), key="nt_body", max_chars=notices.MAX_BODY)
    slots |= field_slots(("body",))
    st.selectbox(
        t(N_("Language of this text")),
        list(languages),
        key="nt_lang",
        format_func=languages.__getitem__,
    )
    slots |= field_slots(("language",))
    st.multiselect(
        t(N_("Only for these grids (empty: the whole community)")),
        list(grids),
        key="nt_grids",
        format_func=grids.__getitem__,
        placeholder=t(N_("All")),
    )
    slots |= field_slots(("grids",))
    st.date_input(t(N_("Show until (optional)")), value=None, key="nt_expires")
    slots |= field_slots(("expires",))
    st.file_uploader(
        t(N_("Picture (optional)")), type=["jpg", "jpeg", "png", "webp"], key="nt_photo"
    )
    slots |= field_slots(("photo",))
    st.text_input(
        t(N_("What the picture shows (for people who cannot see it)")), key="nt_alt", max_chars=200
    )
    slots |= field_slots(("image_alt",))
    with st.expander(t(N_("Translations (optional)"))):
        for lang in LANGUAGES:
            st.text_input(
                t(N_("Title in {language}"), language=lang.native_name),
                key=f"nt_tr_title_{lang.code}",
                max_chars=notices.MAX_TITLE,
            )
            st.text_area(
                t(N_("Text in {language}"), language=lang.native_name),
                key=f"nt_tr_body_{lang.code}",
                max_chars=notices.MAX_BODY,
            )
            slots |= field_slots((f"tr_{lang.code}",))
    sent = st.form_submit_button(t(N_("Publish the notice")), type="primary", width="stretch")

if sent:
    state = st.session_state
    expires = state.get("nt_expires")
    expires_at = localtime.day_end(expires) if expires else None
    translations = {
        lang.code: (
            state.get(f"nt_tr_title_{lang.code}", ""),
            state.get(f"nt_tr_body_{lang.code}", ""),
        )
        for lang in LANGUAGES
    }

    def publish(session):
        upload = state.get("nt_photo")
        photo = check_photo(upload.getvalue()) if upload is not None else None
        return notices.publish(
            session,
            index,
            actor_id=viewer.user_id,
            kind=state.get("nt_kind"),
            title=state.get("nt_title", ""),
            body=state.get("nt_body", ""),
            language=state.get("nt_lang"),
            grid_ids=state.get("nt_grids", []),
            expires_at=expires_at,
            photo=photo,
            image_alt=state.get("nt_alt", ""),
            store=media_store(),
            translations=translations,
        )

    # A refusal that names no field shows under the title.
    published = run_action(viewer, in_session(publish), slots=slots, at=slots["title"])
    if published and published.value is not None:
        notice = published.value
        st.session_state["nt_flash"] = t(N_("Notice #{id} published."), id=notice.id)
        for key in [k for k in st.session_state if str(k).startswith("nt_") and k != "nt_flash"]:
            del st.session_state[key]
        st.rerun()

st.subheader(t(N_("Published notices")))
with db() as session:
    listed = notices.all_notices(session, area=area)
now = utcnow()
for notice, langs, targets in listed:
    with st.container(border=True):
        st.markdown(f"**{kinds.get(notice.kind, notice.kind)}**")
        user_text(notice.title, notice.language)
        office = index.grids.get(notice.grid_id) if notice.grid_id is not None else None
        if targets:
            where = ", ".join(grids.get(g, "") for g in targets)
        elif office is not None and not area.whole:  # everyone under its office grid
            where = grid_label(index, office)
        else:
            where = t(N_("Whole community"))
        facts = [
            t(
                N_("Published {when}"),
                when=format_when(viewer.language, notice.published_at, "short"),
            ),
            where,
        ]
        if notice.expires_at:
            facts.append(
                t(
                    N_("Shown until {when}"),
                    when=format_when(viewer.language, notice.expires_at, "short"),
                )
            )
        if langs:
            facts.append(
                t(
                    N_("Translations: {languages}"),
                    languages=", ".join(languages.get(c, c) for c in langs),
                )
            )
        if notice.withdrawn_at:
            facts.append(t(N_("Withdrawn")))
        user_text(" · ".join(facts), viewer.language)
        if notice.withdrawn_at is None and (notice.expires_at is None or notice.expires_at > now):
            if st.button(t(N_("Withdraw")), key=f"nt_withdraw_{notice.id}"):
                withdrawn = run_action(
                    viewer,
                    in_session(
                        lambda session, notice_id=notice.id: notices.withdraw(
                            session, notice_id=notice_id, actor_id=viewer.user_id
                        )
                    ),
                    slots={},
                )
                if withdrawn:
                    st.rerun()
