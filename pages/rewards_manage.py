from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from portal import points
from portal.config import TIMEZONE
from portal.errors import UserError
from portal.i18n import N_
from portal.ui.actions import in_session, run_action
from portal.ui.area_widgets import viewer_area
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.points_widgets import esc, flash, show_errors, show_flash, when
from portal.ui.report_widgets import media_store
from portal.ui.widgets import field_slots

viewer = require("rewards_manage")
t = viewer.t
uid = viewer.user_id
area = viewer_area(viewer)  # one's own community's catalogue (and what reaches it)
state = st.session_state
office = viewer.role in points.OFFICE
SHANGHAI = ZoneInfo(TIMEZONE)

st.title(t(N_("Rewards and codes")))
show_flash()

st.subheader(t(N_("Hand over a reward")))
st.markdown(t(N_("Type the code the person shows you, check it, then hand over the reward.")))
with st.form("code_form"):
    st.text_input(t(N_("Exchange code")), key="handover_input", max_chars=12)
    slots = field_slots(("code",))
    check = st.form_submit_button(t(N_("Check the code")), type="primary", width="stretch")
if check:
    try:
        with db() as session:
            points.look_up_code(session, actor_id=uid, code=state.get("handover_input", ""))
    except UserError as exc:
        state.pop("handover_code", None)
        show_errors(viewer, slots, exc)
    else:
        state["handover_code"] = points.normalise_code(state.get("handover_input", ""))

code = state.get("handover_code")
if code:
    try:
        with db() as session:
            view = points.look_up_code(session, actor_id=uid, code=code)
    except UserError:
        state.pop("handover_code", None)
    else:
        with st.container(border=True):
            st.markdown(f"#### {esc(view.reward.name)}")
            st.markdown(
                t(
                    N_("Code {ticket} · for {person} · exchanged {when}"),
                    ticket=code,
                    person=esc(view.person),
                    when=when(viewer, view.redemption.created_at),
                )
            )
            st.markdown("**" + t(points.REDEMPTION_STATUS_LABELS[view.redemption.status]) + "**")
            if view.redemption.status == "pending":
                if st.button(
                    t(N_("Mark as handed over")),
                    key="handover_button",
                    type="primary",
                    width="stretch",
                ):
                    try:
                        with db() as session:
                            points.hand_over(session, actor_id=uid, code=code)
                    except UserError as exc:
                        show_errors(viewer, {}, exc)
                    else:
                        state.pop("handover_code", None)
                        flash(
                            "success",
                            t(
                                N_("Handed over: {reward} for {person}."),
                                reward=esc(view.reward.name),
                                person=esc(view.person),
                            ),
                        )
                        st.rerun()

with db() as session:
    codes = points.codes_waiting(session, actor_id=uid)
st.subheader(t(N_("Codes waiting to be picked up")))
if codes:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t(N_("Exchange code")): c.redemption.code,
                    t(N_("Reward")): c.reward.name,
                    t(N_("Person")): c.person,
                    t(N_("Exchanged")): when(viewer, c.redemption.created_at),
                }
                for c in codes
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info(t(N_("No codes are waiting.")))

