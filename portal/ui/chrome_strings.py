"""Streamlit's own front-end strings ("Upload", "Skip to main content", screen-reader labels…) in
the reader's language. Streamlit has no translation layer, so a small script in the page rewrites
the known strings and aria-labels from the portal's catalogs whenever they appear (a
MutationObserver). CHROME_STRINGS is the one list: the script uses it and the tests walk it.

The script also stops a form (or a page's primary button, "Send the report") from sending while
an upload on it was refused by the browser as too large: Streamlit would otherwise send it without
the file, silently. The person is told why, in their language."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import streamlit as st

from portal.i18n import N_
from portal.ui.session import Viewer


@dataclass(frozen=True)
class ChromeString:
    english: str  # a regular expression for the whole string as Streamlit writes it
    msgid: str  # the catalog message; {0}, {1}… are the expression's groups in order


CHROME_STRINGS: tuple[ChromeString, ...] = (
    ChromeString(r"Skip to main content", N_("Skip to main content")),
    ChromeString(r"Upload", N_("Upload")),
    ChromeString(r"Browse files", N_("Browse files")),
    ChromeString(r"Drag and drop files? here", N_("Drag and drop a file here")),
    ChromeString(r"Limit (\S+) per file", N_("At most {0} per file")),
    ChromeString(r"(\S+) per file", N_("At most {0} per file")),
    ChromeString(r"File must be (\S+) or smaller\.", N_("The file must be {0} or smaller.")),
    ChromeString(r"Press Enter to submit form", N_("Press Enter to send the form")),
    ChromeString(r"Press Enter to apply", N_("Press Enter to apply")),
    ChromeString(r"Press (?:Ctrl|⌘)\+Enter to apply", N_("Press Ctrl+Enter to apply")),
    ChromeString(
        r"Press (?:Ctrl|⌘)\+Enter to submit form", N_("Press Ctrl+Enter to send the form")
    ),
    ChromeString(r"Page not found", N_("Page not found")),
    ChromeString(
        r"You have requested page /(.*), but no corresponding file was found in the app's pages "
        r"directory\. Running the app's main page\.",
        N_("There is no page /{0}. Showing the main page."),
    ),
    ChromeString(
        r"The page that you have requested does not seem to exist\. Running the app's main page\.",
        N_("This page does not exist. Showing the main page."),
    ),
    ChromeString(r"Record", N_("Record")),
    ChromeString(r"Stop recording", N_("Stop recording")),
    ChromeString(r"Clear recording", N_("Clear recording")),
    ChromeString(r"Download as WAV", N_("Download as WAV")),
    ChromeString(r"Play", N_("Play")),
    ChromeString(r"Pause", N_("Pause")),
    ChromeString(r"Choose date", N_("Choose date")),
    ChromeString(r"Choose a date", N_("Choose date")),
    ChromeString(r"Clear value", N_("Clear value")),
    ChromeString(r"Clear all", N_("Clear all")),
    ChromeString(r"Remove (.+)", N_("Remove {0}")),
    ChromeString(r"Delete", N_("Delete")),
    ChromeString(r"No results", N_("No results")),
    ChromeString(r"Choose an option", N_("Choose an option")),
    ChromeString(r"Choose options", N_("Choose options")),
    ChromeString(r"Show password", N_("Show password")),
    ChromeString(r"Hide password", N_("Hide password")),
    ChromeString(r"(\d+) out of (\d+) stars?", N_("{0} of {1} stars")),
    ChromeString(r"Open menu", N_("Open menu")),
    ChromeString(r"Main menu", N_("Main menu")),
    ChromeString(r"Close", N_("Close")),
    ChromeString(r"Fullscreen", N_("Fullscreen")),
    ChromeString(r"Close fullscreen", N_("Close fullscreen")),
    ChromeString(r"Download as CSV", N_("Download as CSV")),
    ChromeString(r"Search", N_("Search")),
    ChromeString(r"Running\.\.\.", N_("Working…")),
    ChromeString(r"Select all", N_("Select all")),
    ChromeString(r"Previous month\.?", N_("Previous month")),
    ChromeString(r"Next month\.?", N_("Next month")),
)

# Icons that point the way the text runs: drawn mirrored on right-to-left pages.
MIRRORED_ICONS = ("send", "arrow_forward", "arrow_back", "logout", "login", "undo", "redo")

TOO_LARGE_UPLOAD = N_("The file is too large (at most {mb} MB). Choose a smaller one.")
UPLOAD_LIMIT_MB = 20  # .streamlit/config.toml server.maxUploadSize

_SCRIPT = """
(function () {
  const table = %(table)s.map(([re, text]) => [new RegExp('^' + re + '$'), text]);
  const tooLarge = %(too_large)s;
  const originals = window.__linliChromeOriginals || (window.__linliChromeOriginals = new WeakMap());
  const ATTRS = ['aria-label', 'title', 'placeholder'];
  const translated = s => {
    const value = s.trim();
    for (const [re, text] of table) {
      const m = value.match(re);
      if (m) return text.replace(/\\{(\\d+)\\}/g, (_, i) => m[Number(i) + 1] || '');
    }
    return null;
  };
  const mirrored = %(mirrored)s;
  const fixText = node => {
    const icon = node.parentElement && node.parentElement.closest('[data-testid="stIconMaterial"]');
    if (icon) { icon.classList.toggle('linli-mirrored', mirrored.includes(node.nodeValue.trim())); return; }
    const english = originals.has(node) ? originals.get(node) : node.nodeValue;
    const text = translated(english);
    if (text !== null && node.nodeValue !== text) { originals.set(node, english); node.nodeValue = text; }
  };
  const fixElement = el => {
    for (const a of ATTRS) {
      if (!el.hasAttribute(a)) continue;
      const key = 'linliEn' + a.replace('-', '');
      const english = el.dataset[key] && el.getAttribute(a) !== el.dataset[key] &&
        el.getAttribute(a) === translated(el.dataset[key]) ? el.dataset[key] : el.getAttribute(a);
      const text = translated(english);
      if (text !== null && el.getAttribute(a) !== text) { el.dataset[key] = english; el.setAttribute(a, text); }
    }
  };
  const fix = root => {
    if (root.nodeType === 3) { fixText(root); return; }
    if (root.nodeType !== 1) return;
    fixElement(root);
    for (const el of root.querySelectorAll('[aria-label], [title], [placeholder]')) fixElement(el);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) fixText(n);
  };
  if (window.__linliChromeObserver) window.__linliChromeObserver.disconnect();
  const observer = new MutationObserver(records => {
    observer.disconnect();
    for (const r of records) {
      if (r.type === 'attributes') fixElement(r.target);
      else if (r.type === 'characterData') fixText(r.target);
      else r.addedNodes.forEach(fix);
    }
    watch();
  });
  const watch = () => observer.observe(document.body, {childList: true, subtree: true,
    characterData: true, attributes: true, attributeFilter: ATTRS});
  window.__linliChromeObserver = observer;
  fix(document.body);
  watch();
  // A file the browser refused (too large) is not sent: keep the form from going without it.
  if (!window.__linliUploadGuard) {
    window.__linliUploadGuard = true;
    const refusedUpload = target => {
      const button = target.closest && target.closest(
        '[data-testid="stFormSubmitButton"] button, button[data-testid^="stBaseButton-primary"]');
      if (!button) return false;
      const scope = button.closest('[data-testid="stForm"]') || document;
      return Array.from(scope.querySelectorAll('[data-testid="stFileUploader"]'))
        .some(f => /File must be/.test(f.innerText || '') || new RegExp(window.__linliRefusedPattern).test(f.innerText || ''));
    };
    // Streamlit's buttons act on pointer and key events (react-aria), not only on click.
    const keys = ['Enter', ' '];
    for (const type of ['pointerdown', 'pointerup', 'mousedown', 'mouseup', 'click', 'keydown', 'keyup']) {
      document.addEventListener(type, event => {
        if (type.startsWith('key') && !keys.includes(event.key)) return;
        if (!refusedUpload(event.target)) return;
        event.preventDefault(); event.stopPropagation(); event.stopImmediatePropagation();
        if (type === 'click' || type === 'keydown') window.alert(window.__linliTooLarge);
      }, true);
    }
  }
  window.__linliTooLarge = tooLarge;
  window.__linliRefusedPattern = %(too_large_pattern)s;
})();
"""


def chrome_table(viewer: Viewer) -> list[tuple[str, str]]:
    """(English expression, text in the reader's language) for every chrome string."""
    return [(item.english, viewer.t(item.msgid)) for item in CHROME_STRINGS]


def chrome_script(viewer: Viewer) -> str:
    too_large = viewer.t(TOO_LARGE_UPLOAD, mb=UPLOAD_LIMIT_MB)
    refused = viewer.t(N_("The file must be {0} or smaller."))
    pattern = r"\S+".join(re.escape(part) for part in refused.split("{0}"))
    return _SCRIPT % {
        "table": json.dumps(chrome_table(viewer), ensure_ascii=False),
        "too_large": json.dumps(too_large, ensure_ascii=False),
        "mirrored": json.dumps(list(MIRRORED_ICONS) if viewer.lang.direction == "rtl" else []),
        "too_large_pattern": json.dumps(pattern, ensure_ascii=False),
    }


def translate_chrome(viewer: Viewer) -> None:
    """Puts the script in the page (the shell calls this on every run)."""
    st.html(f"<script>{chrome_script(viewer)}</script>", unsafe_allow_javascript=True)
