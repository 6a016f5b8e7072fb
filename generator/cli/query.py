"""`casebook list` and `casebook show`: which cases match, and one case's key facts.

The answers come from `generator.checks.query`; this module reads the options,
names what is wrong with them, and prints.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from generator.cli.common import Context, fail, pass_context
from generator.cli.options import case_argument, format_option, today_option

if TYPE_CHECKING:
    from generator.checks.corpus import Corpus
    from generator.checks.query import Answer, KeyFacts
    from generator.config import Config
    from generator.records.diagnostics import Diagnostic
    from generator.records.loader import CaseFile
    from generator.records.schema import Case


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


class Values(click.ParamType[tuple[str, ...]]):
    """Comma-separated values, each one of `choices` (read without regard to case); a
    value that is none of them is a usage error that names the closest choice."""

    name = "values"

    def __init__(self, what: str, choices: Callable[[], Sequence[str]], *,
                 split: bool = True) -> None:
        # The choices are asked for when an option is read, not when the command line
        # is built: every command would otherwise import the schema to start.
        self.what = what
        self.choices = choices
        self.split = split

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[str, ...]:
        from generator.checks.query import closest

        if isinstance(value, tuple):
            return value
        choices = list(self.choices())
        parts = _split([str(value)]) if self.split else [str(value).strip()]
        chosen = []
        for part in parts:
            exact = next((c for c in choices if c.casefold() == part.casefold()), None)
            if exact is None:
                near = closest(part, choices)
                hint = f" (did you mean '{near}'?)" if near else ""
                self.fail(f"'{part}' is not a {self.what}{hint}; choose from: "
                          f"{', '.join(choices)}", param, ctx)
            chosen.append(exact)
        return tuple(chosen)


class Countries(click.ParamType[tuple[str, ...]]):
    """Comma-separated countries: ISO 3166-1 alpha-3 or alpha-2 codes or English names."""

    name = "countries"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[str, ...]:
        from generator.checks.query import closest, country_code, country_names

        if isinstance(value, tuple):
            return value
        codes = []
        for part in _split([str(value)]):
            code = country_code(part)
            if code is None:
                near = closest(part, country_names())
                hint = f" (did you mean '{near}'?)" if near else ""
                self.fail(f"'{part}' is not a country{hint}: give an ISO 3166-1 alpha-3 code "
                          "such as YEM, or a country's English name", param, ctx)
            codes.append(code)
        return tuple(codes)


def _stages() -> list[str]:
    from generator.records.schema import Stage

    return [s.value for s in Stage]


def _statuses() -> list[str]:
    from generator.records.schema import Status

    return [s.value for s in Status]


def _sensitivities() -> list[str]:
    from generator.records.schema import Sensitivity

    return [s.value for s in Sensitivity]


def _sorts() -> list[str]:
    from generator.checks.query import SORTS

    return list(SORTS)


def _flat(groups: Iterable[tuple[str, ...]]) -> list[str]:
    return [value for group in groups for value in group]


@click.command(name="list")
@click.option("--stage", "stages", multiple=True, metavar="STAGE",
              type=Values("stage", _stages),
              help="Only cases in this stage: intake, incident-analysis, "
                   "policy-impact-assessment, coordinated-action or closed.")
@click.option("--status", "statuses", multiple=True, metavar="STATUS",
              type=Values("status", _statuses),
              help="Only cases with this status: active, awaiting-information or on-hold.")
@click.option("--assignee", "assignees", multiple=True, metavar="HANDLE",
              help="Only cases assigned to this analyst (any letter case).")
@click.option("--partner", "partners", multiple=True, metavar="NAME",
              help="Only cases of this partner force, as written in the cases (any letter "
                   "case; repeat the option for several).")
@click.option("--country", "countries", multiple=True, metavar="COUNTRY", type=Countries(),
              help="Only incidents in this country: an ISO 3166-1 code (YEM) or a name.")
@click.option("--sensitivity", "sensitivities", multiple=True, metavar="TLP",
              type=Values("sensitivity", _sensitivities),
              help="Only cases with this TLP label: CLEAR, GREEN, AMBER, AMBER+STRICT, RED.")
@click.option("--open", "open_only", is_flag=True, help="Only cases that are not closed.")
@click.option("--overdue", is_flag=True, help="Only open cases whose next review has passed.")
@click.option("--stalled", is_flag=True,
              help="Only open cases longer than stalled_days in their stage.")
@click.option("--text", "texts", multiple=True, metavar="WORDS",
              help="Only cases whose title, narrative or place holds every one of these "
                   "words (any letter case).")
@click.option("--sort", "sort", default="id", show_default=True, metavar="KEY",
              type=Values("sort order", _sorts, split=False),
              help="Order: id, opened, stage, next-review, days-in-stage (longest first) or "
                   "assignee.")
@format_option(["table", "json", "csv"], "table",
               help="table for people, json or csv for tools.")
@today_option(help="Take this as today's date (for reproducible runs).")
@pass_context
def list_command(ctx: Context, stages: tuple[tuple[str, ...], ...],
                 statuses: tuple[tuple[str, ...], ...], assignees: tuple[str, ...],
                 partners: tuple[str, ...], countries: tuple[tuple[str, ...], ...],
                 sensitivities: tuple[tuple[str, ...], ...], open_only: bool, overdue: bool,
                 stalled: bool, texts: tuple[str, ...], sort: tuple[str, ...], fmt: str,
                 today: dt.date | None) -> None:
    """List the cases that match every filter given, one line each, sorted by id.

    Values within one filter are alternatives: repeat the option or separate them
    with commas (--stage intake,closed). Case files with errors are left out and
    counted on stderr: `casebook validate` says what is wrong with them.
    """
    from generator.checks.query import Filters, query, read_cases, unmatched_values
    from generator.records.schema import Sensitivity, Stage, Status

    config = _config_with_cases(ctx)
    day = today or dt.date.today()
    filters = Filters(
        stages=frozenset(Stage(v) for v in _flat(stages)),
        statuses=frozenset(Status(v) for v in _flat(statuses)),
        assignees=frozenset(_split(assignees)), partners=frozenset(p.strip() for p in partners),
        countries=frozenset(_flat(countries)),
        sensitivities=frozenset(Sensitivity(v) for v in _flat(sensitivities)),
        overdue=overdue, stalled=stalled, open=open_only,
        words=tuple(word for text in texts for word in text.split()))
    corpus = read_cases(config, today=day)
    answer = query(corpus, filters, today=day, stalled_days=config.settings.stalled_days,
                   sort=sort[0])
    _print_listing(answer, fmt)
    for note in unmatched_values(corpus, filters):
        click.echo(f"casebook: {note}", err=True)
    _note_skipped(answer.skipped)


def _config_with_cases(ctx: Context) -> Config:
    config = ctx.config
    if not config.cases_dir.is_dir():
        fail(f"no cases folder at {config.relative(config.cases_dir)}")
    return config


def _note_skipped(skipped: Sequence[str]) -> None:
    if not skipped:
        return
    shown = ", ".join(skipped[:3]) + (f" and {len(skipped) - 3} more" if len(skipped) > 3
                                      else "")
    files = "case file has" if len(skipped) == 1 else "case files have"
    click.echo(f"casebook: {len(skipped)} {files} errors and {'is' if len(skipped) == 1 else 'are'}"
               f" not listed ({shown}): run `casebook validate`", err=True)


def _print_listing(answer: Answer, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in answer.cases], indent=2,
                              ensure_ascii=False))
    elif fmt == "csv":
        from generator.checks.query import COLUMNS

        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for facts in answer.cases:
            writer.writerow({k: _csv_value(v) for k, v in facts.as_dict().items()})
        click.echo(out.getvalue(), nl=False)
    else:
        _print_table(answer)


def _csv_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _cases(n: int) -> str:
    return f"{n} case" if n == 1 else f"{n} cases"


_HEADERS = ("ID", "Stage", "Status", "Assignee", "Country", "Days", "Next review", "Late",
            "Title")
_DROPPED_FIRST = ("Country", "Next review", "Status")
"""Left out, in this order, on a terminal too narrow for every column (json and csv,
and `casebook show`, have them all)."""
_TITLE_WIDTH = 24
"""The narrowest title worth one line per case; below it, long cells wrap."""


def _cells(f: KeyFacts) -> dict[str, str]:
    late = " ".join(word for word, yes in (("overdue", f.overdue), ("stalled", f.stalled))
                    if yes)
    is_open = f.days_in_stage is not None
    values = (f.id, f.stage.value, f.status.value if f.status else "", f.assignee or "",
              f.country, str(f.days_in_stage) if is_open else "",
              f.next_review.isoformat() if f.next_review and is_open else "", late, f.title)
    return dict(zip(_HEADERS, values, strict=True))


def _layout(widths: dict[str, int], width: int | None) -> tuple[list[str], bool]:
    """The columns to show and whether a case's title fits on its line, for a terminal
    of `width` columns (None: a pipe, which gets every column, whole)."""
    shown = list(_HEADERS)
    for dropped in (None, *_DROPPED_FIRST):
        if dropped:
            shown.remove(dropped)
        if width is None or sum(widths[h] + 2 for h in shown[:-1]) + _TITLE_WIDTH <= width:
            return shown, True
    return shown, False


def _terminal_width() -> int | None:
    """The terminal's width when printing to one, else None."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def _print_table(answer: Answer) -> None:
    count = len(answer.cases)
    summary = (_cases(count) if count == answer.listed_from
               else f"{count} of {_cases(answer.listed_from)}")
    if not answer.cases:
        click.echo(f"No case matches. {summary}.")
        return
    rows = [_cells(f) for f in answer.cases]
    widths = {h: max(len(h), *(len(row[h]) for row in rows)) for h in _HEADERS}
    width = _terminal_width()
    shown, one_line = _layout(widths, width)
    columns = shown if one_line else shown[:-1]
    colour = width is not None and not os.environ.get("NO_COLOR")

    def line(cells: dict[str, str]) -> str:
        text = "  ".join(cells[h].rjust(widths[h]) if h == "Days" else cells[h].ljust(widths[h])
                         for h in columns).rstrip()
        if width is not None and len(text) > width:
            text = text[:width - 1] + "…"
        return text

    header = line(dict(zip(_HEADERS, _HEADERS, strict=True)))
    click.echo(click.style(header, bold=True) if colour else header)
    for f, row in zip(answer.cases, rows, strict=True):
        tint = "red" if f.overdue else "yellow" if f.stalled else None
        click.echo(click.style(line(row), fg=tint) if colour and tint else line(row))
        if not one_line:  # too narrow: the title on lines of its own, under its case
            for part in textwrap.wrap(row["Title"], max((width or 80) - 4, 20)):
                click.echo(f"    {part}")
    click.echo(f"{summary}.")


