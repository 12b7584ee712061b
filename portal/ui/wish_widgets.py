"""Wish wall pieces shared by its pages: the wish text in its own language, card facts, flash
messages after a button, and running one service action with its refusal shown to the user."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from portal import wishes
from portal.i18n import N_, format_day, format_when, format_when_ago, language
from portal.text import html_text
from portal.ui.actions import run_action
from portal.ui.session import Viewer
from portal.ui.speech_widgets import show_flash_at

FLASH = "wish_flash"
ERRORS = "wish_errors"

WISH_CSS = """
.linli-wish h3 { margin: 0 0 .3rem 0; font-size: 1.3rem; }
.linli-wish p, .linli-wish-facts { margin: 0 0 .4rem 0; line-height: 1.6; overflow-wrap: anywhere; }
.linli-wish-facts { color: #2b2b2b; }
.linli-badge { display: inline-block; border: 1px solid #1f4e79; color: #1f4e79; border-radius: 4px;
  padding: 0 .4rem; margin-inline-end: .3rem; }
"""


def styles() -> None:
    st.html(f"<style>{WISH_CSS}</style>")


esc = html_text  # typed text inside our own HTML


def wish_text(card: wishes.WishCard, heading: str = "h3") -> None:
    """Title and body exactly as typed, marked with the wish's own language (and direction)."""
    lang = language(card.language)
    body = "<br>".join(esc(line) for line in card.body.splitlines())
    st.html(
        f'<div class="linli-wish" lang="{esc(lang.html_lang)}" dir="{esc(lang.direction)}">'
        f"<{heading}>{esc(card.title)}</{heading}><p>{body}</p></div>"
    )


def facts(viewer: Viewer, card: wishes.WishCard, grid_name: str) -> None:
    """State, category, support and people, in the reader's language (names escaped)."""
    t = viewer.t
    badges = [t(wishes.STATE_LABELS[card.state]), t(wishes.CATEGORY_LABELS[card.category])]
    if card.proposal:
        badges.append(t(N_("Grid chief's proposal")))
    if card.personal:
        badges.append(t(N_("Personal need")))
    lines = [" ".join(f'<span class="linli-badge">{esc(b)}</span>' for b in badges)]
    support = viewer.nt("{n} neighbour supports this", "{n} neighbours support this", card.support)
    if card.state == "open" and not card.personal:
        support += " · " + t(
            N_("{n} more needed for the council"), n=max(card.threshold - card.support, 0)
        )
    lines.append(esc(support))
    who = card.author_name or t(N_("A neighbour (name not shown)"))
    lines.append(
        esc(
            t(
                N_("By {name} · {place} · {when}"),
                name=who,
                place=grid_name,
                when=format_when_ago(viewer.language, card.created_at),
            )
        )
    )
    if card.adopter_name:
        promised = format_day(viewer.language, card.promised_date) if card.promised_date else ""
        lines.append(
            esc(
                t(
                    N_("Adopted by {name}, promised for {date}"),
                    name=card.adopter_name,
                    date=promised,
                )
            )
        )
    if card.promotion is not None:
        p = card.promotion
        lines.append(
            esc(
                t(
                    N_(
                        "Sent to the monthly council on {date} ({support} supporters, threshold {threshold})."
                    ),
                    date=format_when(viewer.language, p.promoted_at, "medium"),
                    support=p.support,
                    threshold=p.threshold,
                )
            )
        )
        if p.decision:
            lines.append(esc(t(N_("The council decided: {decision}"), decision=p.decision)))
    if card.hidden_reason:
        lines.append(
            esc(t(N_("Hidden by the moderators. Reason: {reason}"), reason=card.hidden_reason))
        )
    if card.open_flags:
        lines.append(esc(viewer.nt("{n} open flag", "{n} open flags", card.open_flags)))
    st.html("".join(f'<p class="linli-wish-facts">{line}</p>' for line in lines))


def flash(text: str) -> None:
    st.session_state[FLASH] = ("success", text)


def show_flash(viewer: Viewer | None = None) -> None:
    show_flash_at(FLASH, viewer)


def run(viewer: Viewer, action: Callable[[], object], done: str | None) -> object | None:
    """Calls one service action; a refusal is kept to show at the top of the next run."""
    return run_action(viewer, action, done=done or None, flash_key=FLASH, keep_errors=ERRORS).value