if office:
    with db() as session:
        catalogue = points.rewards_for(session, include_inactive=True, area=area, managed=True)
        shops = dict(points.merchants(session))
    st.subheader(t(N_("Catalogue")))
    if catalogue:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t(N_("Reward")): c.reward.name,
                        t(N_("Points")): c.reward.cost,
                        t(N_("Stock")): c.reward.stock,
                        t(N_("Handed out by")): c.provider_name or t(N_("the community office")),
                        t(N_("Until")): when(viewer, c.reward.available_until)
                        if c.reward.available_until
                        else "",
                        t(N_("Offered")): t(N_("yes")) if c.reward.active else t(N_("no")),
                    }
                    for c in catalogue
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    by_id = {c.reward.id: c.reward for c in catalogue}

    with st.form("reward_form"):
        st.markdown("#### " + t(N_("Add a reward")))
        st.text_input(t(N_("Name")), key="reward_name", max_chars=80)
        slots = field_slots(("name",))
        st.text_area(
            t(N_("Description (where and when to pick it up)")),
            key="reward_description",
            max_chars=1000,
        )
        left, right = st.columns(2)
        left.number_input(t(N_("Points it costs")), key="reward_cost", value=50, step=1)
        right.number_input(t(N_("Stock")), key="reward_stock", value=10, step=1)
        slots |= field_slots(("cost", "stock"))
        st.radio(
            t(N_("Handed out by")),
            ["office", "merchant"],
            key="reward_provider",
            horizontal=True,
            format_func=lambda p: (
                t(N_("the community office")) if p == "office" else t(N_("a merchant"))
            ),
        )
        slots |= field_slots(("provider",))
        st.selectbox(
            t(N_("Merchant")),
            list(shops),
            key="reward_merchant",
            index=None,
            format_func=lambda i: shops[i],
            placeholder=t(N_("Choose…")),
        )
        slots |= field_slots(("merchant",))
        today = datetime.now(SHANGHAI).date()
        left, right = st.columns(2)
        left.date_input(t(N_("Offered from")), key="reward_from", value=today)
        right.date_input(
            t(N_("Offered until")), key="reward_until", value=today + timedelta(days=90)
        )
        slots |= field_slots(("period",))
        st.file_uploader(
            t(N_("Picture (optional)")), type=["jpg", "jpeg", "png", "webp"], key="reward_picture"
        )
        slots |= field_slots(("picture",))
        add = st.form_submit_button(t(N_("Add to the catalogue")), type="primary", width="stretch")
    if add:
        start, until = state.get("reward_from"), state.get("reward_until")
        picture = state.get("reward_picture")
        added = run_action(
            viewer,
            in_session(
                lambda session: points.save_reward(
                    session,
                    actor_id=uid,
                    name=state.get("reward_name", ""),
                    description=state.get("reward_description", ""),
                    cost=state.get("reward_cost"),
                    stock=state.get("reward_stock"),
                    provider=state.get("reward_provider", "office"),
                    merchant_id=state.get("reward_merchant"),
                    available_from=datetime.combine(start, time(0, 0), tzinfo=SHANGHAI)
                    if start
                    else None,
                    available_until=datetime.combine(until, time(23, 59), tzinfo=SHANGHAI)
                    if until
                    else None,
                    picture=picture.getvalue() if picture else None,
                    media_root=media_store(),
                )
            ),
            slots=slots,
        )
        if added:
            flash("success", t(N_("The reward was added.")))
            st.rerun()

    if by_id:
        with st.form("stock_form"):
            st.markdown("#### " + t(N_("Change stock")))
            st.selectbox(
                t(N_("Reward")),
                list(by_id),
                key="stock_reward",
                format_func=lambda i: f"{by_id[i].name} ({by_id[i].stock})",
            )
            st.number_input(
                t(N_("Units to add (negative to take away)")), key="stock_delta", value=0, step=1
            )
            slots = field_slots(("delta",))
            st.text_input(t(N_("Reason")), key="stock_reason", max_chars=200)
            slots |= field_slots(("reason",))
            offered = st.checkbox(t(N_("Offered to residents")), key="stock_active", value=True)
            change = st.form_submit_button(t(N_("Save")), type="primary")
        if change:

            def save_stock(session):
                reward_id = state.get("stock_reward")
                if state.get("stock_delta"):
                    points.change_stock(
                        session,
                        actor_id=uid,
                        reward_id=reward_id,
                        delta=state.get("stock_delta"),
                        reason=state.get("stock_reason", ""),
                    )
                points.set_reward_active(
                    session, actor_id=uid, reward_id=reward_id, active=bool(offered)
                )

            if run_action(viewer, in_session(save_stock), slots=slots):
                flash("success", t(N_("Saved.")))
                st.rerun()
