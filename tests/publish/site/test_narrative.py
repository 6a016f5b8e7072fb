"""The case narrative: Markdown in, sanitised HTML out."""

from __future__ import annotations

import pytest

from generator.publish.site.narrative import render_narrative
from generator.records.markup import CITATION


def test_analyst_markdown_survives() -> None:
    html = render_narrative(
        "## Summary\n\nA *fictional* case, see [the report](https://example.org/r).\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\nNote.[^1]\n\n[^1]: A footnote.\n")
    assert "<h2>Summary</h2>" in html
    assert "<em>fictional</em>" in html
    assert '<a href="https://example.org/r" rel="noopener noreferrer">the report</a>' in html
    assert "<table>" in html and "<li>one</li>" in html
    assert 'id="fn-fn:1"' in html and 'href="#fn-fn:1"' in html


def test_citations_link_to_the_sources_table() -> None:
    html = render_narrative("As reported [S1] and [S12].")
    assert '<a class="cb-cite" href="#source-s1">[S1]</a>' in html
    assert '<a class="cb-cite" href="#source-s12">[S12]</a>' in html


@pytest.mark.parametrize(("body", "cited"), [
    ("As reported [S1].", True),
    ("A word[S1] is no citation.", False),
    ("An escaped \\[S1] is no citation.", False),
    ("A link [S1](https://example.org/r) is a link.", False),
    ("In code, `[S1]` is one.", True),
])
def test_the_site_links_what_the_validator_counts(body: str, cited: bool) -> None:
    """One pattern: a citation is linked exactly when the validator checks it."""
    assert bool(CITATION.search(body)) is cited
    assert ('class="cb-cite"' in render_narrative(body)) is cited


def test_a_citation_inside_an_attribute_stays_text() -> None:
    html = render_narrative('[the report](https://example.org/r "see [S1]") and '
                            '<abbr title="[S2]">IHL</abbr>, as [S3] says.')
    assert 'title="see [S1]"' in html
    assert '<abbr title="[S2]">IHL</abbr>' in html
    assert html.count('class="cb-cite"') == 1  # [S3], in the text


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JAVASCRIPT:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    '<iframe src="https://example.org"></iframe>',
    "<object data=x></object><embed src=x>",
    '<form action="https://example.org"><input></form>',
    "<style>body{display:none}</style>",
    '<div onclick="alert(1)">x</div>',
    '<p style="background:url(https://example.org/x)">x</p>',
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
])
def test_hostile_markup_is_removed(payload: str) -> None:
    html = render_narrative(f"Before.\n\n{payload}\n\nAfter.").lower()
    for needle in ("<script", "onerror", "onload", "onclick", "javascript:", "<iframe",
                   "<object", "<embed", "<form", "<style", "style=", "<img", "<svg"):
        assert needle not in html, (payload, html)
    assert "before." in html and "after." in html


def test_entities_stay_text() -> None:
    html = render_narrative("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert "&lt;script&gt;" in html


def test_nothing_carries_over_from_one_narrative_to_the_next() -> None:
    first = render_narrative("A claim.[^1] See [the report][r].\n\n[^1]: A footnote.\n\n"
                             "[r]: https://example.org/report\n")
    assert "A footnote." in first and 'href="https://example.org/report"' in first
    second = render_narrative("Another claim. See [the report][r].\n")
    assert "footnote" not in second
    assert "example.org" not in second
    assert "[the report][r]" in second