# ------------------------------------------------------------------ show


@click.command()
@case_argument()
@format_option(["text", "json"], "text")
@today_option(help="Take this as today's date (for reproducible runs).")
@pass_context
def show(ctx: Context, case_id: str, fmt: str, today: dt.date | None) -> None:
    """Show one case: its key facts, where it stands, its next review and open actions.

    ID is the case's id in any letter case (CH-2024-0007, ch-2024-0007) or the path of
    its file (cases/CH-2024-0007.md). Exits 1 when the file has errors, and lists them.
    """
    from generator.checks.query import case_problems, find_case, named_path, read_cases
    from generator.records.diagnostics import Severity

    config = _config_with_cases(ctx)
    day = today or dt.date.today()
    cwd = Path.cwd()
    path = named_path(case_id.strip(), root=config.root, cwd=cwd)
    corpus = read_cases(config, today=day, extra=[path] if path else [])
    found = find_case(corpus, case_id, root=config.root, cwd=cwd)
    if found is None:
        _no_such_case(corpus, case_id)
    record, problems = case_problems(corpus, found, config, day)
    stalled_days = config.settings.stalled_days
    if fmt == "json":
        _show_json(record, problems, day, stalled_days)
    else:
        _show_text(record, problems, day, stalled_days)
    broken = record.case is None or any(d.severity is Severity.ERROR for d in problems)
    sys.exit(1 if broken else 0)


