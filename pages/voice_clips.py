import html

import streamlit as st

from db.models_voice import CLIP_LANGUAGES
from portal import auth
from portal import voice_clips as clips
from portal.i18n import DEFAULT_LANGUAGE, N_, format_when, language, translate
from portal.media import store_for
from portal.text import md_text
from portal.ui.actions import in_session, run_action
from portal.ui.data import db, settings
from portal.ui.guard import require

viewer = require("voice_clips")
t = viewer.t
state = st.session_state
store = store_for(settings())

st.title(t(N_("Recorded phrases")))
st.markdown(
    t(
        N_(
            "No speech engine speaks Tibetan or Yi. Record the portal's fixed phrases here; "
            "read-aloud then plays your recordings to people who read the portal in these languages."
        )
    )
)

with db() as session:
    covered = clips.coverage(session)
for cell, cov in zip(st.columns(len(covered)), covered, strict=True):
    cell.metric(
        language(cov.language).native_name,
        t(
            N_("{recorded} of {total} phrases ({percent}%)"),
            recorded=cov.recorded,
            total=cov.total,
            percent=cov.percent,
        ),
    )

default = viewer.language if viewer.language in CLIP_LANGUAGES else CLIP_LANGUAGES[0]
lang_code = st.radio(
    t(N_("Language of the recordings")),
    CLIP_LANGUAGES,
    key="vc_language",
    index=CLIP_LANGUAGES.index(default),
    horizontal=True,
    format_func=lambda code: language(code).native_name,
)
lang = language(lang_code)
group = st.selectbox(
    t(N_("Which phrases")),
    ("all", *clips.GROUPS),
    key="vc_group",
    format_func=lambda g: t(N_("All phrases")) if g == "all" else t(clips.GROUPS[g]),
)
only_missing = st.toggle(t(N_("Only phrases not recorded yet")), key="vc_only_missing")

with db() as session:
    current = clips.current_clips(session, lang_code)
    names = auth.display_names(session, {c.recorded_by for c in current.values()})
chosen = [p for p in clips.phrases() if group == "all" or p.group == group]
# Most used first (home and snap-a-report, then by how many pages use it), missing before recorded.
ranked = clips.by_use(chosen)
listed = [p for p in ranked if p.msgid not in current] + (
    [] if only_missing else [p for p in ranked if p.msgid in current]
)

st.dataframe(
    [
        {
            t(N_("Phrase")): translate(lang_code, p.msgid),
            t(N_("Chinese")): translate(DEFAULT_LANGUAGE, p.msgid),
            t(N_("Recorded")): "✓ " + t(N_("Recorded"))
            if p.msgid in current
            else "— " + t(N_("Not recorded")),
            t(N_("Recorded by")): names.get(current[p.msgid].recorded_by, "")
            if p.msgid in current
            else "",
            t(N_("Source")): t(clips.SOURCE_LABELS[current[p.msgid].source])
            if p.msgid in current
            else "",
        }
        for p in listed
    ],
    hide_index=True,
    width="stretch",
)

if not listed:
    st.success(t(N_("Every phrase in this list is recorded.")))
    st.stop()

if (offered := state.pop("vc_next", None)) in {p.msgid for p in listed}:
    state["vc_phrase"] = offered  # after a save: the next missing phrase, most used first
msgid = st.selectbox(
    t(N_("Phrase to record")),
    [p.msgid for p in listed],
    key="vc_phrase",
    format_func=lambda m: ("✓ " if m in current else "○ ") + translate(lang_code, m),
)
clip = current.get(msgid)

with st.container(border=True):
    st.markdown(
        f'<p lang="{lang.html_lang}" dir="{lang.direction}" style="font-size:1.4em">'
        f"{html.escape(translate(lang_code, msgid))}</p>",
        unsafe_allow_html=True,
    )
    st.markdown(
        f'<p lang="zh-Hans">{html.escape(translate(DEFAULT_LANGUAGE, msgid))}</p>',
        unsafe_allow_html=True,
    )
    if clip is not None:
        st.markdown(
            t(
                N_("Recorded by {name}, {when}"),
                name=md_text(names.get(clip.recorded_by, "?")),
                when=format_when(viewer.language, clip.created_at, "short"),
            )
            + " · **"
            + t(clips.SOURCE_LABELS[clip.source])
            + "**"
        )
        data = store.read(clip.audio_path)
        if data:
            st.audio(data, format=clip.content_type, alt=t(N_("The recording")))
    else:
        st.markdown("**" + t(N_("Not recorded yet.")) + "**")

nonce = state.setdefault("vc_nonce", 0)  # a new key empties the recorder after a save
st.subheader(t(N_("Record")) if clip is None else t(N_("Record it again")))
recorded = st.audio_input(t(N_("Speak the phrase clearly, then stop")), key=f"vc_mic_{nonce}")
uploaded = st.file_uploader(
    t(N_("…or send a recording (WAV, MP3 or OGG)")),
    type=["wav", "mp3", "ogg"],
    key=f"vc_file_{nonce}",
    max_upload_size=12,
)
slot = st.empty()
replace = clip is not None and st.checkbox(t(N_("Replace the current recording")), key="vc_replace")


def _save() -> None:
    source = recorded or uploaded
    saved = run_action(
        viewer,
        in_session(
            lambda session: clips.record(
                session,
                store,
                language=lang_code,
                msgid=msgid,
                data=source.getvalue() if source else None,
                recorded_by=viewer.user_id,
                replace=bool(replace),
            )
        ),
        slots={},
        at=slot,
    )
    if not saved:
        return
    state["vc_nonce"] = nonce + 1
    state["vc_saved"] = True
    with db() as session:
        now_recorded = clips.current_clips(session, lang_code)
    state["vc_next"] = clips.next_missing(now_recorded, chosen, msgid)
    st.rerun()


if st.button(t(N_("Save the recording")), key="vc_save", type="primary", icon=":material/save:"):
    _save()
if state.pop("vc_saved", False):
    st.success(
        t(N_("Saved. Read-aloud uses this recording from now on."))
        + " "
        + t(N_("The next phrase not recorded yet is ready above.")),
        icon=":material/check_circle:",
    )

if clip is not None:
    st.subheader(t(N_("A bad recording?")))
    if st.button(
        t(N_("Remove this recording")), key=f"vc_remove_{clip.id}", icon=":material/delete:"
    ):
        removed = run_action(
            viewer,
            in_session(
                lambda session: clips.remove(session, clip_id=clip.id, actor_id=viewer.user_id)
            ),
            slots={},
        )
        if removed:
            state["vc_removed"] = True
            st.rerun()
if state.pop("vc_removed", False):
    st.success(t(N_("The recording was removed.")), icon=":material/check_circle:")
