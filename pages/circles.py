# Topic circles (话题圈): the circles of my community, joining, a circle's feed with posts and
# replies, moderation (hide with a reason the author sees) and turning a post into a wish or a
# report (portal.circles).

import streamlit as st

from portal import auth, circles, reports, wishes
from portal.errors import UserError
from portal.i18n import N_, format_when_ago, language
from portal.permissions import role_can
from portal.text import record_id
from portal.ui.actions import in_session, run_action
from portal.ui.area_widgets import viewer_area
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.private_media import PrivateFile, private_image
from portal.ui.report_widgets import media_store
from portal.ui.speech_widgets import read_aloud, readable, readable_list, show_flash_at
from portal.ui.widgets import field_slots, grid_label, say
from portal.ui.wish_widgets import esc, styles

viewer = require("circles")
FLASH = "circle_flash"
OPEN = "circle_id"
t = viewer.t
uid = viewer.user_id
state = st.session_state
index = grid_index()
styles()

if state.get(OPEN) is None and "id" in st.query_params:
    state[OPEN] = record_id(st.query_params["id"])


def _do(action, done: str) -> None:
    """A button's action: the outcome is flashed at the top of the next run."""
    run_action(viewer, in_session(action), done=done, flash_key=FLASH)


CLEAR = "circle_clear"  # the fields to empty at the start of the next run (after a success)
for _key in state.pop(CLEAR, ()):
    state.pop(_key, None)


def _form(action, done: str, slots: dict, clear: tuple[str, ...] = ()) -> None:
    """A form's action: a refusal shows under its field now (what was typed stays); success
    empties the `clear` fields and reruns."""
    if run_action(viewer, in_session(action), done=done, slots=slots, flash_key=FLASH):
        state[CLEAR] = clear
        st.rerun()


def _choose(circle_id: int | None) -> None:
    state[OPEN] = circle_id
    if circle_id is None:
        st.query_params.pop("id", None)


def _open_wish(wish_id: int) -> None:
    state["wish_id"] = wish_id
    state["circle_go_wish"] = True


if state.pop("circle_go_wish", False):
    st.switch_page(auth.PAGE_BY_KEY["wish_detail"].path)

st.title(t(N_("Topic circles")))
show_flash_at(FLASH, viewer)


def _text(body: str, lang_code: str, css: str = "linli-wish") -> None:
    """A post or reply exactly as typed, marked with its own language (and direction)."""
    lang = language(lang_code)
    html = "<br>".join(esc(line) for line in body.splitlines())
    st.html(
        f'<div class="{css}" lang="{esc(lang.html_lang)}" dir="{esc(lang.direction)}"><p>{html}</p></div>'
    )


def _facts(*parts: str) -> None:
    st.html(f'<p class="linli-wish-facts">{" · ".join(esc(p) for p in parts if p)}</p>')


def _join_button(circle_id: int, name: str, where) -> None:
    where.button(
        t(N_("Join {name}"), name=name),
        key=f"circle_join_{circle_id}",
        icon=":material/group_add:",
        type="primary",
        width="stretch",
        on_click=_do,
        args=(
            lambda s: circles.join(s, circle_id=circle_id, user_id=uid),
            t(N_("You joined the circle.")),
        ),
    )


def _list() -> None:
    st.markdown(t(N_("Groups of neighbours: interests and your own courtyard. Join one to post.")))
    with db() as session:
        cards = circles.circles_for(session, uid)
    if not cards:
        st.info(t(N_("There is no circle in your community yet.")))
    readable_list(viewer, [c.name for c in cards])
    for card in cards:
        with st.container(border=True):
            st.subheader(card.name, anchor=False)
            _facts(
                t(circles.KIND_LABELS[card.kind]),
                viewer.nt("{n} member", "{n} members", card.members),
                viewer.nt("{n} post", "{n} posts", card.posts),
                t(N_("You are a member")) if card.member else "",
            )
            left, right = st.columns(2)
            left.button(
                t(N_("Open {name}"), name=card.name),
                key=f"circle_open_{card.id}",
                icon=":material/forum:",
                width="stretch",
                on_click=_choose,
                args=(card.id,),
            )
            if card.can_join:
                _join_button(card.id, card.name, right)
    _start_form()