def _no_such_case(corpus: Corpus, name: str) -> NoReturn:
    from generator.checks.query import closest, known_ids

    near = closest(name.strip().upper(), known_ids(corpus))
    hint = f" (did you mean {near}?)" if near else ""
    fail(f"no case {name}{hint}: give a case's id or the path of its file")


def _show_json(record: CaseFile, problems: Sequence[Diagnostic], today: dt.date,
               stalled_days: int) -> None:
    from generator.checks.query import key_facts, open_actions

    case = record.case
    shown: dict[str, object] = {"path": record.rel}
    if case is not None:
        shown = {**key_facts(record, case, today, stalled_days).as_dict()}
        shown["open_actions"] = [
            {"type": a.type.value, "status": a.status.value,
             "date": a.date.isoformat() if a.date else None, "note": a.note}
            for a in open_actions(case)]
    shown["problems"] = [d.as_dict() for d in problems]
    click.echo(json.dumps(shown, indent=2, ensure_ascii=False))


def _show_text(record: CaseFile, problems: Sequence[Diagnostic], today: dt.date,
               stalled_days: int) -> None:
    from generator.checks.query import key_facts
    from generator.records.diagnostics import format_text

    case = record.case
    if case is not None:
        facts = key_facts(record, case, today, stalled_days)
        click.echo(click.style(f"{facts.id}  {facts.title}", bold=True))
        click.echo(facts.path)
        click.echo()
        for label, value in _fact_lines(facts, case, today, stalled_days):
            click.echo(f"  {label:<14} {value}")
        _show_actions(case)
    if problems:
        if case is not None:
            click.echo()
        plural = "" if len(problems) == 1 else "s"
        click.echo(click.style(f"{len(problems)} problem{plural} in {record.rel}", bold=True))
        for d in problems:
            click.echo(f"  {format_text(d)}")


