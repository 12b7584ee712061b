"""The portal's CSS: base styles, elder mode (large text and targets), right-to-left pages, and the
elder styles of the map frames (which the page's CSS does not reach)."""

from __future__ import annotations

FOCUS_RING = "outline: 3px solid #1f4e79 !important; outline-offset: 2px;"

BASE_CSS = f"""
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {{ color: #3d3d3d; }}
a:focus-visible, button:focus-visible, [role="button"]:focus-visible, input:focus-visible,
summary:focus-visible {{ {FOCUS_RING} }}
/* Toggles, checkboxes and radios hide their input: ring the label the keyboard is on. */
:is([data-testid="stCheckbox"], [data-testid="stRadio"]) label:has(input:focus-visible) {{
  {FOCUS_RING} border-radius: 4px; }}
/* The browser's own colour for a pressed link is pure red (4:1 on white). */
a:active {{ color: #8c1d18 !important; }}
[data-testid="stMain"] p, [data-testid="stMain"] li {{ line-height: 1.6; }}
.linli-tile-hint {{ color: #3d3d3d; margin: 0; padding-bottom: 0.4em; }}
/* Labels wrap instead of being cut with "…" (long words in Tibetan and Uyghur). */
:is([data-testid="stMain"], [data-testid="stSidebar"])
  :is(button, label, [data-testid="stPageLink"] a, [data-testid="stWidgetLabel"])
  :is(p, span, div) {{ white-space: normal !important; text-overflow: clip !important; }}
[data-testid="stMain"] [data-testid="stWidgetLabel"] {{ overflow: visible; }}
/* A figure's value wraps too: the clip coverage line of the staff home is wider than a phone in Uyghur elder mode. */
[data-testid="stMain"] [data-testid="stMetricValue"],
[data-testid="stMain"] [data-testid="stMetricValue"] :is(div, p, span) {{ white-space: normal !important;
  text-overflow: clip !important; overflow: visible !important; }}
[data-baseweb="tag"], [data-tag] {{ height: auto !important; max-width: 100% !important; }}
[data-baseweb="tag"] span, [data-tag] > span {{ white-space: normal !important; text-overflow: clip !important;
  overflow: visible !important; max-width: none !important; }}
[data-testid="stFileUploaderDropzoneInstructions"] * {{ white-space: normal !important;
  text-overflow: clip !important; overflow: visible !important; }}
/* What people type takes the direction of its own script (like dir="auto"): Uyghur runs right-to-left
   in a Chinese page, Chinese left-to-right in a Uyghur page. */
[data-testid="stMain"] :is(input[type="text"], textarea) {{ unicode-bidi: plaintext; text-align: start; }}
/* Tibetan stacks letters above and below the line: give every line room for them. */
/* A private document's download is a link to the media route, shaped as the button it replaces. */
a.linli-private-download {{ display: flex; align-items: center; gap: 0.5em; min-height: 44px;
  padding: 8px 12px; border: 1px solid #8a8a8a; border-radius: 8px; color: #1f1f1f;
  text-decoration: none; }}
a.linli-private-download::before {{ content: "⤓"; }}
a.linli-private-download:hover {{ border-color: #1f4e79; color: #1f4e79; }}
html[lang="bo"] :is([data-testid="stMain"], [data-testid="stSidebar"])
  :is(p, li, span, label, a, h1, h2, h3, h4) {{ line-height: 1.9 !important; }}
"""

