"""Council forms and files on screen: files on items and proposals (photos with alt text, PDF downloads),
the upload field, the options editor, the new-council form and the council picker."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from db.types import row_id
from portal import council as c
from portal.council import attachments as files
from portal.council import options as options
from portal.i18n import N_
from portal.text import md_text
from portal.ui.council_widgets import esc, submit
from portal.ui.data import db
from portal.ui.private_media import PrivateFile, private_download_link, private_image_tag
from portal.ui.report_widgets import media_store
from portal.ui.session import Viewer
from portal.ui.widgets import field_slots


def size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 100 * 1024 else f"{max(1, size // 1024)} KB"


def attachments_block(viewer: Viewer, attachments: list, key: str, on_remove=None) -> None:
    """Photos inline with their description as alt text (st.image has none); PDF documents as
    download buttons that read the file only when pressed. on_remove(attachment_id) adds buttons."""
    if not attachments:
        return
    store = media_store()
    st.html(f'<p class="linli-council-facts"><strong>{esc(viewer.t(N_("Files")))}</strong></p>')
    tags = []
    for row in (a for a in attachments if a.kind == "photo"):
        data = store.read(row.thumb_path or row.path)
        if data:  # through the media route, login checked (portal.media_access "council")
            photo = PrivateFile("council", row.id, data, "image/jpeg")
            img = private_image_tag(photo, row.caption, "max-width:100%;border-radius:4px", True)
            tags.append(
                '<figure style="display:inline-block;margin:0 8px 8px 0;max-width:240px">'
                f'{img}<figcaption class="linli-council-facts">{esc(row.caption)}</figcaption>'
                "</figure>"
            )
    if tags:
        st.html('<div class="linli-council">' + "".join(tags) + "</div>")
    for row in (a for a in attachments if a.kind == "document"):
        label = viewer.t(
            N_("Document: {name} (PDF, {size})"),
            name=row.caption,
            size=size_text(row.size_bytes),
        )
        link = private_download_link(PrivateFile("council", row.id, b"", row.content_type), label)
        if link:  # the media route, not a Streamlit /media/ URL that answers anyone
            st.html(f'<p class="linli-council-facts">{link}</p>')
            continue
        st.download_button(
            viewer.t(
                N_("Document: {name} (PDF, {size})"),
                name=md_text(row.caption),
                size=size_text(row.size_bytes),
            ),
            data=lambda path=row.path: store.read(path) or b"",
            file_name=row.file_name,
            mime="application/pdf",
            key=f"{key}_doc_{row.id}",
            on_click="ignore",
            icon=":material/description:",
            width="stretch",
        )
    if on_remove is not None:
        for row in attachments:
            st.button(
                viewer.t(N_("Remove the file “{name}”"), name=md_text(row.caption)),
                key=f"{key}_rm_{row.id}",
                icon=":material/delete:",
                on_click=on_remove,
                args=(row.id,),
            )


def upload_fields(viewer: Viewer, key: str) -> dict:
    """A photo or PDF and its description; returns the slots for their messages."""
    t = viewer.t
    st.file_uploader(
        t(N_("Photo or PDF document (optional)")),
        key=f"{key}_file",
        type=["jpg", "jpeg", "png", "webp", "pdf"],
        help=t(
            N_("Photos up to 15 MB, PDF documents up to {mb} MB."),
            mb=files.MAX_DOCUMENT_BYTES // (1024 * 1024),
        ),
    )
    slots = field_slots(("attachment",))
    st.text_input(
        t(N_("What the photo shows / title of the document")),
        key=f"{key}_caption",
        max_chars=files.CAPTION_MAX,
    )
    return slots | field_slots(("caption",))


def read_upload(key: str):
    """The checked upload (photo or document) or None when nothing was chosen."""
    upload = st.session_state.get(f"{key}_file")
    if upload is None:
        return None
    return files.check_upload(upload.getvalue(), upload.name)


def options_form(viewer: Viewer, item_id: int, current: tuple[c.Option, ...], uid: int) -> None:
    """Staff give an item its own options, one per line (empty: For / Against / Abstain)."""
    t = viewer.t
    key = f"council_options_{item_id}"
    st.session_state.setdefault(key, "\n".join(o.label for o in current if o.custom))
    with st.form(f"council_options_form_{item_id}"):
        st.text_area(
            t(
                N_(
                    "Options to choose from, one per line (2 to 6; leave empty for For / Against / Abstain)"
                )
            ),
            key=key,
            height=120,
        )
        slots = field_slots(("options",))
        saved = st.form_submit_button(t(N_("Save the options")), width="stretch")
    if saved:

        def _save():
            with db() as session:
                options.set_options(
                    session,
                    item_id=item_id,
                    actor_id=uid,
                    labels=options.parse_options(st.session_state.get(key, "")),
                )

        submit(viewer, slots, _save, t(N_("The options were saved.")), clear=(key,))


def council_form(viewer: Viewer, uid: int, grids: list, form_key: str) -> None:
    """A new council for the community or a general grid: name, term, seats and voting rules."""
    t = viewer.t
    names = {g.id: g.name for g in grids}
    k = form_key
    with st.form(form_key):
        st.text_input(t(N_("Name of the council")), key=f"{k}_name", max_chars=120)
        slots = field_slots(("name",))
        st.selectbox(
            t(N_("Grid it serves")), list(names), key=f"{k}_grid", format_func=names.__getitem__
        )
        slots |= field_slots(("grid",))
        st.date_input(
            t(N_("Term starts")), key=f"{k}_start", value=date.today(), format="YYYY-MM-DD"
        )
        st.date_input(
            t(N_("Term ends")),
            key=f"{k}_end",
            value=date.today() + timedelta(days=3 * 365),
            format="YYYY-MM-DD",
        )
        slots |= field_slots(("term_end",))
        st.number_input(
            t(N_("Seats per group")), key=f"{k}_seats", min_value=1, max_value=50, value=4, step=1
        )
        slots |= field_slots(("seats_per_group",))
        st.number_input(
            t(N_("Quorum: seats that must vote (numerator)")),
            key=f"{k}_qnum",
            min_value=1,
            max_value=100,
            value=2,
            step=1,
        )
        st.number_input(
            t(N_("Quorum: out of (denominator)")),
            key=f"{k}_qden",
            min_value=1,
            max_value=100,
            value=3,
            step=1,
        )
        slots |= field_slots(("quorum",))
        st.selectbox(
            t(N_("Majority")),
            list(c.MAJORITY_LABELS),
            key=f"{k}_majority",
            format_func=lambda m: t(c.MAJORITY_LABELS[m]),
        )
        slots |= field_slots(("majority",))
        st.number_input(
            t(N_("Proposals close this many days before the meeting")),
            key=f"{k}_days",
            min_value=0,
            max_value=60,
            value=3,
            step=1,
        )
        slots |= field_slots(("proposal_days",))
        created = st.form_submit_button(
            t(N_("Create the council")), type="primary", width="stretch"
        )
    if created:
        s = st.session_state

        def _create():
            with db() as session:
                made = c.create_council(
                    session,
                    actor_id=uid,
                    grid_id=s.get(f"{k}_grid"),
                    name=s.get(f"{k}_name", ""),
                    term_start=s.get(f"{k}_start"),
                    term_end=s.get(f"{k}_end"),
                    seats_per_group=int(s.get(f"{k}_seats") or 0),
                    quorum_num=int(s.get(f"{k}_qnum") or 0),
                    quorum_den=int(s.get(f"{k}_qden") or 0),
                    majority=s.get(f"{k}_majority"),
                    proposal_days=int(s.get(f"{k}_days") if s.get(f"{k}_days") is not None else -1),
                )
                s["council_manage_new"] = made.id

        submit(
            viewer,
            slots,
            _create,
            t(N_("The council was created. Now give its seats.")),
            clear=(f"{k}_name",),
        )


def pick_council(viewer: Viewer, found: list, key: str):
    """With more than one council, a choice between them (the first by default)."""
    if len(found) < 2:
        return found[0] if found else None
    names = {x.id: md_text(x.name) for x in found}
    if st.session_state.get(key) not in names:
        st.session_state[key] = found[0].id
    st.radio(
        viewer.t(N_("Which council")),
        list(names),
        key=key,
        format_func=names.__getitem__,
        horizontal=True,
    )
    return next(x for x in found if x.id == st.session_state[key])


def options_line(viewer: Viewer, view: c.ItemView) -> None:
    """The item's own options as a plain line (nothing for For / Against / Abstain)."""
    own = [o.label for o in view.options if o.custom]
    if own:
        st.html(
            f'<p class="linli-council-facts">{esc(viewer.t(N_("Options: {options}"), options=" / ".join(own)))}</p>'
        )