def _fact_lines(facts: KeyFacts, case: Case, today: dt.date,
                stalled_days: int) -> list[tuple[str, str]]:
    from generator.publish.site.facts import harm_summary

    since = facts.in_stage_since.isoformat()
    days = facts.days_in_stage
    lines = []
    if days is None:
        reason = f" ({case.closure_reason.value})" if case.closure_reason else ""
        lines.append(("Stage", f"{case.stage.label} since {since}{reason}"))
    else:
        late = f", stalled: over {stalled_days}" if facts.stalled else ""
        lines += [("Stage", f"{case.stage.label} since {since} ({_days(days)} in this stage"
                            f"{late})"),
                  ("Status", facts.status.value if facts.status else "not set"),
                  ("Next review", _review(facts, today))]
    incident = case.incident
    place = ", ".join(p for p in (incident.place, incident.admin2, incident.admin1) if p)
    return [*lines,
            ("Assignee", facts.assignee or "nobody"),
            ("Sensitivity", f"TLP:{facts.sensitivity.value}"),
            ("Opened", facts.opened.isoformat()),
            ("Incident", f"{incident.date}{' (approximate)' if incident.date.approximate else ''}"
                         f" in {place + ', ' if place else ''}{facts.country}"),
            ("Partner force", facts.partner_force or "not recorded"),
            ("Harm", harm_summary(case))]


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _review(facts: KeyFacts, today: dt.date) -> str:
    if facts.next_review is None:
        return "none set"
    late = f" (overdue by {_days((today - facts.next_review).days)})" if facts.overdue else ""
    return facts.next_review.isoformat() + late


def _show_actions(case: Case) -> None:
    from generator.checks.query import open_actions

    actions = open_actions(case)
    click.echo()
    if not actions:
        click.echo("No open actions.")
        return
    click.echo(click.style(f"Open actions ({len(actions)})", bold=True))
    for a in actions:
        parts = [a.type.value, a.status.value, a.date.isoformat() if a.date else "", a.note or ""]
        click.echo("  " + "  ".join(p for p in parts if p))
