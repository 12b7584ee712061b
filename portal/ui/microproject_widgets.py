"""Micro-project pieces shared by its pages: the project text in its own language, the progress
bar with the money in the reader's locale, the published lines (公示) with receipt photos, flash
messages after a button, and running one service action with its refusal shown."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from portal import microprojects as mp
from portal.i18n import N_, format_day, format_when, language
from portal.text import html_text
from portal.ui.actions import run_action
from portal.ui.private_media import PrivateFile, private_image
from portal.ui.report_widgets import media_store
from portal.ui.session import Viewer
from portal.ui.speech_widgets import readable, show_flash_at

FLASH = "mp_flash"
ERRORS = "mp_errors"

CSS = """
.linli-mp h2, .linli-mp h3 { margin: 0 0 .3rem 0; }
.linli-mp p { margin: 0 0 .4rem 0; line-height: 1.6; overflow-wrap: anywhere; }
.linli-mp-bar { width: 100%; height: 1.1rem; border: 1px solid #1f4e79; border-radius: 4px;
  background: #fff; overflow: hidden; margin: .3rem 0; }
.linli-mp-bar > span { display: block; height: 100%; background: #1f4e79; }
.linli-mp-money { color: #1b1b1b; margin: 0 0 .3rem 0; line-height: 1.6; }
"""


def styles() -> None:
    st.html(f"<style>{CSS}</style>")


def money(viewer: Viewer, fen: int) -> str:
    return mp.format_money(viewer.language, fen)


def project_text(project, heading: str = "h3", short: bool = False) -> None:
    """Title and plan exactly as typed, marked with the project's own language (and direction)."""
    lang = language(project.language)
    plan = (
        project.plan if not short else project.plan[:160] + ("…" if len(project.plan) > 160 else "")
    )
    body = "<br>".join(html_text(line) for line in plan.splitlines())
    st.html(
        f'<div class="linli-mp" lang="{html_text(lang.html_lang)}" dir="{html_text(lang.direction)}">'
        f"<{heading}>{html_text(project.title)}</{heading}><p>{body}</p></div>"
    )


def progress(viewer: Viewer, card: mp.Card) -> None:
    """The bar toward the goal (with its words: colour is never the only cue) and the sums."""
    t = viewer.t
    project = card.project
    words = t(
        N_("{raised} of {goal} ({percent}%)"),
        raised=money(viewer, card.raised_fen),
        goal=money(viewer, project.goal_fen),
        percent=card.percent,
    )
    st.html(
        f'<div class="linli-mp-bar" role="img" aria-label="{html_text(words)}">'
        f'<span style="width:{card.percent}%"></span></div>'
        f'<p class="linli-mp-money">{html_text(words)}</p>'
    )
    parts = [
        t(N_("Pledged by neighbours: {amount}"), amount=money(viewer, project.pledged_fen)),
        t(N_("Matched by the office: {amount}"), amount=money(viewer, card.match.fen)),
    ]
    rule = card.match.rule
    if rule is not None and rule.ratio_percent > 0:
        terms = t(N_("{percent}% of what is pledged"), percent=rule.ratio_percent)
        if rule.cap_fen is not None:
            terms += " · " + t(N_("at most {amount}"), amount=money(viewer, rule.cap_fen))
        parts.append(terms)
    if project.pledged_points:
        parts.append(t(N_("Points pledged: {n}"), n=project.pledged_points))
    parts.append(viewer.nt("{n} pledger", "{n} pledgers", card.pledgers))
    if project.paid_fen:
        parts.append(t(N_("Paid at the office: {amount}"), amount=money(viewer, project.paid_fen)))
    st.markdown(" · ".join(parts))


def entries_block(viewer: Viewer, view: mp.ProjectView) -> None:
    """公示: progress and spending lines with their receipts, spent against raised."""
    t = viewer.t
    project = view.card.project
    if project.state not in ("approved", "completed") and not view.entries:
        return
    st.subheader(t(N_("Progress and spending (公示)")))
    total = t(
        N_("Spent {spent} of {raised} raised."),
        spent=money(viewer, view.spent_fen),
        raised=money(viewer, view.card.raised_fen),
    )
    st.markdown(total)
    readable(total)
    if not view.entries:
        st.info(t(N_("Nothing published yet.")))
    store = None
    for entry in view.entries:
        with st.container(border=True):
            when = format_when(viewer.language, entry.at)
            if entry.kind == "spending":
                head = t(
                    N_("Spent {amount}: {what}"),
                    amount=money(viewer, entry.amount_fen or 0),
                    what=entry.body,
                )
                if entry.spent_on:
                    head += f" ({format_day(viewer.language, entry.spent_on)})"
            else:
                head = t(N_("Progress: {what}"), what=entry.body)
            st.html(f"<p>{html_text(head)}</p><p>{html_text(when)}</p>")
            if entry.photo_path and entry.id is not None:
                store = store or media_store()
                data = store.read(entry.thumb_path or entry.photo_path)
                if data:
                    private_image(
                        PrivateFile("microproject", entry.id, data, "image/jpeg"),
                        t(N_("Receipt photo")),
                        360,
                    )


def show_flash(viewer: Viewer | None = None) -> None:
    show_flash_at(FLASH, viewer)


def run(viewer: Viewer, action: Callable[[], object], done: str | None) -> object | None:
    """Calls one service action; a refusal is kept to show at the top of the next run."""
    return run_action(viewer, action, done=done or None, flash_key=FLASH, keep_errors=ERRORS).value
