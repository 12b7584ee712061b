import streamlit as st

from portal import points, voice_notes
from portal.errors import FieldErrors, UserError
from portal.i18n import DEFAULT_LANGUAGE, N_, format_number, format_when_ago
from portal.ui.area_widgets import viewer_area
from portal.ui.behalf_widgets import claim_note, ledger_note
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.points_widgets import esc, flash, run_action, show_errors, show_flash, when
from portal.ui.report_widgets import media_store
from portal.ui.speech_widgets import read_aloud, readable, readable_list
from portal.ui.voice_note_widgets import read_voice, store, voice_input
from portal.ui.widgets import field_slots

viewer = require("points")
t = viewer.t
uid = viewer.user_id
area = viewer_area(viewer)  # one's own community's catalogue (and what reaches it)
state = st.session_state


def _claim(task_id: int, title: str) -> None:
    with db() as session:
        run_action(
            viewer,
            lambda: points.claim_task(session, user_id=uid, task_id=task_id),
            t(N_("You claimed “{title}”. Do the task, then send proof here."), title=esc(title)),
        )


def _withdraw(claim_id: int) -> None:
    with db() as session:
        run_action(
            viewer,
            lambda: points.withdraw_claim(session, user_id=uid, claim_id=claim_id),
            t(N_("You gave your place back.")),
        )


def _redeem(reward_id: int) -> None:
    with db() as session:
        run_action(
            viewer,
            lambda: points.redeem(session, user_id=uid, reward_id=reward_id),
            lambda r: t(
                N_("Done! Your code is {ticket}. Show it when you pick up the reward."),
                ticket=r.code,
            ),
        )


def _cancel(redemption_id: int) -> None:
    with db() as session:
        run_action(
            viewer,
            lambda: points.cancel_redemption(session, actor_id=uid, redemption_id=redemption_id),
            t(N_("The exchange was cancelled and your points are back.")),
        )


def _opt_out() -> None:
    with db() as session:
        points.set_leaderboard_opt_out(session, user_id=uid, opt_out=not state["points_show_name"])


def _more() -> None:
    state["points_history_n"] = state.get("points_history_n", 30) + 30


st.title(t(N_("My points")))
show_flash(viewer)
with db() as session:
    balance = points.balance(session, uid)
    cards = points.open_tasks_for(session, user_id=uid)
    claims = points.my_claims(session, user_id=uid)
    rewards = points.rewards_for(session, area=area)
    redemptions = points.my_redemptions(session, user_id=uid)
    shown = state.get("points_history_n", 30)
    lines = points.history(session, uid, limit=shown)
    total_lines = points.history_count(session, uid)
    hidden = points.leaderboard_opt_out(session, uid)

st.metric(t(N_("Points I have")), format_number(viewer.language, balance))
readable(f"{t(N_('Points I have'))}: {format_number(viewer.language, balance)}")
readable(t(N_("Tasks open to my grid")), N_("Tasks open to my grid"))
readable_list(
    viewer,
    [c.task.title for c in cards if c.claim is None or c.claim.status == "withdrawn"],
)
# keyed and rerun on change: the open tab is kept in the session, so an action (whose banner shows
# above) never jumps back to the first tab
tasks_tab, rewards_tab, history_tab = st.tabs(
    [t(N_("Tasks")), t(N_("Rewards")), t(N_("History"))], key="points_tab", on_change="rerun"
)

