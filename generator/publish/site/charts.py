"""Inline SVG charts for the dashboard, drawn by the generator: no script, no network.

Each chart function is pure: it takes numbers and labels and returns SVG markup
as a string, ready to be placed in a page as is.

- The markup is a standalone SVG document fragment (it declares its namespace)
  that scales to the width of its container: `width="100%"` and a `viewBox`, no
  fixed pixel size. Lengths below are in viewBox units; text is 12 units high.
- It is an image to assistive technology (`role="img"`), named by a `<title>`
  and a one-line `<desc>` summary; the page shows the same numbers as a table.
  A chart whose rows are links is a labelled group instead (`role="group"`,
  named by the title, described by the summary): an image's content is hidden
  from assistive technology, so links inside one could be reached by keyboard
  but not announced (WCAG's "nested interactive" failure). Each link is named
  by its row's `<title>`.
- Colours come from CSS classes (`CHART_CSS`, appended to the site stylesheet)
  with `currentColor` as the fallback, so the light and dark schemes both work
  and the SVG still reads in black on white without the stylesheet. There is no
  font family, no `<style>`, no `<script>`, no external reference: the only
  links are the relative ones given in `Bar.href`, which must not name a scheme
  or a host.
- Every piece of text is XML-escaped, and characters that XML 1.0 cannot carry
  at all (most control characters) become U+FFFD, so any label yields
  well-formed markup. Long labels are shortened with an ellipsis; the full label
  stays in the row's `<title>` (a tooltip, and the link's accessible name),
  followed by the bar's description when it has one.
- Output is deterministic: numbers are rounded to one decimal place, and the
  ids (`cb-<kind>-<slug of the title>-<short hash>`) differ between charts, so
  several charts can share a page. There are no blank lines in the output, so a
  Markdown page can hold it inside a raw HTML block.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

__all__ = [
    "CHART_CSS",
    "NARROW",
    "Bar",
    "Spread",
    "bar_chart",
    "column_chart",
    "responsive",
    "spread",
    "spread_chart",
]


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar or column: a label, a count, and optionally where it links to."""

    label: str
    value: int
    href: str | None = None
    """A relative link, such as "../stages/intake/"; never a scheme or a host."""
    description: str = ""
    """What the label means (an enumeration value's description), added to the tooltip."""


@dataclass(frozen=True, slots=True)
class Spread:
    """Summary of a distribution: for time in stage, in days."""

    count: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float


def spread(values: Sequence[float]) -> Spread | None:
    """The five-number summary of `values`, or None when there are none.

    Quartiles use `statistics.quantiles(..., method="inclusive")`: the data are
    treated as the whole population and the quartiles interpolated linearly
    between the sorted values (the same as numpy's default, and as Excel's
    QUARTILE.INC). So [1, 2, 3, 4, 5] gives q1 2, median 3, q3 4, and
    [1, 2, 3, 4] gives q1 1.75, median 2.5, q3 3.25. A single value is its own
    minimum, quartiles, median and maximum.
    """
    data = sorted(float(v) for v in values)
    if not data:
        return None
    if not all(math.isfinite(v) for v in data):
        raise ValueError("spread() needs finite numbers")
    if len(data) == 1:
        (only,) = data
        return Spread(1, only, only, only, only, only)
    q1, median, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return Spread(len(data), data[0], q1, median, q3, data[-1])


# ---------------------------------------------------------------------- layout

WIDTH = 640
"""Width of a chart's viewBox; the SVG itself scales to its container."""
NARROW = 320
"""Width of the viewBox of a chart drawn for a phone: at 390 px its 12-unit text is
still about 13 px tall, where the wide chart scaled down would be about 6."""
FONT = 12
"""Text size in viewBox units (set once on the root element)."""
PAD = 8
"""Space around the plot."""
GAP = 6
"""Space between a label and what it labels."""
MAX_LABEL = 200
"""Widest label, in viewBox units, before it is shortened with an ellipsis."""
MAX_TICK_LABEL = 96
"""Widest label under a column."""
ELLIPSIS = "\u2026"