def _start_form() -> None:
    if not role_can(viewer.role, "circle.create"):
        return
    area = viewer_area(viewer)
    yards = {
        g.id: grid_label(index, g)
        for g in sorted(index.grids.values(), key=lambda g: g.code)
        if g.kind in ("general", "micro") and area.covers(g.id)
    }
    with st.expander(t(N_("Start a circle"))), st.form("circle_start"):
        st.text_input(t(N_("Name of the circle")), key="circle_name", max_chars=60)
        slots = field_slots(("name",))
        st.radio(
            t(N_("Kind")),
            list(circles.KIND_LABELS),
            key="circle_kind",
            format_func=lambda k: t(circles.KIND_LABELS[k]),
            horizontal=True,
        )
        st.selectbox(
            t(N_("Courtyard (for a courtyard circle)")),
            list(yards),
            key="circle_yard",
            format_func=yards.__getitem__,
        )
        slots |= field_slots(("courtyard",))
        if st.form_submit_button(t(N_("Start the circle")), type="primary"):
            kind = state.get("circle_kind", "interest")
            _form(
                lambda s: circles.create_circle(
                    s,
                    actor_id=uid,
                    name=state.get("circle_name", ""),
                    kind=kind,
                    courtyard_grid_id=state.get("circle_yard") if kind == "courtyard" else None,
                ),
                t(N_("The circle is started.")),
                slots,
            )


def _moderation(kind: str, item_id: int, hidden: bool) -> None:
    if hidden:
        st.button(
            t(N_("Show it again")),
            key=f"circle_unhide_{kind}_{item_id}",
            on_click=_do,
            args=(
                lambda s: circles.unhide(s, kind=kind, item_id=item_id, moderator_id=uid),
                t(N_("It is shown again.")),
            ),
        )
        return
    with st.form(f"circle_hide_{kind}_{item_id}"):
        st.text_input(
            t(N_("Reason for hiding (the author will see it)")),
            key=f"circle_hide_reason_{kind}_{item_id}",
            max_chars=circles.REASON_MAX,
        )
        slots = field_slots(("reason",))
        if st.form_submit_button(t(N_("Hide"))):
            _form(
                lambda s: circles.hide(
                    s,
                    kind=kind,
                    item_id=item_id,
                    moderator_id=uid,
                    reason=state.get(f"circle_hide_reason_{kind}_{item_id}", ""),
                ),
                t(N_("It is hidden. The author can see why.")),
                slots,
            )


def _turn(post: circles.PostView) -> None:
    with st.expander(t(N_("Turn into a wish or a report"))):
        with st.form(f"circle_wish_{post.id}"):
            st.selectbox(
                t(N_("Kind of wish")),
                list(wishes.CATEGORY_LABELS),
                key=f"circle_wish_cat_{post.id}",
                format_func=lambda c: t(wishes.CATEGORY_LABELS[c]),
            )
            slots = field_slots(("category", "title", "body", "grid", "language"))
            if st.form_submit_button(t(N_("Turn into a wish")), icon=":material/favorite:"):
                _form(
                    lambda s: circles.turn_into_wish(
                        s,
                        post_id=post.id,
                        actor_id=uid,
                        category=state.get(f"circle_wish_cat_{post.id}", "other"),
                    ),
                    t(N_("The post is now a wish on the wish wall.")),
                    slots,
                )
        with db() as session:
            cats = {
                c.id: reports.category_name(c, viewer.language) for c in reports.categories(session)
            }
        with st.form(f"circle_report_{post.id}"):
            st.selectbox(
                t(N_("What kind of problem is it?")),
                list(cats),
                key=f"circle_report_cat_{post.id}",
                format_func=cats.__getitem__,
            )
            slots = field_slots(("category", "description", "place"))
            if st.form_submit_button(t(N_("Turn into a report")), icon=":material/assignment:"):
                _form(
                    lambda s: circles.turn_into_report(
                        s,
                        grid_index(),
                        media_store(),
                        post_id=post.id,
                        actor_id=uid,
                        category_id=state.get(f"circle_report_cat_{post.id}"),
                    ),
                    t(N_("The post is now a report. You can follow it in My reports.")),
                    slots,
                )