def item_staff_tools(
    viewer: Viewer, uid: int, view: c.ItemView, attached: list, meeting_status: str
) -> None:
    """Staff's tools on one agenda item: its options (until voting opens) and its files (until
    voting closes)."""
    item_id = row_id(view.item)
    options_line(viewer, view)
    if meeting_status in ("draft", "published"):
        options_form(viewer, item_id, view.options, uid)
    files_open = meeting_status in files.ITEM_OPEN_STATES

    def _remove(attachment_id: int) -> None:
        from portal.ui.council_widgets import act

        def run():
            with db() as session:
                files.remove(session, attachment_id=attachment_id, actor_id=uid)

        act(viewer, run, viewer.t(N_("The file was removed.")))

    attachments_block(
        viewer, attached, f"council_item_files_{item_id}", _remove if files_open else None
    )
    if files_open:
        attach_form(viewer, uid, f"council_attach_{item_id}", item_id=item_id)


def attach_form(
    viewer: Viewer,
    uid: int,
    key: str,
    *,
    item_id: int | None = None,
    proposal_id: int | None = None,
) -> None:
    """Add a photo or a PDF to an item (staff) or to one's own proposal."""
    t = viewer.t
    with st.form(f"{key}_form", clear_on_submit=False):
        slots = upload_fields(viewer, key)
        sent = st.form_submit_button(t(N_("Add the file")), width="stretch")
    if sent:

        def _attach():
            upload = read_upload(key)
            if upload is None:
                from portal.errors import UserError

                raise UserError(
                    N_("Please choose a photo or a PDF document first."), field="attachment"
                )
            with db() as session:
                files.attach(
                    session,
                    media_store(),
                    actor_id=uid,
                    upload=upload,
                    item_id=item_id,
                    proposal_id=proposal_id,
                    caption=st.session_state.get(f"{key}_caption", ""),
                )

        submit(
            viewer,
            slots,
            _attach,
            t(N_("The file was added.")),
            clear=(f"{key}_caption", f"{key}_file"),
        )