ROW = 24
"""Height of one row in a bar chart."""
BAR = 16
"""Thickness of a bar."""
COLUMN_PLOT = 200
"""Height of the plot area of a column chart."""
COLUMN_FILL = 0.7
"""Share of its slot that a column fills."""
SPREAD_ROW = 28
"""Height of one row in a spread chart."""
BOX = 14
"""Height of the box from q1 to q3."""
CAP = 8
"""Height of the end marks at the minimum and maximum."""
AXIS = 28
"""Space below a spread chart for its axis."""
LABEL_STEPS = (1, 2, 3, 4, 6, 12)
"""Label every Nth column, N one of these (or a multiple of 12): months group well."""


# ------------------------------------------------------------------ text

# Characters XML 1.0 cannot contain even as a reference; lone surrogates too.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"\s+")


def _clean(text: object) -> str:
    """One line of text that XML can hold: whitespace runs become one space."""
    return _SPACE.sub(" ", _NOT_XML.sub("\ufffd", str(text))).strip()


def _esc(text: str) -> str:
    """Text for XML content or a double-quoted attribute."""
    return html.escape(text, quote=True)


_NARROW = frozenset(" !'(),./:;I[]fijlrt|")
_WIDE = frozenset("mwMW@%\u2026")


def _char_width(char: str) -> float:
    """Roughly Arial's advance widths (Liberation Sans has the same), plus a tenth.

    Material with `font: false` falls back to the system's sans-serif; DejaVu
    Sans is wider than Arial, hence the margin.
    """
    if unicodedata.combining(char):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        em = 1.0
    elif char in _NARROW:
        em = 0.3
    elif char in _WIDE:
        em = 0.9
    elif char.isupper():
        em = 0.7
    else:
        em = 0.56
    return FONT * em * 1.1


def _text_width(text: str) -> float:
    """A generous estimate of the width of `text` in a proportional sans-serif."""
    return sum(_char_width(c) for c in text)


def _fit(text: str, width: float) -> str:
    """`text`, or as much of it as fits in `width` followed by an ellipsis."""
    if _text_width(text) <= width:
        return text
    room = width - _char_width(ELLIPSIS)
    end, used = 0, 0.0
    while used + _char_width(text[end]) <= room:
        used += _char_width(text[end])
        end += 1
    # Do not leave a combining mark without its base character.
    while end > 0 and unicodedata.combining(text[end]):
        end -= 1
    return text[:end].rstrip() + ELLIPSIS


def _num(value: float) -> str:
    """A coordinate or a figure, rounded to one decimal place, without a trailing .0."""
    text = f"{round(value, 1) + 0.0:.1f}"
    return text.removesuffix(".0")


def _quantity(value: float, unit: str) -> str:
    """'1 case', '3 cases', '2.5 days': the unit made singular for exactly one."""
    number = _num(value)
    if number == "1" and unit.endswith("s") and " " not in unit:
        unit = unit[:-1]
    return f"{number} {unit}".strip()


