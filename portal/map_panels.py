"""What a folium map says in words: the reader's language and direction inside the map frame
(so Uyghur tooltips and panels run right-to-left) and a legend panel naming each line style."""

from __future__ import annotations

import html

import folium
from branca.element import Element, MacroElement
from folium.template import Template

PANEL_CSS = """<style>
.linli-map-panel { background: #ffffff; color: #111111; padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.45); font: 14px/1.5 sans-serif; text-align: start;
  max-width: 14rem; }
.linli-map-panel ul { list-style: none; margin: 0; padding: 0; }
.linli-map-panel li { display: flex; align-items: center; gap: 6px; }
.linli-map-swatch { display: inline-block; width: 24px; height: 0; flex: none; }
.leaflet-tooltip, .leaflet-popup-content { text-align: start; }
</style>"""


class _Language(MacroElement):
    """Sets lang and dir on the map frame's <html>, before Leaflet draws anything."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    document.documentElement.lang = {{ this.html_lang|tojson }};
    document.documentElement.dir = {{ this.direction|tojson }};
    {% endmacro %}
    """)

    def __init__(self, html_lang: str, direction: str) -> None:
        super().__init__()
        self._name = "LinliLanguage"
        self.html_lang, self.direction = html_lang, direction


class _Panel(MacroElement):
    """A fixed panel in a corner of the map (a Leaflet control) holding ready-made HTML."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    (function () {
      var panel = L.control({position: {{ this.position|tojson }}});
      panel.onAdd = function () {
        var div = L.DomUtil.create('div', 'linli-map-panel');
        div.setAttribute('role', 'region');
        div.setAttribute('aria-label', {{ this.label|tojson }});
        div.innerHTML = {{ this.content|tojson }};
        L.DomEvent.disableClickPropagation(div);
        return div;
      };
      panel.addTo({{ this._parent.get_name() }});
    })();
    {% endmacro %}
    """)

    def __init__(self, label: str, content: str, position: str = "topright") -> None:
        super().__init__()
        self._name = "LinliPanel"
        self.label, self.content, self.position = label, content, position


class _NoShapeTabStops(MacroElement):
    """Grid shapes and pins are pointer targets, not tab stops: a keyboard user would otherwise
    Tab through every one of them (82 grids) before reaching the rest of the page. Leaflet adds
    tabindex to what it draws later too, so the frame keeps taking it away."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    (function () {
      var strip = function () {
        document.querySelectorAll('.leaflet-pane [tabindex], .leaflet-interactive')
          .forEach(function (el) {
            if (el.getAttribute('tabindex') !== '-1') el.setAttribute('tabindex', '-1');
          });
      };
      strip();
      new MutationObserver(strip).observe(document.body, {childList: true, subtree: true,
        attributes: true, attributeFilter: ['tabindex']});
    })();
    {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "LinliNoShapeTabStops"


def keep_shapes_out_of_tab_order(m: folium.Map) -> None:
    m.add_child(_NoShapeTabStops())


def mark_language(m: folium.Map, html_lang: str, direction: str) -> None:
    """The map frame speaks the reader's language: <html lang dir>, so tooltips and panels follow."""
    m.add_child(_Language(html_lang, direction))
    m.get_root().header.add_child(Element(PANEL_CSS), name="linli_panel_css")


def add_legend(m: folium.Map, title: str, styles: dict[str, dict], labels: dict[str, str]) -> None:
    """A legend panel: one line per kind, drawn in its own line style and named in words."""
    rows = []
    for kind, style in styles.items():
        if kind not in labels:
            continue
        dash = "dashed" if style.get("dashArray") else "solid"
        swatch = (
            f'<span class="linli-map-swatch" aria-hidden="true" '
            f'style="border-top:{max(int(style.get("weight", 2)), 2)}px {dash} {style["color"]}"></span>'
        )
        rows.append(f"<li>{swatch}<span>{html.escape(labels[kind])}</span></li>")
    if rows:
        content = f"<strong>{html.escape(title)}</strong><ul>{''.join(rows)}</ul>"
        m.add_child(_Panel(title, content))
        m.get_root().header.add_child(Element(PANEL_CSS), name="linli_panel_css")
