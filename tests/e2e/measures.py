"""In-page measurements of what axe-core does not look at: text contrast in every state of a
control (rest, hover, focus, pressed, disabled), target sizes in elder mode (also inside map
frames), text drawn over other text, text cut with an ellipsis, and chrome strings left in English
or Chinese on a Tibetan, Uyghur or Yi page. Each measure returns a list of findings (dicts)."""

from __future__ import annotations

from playwright.sync_api import Frame, Page

# Controls whose look changes with the pointer or the keyboard.
CONTROLS = (
    'button, a[href], [role="tab"], [role="radio"], [role="switch"], [role="checkbox"], '
    '[data-testid="stExpander"] summary, [data-baseweb="select"] > div'
)
STATES = ("hover", "focus-visible", "active")

# Colour of each text-bearing element against the first opaque background behind it.
CONTRAST_JS = """([minimum, disabledOnly]) => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const f = v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const over = (top, under) => { const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); };
  const background = el => { const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage !== 'none' && !s.backgroundImage.startsWith('linear')) return null;
      const c = parse(s.backgroundColor); const o = parseFloat(s.opacity);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1 && o >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (const c of layers.reverse()) bg = over(c, bg);
    return bg; };
  const visible = el => { const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.visibility === 'hidden' || s.display === 'none' || parseFloat(s.opacity) === 0) return false; }
    return true; };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || seen.has(el)) continue;
    seen.add(el);
    if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TITLE'].includes(el.tagName) || !visible(el)) continue;
    if (/Material Symbols/.test(getComputedStyle(el).fontFamily)) continue;  // icons, not text
    const disabled = !!el.closest('[disabled], [aria-disabled="true"]');
    if (disabledOnly && !disabled) continue;
    const s = getComputedStyle(el);
    let fg = parse(s.color); const bg = background(el);
    if (!fg || !bg) continue;
    let opacity = 1;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) opacity *= parseFloat(getComputedStyle(e).opacity);
    fg = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
    const [a, b] = [lum(fg), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < minimum) found.push({text: n.textContent.trim().slice(0, 40),
      ratio: Math.round(ratio * 100) / 100, color: s.color, disabled,
      tag: el.tagName.toLowerCase() + (el.closest('button') ? ' in button' : '')});
  }
  return found;
}"""

# Every control a finger must hit, as drawn (a visually hidden input counts as its label).
TARGETS_JS = """minimum => {
  const selector = 'button, a[href], input:not([type="hidden"]), textarea, select, summary, ' +
    '[role="button"], [role="tab"], [role="option"], [role="radio"], [role="switch"], ' +
    '[role="checkbox"], [role="combobox"], [role="gridcell"] button, .leaflet-marker-icon, ' +
    '.leaflet-control-zoom a, .marker-cluster';
  const found = [];
  const shown = el => { for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e); if (s.visibility === 'hidden' || s.display === 'none') return false; }
    return true; };
  for (const el of document.querySelectorAll(selector)) {
    let box = el;
    let r = el.getBoundingClientRect();
    if ((r.width <= 2 || r.height <= 2 || getComputedStyle(el).opacity === '0') && el.closest('label')) {
      box = el.closest('label'); r = box.getBoundingClientRect(); }
    if (r.width <= 2 || r.height <= 2 || !shown(box)) continue;
    if (el.closest('[data-testid="stSidebar"][aria-expanded="false"]')) continue;
    if (r.width < minimum - 0.5 || r.height < minimum - 0.5)
      found.push({what: (el.getAttribute('role') || el.tagName.toLowerCase()) + ' ' +
        (el.getAttribute('aria-label') || el.innerText || el.value || '').trim().slice(0, 30),
        width: Math.round(r.width), height: Math.round(r.height)});
  }
  return found;
}"""