def _ident(kind: str, title: str, width: float = WIDTH) -> str:
    """An id prefix for one chart: readable, and distinct for distinct titles (and for
    the narrow drawing of the same chart)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:40].strip("-")
    digest = hashlib.sha1(f"{kind}\n{title}".encode("utf-8", "surrogatepass"),
                             usedforsecurity=False).hexdigest()[:6]
    narrow = "" if width == WIDTH else f"-w{width:.0f}"
    return f"cb-{kind}-{slug or 'chart'}-{digest}{narrow}"


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _href(href: str) -> str:
    """A relative link, percent-encoded where needed; anything else is refused."""
    if _SCHEME.match(href) or href.startswith(("//", "\\", "/\\")):
        raise ValueError(f"chart links must be relative, not {href!r}")
    return _esc(quote(href, safe="/#?&=%-._~!$'()*+,;:@"))


# ------------------------------------------------------------------ scales


def _nice_step(span: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving at most `ticks` steps."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _nice_range(low: float, high: float, ticks: int = 5) -> tuple[float, float, float]:
    """A scale from a round number at or below `low` to one at or above `high`."""
    step = _nice_step(high - low, ticks)
    start = math.floor(low / step) * step
    end = math.ceil(high / step) * step
    if end <= start:
        end = start + step
    return start, end, step


def _ticks(start: float, end: float, step: float) -> list[float]:
    count = round((end - start) / step)
    return [start + i * step for i in range(count + 1)]


# ------------------------------------------------------------------ markup


def _svg(kind: str, ident: str, height: float, title: str, desc: str, body: list[str],
         width: float = WIDTH) -> str:
    if any(line.startswith("<a ") for line in body):
        role = f'role="group" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc"'
    else:
        role = f'role="img" aria-labelledby="{ident}-title {ident}-desc"'
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cb-chart cb-chart--{kind}"'
        f' viewBox="0 0 {_num(width)} {_num(height)}" width="100%" {role} font-size="{FONT}"'
        f' fill="currentColor">',
        f'<title id="{ident}-title">{_esc(_clean(title))}</title>',
        f'<desc id="{ident}-desc">{_esc(_clean(desc))}</desc>',
        *body,
        "</svg>",
    ]
    return "\n".join(lines) + "\n"


def _empty(kind: str, ident: str, title: str, width: float = WIDTH) -> str:
    height = 40
    body = [
        f'<text class="cb-empty" x="{width / 2:.0f}" y="{height / 2:.0f}" dy="0.35em"'
        f' text-anchor="middle">No data</text>',
    ]
    return _svg(kind, ident, height, title, "No data.", body, width)


def _row_open(tooltip: str, href: str | None) -> tuple[str, str]:
    """Open one row (a link when it has a target), its `<title>` first: the tooltip."""
    title = f"<title>{_esc(tooltip)}</title>"
    if href:
        return f'<a class="cb-row cb-link" href="{_href(href)}">{title}', "</a>"
    return f'<g class="cb-row">{title}', "</g>"


def _tooltip(label: str, bar: Bar, unit: str) -> str:
    """A row's tooltip: its full label and figure, then what the label means."""
    text = f"{label}: {_quantity(bar.value, unit)}"
    meaning = _clean(bar.description)
    return f"{text}. {meaning}" if meaning else text


def _hit(x: float, y: float, width: float, height: float) -> str:
    """An invisible rectangle so that the whole row answers to the pointer."""
    return (f'<rect class="cb-hit" x="{_num(x)}" y="{_num(y)}" width="{_num(width)}"'
            f' height="{_num(height)}" fill-opacity="0"/>')


def _check_counts(bars: Sequence[Bar]) -> None:
    for bar in bars:
        if bar.value < 0:
            raise ValueError(f"chart values are counts, not {bar.value!r} ({bar.label!r})")


def _listing(pairs: list[tuple[str, str]], limit: int = 12) -> str:
    """'A 3, B 0', or nothing when there are too many pairs for one line."""
    if len(pairs) > limit:
        return ""
    return ", ".join(f"{label} {value}" for label, value in pairs)


# ------------------------------------------------------------------ charts


def _texts(bars: list[Bar], longest: float) -> tuple[list[str], list[str], list[str]]:
    """Each bar's full label, the label as drawn (cut to `longest`), and its value;
    the counts are checked first."""
    _check_counts(bars)
    labels = [_clean(b.label) for b in bars]
    return labels, [_fit(label, longest) for label in labels], [str(b.value) for b in bars]


def bar_chart(bars: Sequence[Bar], *, title: str, unit: str = "cases",
              width: float = WIDTH) -> str:
    """Horizontal bars, one row per label, in the given order, each value printed at its end.

    The longest bar fills the plot; the others are in proportion (a zero is no
    bar, with its 0 printed at the axis).
    """
    bars = list(bars)
    ident = _ident("bar", title, width)
    if not bars:
        return _empty("bar", ident, title, width)
    labels, shown, values = _texts(bars, min(MAX_LABEL, width * 0.45))
    plot_x = PAD + max(_text_width(s) for s in shown) + GAP
    plot_w = width - plot_x - GAP - max(_text_width(v) for v in values) - PAD
    top = max(b.value for b in bars)
    height = PAD * 2 + ROW * len(bars)

    body: list[str] = []
    for i, bar in enumerate(bars):
        y = PAD + i * ROW
        middle = y + ROW / 2
        length = plot_w * bar.value / top if top else 0.0
        opened, closed = _row_open(_tooltip(labels[i], bar, unit), bar.href)
        body += [
            opened,
            _hit(0, y, width, ROW),
            f'<text class="cb-label" x="{_num(plot_x - GAP)}" y="{_num(middle)}" dy="0.35em"'
            f' text-anchor="end">{_esc(shown[i])}</text>',
            f'<rect class="cb-bar" x="{_num(plot_x)}" y="{_num(middle - BAR / 2)}"'
            f' width="{_num(length)}" height="{BAR}"/>',
            f'<text class="cb-value" x="{_num(plot_x + length + GAP)}" y="{_num(middle)}"'
            f' dy="0.35em">{values[i]}</text>',
            closed,
        ]
    body.append(f'<line class="cb-axis" x1="{_num(plot_x)}" y1="{PAD}" x2="{_num(plot_x)}"'
                f' y2="{_num(height - PAD)}" stroke="currentColor"/>')

    total = sum(b.value for b in bars)
    listing = _listing([(label, v) for label, v in zip(labels, values, strict=True)])
    desc = (f"{len(bars)} bars, {_quantity(total, unit)} in all"
            + (f": {listing}." if listing else f"; the most, {top}, for "
               f"{labels[[b.value for b in bars].index(top)]}."))
    return _svg("bar", ident, height, title, desc, body, width)


