"""The dashboard's inline SVG charts: well-formed, escaped, proportional, offline, themable."""

from __future__ import annotations

import itertools
import math
import re
import statistics
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.publish.site.charts import (
    CHART_CSS,
    NARROW,
    WIDTH,
    Bar,
    Spread,
    bar_chart,
    column_chart,
    responsive,
    spread,
    spread_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = [
    "<script>alert(1)</script>",
    "\"&'",
    "</text></svg><script>alert(1)</script>",
    "<![CDATA[ x ]]>",
    "]]>",
    "&amp; already escaped",
    "<foreignObject><div>x</div></foreignObject>",
    "url(https://evil.example/x.png)",
    "tab\tnew\nline",
    "nul\x00bell\x07",
    "\ufffe\uffff",
    "lone \ud800 surrogate",
    "ﺍﻟﻘﻮﺍﺕ الجوية",  # right-to-left
    "部队" * 30,  # wide characters, long
]
NUMBER = re.compile(r"^-?\d+(\.\d)?$")

# --------------------------------------------------------------------------
# Helpers.


def parse(svg: str) -> ET.Element:
    """Parse one chart as XML: fails the test if it is not well-formed."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def by_class(root: ET.Element, name: str, tag: str | None = None) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()
            and (tag is None or e.tag == f"{SVG}{tag}")]


def bar_rects(root: ET.Element) -> list[ET.Element]:
    return by_class(root, "cb-bar", "rect")


def row_titles(root: ET.Element) -> list[str]:
    """The `<title>` of each row: the full label, then its figures."""
    return [title.text or "" for row in by_class(root, "cb-row")
            for title in row.findall(f"{SVG}title")]


def num(element: ET.Element, name: str) -> float:
    value = element.get(name)
    assert value is not None, f"no {name} on {element.tag}"
    return float(value)


def months(values: Sequence[int], start: int = 2023) -> list[Bar]:
    return [Bar(f"{start + i // 12}-{i % 12 + 1:02d}", v) for i, v in enumerate(values)]


SPREADS = [("Intake", spread([1, 4, 5, 9, 12, 30, 44])),
           ("Incident analysis", spread([20, 35, 40, 90, 140])),
           ("Policy impact assessment", spread([60])),
           ("Coordinated action", None)]


def all_kinds(labels: Sequence[str], title: str = "A chart") -> dict[str, str]:
    """The same labels drawn by each kind of chart."""
    bars = [Bar(label, i + 1) for i, label in enumerate(labels)]
    rows = [(label, spread([i, i + 2.5, 10])) for i, label in enumerate(labels)]
    return {
        "bar": bar_chart(bars, title=title),
        "column": column_chart(bars, title=title),
        "spread": spread_chart(rows, title=title),
    }


CHARTS: dict[str, Callable[[str], str]] = {
    "bar": lambda title: bar_chart([Bar("Intake", 3, "../stages/intake/"), Bar("Closed", 0)],
                                   title=title),
    "column": lambda title: column_chart(months([1, 0, 4, 2]), title=title),
    "spread": lambda title: spread_chart(SPREADS, title=title),
}

# --------------------------------------------------------------------------
# spread(): the five-number summary.


def test_spread_of_one_to_five_uses_inclusive_quartiles() -> None:
    # method="inclusive": linear interpolation over the sorted values, as numpy's
    # default and Excel's QUARTILE.INC.
    assert spread([5, 3, 1, 4, 2]) == Spread(count=5, minimum=1, q1=2, median=3, q3=4, maximum=5)


def test_spread_interpolates_between_values() -> None:
    assert spread([1, 2, 3, 4]) == Spread(4, 1, 1.75, 2.5, 3.25, 4)
    assert spread([10, 20]) == Spread(2, 10, 12.5, 15, 17.5, 20)


def test_spread_of_one_value_is_that_value_throughout() -> None:
    assert spread([7]) == Spread(1, 7, 7, 7, 7, 7)
    assert spread((2.5,)) == Spread(1, 2.5, 2.5, 2.5, 2.5, 2.5)


def test_spread_of_nothing_is_none() -> None:
    assert spread([]) is None
    assert spread(()) is None


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_spread_refuses_non_finite_values(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        spread([1, bad])


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1))
def test_spread_is_ordered_and_agrees_with_statistics(values: list[float]) -> None:
    summary = spread(values)
    assert summary is not None
    assert summary.count == len(values)
    assert summary.minimum == min(values) and summary.maximum == max(values)
    assert summary.minimum <= summary.q1 <= summary.median <= summary.q3 <= summary.maximum
    assert summary.median == pytest.approx(statistics.median(values), abs=1e-6)


# --------------------------------------------------------------------------
# Well-formed, escaped, and self-contained.


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_come_out_as_text(label: str) -> None:
    for kind, svg in all_kinds([label, "Plain"]).items():
        root = parse(svg)
        assert "<script" not in svg.lower(), kind
        assert "<foreignobject" not in svg.lower(), kind
        assert "<![cdata[" not in svg.lower(), kind
        # The full label, whitespace folded and bytes XML cannot hold replaced, is
        # the text of the row's title.
        expected = " ".join(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "\ufffd",
                                   label).split())
        assert row_titles(root)[0].startswith(expected + ": "), kind


def test_script_label_is_escaped_in_the_markup() -> None:
    for kind, svg in all_kinds(["<script>alert(1)</script>", "\"&'"]).items():
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg, kind
        assert "&quot;&amp;&#x27;" in svg, kind
        root = parse(svg)
        assert row_titles(root)[0].startswith("<script>alert(1)</script>: "), kind
        shown = by_class(root, "cb-label", "text")[0].text or ""
        assert shown.startswith("<script>"), kind


@pytest.mark.parametrize("title", ["<script>alert(1)</script>", "\"&' <b>bold</b>", "x\udfff"])
@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_hostile_titles_come_out_as_text(kind: str, title: str) -> None:
    svg = CHARTS[kind](title)
    root = parse(svg)
    assert "<script" not in svg and "<b>" not in svg
    assert root.find(f"{SVG}title").text == title.replace("\udfff", "\ufffd")  # type: ignore[union-attr]


@settings(max_examples=150)
@given(st.text(max_size=80), st.text(max_size=40))
def test_any_text_gives_well_formed_charts(label: str, title: str) -> None:
    for kind, svg in all_kinds([label], title=title).items():
        parse(svg)
        assert "<script" not in svg.lower(), kind
    parse(bar_chart([], title=title))


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=60))
def test_printable_labels_survive_whole_in_the_row_title(label: str) -> None:
    root = parse(bar_chart([Bar(label, 2)], title="t"))
    assert row_titles(root) == [f"{' '.join(label.split())}: 2 cases"]


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_root_is_an_accessible_scalable_image(kind: str) -> None:
    svg = CHARTS[kind]("Cases by stage")
    root = parse(svg)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert re.fullmatch(rf"0 0 {WIDTH} \d+(\.\d)?", root.get("viewBox") or "")
    assert "cb-chart" in (root.get("class") or "").split()
    if by_class(root, "cb-link"):
        # Links inside an image would be hidden from assistive technology.
        assert root.get("role") == "group"
        title_id, desc_id = root.get("aria-labelledby"), root.get("aria-describedby")
    else:
        assert root.get("role") == "img"
        title_id, desc_id = (root.get("aria-labelledby") or "").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.get("id") == title_id and title.text == "Cases by stage"
    assert desc is not None and desc.get("id") == desc_id
    assert desc.text and "\n" not in desc.text and desc.text.endswith(".")


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_nothing_external_and_nothing_inline_to_theme(kind: str) -> None:
    svg = CHARTS[kind]("Cases")
    lowered = svg.lower().replace('xmlns="http://www.w3.org/2000/svg"', "", 1)
    for forbidden in ("url(", "@import", "<script", "<foreignobject", "<style", "style=",
                      "font-family", "<image", "xlink:", "http:", "https:", "javascript:",
                      "<use", "px"):
        assert forbidden not in lowered, forbidden
    hrefs = [e.get("href") for e in parse(svg).iter() if e.get("href") is not None]
    assert hrefs == (["../stages/intake/"] if kind == "bar" else [])


def test_colours_come_from_classes_or_current_colour() -> None:
    for svg in [CHARTS[kind]("c") for kind in CHARTS] + [bar_chart([], title="c")]:
        for element in parse(svg).iter():
            for name in ("fill", "stroke"):
                assert element.get(name) in (None, "currentColor"), (element.tag, name)


def test_no_blank_lines_so_markdown_keeps_it_one_raw_html_block() -> None:
    for svg in [CHARTS[kind]("c") for kind in CHARTS] + [bar_chart([], title="c")]:
        assert "\n\n" not in svg
        assert not any(line.startswith((" ", "\t")) for line in svg.splitlines())


# --------------------------------------------------------------------------
# Ids: several charts on one page.


def test_ids_are_unique_across_charts_on_one_page() -> None:
    titles = ["Cases by stage", "Cases by source type", "Cases by partner force",
              "Cases: by stage", "Время", "Время!", ""]
    page = "".join(CHARTS[kind](title) for kind in CHARTS for title in titles)
    root = parse(f"<svg xmlns='http://www.w3.org/2000/svg'>{page}</svg>")
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) == 2 * len(titles) * len(CHARTS)
    for value in ids:
        assert re.fullmatch(r"cb-[a-z]+-[a-z0-9-]+-[0-9a-f]{6}-(title|desc)", value or "")
    assert any("cases-by-stage" in (i or "") for i in ids)


# --------------------------------------------------------------------------
# Bar charts.


def test_bar_lengths_are_proportional_to_values() -> None:
    values = [12, 7, 3, 0, 21, 1]
    root = parse(bar_chart([Bar(f"Stage {v}", v) for v in values], title="t"))
    widths = [num(r, "width") for r in bar_rects(root)]
    assert len(widths) == len(values)
    longest = max(widths)
    for value, width in zip(values, widths, strict=True):
        assert width == pytest.approx(longest * value / max(values), abs=0.1)
    assert widths[3] == 0


def test_the_largest_bar_fills_the_plot() -> None:
    def ends(values: list[int]) -> list[float]:
        root = parse(bar_chart([Bar(name, v) for name, v in zip("ABC", values, strict=True)],
                               title="t"))
        return [num(r, "x") + num(r, "width") for r in bar_rects(root)]

    # With the same labels and as wide a largest value, the plot is the same:
    # the largest bar reaches its right end whatever the others are.
    first, second = ends([50, 10, 0]), ends([1, 50, 49])
    assert first[0] == second[1] == max(first + second)
    assert first[0] > 0.85 * WIDTH
    # Its value is printed just past its end, inside the picture.
    root = parse(bar_chart([Bar("A", 50)], title="t"))
    value = by_class(root, "cb-value", "text")[0]
    assert value.text == "50"
    assert ends([50, 10, 0])[0] < num(value, "x") < WIDTH - 12


@settings(max_examples=60)
@given(st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=40))
def test_any_counts_give_proportional_bars_inside_the_picture(values: list[int]) -> None:
    root = parse(bar_chart([Bar(str(i), v) for i, v in enumerate(values)], title="t"))
    rects = bar_rects(root)
    longest = max(num(r, "width") for r in rects)
    for value, rect in zip(values, rects, strict=True):
        expected = longest * value / max(values) if max(values) else 0
        assert num(rect, "width") == pytest.approx(expected, abs=0.11)
        assert num(rect, "x") > 0 and num(rect, "x") + num(rect, "width") < WIDTH
    assert [t.text for t in by_class(root, "cb-value", "text")] == [str(v) for v in values]


def test_zero_values_draw_no_bar_but_print_zero() -> None:
    root = parse(bar_chart([Bar("None yet", 0), Bar("Also none", 0)], title="t"))
    assert [num(r, "width") for r in bar_rects(root)] == [0, 0]
    assert [t.text for t in by_class(root, "cb-value", "text")] == ["0", "0"]
    assert row_titles(root) == ["None yet: 0 cases", "Also none: 0 cases"]


def test_units_read_naturally() -> None:
    root = parse(bar_chart([Bar("A", 1), Bar("B", 2)], title="t", unit="sources"))
    assert row_titles(root) == ["A: 1 source", "B: 2 sources"]


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="counts"):
        bar_chart([Bar("A", -1)], title="t")
    with pytest.raises(ValueError, match="counts"):
        column_chart([Bar("A", -1)], title="t")


def test_long_labels_are_shortened_with_the_full_label_in_a_title() -> None:
    long = "Royal Saudi Air Force and coalition partners operating in the region"
    root = parse(bar_chart([Bar(long, 9), Bar("Short", 1)], title="t"))
    shown = [t.text or "" for t in by_class(root, "cb-label", "text")]
    assert shown[0].endswith("\u2026") and long.startswith(shown[0][:-1])
    assert len(shown[0]) < len(long)
    assert shown[1] == "Short"
    assert row_titles(root)[0] == f"{long}: 9 cases"


# --------------------------------------------------------------------------
# Links.


def test_links_only_where_an_href_is_given() -> None:
    bars = [Bar("Intake", 3, "../stages/intake/"), Bar("Closed", 2),
            Bar("Policy", 1, "../stages/policy-impact-assessment/")]
    for svg in (bar_chart(bars, title="t"), column_chart(bars, title="t")):
        root = parse(svg)
        links = [e for e in root.iter() if e.tag == f"{SVG}a"]
        assert [a.get("href") for a in links] == ["../stages/intake/",
                                                 "../stages/policy-impact-assessment/"]
        # The link's own title names it for a screen reader, and the bar is inside.
        assert [a.find(f"{SVG}title").text for a in links] == [  # type: ignore[union-attr]
            "Intake: 3 cases", "Policy: 1 case"]
        assert all(bar_rects(a) for a in links)
        assert svg.count("href=") == 2


def test_no_link_markup_without_hrefs() -> None:
    bars = [Bar("Intake", 3), Bar("Closed", 2, None), Bar("Empty", 1, "")]
    for svg in (bar_chart(bars, title="t"), column_chart(bars, title="t"),
                spread_chart(SPREADS, title="t")):
        assert "<a " not in svg and "href" not in svg


@pytest.mark.parametrize(("href", "written"), [(" javascript:alert(1)", "%20javascript:alert(1)"),
                                               ("java\tscript:alert(1)", "java%09script:alert(1)")])
def test_disguised_schemes_are_defused_by_encoding(href: str, written: str) -> None:
    # Browsers strip leading spaces, tabs and newlines from a URL; encoded, they stay.
    root = parse(bar_chart([Bar("A", 1, href)], title="t"))
    assert next(e for e in root.iter() if e.tag == f"{SVG}a").get("href") == written


def test_hrefs_are_escaped_and_encoded() -> None:
    root = parse(bar_chart([Bar("A", 1, '../a b/?x="1"&y=<2>')], title="t"))
    link = next(e for e in root.iter() if e.tag == f"{SVG}a")
    assert link.get("href") == "../a%20b/?x=%221%22&y=%3C2%3E"


@pytest.mark.parametrize("href", ["javascript:alert(1)", "JavaScript:alert(1)",
                                  "https://example.org/", "//example.org/x", "data:text/html,x",
                                  "\\\\host\\share", "mailto:a@b"])
def test_absolute_or_scripted_hrefs_are_refused(href: str) -> None:
    with pytest.raises(ValueError, match="relative"):
        bar_chart([Bar("A", 1, href)], title="t")


# --------------------------------------------------------------------------
# Column charts.


def test_column_heights_are_proportional_and_the_tallest_fills_the_plot() -> None:
    values = [3, 5, 2, 0, 1, 4]
    root = parse(column_chart(months(values), title="t"))
    rects = bar_rects(root)
    heights = [num(r, "height") for r in rects]
    for value, height in zip(values, heights, strict=True):
        assert height == pytest.approx(max(heights) * value / max(values), abs=0.1)
    # All stand on one baseline, in order from left to right.
    bottoms = {round(num(r, "y") + num(r, "height"), 1) for r in rects}
    assert len(bottoms) == 1
    xs = [num(r, "x") for r in rects]
    assert xs == sorted(xs)
    assert [t.text for t in by_class(root, "cb-value", "text")] == [str(v) for v in values]


def test_few_columns_are_all_labelled() -> None:
    root = parse(column_chart(months([1, 2, 3, 4, 5, 6]), title="t"))
    assert [t.text for t in by_class(root, "cb-label", "text")] == [
        "2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"]


def test_crowded_columns_label_every_nth() -> None:
    bars = months([i % 7 for i in range(36)])
    root = parse(column_chart(bars, title="t"))
    shown = [t.text or "" for t in by_class(root, "cb-label", "text")]
    assert 3 <= len(shown) < len(bars)
    step = [b.label for b in bars].index(shown[1])
    assert step in (2, 3, 4, 6, 12)
    assert shown == [b.label for b in bars][::step]
    # Every column still has its full label and value, as a tooltip.
    assert row_titles(root)[5] == f"{bars[5].label}: {bars[5].value} cases"
    assert len(row_titles(root)) == len(bars)
    # Labels do not run into each other (each is about 45 units wide).
    xs = [num(t, "x") for t in by_class(root, "cb-label", "text")]
    assert min(b - a for a, b in itertools.pairwise(xs)) >= 50


def test_many_large_columns_are_read_against_a_scale() -> None:
    values = [(i * 37) % 290 for i in range(120)]
    root = parse(column_chart(months(values, start=2015), title="t"))
    assert not by_class(root, "cb-value")  # too narrow to print each value
    ticks = [float(t.text or "") for t in by_class(root, "cb-tick", "text")]
    assert ticks[0] == 0 and ticks[-1] >= max(values) and len(ticks) <= 7
    rects = bar_rects(root)
    per_unit = num(rects[values.index(max(values))], "height") / max(values)
    for rect, value in zip(rects, values, strict=True):
        assert num(rect, "height") == pytest.approx(value * per_unit, abs=0.1)
    for rect in rects:
        assert num(rect, "x") > 0 and num(rect, "x") + num(rect, "width") < WIDTH


def test_one_column_and_all_zero_columns() -> None:
    parse(column_chart([Bar("2024-01", 4)], title="t"))
    root = parse(column_chart(months([0, 0, 0]), title="t"))
    assert [num(r, "height") for r in bar_rects(root)] == [0, 0, 0]


# --------------------------------------------------------------------------
# Spread charts.


def test_spread_rows_draw_whiskers_box_and_median_in_order() -> None:
    root = parse(spread_chart(SPREADS, title="Time in stage"))
    rows = by_class(root, "cb-row")
    assert len(rows) == 4
    for row, (_, summary) in zip(rows[:3], SPREADS[:3], strict=True):
        assert summary is not None
        whisker = by_class(row, "cb-whisker", "line")[0]
        box = by_class(row, "cb-box", "rect")[0]
        median = by_class(row, "cb-median", "line")[0]
        lo, hi = num(whisker, "x1"), num(whisker, "x2")
        q1, q3 = num(box, "x"), num(box, "x") + num(box, "width")
        mid = num(median, "x1")
        assert lo <= q1 <= mid <= q3 <= hi
        text = by_class(row, "cb-value", "text")[0].text
        assert text == f"median {summary.median:g}"
    # One scale for every row: positions are linear in the values.
    first = by_class(rows[0], "cb-median", "line")[0]
    second = by_class(rows[1], "cb-median", "line")[0]
    zero = num(by_class(root, "cb-axis", "line")[0], "x1")
    assert (num(first, "x1") - zero) / 9 == pytest.approx((num(second, "x1") - zero) / 40, abs=0.02)


def test_spread_rows_without_data_say_so() -> None:
    root = parse(spread_chart(SPREADS, title="t"))
    last = by_class(root, "cb-row")[-1]
    assert [t.text for t in by_class(last, "cb-nodata")] == ["no data"]
    assert not by_class(last, "cb-box")
    root = parse(spread_chart([("Intake", None), ("Closed", None)], title="t"))
    assert len(by_class(root, "cb-nodata")) == 2
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "Intake no data" in (desc.text or "")


def test_spread_tooltips_and_summary_give_the_figures() -> None:
    root = parse(spread_chart([("Intake", spread([1, 2, 3, 4, 5])), ("One", spread([1]))],
                              title="t"))
    assert row_titles(root) == [
        "Intake: median 3 days; middle half 2\u20134; range 1\u20135; 5 values",
        "One: median 1 day; middle half 1\u20131; range 1\u20131; 1 value",
    ]
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == "Median days in each of 2 rows: Intake 3, One 1."


def test_spread_scale_covers_negative_values() -> None:
    root = parse(spread_chart([("Odd", spread([-3, 2, 10]))], title="t"))
    ticks = [float(t.text or "") for t in by_class(root, "cb-tick", "text")
             if t.text != "days"]
    assert ticks[0] <= -3 and ticks[-1] >= 10


# --------------------------------------------------------------------------
# Empty input, determinism, rounding.


@pytest.mark.parametrize("draw", [bar_chart, column_chart, spread_chart])
def test_empty_input_says_no_data(draw: Callable[..., str]) -> None:
    svg = draw([], title="Cases by stage")
    root = parse(svg)
    assert root.get("role") == "img"
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No data"]
    assert root.find(f"{SVG}desc").text == "No data."  # type: ignore[union-attr]


def test_output_is_deterministic_and_rounded() -> None:
    def draw() -> list[str]:
        bars = [Bar(f"Label {i}", (i * 7919) % 97) for i in range(13)]
        return [bar_chart(bars, title="a"), column_chart(bars, title="b"),
                spread_chart([("x", spread([0.123, 4.567, 8.9])), ("y", None)], title="c")]

    first = draw()
    assert first == draw()
    for svg in first:
        for element in parse(svg).iter():
            for name in ("x", "y", "x1", "x2", "y1", "y2", "width", "height"):
                value = element.get(name)
                if value is not None and value != "100%":
                    assert NUMBER.match(value), (element.tag, name, value)


# --------------------------------------------------------------------------
# The stylesheet.


def test_css_themes_every_class_light_and_dark_without_outside_references() -> None:
    lowered = CHART_CSS.lower()
    assert "url(" not in lowered and "@import" not in lowered and "http" not in lowered
    assert '[data-md-color-scheme="slate"] .cb-chart .cb-bar' in CHART_CSS
    assert "var(--md-primary-fg-color" in CHART_CSS
    assert "var(--md-default-fg-color--light" in CHART_CSS
    assert CHART_CSS.count("{") == CHART_CSS.count("}")
    styled = set(re.findall(r"\.(cb-[a-z-]+)", CHART_CSS))
    used: set[str] = set()
    for svg in [CHARTS[kind]("c") for kind in CHARTS] + [bar_chart([], title="c"),
                                                         column_chart(months([300] * 80),
                                                                      title="c")]:
        for element in parse(svg).iter():
            used.update((element.get("class") or "").split())
    modifiers = {c for c in used if c.startswith("cb-chart--")} | {"cb-unit"}
    assert used - modifiers <= styled


def test_a_bar_description_follows_its_figure_in_the_tooltip() -> None:
    bars = [Bar("Media", 3, description="News media reporting."), Bar("Other", 1)]
    for svg in (bar_chart(bars, title="t"), column_chart(bars, title="t")):
        assert row_titles(parse(svg)) == ["Media: 3 cases. News media reporting.",
                                          "Other: 1 case"]


def test_narrow_drawing_keeps_the_text_size_on_a_narrower_canvas() -> None:
    wide = parse(bar_chart([Bar("Intake", 3), Bar("Closed", 1)], title="Cases by stage"))
    narrow = parse(bar_chart([Bar("Intake", 3), Bar("Closed", 1)], title="Cases by stage",
                             width=NARROW))
    assert (narrow.get("viewBox") or "").startswith(f"0 0 {NARROW} ")
    assert narrow.get("font-size") == wide.get("font-size")
    # Both drawings may share a page: their ids differ.
    assert narrow.find(f"{SVG}title").get("id") != wide.find(f"{SVG}title").get("id")  # type: ignore[union-attr]


@pytest.mark.parametrize("width", [WIDTH, NARROW])
def test_spread_ticks_keep_apart(width: int) -> None:
    rows = [("Intake", spread([1, 20, 400, 1500])), ("Closed", spread([3, 9]))]
    root = parse(spread_chart(rows, title="t", width=width))
    ticks = [e for e in by_class(root, "cb-tick") if "cb-unit" not in (e.get("class") or "")]
    xs = [float(e.get("x") or 0) for e in ticks]
    widest = max(len(e.text or "") for e in ticks) * 7  # at 12 units, digits are about 7 wide
    assert len(xs) >= 2
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert min(gaps) >= widest, (width, [e.text for e in ticks])


def test_responsive_holds_both_drawings() -> None:
    wide, narrow = bar_chart([Bar("A", 1)], title="t"), bar_chart([Bar("A", 1)], title="t",
                                                                    width=NARROW)
    both = responsive(wide, narrow)
    assert both.index(wide) < both.index(narrow)
    assert 'class="cb-chart-wide"' in both and 'class="cb-chart-narrow"' in both
    assert "\n\n" not in both
