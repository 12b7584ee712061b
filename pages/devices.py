import pandas as pd
import streamlit as st

from portal import api_keys, auth, dead_letters, devices
from portal.errors import FieldErrors, Message
from portal.i18n import N_, format_when
from portal.text import md_text
from portal.ui.actions import in_session, run_action
from portal.ui.data import db, grid_index, settings
from portal.ui.guard import require
from portal.ui.widgets import field_slots, grid_label

viewer = require("devices")


def _reason(letter) -> str:
    message = dead_letters.message_of(letter)
    return t(message.msgid, **message.params)


t = viewer.t
index = grid_index()
with db() as session:  # this person's communities only (portal.areas)
    mine = devices.area_grids(session, index, viewer.user_id)
micro = {g.id: grid_label(index, g) for g in devices.micro_grids(index, mine)}
kinds = {k: t(label) for k, label in devices.KIND_LABELS.items()}

st.title(t(N_("Smart devices and alarms")))
st.markdown(
    t(
        N_(
            "Smoke and fall alarms open an urgent report to the micro-grid chief at once. The "
            "electricity meter of an elderly person living alone that shows no use for {days} "
            "days opens a visit report. One ongoing alarm opens one report."
        ),
        days=devices.no_use_days(),
    )
)

tab_alarms, tab_upload, tab_devices, tab_refused, tab_keys = st.tabs(
    [
        t(N_("Alarms")),
        t(N_("Upload device events")),
        t(N_("Devices")),
        t(N_("Refused messages")),
        t(N_("Partner api keys")),
    ],
    key="devices_tab",  # kept after an action
    on_change="rerun",
)

with tab_alarms:
    with db() as session:
        rows = devices.alarms(session, grids=mine)
    if not rows:
        st.markdown(t(N_("No alarms yet.")))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t(N_("Alarm")): t(devices.RULE_LABELS[r.alarm.rule]),
                        t(N_("Device")): r.device.code,
                        t(N_("House")): r.device.house,
                        t(N_("Courtyard")): micro.get(r.device.grid_id, ""),
                        t(N_("Since")): format_when(viewer.language, r.alarm.opened_at, "short"),
                        t(N_("State")): t(N_("Open"))
                        if r.alarm.closed_at is None
                        else t(
                            devices.CLOSED_REASONS.get(r.alarm.closed_reason or "", N_("Ended"))
                        ),
                        t(N_("Report")): f"#{r.alarm.report_id}" if r.alarm.report_id else "",
                        t(N_("Signals")): r.events,
                    }
                    for r in rows
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    if st.button(t(N_("Check the meters now")), key="dev_check", type="primary", width="stretch"):
        with db() as session:
            result = devices.check_meters(session, index)
        st.success(
            t(
                N_("Meters checked: {opened} alarms opened, {closed} ended."),
                opened=len(result.alarms_opened),
                closed=len(result.alarms_closed),
            )
        )

with tab_upload:
    st.markdown(
        t(
            N_(
                "A CSV file with the columns device, kind, at, value (optional: event_id), or "
                "JSON. Times without a time zone are Beijing time. Uploading the same file again "
                "takes nothing twice."
            )
        )
    )
    with st.form("dev_upload_form"):
        upload = st.file_uploader(
            t(N_("Events file")), type=["csv", "json", "jsonl", "txt"], key="dev_file"
        )
        sent = st.form_submit_button(t(N_("Take the events")), type="primary", width="stretch")
    if sent:
        if upload is None:
            st.error(t(N_("Please choose a file.")))
        else:
            text = upload.getvalue().decode("utf-8", errors="replace")
            with db() as session:
                result = devices.intake(session, index, text, received_by=viewer.user_id)
            st.success(
                t(
                    N_(
                        "{taken} events taken, {dupes} already taken before, {bad} lines with "
                        "errors, {alarms} new alarms."
                    ),
                    taken=result.taken,
                    dupes=result.duplicates,
                    bad=len(result.errors),
                    alarms=len(result.alarms_opened),
                )
            )
            if result.errors:
                st.markdown(f"**{t(N_('Lines not taken'))}**")
                st.dataframe(
                    pd.DataFrame(
                        [
                            {t(N_("Line")): line, t(N_("Reason")): t(msg.msgid, **msg.params)}
                            for line, msg in result.errors
                        ]
                    ),
                    hide_index=True,
                    width="stretch",
                )
    with db() as session:
        recent = devices.recent_events(session, limit=50, grids=mine)
    if recent:
        st.markdown(f"**{t(N_('Latest events'))}**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t(N_("Device")): code,
                        t(N_("Kind")): kinds.get(e.kind, e.kind),
                        t(N_("Time")): format_when(viewer.language, e.at, "short"),
                        t(N_("Value")): e.value,
                    }
                    for e, code in recent
                ]
            ),
            hide_index=True,
            width="stretch",
        )