def column_chart(bars: Sequence[Bar], *, title: str, unit: str = "cases") -> str:
    """Vertical columns in the given order (months, oldest first), on a baseline.

    When every value fits above its column the values are printed and the
    tallest column fills the plot; otherwise the columns are read against a
    scale of round numbers with grid lines. When the labels are too wide for
    one each, every Nth column is labelled (N is 1, 2, 3, 4, 6, or a multiple of
    12), starting with the first; every column keeps its full label and value in
    its `<title>`.
    """
    bars = list(bars)
    ident = _ident("column", title)
    if not bars:
        return _empty("column", ident, title)
    labels, shown, values = _texts(bars, MAX_TICK_LABEL)
    top = max(b.value for b in bars)
    label_w = max(_text_width(s) for s in shown)

    # Print the values when they fit over their columns; otherwise draw a scale.
    left, right = float(PAD), float(PAD)
    slot = (WIDTH - left - right) / len(bars)
    printed = max(_text_width(v) for v in values) + 2 <= slot
    if printed:
        scale_top, ticks = float(top or 1), []
    else:
        _, scale_top, step = _nice_range(0, top)
        ticks = _ticks(0, scale_top, step)
        left = PAD + max(_text_width(_num(t)) for t in ticks) + GAP
        slot = (WIDTH - left - right) / len(bars)
    if slot < label_w and len(bars) > 1:
        # Room for half a label beyond the first and last slots: solve
        # n * slot + (label_w - slot) = width available.
        slot = (WIDTH - left - right - label_w) / (len(bars) - 1)
        overflow = (label_w - slot) / 2
        left, right = left + overflow, right + overflow
    every = next((n for n in LABEL_STEPS if n * slot >= label_w + GAP), 0)
    if not every:
        every = 12 * math.ceil((label_w + GAP) / (12 * slot))

    plot_top = PAD + FONT + 4
    base = plot_top + COLUMN_PLOT
    height = base + GAP + FONT + PAD
    column = slot * COLUMN_FILL

    body: list[str] = []
    for tick in ticks:
        y = base - COLUMN_PLOT * tick / scale_top
        body += [
            f'<line class="cb-grid" x1="{_num(left)}" y1="{_num(y)}" x2="{_num(WIDTH - right)}"'
            f' y2="{_num(y)}" stroke="currentColor" stroke-opacity="0.2"/>',
            f'<text class="cb-tick" x="{_num(left - GAP)}" y="{_num(y)}" dy="0.35em"'
            f' text-anchor="end">{_num(tick)}</text>',
        ]
    for i, bar in enumerate(bars):
        x = left + i * slot
        middle = x + slot / 2
        length = COLUMN_PLOT * bar.value / scale_top
        opened, closed = _row_open(_tooltip(labels[i], bar, unit), bar.href)
        body += [opened, _hit(x, PAD, slot, height - PAD * 2)]
        body.append(f'<rect class="cb-bar" x="{_num(middle - column / 2)}"'
                    f' y="{_num(base - length)}" width="{_num(column)}" height="{_num(length)}"/>')
        if printed:
            body.append(f'<text class="cb-value" x="{_num(middle)}" y="{_num(base - length - 4)}"'
                        f' text-anchor="middle">{values[i]}</text>')
        if i % every == 0:
            body.append(f'<text class="cb-label" x="{_num(middle)}" y="{_num(base + GAP)}"'
                        f' dy="0.8em" text-anchor="middle">{_esc(shown[i])}</text>')
        body.append(closed)
    body.append(f'<line class="cb-axis" x1="{_num(left)}" y1="{_num(base)}"'
                f' x2="{_num(WIDTH - right)}" y2="{_num(base)}" stroke="currentColor"/>')

    total = sum(b.value for b in bars)
    peak = labels[[b.value for b in bars].index(top)]
    span = labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
    desc = (f"{span}: {_quantity(total, unit)} in all; "
            f"the most, {top}, in {peak}.")
    return _svg("column", ident, height, title, desc, body)