with tasks_tab:
    active = [c for c in claims if c.claim.status in ("claimed", "submitted", "rejected")]
    if active:
        st.subheader(t(N_("My tasks")))
    for item in active:
        claim, task = item.claim, item.task
        with st.container(border=True):
            st.markdown(f"#### {esc(task.title)}")
            st.markdown(
                t(
                    N_("{points} points · until {end}"),
                    points=task.points,
                    end=when(viewer, task.ends_at),
                )
            )
            st.markdown("**" + t(points.CLAIM_STATUS_LABELS[claim.status]) + "**")
            claim_note(viewer, claim.id)  # 代办: "Claimed for you by …"
            if claim.status == "rejected" and claim.reject_reason:
                st.markdown(t(N_("Reason: {reason}"), reason=esc(claim.reject_reason)))
            if item.can_submit:
                if claim.status == "rejected":
                    st.markdown(t(N_("You can send proof once more.")))
                with st.form(f"proof_form_{claim.id}"):
                    st.markdown(
                        t(N_("Proof needed: {proof}"), proof=t(points.PROOF_LABELS[task.proof]))
                    )
                    if task.proof in ("note", "photo_or_note", "none"):
                        st.text_area(
                            t(N_("What did you do?")), key=f"proof_note_{claim.id}", max_chars=1000
                        )
                    slots = field_slots(("note",))
                    if task.proof in ("photo", "photo_or_note"):
                        st.file_uploader(
                            t(N_("Photo")),
                            type=["jpg", "jpeg", "png", "webp"],
                            key=f"proof_photo_{claim.id}",
                        )
                    slots |= field_slots(("photo",))
                    voice_input(viewer, f"proof_voice_{claim.id}")
                    slots |= field_slots(("voice",))
                    sent = st.form_submit_button(
                        t(N_("Send proof")), type="primary", width="stretch"
                    )
                if sent:
                    upload = state.get(f"proof_photo_{claim.id}")
                    typed = state.get(f"proof_note_{claim.id}", "")
                    try:
                        voice = read_voice(f"proof_voice_{claim.id}")
                        with db() as session:
                            voice_notes.with_voice_note(
                                session,
                                store(),
                                kind="task_proof",
                                audio=voice,
                                created_by=uid,
                                language=viewer.language,
                                typed=typed,
                                text_field="note",
                                empty_message=voice_notes.PHOTO_WRITE_OR_RECORD
                                if task.proof == "photo_or_note"
                                else voice_notes.WRITE_OR_RECORD,
                                # called at once by with_voice_note, within this iteration
                                create=lambda: points.submit_proof(
                                    session,
                                    user_id=uid,
                                    claim_id=claim.id,  # noqa: B023
                                    note=voice_notes.text_or_spoken(typed, voice, viewer.language),  # noqa: B023
                                    photo=upload.getvalue() if upload else None,  # noqa: B023
                                    media_root=media_store(),
                                ),
                            )
                    except (FieldErrors, UserError) as exc:
                        show_errors(viewer, slots, exc)
                    else:
                        flash("success", t(N_("Proof sent. A grid worker will check it.")))
                        st.rerun()
            if item.can_withdraw:
                st.button(
                    t(N_("Give my place back")),
                    key=f"withdraw_{claim.id}",
                    on_click=_withdraw,
                    args=(claim.id,),
                )

    st.subheader(t(N_("Tasks open to my grid")))
    free = [c for c in cards if c.claim is None or c.claim.status == "withdrawn"]
    if not free:
        st.info(t(N_("No open tasks for your grid right now. Please look again in a few days.")))
    for card in free:
        task = card.task
        with st.container(border=True):
            st.markdown(f"#### {esc(task.title)}")
            if task.description:
                st.markdown(esc(task.description))
            read_aloud(
                viewer,
                f"{task.title}。{task.description or ''}",
                DEFAULT_LANGUAGE,
                key=f"read_task_{task.id}",
            )  # tasks are written by the office, in Chinese
            st.markdown(
                t(
                    N_("**{points} points** · {start} – {end}"),
                    points=task.points,
                    start=when(viewer, task.starts_at),
                    end=when(viewer, task.ends_at),
                )
            )
            st.markdown(
                t(
                    N_("Places left: {left} of {places} · Proof: {proof}"),
                    left=card.places_left,
                    places=task.places,
                    proof=t(points.PROOF_LABELS[task.proof]),
                )
            )
            if card.places_left:
                st.button(
                    t(N_("Claim this task")),
                    key=f"claim_{task.id}",
                    type="primary",
                    width="stretch",
                    on_click=_claim,
                    args=(task.id, task.title),
                )
            else:
                st.markdown("**" + t(N_("All places are taken.")) + "**")