# China MIIT 适老化 spec and WCAG 2.2: text ≥ 24 CSS px, controls ≥ 60×60 px, line height ≥ 1.3,
# one column, strong contrast. Text keeps the theme's colours (a colour set here on every span would
# also darken the labels of red primary buttons).
ELDER_CSS = """
html { font-size: 24px !important; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] input, [data-testid="stMain"] textarea, [data-testid="stMain"] td,
[data-testid="stMain"] th, [data-testid="stMain"] span, [data-testid="stSidebar"] span,
[data-testid="stSidebar"] p, [data-testid="stSidebar"] label, [data-baseweb="popover"] li,
[data-baseweb="popover"] [role="option"] {
  font-size: 24px !important; line-height: 1.5 !important;
}
[data-testid="stMain"] h1 { font-size: 40px !important; }
[data-testid="stMain"] h2 { font-size: 34px !important; }
[data-testid="stMain"] h3 { font-size: 30px !important; }
:is([data-testid="stMain"], [data-testid="stSidebar"]) :is(h1, h2, h3, h4) span { font-size: inherit !important; }
button, [data-testid="stPageLink"] a, input, textarea, summary, [role="tab"], [role="option"],
[data-baseweb="select"] > div {
  min-height: 60px !important; min-width: 60px !important;
}
[data-testid="stPageLink"] a { padding: 12px 16px !important; }
a.linli-private-download { min-height: 60px; }
[data-testid="stSidebar"] [data-testid="stPageLink"] a span { white-space: normal !important; }
[data-testid="stHorizontalBlock"] { flex-direction: column !important; }
[data-testid="stHorizontalBlock"] > [data-testid="stColumn"] { width: 100% !important;
  flex: 1 1 100% !important; min-width: 100% !important; }
[data-testid="stCheckbox"] label, [data-testid="stToggle"] label, [data-testid="stRadio"] label,
[role="radiogroup"] label { min-height: 60px; min-width: 60px; align-items: center; }
[role="option"] { display: flex !important; align-items: center; }
[role="tab"] { flex-shrink: 0 !important; padding: 0 12px !important; align-items: center; }
[data-testid="stExpander"] summary { min-height: 64px !important; display: flex; align-items: center; }
/* Links inside text (a phone number) are targets too. */
[data-testid="stMain"] [data-testid="stMarkdownContainer"] a { display: inline-flex;
  align-items: center; min-height: 60px; min-width: 60px; padding: 0 6px; }
/* The date picker's days. */
[data-baseweb="calendar"] [role="gridcell"], [data-baseweb="calendar"] [role="gridcell"] > div,
[data-baseweb="calendar"] button { min-width: 60px !important; min-height: 60px !important; }
/* Heading anchors appear on hover only and are of no use when reading. */
[data-testid="stHeaderActionElements"], :is(h1, h2, h3, h4, h5, h6) a[href^="#"] { display: none !important; }
.block-container { max-width: 760px; }
"""

# Right-to-left: the content runs right-to-left; Streamlit's frame (sidebar, its collapse and slide)
# stays as Streamlit lays it out, which html[dir=rtl] would otherwise mirror half-way (the collapsed
# sidebar then slides into the page instead of out of it).
RTL_CSS = """
[data-testid="stAppViewContainer"], [data-testid="stSidebar"] { direction: ltr; }
[data-testid="stMain"], [data-testid="stSidebarContent"], [data-baseweb="popover"],
[data-testid="stToast"], [role="dialog"] { direction: rtl; text-align: right; }
[data-testid="stMain"] :is(h1, h2, h3, h4, p), .linli-tile-hint { text-align: start !important; }
[data-testid="stMain"] :is(input, textarea) { direction: rtl; }
[data-testid="stMain"] :is(table, th, td) { direction: rtl; text-align: start !important; }
[data-testid="stMain"] [data-testid="stDataFrame"] { direction: rtl; }
/* A toggle's track is a picture, not text: drawn left-to-right its knob stays inside it. */
[data-testid="stCheckbox"] label > div:not([data-testid="stWidgetLabel"]) { direction: ltr; }
.linli-mirrored { transform: scaleX(-1); display: inline-block; }
"""

# Inside a map frame in elder mode: pins, clusters, zoom buttons and legend text large enough.
MAP_ELDER_CSS = """<style>
.leaflet-container { font-size: 24px !important; }
.leaflet-control-zoom a { width: 60px !important; height: 60px !important; line-height: 60px !important;
  font-size: 32px !important; }
.linli-pin-wrap { width: 60px !important; height: 60px !important; margin-left: -30px !important;
  margin-top: -30px !important; }
.linli-pin { width: 56px !important; height: 56px !important; border-radius: 28px !important;
  font: bold 28px/56px sans-serif !important; }
.linli-venue { width: 60px !important; height: 60px !important; margin-left: -30px !important;
  margin-top: -30px !important; }
.linli-venue > div { width: 60px !important; height: 60px !important; }
.marker-cluster { width: 64px !important; height: 64px !important; margin-left: -32px !important;
  margin-top: -32px !important; border-radius: 32px !important; }
.marker-cluster div { width: 56px !important; height: 56px !important; border-radius: 28px !important;
  font-size: 24px !important; }
.marker-cluster span { line-height: 56px !important; }
.linli-map-panel { font: 24px/1.5 sans-serif !important; max-width: 18rem !important; }
.leaflet-tooltip { font-size: 24px !important; }
.leaflet-control-attribution, .leaflet-control-scale-line { font-size: 20px !important; }
.leaflet-control-attribution a { display: inline-block; min-height: 60px; line-height: 60px; }
</style>"""


def page_css(elder: bool, rtl: bool) -> str:
    return BASE_CSS + (ELDER_CSS if elder else "") + (RTL_CSS if rtl else "")