def spread_chart(rows: Sequence[tuple[str, Spread | None]], *, title: str,
                 unit: str = "days", width: float = WIDTH) -> str:
    """One row per label: a line from minimum to maximum, a box from q1 to q3, a mark
    at the median, and the median printed at the right. A row without data says so.

    The scale starts at zero (or below, for a negative minimum) and ends at a
    round number at or above the largest maximum; it is drawn below the rows.
    """
    rows = list(rows)
    ident = _ident("spread", title, width)
    if not rows:
        return _empty("spread", ident, title, width)
    labels = [_clean(label) for label, _ in rows]
    shown = [_fit(label, min(MAX_LABEL, width * 0.35)) for label in labels]
    summaries = [summary for _, summary in rows]
    medians = [f"median {_num(s.median)}" if s is not None else "" for s in summaries]
    scale = _spread_scale(shown, medians, [s for s in summaries if s is not None], unit,
                          len(rows), width)

    body: list[str] = []
    for i, summary in enumerate(summaries):
        y = PAD + i * SPREAD_ROW
        if summary is None:
            body += _spread_empty_row(labels[i], shown[i], y, scale)
        else:
            body += _spread_row(labels[i], shown[i], medians[i], summary, y, scale, unit)
    body += _spread_axis(scale, unit)

    parts = [f"{label} {_num(s.median) if s is not None else 'no data'}"
             for label, s in zip(labels, summaries, strict=True)]
    desc = f"Median {_clean(unit)} in each of {len(rows)} rows: {', '.join(parts)}."
    return _svg("spread", ident, scale.axis_y + AXIS, title, desc, body, width)


@dataclass(frozen=True, slots=True)
class _SpreadScale:
    """Where a spread chart's plot, values and axis go."""

    plot_x: float
    plot_w: float
    value_x: float
    """Where the medians and the unit are printed, right of the plot."""
    start: float
    end: float
    ticks: list[float]
    axis_y: float
    width: float

    def x_of(self, value: float) -> float:
        return self.plot_x + self.plot_w * (value - self.start) / (self.end - self.start)


def _spread_scale(shown: Sequence[str], medians: Sequence[str], known: Sequence[Spread],
                  unit: str, count: int, width: float) -> _SpreadScale:
    plot_x = PAD + max(_text_width(s) for s in shown) + GAP
    value_w = max([_text_width(m) for m in medians] + [_text_width(_clean(unit))])
    low = min([0.0] + [s.minimum for s in known])
    high = max([0.0] + [s.maximum for s in known])
    value_x = width - PAD - value_w
    # As many ticks as keep their numbers apart (fewer on a narrow chart): the last
    # tick's label is centred on the end of the axis, clear of the medians and the
    # unit printed to the right.
    for most in range(5, 0, -1):
        start, end, step = _nice_range(low, high, most)
        ticks = _ticks(start, end, step)
        label_w = max(_text_width(_num(t)) for t in ticks)
        plot_w = value_x - GAP - max(GAP, _text_width(_num(ticks[-1])) / 2) - plot_x
        if plot_w / max(1, len(ticks) - 1) >= label_w + GAP:
            break
    return _SpreadScale(plot_x, plot_w, value_x, start, end, ticks,
                        PAD + SPREAD_ROW * count, width)


def _spread_label(shown: str, middle: float, scale: _SpreadScale) -> str:
    return (f'<text class="cb-label" x="{_num(scale.plot_x - GAP)}" y="{_num(middle)}"'
            f' dy="0.35em" text-anchor="end">{_esc(shown)}</text>')