def _post(feed: circles.Feed, post: circles.PostView) -> None:
    with st.container(border=True):
        _facts(post.author, format_when_ago(viewer.language, post.at))
        _text(post.body, post.language)
        data = media_store().read(post.photo_path) if post.photo_path else None
        if data:  # through the portal's media route, login and visibility checked
            private_image(PrivateFile("circle", post.id, data, "image/jpeg"), t(N_("Photo")), 480)
        read_aloud(viewer, post.body, post.language, key=f"circle_read_{post.id}")
        if post.hidden_reason is not None:
            st.warning(
                t(N_("Hidden by a grid worker. Reason: {reason}"), reason=post.hidden_reason)
            )
        if post.turned_kind is not None:
            st.markdown(t(circles.TURNED_LABELS[post.turned_kind]))
            if (
                post.turned_kind == "wish"
                and post.turned_id
                and auth.can_view(viewer.role, "wish_detail")
            ):
                st.button(
                    t(N_("Open the wish")),
                    key=f"circle_wish_open_{post.id}",
                    on_click=_open_wish,
                    args=(post.turned_id,),
                )
        for item in post.replies:
            _facts("↳ " + item.author, format_when_ago(viewer.language, item.at))
            _text(item.body, item.language)
            if item.hidden_reason is not None:
                st.warning(
                    t(N_("Hidden by a grid worker. Reason: {reason}"), reason=item.hidden_reason)
                )
            if feed.can_moderate:
                _moderation("reply", item.id, item.hidden_reason is not None)
        if feed.can_post and post.hidden_reason is None:
            with st.form(f"circle_reply_{post.id}"):
                st.text_input(
                    t(N_("Your reply")),
                    key=f"circle_reply_text_{post.id}",
                    max_chars=circles.TEXT_MAX,
                )
                slots = field_slots(("body",))
                if st.form_submit_button(t(N_("Reply"))):
                    _form(
                        lambda s: circles.reply(
                            s,
                            post_id=post.id,
                            author_id=uid,
                            body=state.get(f"circle_reply_text_{post.id}", ""),
                        ),
                        t(N_("Your reply is posted.")),
                        slots,
                        clear=(f"circle_reply_text_{post.id}",),
                    )
        if feed.can_moderate:
            _moderation("post", post.id, post.hidden_reason is not None)
        if post.can_turn:
            _turn(post)


def _feed(circle_id: int) -> None:
    st.button(
        t(N_("Back to all circles")),
        key="circle_back",
        icon=":material/arrow_back:",
        on_click=_choose,
        args=(None,),
    )
    try:
        with db() as session:
            feed = circles.feed(session, circle_id=circle_id, viewer_id=uid)
    except UserError as exc:
        st.warning(say(viewer, exc.message))
        return
    st.query_params["id"] = str(circle_id)
    circle = feed.circle
    st.header(circle.name, anchor=False)
    readable(circle.name)
    _facts(t(circles.KIND_LABELS[circle.kind]))
    if feed.can_join:
        _join_button(circle_id, circle.name, st.container())
    elif feed.join_refused and not feed.can_moderate:
        st.info(t(feed.join_refused))
    if feed.can_post:
        with st.form("circle_post"):
            st.text_area(
                t(N_("Write to the circle")), key="circle_post_text", max_chars=circles.TEXT_MAX
            )
            slots = field_slots(("body",))
            st.file_uploader(
                t(N_("Photo (optional)")),
                type=["jpg", "jpeg", "png", "webp"],
                key="circle_post_photo",
            )
            slots |= field_slots(("photo",))
            if st.form_submit_button(t(N_("Post")), type="primary", icon=":material/send:"):
                upload = state.get("circle_post_photo")
                _form(
                    lambda s: circles.post(
                        s,
                        circle_id=circle_id,
                        author_id=uid,
                        body=state.get("circle_post_text", ""),
                        photo=upload.getvalue() if upload is not None else None,
                    ),
                    t(N_("Your post is in the circle.")),
                    slots,
                    clear=("circle_post_text", "circle_post_photo"),
                )
    if not feed.posts:
        st.info(t(N_("Nothing has been posted in this circle yet.")))
    readable_list(viewer, [p.body for p in feed.posts if p.hidden_reason is None])
    for item in feed.posts:
        _post(feed, item)
    if feed.member:
        st.button(
            t(N_("Leave the circle")),
            key="circle_leave",
            icon=":material/logout:",
            on_click=_do,
            args=(
                lambda s: circles.leave(s, circle_id=circle_id, user_id=uid),
                t(N_("You left the circle.")),
            ),
        )


if state.get(OPEN) is None:
    _list()
else:
    _feed(state[OPEN])
