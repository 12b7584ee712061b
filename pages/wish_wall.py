import streamlit as st

from portal import auth, wishes
from portal.i18n import N_
from portal.ui.area_widgets import viewer_area
from portal.ui.behalf_widgets import wish_support
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.shell import link_to
from portal.ui.speech_widgets import readable, readable_list
from portal.ui.widgets import grid_label
from portal.ui.wish_widgets import facts, run, show_flash, styles, wish_text

viewer = require("wish_wall")
t = viewer.t
uid = viewer.user_id
state = st.session_state
index = grid_index()
styles()

st.title(t(N_("Wish wall")))
st.markdown(
    t(
        N_(
            "Small wishes from neighbours. Support the ones you care about, or adopt one and make it happen."
        )
    )
)
if auth.can_view(viewer.role, "wish_post"):
    link_to(auth.PAGE_BY_KEY["wish_post"], viewer)
show_flash(viewer)


def _vote(wish_id: int) -> None:
    with db() as session:
        run(
            viewer,
            lambda: wishes.vote(session, wish_id=wish_id, user_id=uid),
            t(N_("Thank you for your support.")),
        )


def _withdraw(wish_id: int) -> None:
    with db() as session:
        run(
            viewer,
            lambda: wishes.withdraw_vote(session, wish_id=wish_id, user_id=uid),
            t(N_("Your support was withdrawn.")),
        )


def _open(wish_id: int) -> None:
    state["wish_id"] = wish_id
    state["wish_go_detail"] = True


STATE_FILTERS = {
    "active": N_("Open and in progress"),
    "mine": N_("My wishes"),
    **wishes.STATE_LABELS,
}
area = viewer_area(viewer)  # the wall of one's own community
grids = [
    g
    for g in sorted(index.grids.values(), key=lambda g: g.code)
    if g.kind not in ("community", "street", "district") and area.covers(g.id)
]
grid_names = {g.id: grid_label(index, g) for g in grids}

with st.container(border=True):
    st.radio(
        t(N_("Sort by")),
        list(wishes.SORTS),
        key="wall_sort",
        horizontal=True,
        format_func=lambda s: t(wishes.SORTS[s]),
    )
    left, right = st.columns(2)
    with left:
        st.multiselect(
            t(N_("Category")),
            list(wishes.CATEGORY_LABELS),
            key="wall_categories",
            format_func=lambda c: t(wishes.CATEGORY_LABELS[c]),
            placeholder=t(N_("All categories")),
        )
        st.selectbox(
            t(N_("Grid")),
            list(grid_names),
            key="wall_grid",
            index=None,
            format_func=grid_names.__getitem__,
            placeholder=t(N_("The whole community")),
        )
    with right:
        st.selectbox(
            t(N_("State")),
            list(STATE_FILTERS),
            key="wall_state",
            format_func=lambda s: t(STATE_FILTERS[s]),
        )

choice = state.get("wall_state", "active")
limit = state.setdefault("wall_limit", wishes.PAGE_SIZE)
with db() as session:
    page = wishes.wall(
        session,
        viewer_id=uid,
        sort=state.get("wall_sort", "support"),
        categories=state.get("wall_categories", []),
        states=wishes.ACTIVE_STATES if choice in ("active", "mine") else [choice],
        grid_id=state.get("wall_grid"),
        limit=limit,
        mine_only=choice == "mine",
        area=area,
    )

wishes_heading = viewer.nt("{n} wish", "{n} wishes", page.total)
st.markdown("## " + wishes_heading)
readable(wishes_heading)
if not page.cards:
    st.info(t(N_("No wishes here yet.")))
    readable(t(N_("No wishes here yet.")), N_("No wishes here yet."))
readable_list(viewer, [card.title for card in page.cards])
for card in page.cards:
    with st.container(border=True):
        wish_text(card)
        grid = index.grids.get(card.grid_id)
        facts(viewer, card, grid_label(index, grid) if grid else "")
        cols = st.columns(2)
        with cols[0]:
            if card.state == "open" and not card.mine:
                if card.my_vote:
                    st.button(
                        t(N_("Withdraw my support")),
                        key=f"wall_withdraw_{card.id}",
                        on_click=_withdraw,
                        args=(card.id,),
                        width="stretch",
                        icon=":material/undo:",
                    )
                else:
                    st.button(
                        t(N_("Support ({n})"), n=card.support),
                        key=f"wall_vote_{card.id}",
                        on_click=_vote,
                        args=(card.id,),
                        type="primary",
                        width="stretch",
                        icon=":material/favorite:",
                    )
            wish_support(viewer, card.id, key_prefix="behalf_wall")  # 代办
        with cols[1]:
            st.button(
                t(N_("Details and adopt")) if card.state == "open" else t(N_("Details")),
                key=f"wall_open_{card.id}",
                on_click=_open,
                args=(card.id,),
                width="stretch",
                icon=":material/open_in_new:",
            )

if page.has_more and st.button(t(N_("Show more wishes")), key="wall_more", width="stretch"):
    state["wall_limit"] = limit + wishes.PAGE_SIZE
    st.rerun()

if state.pop("wish_go_detail", False):
    st.switch_page(auth.PAGE_BY_KEY["wish_detail"].path)