def _spread_frame(tooltip: str, shown: str, y: float, scale: _SpreadScale,
                  marks: list[str]) -> list[str]:
    """One row of the spread chart: its tooltip, the area that answers to the pointer,
    its label, then `marks` (what the row draws of its values)."""
    opened, closed = _row_open(tooltip, None)
    return [opened, _hit(0, y, scale.width, SPREAD_ROW),
            _spread_label(shown, y + SPREAD_ROW / 2, scale), *marks, closed]


def _spread_empty_row(label: str, shown: str, y: float, scale: _SpreadScale) -> list[str]:
    middle = y + SPREAD_ROW / 2
    return _spread_frame(f"{label}: no data", shown, y, scale, [
        f'<text class="cb-nodata" x="{_num(scale.plot_x + GAP)}" y="{_num(middle)}"'
        f' dy="0.35em">no data</text>'])


def _spread_row(label: str, shown: str, median: str, summary: Spread, y: float,
                scale: _SpreadScale, unit: str) -> list[str]:
    middle = y + SPREAD_ROW / 2
    tooltip = (
        f"{label}: median {_quantity(summary.median, unit)}; middle half "
        f"{_num(summary.q1)}\u2013{_num(summary.q3)}; range "
        f"{_num(summary.minimum)}\u2013{_num(summary.maximum)}; "
        f"{summary.count} {'value' if summary.count == 1 else 'values'}"
    )
    lo, q1, mid, q3, hi = (scale.x_of(v) for v in (summary.minimum, summary.q1,
                                                    summary.median, summary.q3,
                                                    summary.maximum))
    return _spread_frame(tooltip, shown, y, scale, [
        f'<line class="cb-whisker" x1="{_num(lo)}" y1="{_num(middle)}" x2="{_num(hi)}"'
        f' y2="{_num(middle)}" stroke="currentColor"/>',
        f'<line class="cb-whisker" x1="{_num(lo)}" y1="{_num(middle - CAP / 2)}"'
        f' x2="{_num(lo)}" y2="{_num(middle + CAP / 2)}" stroke="currentColor"/>',
        f'<line class="cb-whisker" x1="{_num(hi)}" y1="{_num(middle - CAP / 2)}"'
        f' x2="{_num(hi)}" y2="{_num(middle + CAP / 2)}" stroke="currentColor"/>',
        f'<rect class="cb-box" x="{_num(q1)}" y="{_num(middle - BOX / 2)}"'
        f' width="{_num(q3 - q1)}" height="{BOX}" fill-opacity="0.3"'
        f' stroke="currentColor"/>',
        f'<line class="cb-median" x1="{_num(mid)}" y1="{_num(middle - BOX / 2 - 2)}"'
        f' x2="{_num(mid)}" y2="{_num(middle + BOX / 2 + 2)}" stroke="currentColor"'
        f' stroke-width="3"/>',
        f'<text class="cb-value" x="{_num(scale.value_x)}" y="{_num(middle)}"'
        f' dy="0.35em">{median}</text>',
    ])


def _spread_axis(scale: _SpreadScale, unit: str) -> list[str]:
    """The scale below the rows: a line, its ticks and their numbers, and the unit."""
    axis_y = scale.axis_y
    out = [f'<line class="cb-axis" x1="{_num(scale.plot_x)}" y1="{_num(axis_y)}"'
           f' x2="{_num(scale.plot_x + scale.plot_w)}" y2="{_num(axis_y)}"'
           ' stroke="currentColor"/>']
    for tick in scale.ticks:
        x = scale.x_of(tick)
        out += [
            f'<line class="cb-axis" x1="{_num(x)}" y1="{_num(axis_y)}" x2="{_num(x)}"'
            f' y2="{_num(axis_y + 4)}" stroke="currentColor"/>',
            f'<text class="cb-tick" x="{_num(x)}" y="{_num(axis_y + 6)}" dy="0.8em"'
            f' text-anchor="middle">{_num(tick)}</text>',
        ]
    out.append(f'<text class="cb-tick cb-unit" x="{_num(scale.value_x)}"'
               f' y="{_num(axis_y + 6)}" dy="0.8em">{_esc(_clean(unit))}</text>')
    return out


