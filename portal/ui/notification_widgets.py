"""The inbox list, undelivered messages for staff and a person's notification settings."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from db.models_notifications import Notification
from db.types import row_id
from portal import auth, notifications
from portal.i18n import N_, format_when
from portal.text import md_text
from portal.ui.actions import in_session, run_action
from portal.ui.data import db, settings
from portal.ui.session import Viewer
from portal.ui.widgets import field_slots


def notice_card(viewer: Viewer, notice: Notification) -> None:
    title, body = notifications.render(viewer.language, notice)
    key, query = notifications.link_parts(notice)
    with st.container(border=True):
        mark = "" if notice.read_at else "● "
        when = format_when(viewer.language, notice.created_at)
        st.markdown(f"**{mark}{md_text(title)}**  \n{md_text(body)}  \n{when}")
        page = auth.PAGE_BY_KEY.get(key)
        if page and auth.can_view(viewer.role, key):
            _open_link(viewer, page, query)
        if notice.read_at is None and st.button(
            viewer.t(N_("Mark read")), key=f"read_{notice.id}", icon=":material/done:"
        ):
            with db() as session:
                notifications.mark_read(session, viewer.require_id(), [row_id(notice)])
            st.rerun()


def _open_link(viewer: Viewer, page: auth.PageSpec, query: dict[str, str]) -> None:
    label = viewer.t(N_("Open"))
    try:
        st.page_link(page.path, label=label, icon=page.icon, query_params=query)
    except StreamlitPageNotFoundError:  # a bare deep link before navigation: a plain link
        st.markdown(f"[{label}](/{page.key}?{urlencode(query)})")


def failed_section(viewer: Viewer) -> None:
    """Staff: messages no outside channel could deliver, to follow up by hand."""
    with db() as session:
        failed = notifications.failed_deliveries(session)
    st.subheader(viewer.t(N_("Messages that could not be delivered")))
    if not failed:
        st.markdown(viewer.t(N_("None.")))
    for delivery, person in failed:
        st.markdown(
            f"- {md_text(person.display_name)} · {delivery.channel} · {md_text(delivery.address)}"
            f" · {viewer.t(N_('tries'))}: {delivery.attempts} · {md_text(delivery.last_error or '')}"
        )


def settings_section(viewer: Viewer) -> None:
    """Account page: opt-in email (checked by a link) and phone, channels, muted events."""
    with db() as session:
        setting = notifications.setting_for(session, viewer.require_id())
    st.subheader(viewer.t(N_("Notifications")))
    st.markdown(viewer.t(N_("Optional. You always see notifications in the portal.")))
    with st.form("notify_form"):
        st.text_input(viewer.t(N_("Email address")), value=setting.email or "", key="nf_email")
        slots = field_slots(("email",))
        if setting.email and setting.email_confirmed_at is None:
            st.markdown(viewer.t(N_("Not confirmed yet: please open the link we mailed you.")))
        st.checkbox(viewer.t(N_("Send me emails")), value=setting.use_email, key="nf_use_email")
        st.text_input(viewer.t(N_("Mobile phone")), value=setting.phone or "", key="nf_phone")
        slots |= field_slots(("phone",))
        st.checkbox(viewer.t(N_("Send me text messages")), value=setting.use_sms, key="nf_use_sms")
        st.checkbox(
            viewer.t(N_("Quiet hours 22:00–07:00 (urgent alarms still come)")),
            value=setting.quiet_hours,
            key="nf_quiet",
        )
        names = {e: viewer.t(ev.title) for e, ev in notifications.EVENTS.items()}
        st.multiselect(
            viewer.t(N_("Do not send me these by email or text")),
            list(names),
            default=sorted(notifications.muted(setting)),
            format_func=names.__getitem__,
            key="nf_muted",
        )
        saved = st.form_submit_button(viewer.t(N_("Save notification settings")))
    if saved:
        _save(viewer, slots)


def _save(viewer: Viewer, slots) -> None:
    state = st.session_state
    saved = run_action(
        viewer,
        in_session(
            lambda session: notifications.save_setting(
                session,
                viewer.require_id(),
                email=state.get("nf_email", ""),
                phone=state.get("nf_phone", ""),
                use_email=state.get("nf_use_email", False),
                use_sms=state.get("nf_use_sms", False),
                muted_events=state.get("nf_muted", []),
                quiet_hours=state.get("nf_quiet", True),
            )
        ),
        slots=slots,
        done=viewer.t(N_("Saved.")),
    )
    if saved.value is None:
        return
    _setting, token = saved.value
    if token:
        from portal import delivery

        if delivery.send_email_check(settings(), viewer.language, state["nf_email"], token):
            st.info(viewer.t(N_("We sent a link to your email address: open it to confirm.")))
        else:
            st.warning(viewer.t(N_("Email is not set up on this portal yet.")))