# Text nodes whose drawn boxes cross the boxes of another text node.
OVERLAP_JS = """() => {
  const boxes = [];
  const clips = new Map();  // element → the part of the page its overflow lets show
  const clipOf = el => {
    if (!el || el.nodeType !== 1) return {left: -1e9, top: -1e9, right: 1e9, bottom: 1e9};
    if (clips.has(el)) return clips.get(el);
    let c = clipOf(el.parentElement);
    const s = getComputedStyle(el);
    if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
      const r = el.getBoundingClientRect();
      c = {left: Math.max(c.left, r.left), top: Math.max(c.top, r.top),
           right: Math.min(c.right, r.right), bottom: Math.min(c.bottom, r.bottom)};
    }
    clips.set(el, c);
    return c;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const vw = innerWidth;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || ['SCRIPT', 'STYLE', 'TITLE'].includes(el.tagName)) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || parseFloat(s.opacity) === 0) continue;
    if (el.closest('[aria-hidden="true"], [data-testid="stSidebar"][aria-expanded="false"]')) continue;
    const clip = clipOf(el);
    const range = document.createRange(); range.selectNodeContents(n);
    for (const raw of range.getClientRects()) {
      const r = {left: Math.max(raw.left, clip.left), right: Math.min(raw.right, clip.right),
                 top: Math.max(raw.top, clip.top), bottom: Math.min(raw.bottom, clip.bottom)};
      r.width = r.right - r.left; r.height = r.bottom - r.top;
      if (r.width < 1 || r.height < 1 || r.right < 0 || r.left > vw) continue;
      const owner = el.closest('[data-testid]');
      boxes.push({n, r, text: n.textContent.trim().slice(0, 30),
        in: el.tagName.toLowerCase() + (owner ? ' in ' + owner.dataset.testid : '')}); }
  }
  const found = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.n === b.n) continue;
    const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
    const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
    if (w > 2 && h > Math.min(a.r.height, b.r.height) * 0.25)
      found.push({a: a.text, b: b.text, a_in: a.in, b_in: b.in, w: Math.round(w), h: Math.round(h)});
  }
  return found.slice(0, 50);
}"""

# Text cut short with "…" (text-overflow: ellipsis on a box too narrow for it).
ELLIPSIS_JS = """() => {
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.innerText || !el.innerText.trim()) continue;
    const s = getComputedStyle(el);
    if (s.textOverflow === 'ellipsis' && s.display !== 'none' && el.scrollWidth > el.clientWidth + 1
        && el.getBoundingClientRect().width > 0)
      found.push({text: el.innerText.trim().slice(0, 40)});
  }
  return found;
}"""

# Visible text, aria-labels, titles and placeholders (to look for chrome strings).
STRINGS_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName)) continue;
    if (n.textContent.trim()) out.push(n.textContent.trim()); }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [aria-roledescription]'))
    for (const a of ['aria-label', 'title', 'placeholder', 'aria-roledescription'])
      if (el.getAttribute(a)) out.push(el.getAttribute(a).trim());
  return out;
}"""


def contrast(target: Page | Frame, minimum: float = 4.5, disabled_only: bool = False) -> list:
    return target.evaluate(CONTRAST_JS, [minimum, disabled_only])


def contrast_in_states(page: Page, minimum: float = 4.5) -> dict[str, list]:
    """Contrast at rest, then with every control forced into :hover, :focus-visible and :active
    through the DevTools protocol (as if the pointer or the keyboard were on each one)."""
    results = {"rest": contrast(page, minimum)}
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": CONTROLS})["nodeIds"]
        for state in STATES:
            for node in nodes:
                cdp.send("CSS.forcePseudoState", {"nodeId": node, "forcedPseudoClasses": [state]})
            results[state] = contrast(page, minimum)
            for node in nodes:
                cdp.send("CSS.forcePseudoState", {"nodeId": node, "forcedPseudoClasses": []})
    finally:
        cdp.detach()
    results["disabled"] = [f for f in results["rest"] if f["disabled"]]
    results["rest"] = [f for f in results["rest"] if not f["disabled"]]
    return results


def small_targets(target: Page | Frame, minimum: float = 60) -> list:
    return target.evaluate(TARGETS_JS, minimum)


def overlapping_text(target: Page | Frame) -> list:
    return target.evaluate(OVERLAP_JS)


def cut_text(target: Page | Frame) -> list:
    return target.evaluate(ELLIPSIS_JS)


def shown_strings(target: Page | Frame) -> list[str]:
    return target.evaluate(STRINGS_JS)
