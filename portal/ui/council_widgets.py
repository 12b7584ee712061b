"""Council pieces shared by its pages: text as typed (escaped, in its own language), meeting facts,
the tally with its split per group, decisions with their action's progress, flash messages."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from portal import council as c
from portal.i18n import N_, format_day_ago, format_when, language
from portal.text import html_text, md_text
from portal.ui.actions import run_action
from portal.ui.session import Viewer
from portal.ui.speech_widgets import show_flash_at

FLASH = "council_flash"

CSS = """
.linli-council h3 { margin: .2rem 0 .3rem 0; font-size: 1.3rem; }
.linli-council p, .linli-council-facts { margin: 0 0 .4rem 0; line-height: 1.6; overflow-wrap: anywhere; }
.linli-council-facts { color: #2b2b2b; }
.linli-council-bg { font-size: 1.25rem; line-height: 1.7; color: #1a1a1a; }
.linli-council-badge { display: inline-block; border: 1px solid #1f4e79; color: #1f4e79;
  border-radius: 4px; padding: 0 .4rem; margin-inline-end: .3rem; }
.linli-council-warn { border: 2px solid #8a1c1c; color: #8a1c1c; padding: .5rem .8rem;
  border-radius: 6px; font-weight: 600; }
.linli-council table { border-collapse: collapse; margin: .3rem 0 .8rem 0; }
.linli-council th, .linli-council td { border: 1px solid #8c8c8c; padding: .2rem .6rem; text-align: start; }
.linli-council caption { text-align: start; font-weight: 600; padding-bottom: .2rem; }
"""


def styles() -> None:
    st.html(f"<style>{CSS}</style>")


esc = html_text  # typed text inside our own HTML


def lines(text: str) -> str:
    return "<br>".join(esc(line) for line in (text or "").splitlines())


def typed(title: str, body: str, lang_code: str, heading: str = "h3", big: bool = False) -> None:
    """A title and text someone typed: shown as text, never markup, marked with its language."""
    lang = language(lang_code)
    cls = "linli-council-bg" if big else ""
    body_html = f'<p class="{cls}">{lines(body)}</p>' if body else ""
    st.html(
        f'<div class="linli-council" lang="{esc(lang.html_lang)}" dir="{esc(lang.direction)}">'
        f"<{heading}>{esc(title)}</{heading}>{body_html}</div>"
    )


def facts(*parts: str) -> None:
    """Lines of plain facts (already translated; escaped here)."""
    st.html(
        '<div class="linli-council">'
        + "".join(f'<p class="linli-council-facts">{esc(p)}</p>' for p in parts if p)
        + "</div>"
    )


def badges(*labels: str) -> str:
    return " ".join(
        f'<span class="linli-council-badge">{esc(label)}</span>' for label in labels if label
    )


def when(viewer: Viewer, moment) -> str:
    return format_when(viewer.language, moment, "medium")


def meeting_name(viewer: Viewer, meeting) -> str:
    msgid, params = c.meeting_title(meeting)
    return viewer.t(msgid, **params)


def meeting_facts(viewer: Viewer, meeting) -> None:
    t = viewer.t
    facts(
        t(N_("When: {when}"), when=when(viewer, meeting.starts_at)),
        t(N_("Where: {place}"), place=meeting.place),
        t(N_("Status: {status}"), status=t(c.MEETING_LABELS[meeting.status])),
        t(N_("Proposals until: {when}"), when=when(viewer, meeting.proposal_deadline)),
    )


md_escape = md_text  # typed text inside markdown (button labels, bold lines): shown as typed


def option_text(viewer: Viewer, option: c.Option | None) -> str:
    """An option's label: translated for for / against / abstain, as typed for an item's own."""
    if option is None:
        return ""
    return option.label if option.custom else viewer.t(option.label)


def outcome_text(viewer: Viewer, tally: c.Tally, outcome: str) -> str:
    """The outcome in words; for an item with its own options, which one won or that it tied."""
    t = viewer.t
    if tally.custom and outcome == "adopted" and tally.winner is not None:
        return t(N_("Chosen: {option}"), option=tally.winner.label)
    if tally.custom and outcome == "not_decided" and tally.tied:
        return t(
            N_("Not decided: a tie between {options}"),
            options=" / ".join(o.label for o in tally.leaders),
        )
    return t(c.OUTCOME_LABELS[outcome])


def tally_block(viewer: Viewer, tally: c.Tally, outcome: str | None = None) -> None:
    """Totals, quorum, the outcome in words (never colour alone), and the split per group."""
    t = viewer.t
    counts = tally.counts()
    if tally.custom:
        summary = " · ".join(
            f"{option_text(viewer, o)} {tally.votes[o.key]}" for o in tally.options
        )
    else:
        summary = t(N_("For {for} · Against {against} · Abstain {abstain}"), **counts)
    turnout = t(
        N_("{voted} of {seats} members voted; quorum {quorum}."),
        voted=tally.voted,
        seats=tally.seats,
        quorum=tally.quorum_needed,
    )
    head = ""
    if outcome:
        result = t(N_("Result: {outcome}"), outcome=outcome_text(viewer, tally, outcome))
        head = f"<p><strong>{esc(result)}</strong></p>"
    rows = "".join(
        f'<tr><th scope="row">{esc(t(c.GROUP_LABELS[g]))}</th>'
        + "".join(f"<td>{tally.by_group[g][o.key]}</td>" for o in tally.options)
        + "</tr>"
        for g in c.SEAT_GROUPS
    )
    header = "".join(f'<th scope="col">{esc(option_text(viewer, o))}</th>' for o in tally.options)
    hand = ""
    if tally.by_hand:
        by_hand = t(N_("{n} ballots recorded by hand at the meeting."), n=tally.by_hand)
        hand = f'<p class="linli-council-facts">{esc(by_hand)}</p>'
    caption, group = t(N_("Ballots per group")), t(N_("Seat group"))
    st.html(
        f'<div class="linli-council">{head}<p class="linli-council-facts">{esc(summary)}</p>'
        f'<p class="linli-council-facts">{esc(turnout)}</p>{hand}'
        f"<table><caption>{esc(caption)}</caption>"
        f'<thead><tr><th scope="col">{esc(group)}</th>{header}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def action_block(viewer: Viewer, view: c.ItemView) -> None:
    t = viewer.t
    action = view.action
    if action is None:
        return
    due = format_day_ago(viewer.language, action.due_date)
    parts = [
        t(
            N_("Action: {status} · owner {owner} · due {due}"),
            status=t(c.ACTION_LABELS[action.status]),
            owner=view.owner_name or "",
            due=due,
        )
    ]
    parts += [
        f"{when(viewer, ev.at)} · {t(c.ACTION_LABELS.get(ev.to_state or '', ev.to_state or ''))} · {ev.note or ''}"
        for ev in view.progress
    ]
    facts(*parts)


def item_header(viewer: Viewer, view: c.ItemView, big: bool = False, heading: str = "h3") -> None:
    t = viewer.t
    item = view.item
    typed(item.title, item.background, item.language, heading=heading, big=big)
    extra = [t(c.SOURCE_LABELS[item.source])]
    if view.proposer_name:
        extra.append(t(N_("Proposed by {name}"), name=view.proposer_name))
    if view.support is not None:
        extra.append(viewer.nt("{n} supporter", "{n} supporters", view.support))
    st.html(f'<p class="linli-council-facts">{badges(*extra)}</p>')


def flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def show_flash(viewer: Viewer | None = None) -> None:
    show_flash_at(FLASH, viewer)


def act(viewer: Viewer, action: Callable[[], object], done: str) -> None:
    """For button callbacks: run one service action; the outcome shows on the next run."""
    run_action(viewer, action, done=done, flash_key=FLASH)


def submit(
    viewer: Viewer,
    slots: dict,
    action: Callable[[], object],
    done: str,
    clear: tuple[str, ...] = (),
) -> bool:
    """For form submits: errors at their fields (what was typed stays); on success flash and rerun."""
    if not run_action(viewer, action, done=done, slots=slots, flash_key=FLASH):
        return False
    for key in clear:
        st.session_state.pop(key, None)
    st.rerun()
    return True