with rewards_tab:
    pending = [r for r in redemptions if r.redemption.status == "pending"]
    if pending:
        st.subheader(t(N_("My codes to pick up")))
    for item in pending:
        with st.container(border=True):
            st.markdown(f"#### {esc(item.reward.name)}")
            st.markdown(t(N_("Code: **{ticket}**"), ticket=item.redemption.code))
            place = esc(item.provider_name) if item.provider_name else t(N_("the community office"))
            st.markdown(t(N_("Pick it up at {place}."), place=place))
            st.button(
                t(N_("Cancel and get my points back")),
                key=f"cancel_{item.redemption.id}",
                on_click=_cancel,
                args=(item.redemption.id,),
            )

    st.subheader(t(N_("Rewards")))
    if not rewards:
        st.info(t(N_("No rewards in the catalogue right now.")))
    for card in rewards:
        reward = card.reward
        with st.container(border=True):
            st.markdown(f"#### {esc(reward.name)}")
            if reward.picture:  # public catalogue content: Streamlit's /media/ on purpose
                picture = media_store().read(reward.picture)
                if picture:
                    st.image(picture, width=240)
            if reward.description:
                st.markdown(esc(reward.description))
            giver = esc(card.provider_name) if card.provider_name else t(N_("the community office"))
            st.markdown(
                t(
                    N_("**{cost} points** · {stock} left · from {giver}"),
                    cost=reward.cost,
                    stock=reward.stock,
                    giver=giver,
                )
            )
            if reward.stock <= 0:
                st.markdown("**" + t(N_("None left at the moment.")) + "**")
            elif balance < reward.cost:
                st.markdown(
                    viewer.nt(
                        "You need {n} more point for this.",
                        "You need {n} more points for this.",
                        reward.cost - balance,
                    )
                )
            else:
                st.button(
                    t(N_("Exchange for {cost} points"), cost=reward.cost),
                    key=f"redeem_{reward.id}",
                    type="primary",
                    width="stretch",
                    on_click=_redeem,
                    args=(reward.id,),
                )
    done = [r for r in redemptions if r.redemption.status != "pending"]
    if done:
        st.subheader(t(N_("Earlier exchanges")))
        for item in done:
            st.markdown(
                f"- {esc(item.reward.name)} · {item.redemption.code} · "
                f"{t(points.REDEMPTION_STATUS_LABELS[item.redemption.status])} · "
                f"{when(viewer, item.redemption.created_at)}"
            )

with history_tab:
    st.subheader(t(N_("What happened to my points")))
    if not lines:
        st.info(t(N_("No points yet. Claim a task to earn your first points.")))
    for line in lines:
        amount = format_number(viewer.language, abs(line.amount))
        sign = f"+{amount}" if line.amount > 0 else f"−{amount}"
        # A reason the portal wrote is a message id (e.g. a checked report's); people's own
        # reasons are not in the catalog and come back as typed.
        reason = esc(t(line.reason)) if line.reason else ""
        text = t(line.msgid, reason=reason) + ledger_note(viewer, line)  # 代办
        st.markdown(
            f"**{sign}** · {format_when_ago(viewer.language, line.at)} · {text} · "
            + t(N_("balance {balance}"), balance=format_number(viewer.language, line.balance_after))
        )
    if total_lines > len(lines):
        st.button(t(N_("Show more")), key="points_more", on_click=_more)
    st.subheader(t(N_("Leaderboard")))
    state["points_show_name"] = not hidden
    st.toggle(
        t(N_("Show my name on my grid's leaderboard")), key="points_show_name", on_change=_opt_out
    )