with tab_devices:
    with st.form("dev_register_form"):
        st.text_input(t(N_("Device id")), key="dev_code", max_chars=64)
        slots = field_slots(("code",))
        st.selectbox(
            t(N_("Kind of device")), list(kinds), key="dev_kind", format_func=kinds.__getitem__
        )
        slots |= field_slots(("kind",))
        st.selectbox(
            t(N_("Courtyard (micro-grid)")),
            list(micro),
            key="dev_grid",
            index=None,
            format_func=micro.__getitem__,
            placeholder=t(N_("Choose…")),
        )
        slots |= field_slots(("grid", "place"))
        st.text_input(t(N_("House (building, unit, room)")), key="dev_house", max_chars=120)
        slots |= field_slots(("house",))
        st.text_input(
            t(N_("Username of the person living there (optional)")),
            key="dev_resident",
            max_chars=64,
        )
        slots |= field_slots(("resident",))
        registered = st.form_submit_button(
            t(N_("Register the device")), type="primary", width="stretch"
        )
    if registered:
        state = st.session_state

        def register(session):
            resident_id = None
            username = (state.get("dev_resident") or "").strip()
            if username:
                resident_id = auth.user_id_for_username(session, username)
                if resident_id is None:
                    raise FieldErrors(
                        {"resident": Message(N_("This person does not live in that micro-grid."))}
                    )
            return devices.register_device(
                session,
                index,
                actor_id=viewer.user_id,
                code=state.get("dev_code", ""),
                kind=state.get("dev_kind"),
                grid_id=state.get("dev_grid"),
                house=state.get("dev_house", ""),
                resident_id=resident_id,
            )

        run_action(
            viewer,
            in_session(register),
            slots=slots,
            done=lambda device: t(N_("Device {device} registered."), device=md_text(device.code)),
        )
    with db() as session:
        known = devices.devices(session, mine)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t(N_("Device")): d.code,
                    t(N_("Kind")): kinds.get(d.kind, d.kind),
                    t(N_("Courtyard")): micro.get(d.grid_id, ""),
                    t(N_("House")): d.house,
                }
                for d in known
            ]
        ),
        hide_index=True,
        width="stretch",
    )

with tab_refused:
    st.markdown(
        t(
            N_(
                "Messages from devices (MQTT), gateways and partner systems (Open311) that were "
                "not taken, newest first. Nothing of a refused message was saved."
            )
        )
    )
    with db() as session:
        letters = dead_letters.recent(session)
    if not letters:
        st.markdown(t(N_("No refused messages.")))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t(N_("Time")): format_when(viewer.language, d.received_at, "short"),
                        t(N_("From")): d.source,
                        t(N_("Topic or address")): d.topic,
                        t(N_("Reason")): _reason(d),
                        t(N_("Message")): d.payload[:200],
                    }
                    for d in letters
                ]
            ),
            hide_index=True,
            width="stretch",
        )

with tab_keys:
    st.markdown(
        t(
            N_(
                "A key lets one partner system file reports over Open311 or send device events "
                "over HTTP. Reports it files are in your name. The key is shown once: copy it "
                "now. Revoke a key the partner no longer needs."
            )
        )
    )
    scopes = {k: t(label) for k, label in api_keys.SCOPE_LABELS.items()}
    with st.form("key_issue_form"):
        st.text_input(t(N_("Partner system")), key="key_partner", max_chars=80)
        key_slots = field_slots(("partner",))
        st.selectbox(t(N_("May do")), list(scopes), key="key_scope", format_func=scopes.__getitem__)
        key_slots |= field_slots(("scope",))
        st.number_input(
            t(N_("Requests per minute")),
            min_value=1,
            max_value=api_keys.MAX_PER_MINUTE,
            value=settings().api_rate_per_minute,
            step=1,
            key="key_rate",
        )
        key_slots |= field_slots(("per_minute",))
        issued = st.form_submit_button(t(N_("Issue a key")), type="primary", width="stretch")
    if issued:
        made = run_action(
            viewer,
            in_session(
                lambda session: api_keys.issue(
                    session,
                    actor_id=viewer.user_id,
                    partner=st.session_state.get("key_partner", ""),
                    scope=st.session_state.get("key_scope"),
                    per_minute=int(st.session_state.get("key_rate") or 0),
                )
            ),
            slots=key_slots,
            done=lambda made: t(
                N_("Key issued for {partner}. It is shown only now:"),
                partner=md_text(made.key.partner),
            ),
        ).value
        if made is not None:
            st.code(made.secret, language=None)
    with db() as session:
        issued_keys = api_keys.keys(session)
    if issued_keys:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t(N_("Partner system")): k.partner,
                        t(N_("May do")): scopes.get(k.scope, k.scope),
                        t(N_("Key begins")): f"{k.prefix}…",
                        t(N_("Requests per minute")): k.per_minute,
                        t(N_("Issued")): format_when(viewer.language, k.issued_at, "short"),
                        t(N_("State")): t(N_("Revoked")) if k.revoked_at else t(N_("In use")),
                    }
                    for k in issued_keys
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    live = {k.id: f"{k.partner} · {k.prefix}…" for k in issued_keys if k.revoked_at is None}
    if live:
        with st.form("key_revoke_form"):
            st.selectbox(
                t(N_("Key to revoke")),
                list(live),
                key="key_revoke",
                index=None,
                format_func=live.__getitem__,
                placeholder=t(N_("Choose…")),
            )
            revoke = st.form_submit_button(t(N_("Revoke the key")), width="stretch")
        if revoke:
            chosen = st.session_state.get("key_revoke")
            if chosen is None:
                st.error(t(N_("Please choose the key to revoke.")))
            else:
                run_action(
                    viewer,
                    in_session(
                        lambda session: api_keys.revoke(
                            session, actor_id=viewer.user_id, key_id=chosen
                        )
                    ),
                    slots={},
                    done=lambda gone: t(
                        N_("Key of {partner} revoked."), partner=md_text(gone.partner)
                    ),
                )
