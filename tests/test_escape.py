"""Values from cases are shown as text wherever they land in a page."""

from __future__ import annotations

import html
import re
from pathlib import Path

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from conftest import ROOT
from generator.escape import FILTERS, attr, cell, md, trusted, url

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "*not emphasis* _nor this_ `nor code`",
    "# not a heading",
    "1. not a list",
    "{: onclick=alert(1) }",
    "&lt;script&gt; stays as typed",
    "a | b",
    "line\nbreak",
    "[^1] not a footnote",
    "\\ backslash",
]


def _render(text: str) -> str:
    return markdown.markdown(text, extensions=["tables", "attr_list", "md_in_html",
                                                "footnotes", "admonition", "toc"])


def _visible(html: str) -> str:
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html)).strip()


@pytest.mark.parametrize("value", HOSTILE)
def test_md_text_renders_as_the_same_text(value: str) -> None:
    html = _render(md(value))
    assert html.startswith("<p>") and html.endswith("</p>")
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "<em>" not in html and "<code>" not in html
    assert not re.search(r"<[^>]*onclick", html), "an attribute was injected"
    assert _visible(html) == value.replace("\n", " ")


@pytest.mark.parametrize("value", HOSTILE)
def test_cell_stays_in_its_cell(value: str) -> None:
    html = _render(f"| a | b |\n|---|---|\n| {cell(value)} | after |")
    assert html.count("<td>") == 2, html
    first_cell = re.search(r"<td>(.*?)</td>", html, re.S)
    assert first_cell is not None
    assert _visible(first_cell.group(1)) == value.replace("\n", " ")


def test_attr_escapes_quotes_and_tags() -> None:
    assert attr('x" onmouseover="alert(1)') == "x&quot; onmouseover=&quot;alert(1)"
    assert attr("<b>") == "&lt;b&gt;"


@pytest.mark.parametrize(("value", "expected"), [
    ("https://example.org/a b", "https://example.org/a%20b"),
    ("https://example.org/x(1)", "https://example.org/x%281%29"),
    ('https://example.org/"><script>', "https://example.org/%22%3E%3Cscript%3E"),
    ("../cases/CH-2024-0001.md", "../cases/CH-2024-0001.md"),
    ("javascript:alert(1)", "#"),
    ("JaVaScRiPt:alert(1)", "#"),
    (" javascript:alert(1)", "#"),
    ("data:text/html,<script>", "#"),
    ("//evil.example/x", "#"),
    ("vbscript:x", "#"),
    ("https:/no-host", "#"),
])
def test_url_allows_http_and_relative_only(value: str, expected: str) -> None:
    assert url(value) == expected


def test_trusted_accepts_only_markup() -> None:
    assert trusted(Markup("<svg></svg>")) == "<svg></svg>"
    with pytest.raises(TypeError):
        trusted("<svg></svg>")


def test_every_template_expression_ends_with_an_escaping_filter() -> None:
    """No value reaches a page without passing a filter chosen for where it lands."""
    expression = re.compile(r"\{\{(.*?)\}\}", re.S)
    offenders = []
    templates = sorted((ROOT / "templates" / "site").glob("*.j2"))
    assert templates
    for template in templates:
        text = template.read_text(encoding="utf-8")
        for match in expression.finditer(text):
            body = match.group(1).strip()
            last_filter = body.rsplit("|", 1)[-1].strip() if "|" in body else ""
            if last_filter not in FILTERS and not _is_macro_call(body):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{template.name}:{line}: {{{{ {body} }}}}")
    assert offenders == []


def _is_macro_call(body: str) -> bool:
    # Macros from _macros.md.j2 escape their own values.
    return bool(re.fullmatch(r"(m\.)?[a-z_]+\(.*\)", body, re.S)) and "|" not in body


def test_filters_are_the_documented_set() -> None:
    assert set(FILTERS) == {"md", "cell", "attr", "url", "trusted"}
    assert Path(ROOT / "generator" / "escape.py").exists()


@given(st.text(alphabet=st.sampled_from(list("ab |&<>\"'\r\n\t\u2028*_[]().-#"))))
def test_one_line_values_skip_the_line_pattern_and_escape_the_same(text: str) -> None:
    joined = re.sub(r"\s*[\r\n]+\s*", " ", text)
    assert attr(text) == html.escape(joined, quote=True).replace("|", "&#124;")
    assert md(text) == re.sub(r"([\\`*_{}\[\]()#+\-.!|])", r"\\\1",
                              html.escape(joined, quote=False))
