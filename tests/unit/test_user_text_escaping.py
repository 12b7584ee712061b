"""User-typed text on its way to the browser: made inert for Markdown (md_text), kept on one line
of HTML (user_text_html), turned into entities for map tooltips (tooltip_text, grid_features), and
repeated inside messages (say)."""

from __future__ import annotations

import html
import json
import re

import pytest

from portal.council.attachments import safe_file_name
from portal.errors import Message
from portal.i18n import N_
from portal.maps import Projection, grid_features, tooltip_text
from portal.text import md_text
from portal.ui.report_widgets import user_text_html
from portal.ui.widgets import say

MALICIOUS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "](javascript:alert(1))",
    "[click](javascript:alert(1))",
    "![p](http://example.com/x.png)",
    "<http://example.com/x>",
    ":red[red] :material/warning: :smile: $x^2$ `code` **bold** _it_ ~~del~~",
    "# heading\n---\n===\n> quote\n- item\n1. item\n| a | b |",
    "a\r\rb ![p](http://example.com/x.png)\r\n\r\n<img src=x onerror=alert(1)>",
    "&lt;script&gt; &amp; \\[not a link\\](x)",
    "张奶奶 · ئايگۈل · ꆈꌠ",
]
# every ASCII punctuation character CommonMark or Streamlit's Markdown gives a meaning to
SPECIAL = set("\\`*_{}[]()#+-.!|~$:=")


def _unescape_markdown(text: str) -> str:
    """What a CommonMark reader shows for md_text's output: escapes dropped, entities decoded."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text.replace("  \n", "\n")))


@pytest.mark.parametrize("text", MALICIOUS)
def test_md_text_leaves_no_markup_and_reads_back_as_typed(text):
    out = md_text(text)
    assert "<" not in out and ">" not in out and "\r" not in out
    for n, ch in enumerate(out):  # each special character is escaped by the backslash before it
        if ch in SPECIAL:
            backslashes = len(out[:n]) - len(out[:n].rstrip("\\"))
            assert ch == "\\" or backslashes % 2 == 1, (text, out, n)
    typed = text.replace("\r\n", "\n").replace("\r", "\n")
    assert _unescape_markdown(out) == typed


def test_md_text_blank_lines_cannot_start_a_new_block():
    out = md_text("one\n\n![p](http://example.com/x.png)")
    assert "![" not in out and "](" not in out
    assert md_text(None) == "" and md_text(0) == "0"


@pytest.mark.parametrize("text", MALICIOUS)
def test_user_text_html_is_one_escaped_line(text):
    out = user_text_html(text, "ug")
    assert (
        "\n" not in out and "\r" not in out
    )  # a blank line would end the HTML block: Markdown after it
    assert out.startswith('<p lang="ug" dir="rtl">') and out.endswith("</p>")
    inner = out[len('<p lang="ug" dir="rtl">') : -len("</p>")]
    assert not re.search(r"<(?!br>)", inner), inner  # no tag but the line breaks
    typed = text.replace("\r\n", "\n").replace("\r", "\n")
    assert html.unescape(inner.replace("<br>", "\n")) == typed


@pytest.mark.parametrize(
    "text",
    [
        "Room `+alert(1)+` 3",
        "${alert(document.domain)}",
        "a\\`b",
        "<img src=x onerror=alert(1)>",
        '" onmouseover="x',
        "</script>",
    ],
)
def test_tooltip_text_is_safe_in_a_javascript_template_and_as_html(text):
    out = tooltip_text(text)
    for bad in ("`", "${", "$", "\\", "<", ">", '"'):
        assert bad not in out, (text, out)
    assert html.unescape(out) == text


class _Grid:
    def __init__(self, name: str) -> None:
        self.id, self.code, self.kind, self.name = 1, "G1", "general", name
        self.boundary = json.dumps(
            {
                "type": "Polygon",
                "coordinates": [[[104.0, 30.6], [104.01, 30.6], [104.01, 30.61], [104.0, 30.6]]],
            }
        )


def test_grid_tooltips_get_escaped_names():
    evil = "<img src=x onerror=alert(1)>`${1}`"
    features = grid_features([_Grid(evil)], Projection("osm"), {"general": "<b>一般</b>"})
    props = features["features"][0]["properties"]
    assert "<" not in props["name"] and "`" not in props["name"] and "$" not in props["name"]
    assert html.unescape(props["name"]) == evil
    assert props["kind_label"] == "&lt;b&gt;一般&lt;/b&gt;"


class _Viewer:
    def t(self, msgid: str, **params) -> str:
        return msgid.format(**params)


def test_say_repeats_typed_text_inert_and_keeps_numbers():
    message = Message(
        N_("“{label}” is given twice. Each option must be different."),
        {"label": "![p](http://example.com/x.png)"},
    )
    text = say(_Viewer(), message)
    assert "![" not in text and "](" not in text
    assert (
        _unescape_markdown(text)
        == "“![p](http://example.com/x.png)” is given twice. Each option must be different."
    )
    assert (
        say(_Viewer(), Message(N_("Use at most {n} characters."), {"n": 40}))
        == "Use at most 40 characters."
    )


@pytest.mark.parametrize(
    "name",
    [
        '../../etc/passwd".pdf',
        "<script>.pdf",
        "a\r\nContent-Type: x.pdf",
        'x"; filename="evil.exe',
        "C:\\Users\\me\\报告.pdf",
    ],
)
def test_download_names_carry_no_path_quote_or_markup(name):
    out = safe_file_name(name)
    assert out.endswith(".pdf")
    for bad in ("/", "\\", '"', "<", ">", "\r", "\n", ";"):
        assert bad not in out, out