def responsive(wide: str, narrow: str) -> str:
    """Both drawings of one chart; the stylesheet shows the narrow one on a phone.

    A chart scaled down to a phone's width would have text a few pixels tall; the
    narrow drawing (`width=NARROW`, and horizontal bars for columns) reflows
    instead. The hidden one is `display: none`, so assistive technology meets one.
    """
    return (f'<div class="cb-chart-wide">\n{wide}</div>\n'
            f'<div class="cb-chart-narrow">\n{narrow}</div>\n')


CHART_CSS = """\
/* casebook charts: inline SVG drawn by generator/publish/site/charts.py. Colours follow
   Material's variables, with fallbacks for use outside Material; text sizes are
   set in the SVG itself because its layout depends on them. Material sizes a
   figure to its content, which leaves a 100%-wide SVG at a default 300px. */
.md-typeset figure.cb-chart-figure { display: block; width: 100%; }
.cb-chart {
  display: block; width: 100%; height: auto; overflow: visible;
  color: var(--md-default-fg-color, rgba(0, 0, 0, .87));
}
.cb-chart text { fill: currentColor; stroke: none; font-variant-numeric: tabular-nums; }
.cb-chart .cb-label { fill: var(--md-default-fg-color, rgba(0, 0, 0, .87)); }
.cb-chart .cb-value,
.cb-chart .cb-tick { fill: var(--md-default-fg-color--light, rgba(0, 0, 0, .54)); }
.cb-chart .cb-empty,
.cb-chart .cb-nodata {
  fill: var(--md-default-fg-color--light, rgba(0, 0, 0, .54)); font-style: italic;
}
.cb-chart .cb-bar { fill: var(--md-primary-fg-color, #4051b5); }
.cb-chart .cb-axis { stroke: var(--md-default-fg-color--lighter, rgba(0, 0, 0, .32)); }
.cb-chart .cb-grid {
  stroke: var(--md-default-fg-color--lightest, rgba(0, 0, 0, .07)); stroke-opacity: 1;
}
.cb-chart .cb-whisker {
  stroke: var(--md-default-fg-color--light, rgba(0, 0, 0, .54)); stroke-width: 1.5;
}
.cb-chart .cb-box {
  fill: var(--md-primary-fg-color, #4051b5); fill-opacity: .15;
  stroke: var(--md-primary-fg-color, #4051b5); stroke-width: 1.5;
}
.cb-chart .cb-median { stroke: var(--md-accent-fg-color, #ff6e42); stroke-width: 3; }
.cb-chart .cb-hit { fill: transparent; fill-opacity: 1; }
.cb-chart .cb-row:hover .cb-hit { fill: var(--md-default-fg-color--lightest, rgba(0, 0, 0, .07)); }
.cb-chart .cb-link { cursor: pointer; }
.cb-chart .cb-link:hover .cb-bar,
.cb-chart .cb-link:focus .cb-bar { fill: var(--md-accent-fg-color, #ff6e42); }
.cb-chart .cb-link:hover .cb-label,
.cb-chart .cb-link:focus .cb-label { text-decoration: underline; }
.cb-chart .cb-link:focus-visible .cb-hit {
  stroke: var(--md-accent-fg-color, #ff6e42); stroke-width: 2;
}
[data-md-color-scheme="slate"] .cb-chart .cb-bar { fill: var(--md-typeset-a-color, #5488e8); }
[data-md-color-scheme="slate"] .cb-chart .cb-box {
  fill: var(--md-typeset-a-color, #5488e8); fill-opacity: .25;
  stroke: var(--md-typeset-a-color, #5488e8);
}
[data-md-color-scheme="slate"] .cb-chart .cb-link:hover .cb-bar,
[data-md-color-scheme="slate"] .cb-chart .cb-link:focus .cb-bar {
  fill: var(--md-accent-fg-color, #ff9e80);
}
.cb-chart-narrow { display: none; }
.cb-chart-narrow .cb-chart { max-width: 28rem; }
@media screen and (max-width: 37.5em) {
  .cb-chart-wide { display: none; }
  .cb-chart-narrow { display: block; }
}
@media (forced-colors: active) {
  .cb-chart .cb-bar { fill: CanvasText; }
  .cb-chart .cb-link .cb-bar { fill: LinkText; }
  .cb-chart .cb-box { fill: Canvas; stroke: CanvasText; }
  .cb-chart .cb-median { stroke: Highlight; }
}
"""
"""The CSS rules for the charts' classes, light and dark, for the site stylesheet."""
