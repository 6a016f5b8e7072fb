"""Rules beyond the schema: stage gates, rules within a case, and rules across cases.

Each rule returns the diagnostics it finds, and changes nothing: the corpus
gathers them into one report. The stage gates are data, in
generator.checks.gates, from which the README's stage table is made too.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from generator.checks.gates import gate_problems
from generator.checks.status import overdue
from generator.config import Config
from generator.records.diagnostics import Diagnostic, diagnostic
from generator.records.frontmatter import BODY_PLACEHOLDER, Path_
from generator.records.frontmatter import PLACEHOLDER_PREFIX as PLACEHOLDER_PREFIX
from generator.records.loader import CaseFile
from generator.records.markup import CITATION, removed_markup
from generator.records.schema import (
    BREAKDOWNS,
    Case,
    Stage,
    Visibility,
    count_bounds,
)

if TYPE_CHECKING:  # the history (and git) is imported only by the commands that read it
    from generator.history.reader import History

CaseCheck = Callable[[CaseFile, Case, "Context"], list[Diagnostic]]
CaseRule = Callable[[CaseFile, Case, "Context"], Iterator[Diagnostic]]


class Context:
    """What every per-case check may need to know beyond the case itself."""

    def __init__(self, config: Config, today: dt.date) -> None:
        self.config = config
        self.today = today


_CHECKS: list[CaseCheck] = []


def check(rule: CaseRule) -> CaseCheck:
    """Register a per-case rule, written as a generator of what it finds; what is
    registered (and returned) gives those findings as a list."""

    @functools.wraps(rule)
    def listed(record: CaseFile, case: Case, ctx: Context) -> list[Diagnostic]:
        return list(rule(record, case, ctx))

    _CHECKS.append(listed)
    return listed


def _written(record: CaseFile, path: Path_) -> bool:
    """Whether the front matter holds `path`, or a mapping or list on the way to it."""
    fm = record.front_matter
    return fm is not None and (path in fm.values or any(
        path[:n] in fm.keys for n in range(len(path) - 1, 0, -1)))


@check
def identity(record: CaseFile, case: Case, ctx: Context) -> Iterator[Diagnostic]:
    prefix = ctx.config.settings.id_prefix
    if not case.id.startswith(f"{prefix}-"):
        yield record.problem(("id",), "CB207", f"id '{case.id}' must start with the prefix "
                                               f"'{prefix}-' set in mkdocs.yml")
    year = int(case.id.split("-")[-2])
    if year != case.opened.year:
        yield record.problem(("id",), "CB308",
                            f"id '{case.id}' carries the year {year}, but the case was opened in "
                            f"{case.opened.year}")
    if record.path.name != f"{case.id}.md":
        yield record.problem(("id",), "CB302",
                            f"the file is named '{record.path.name}' but its id is '{case.id}': "
                            f"rename it to '{case.id}.md'")


@check
def stage_gates(record: CaseFile, case: Case, ctx: Context) -> Iterator[Diagnostic]:
    # A missing key is reported where it is written in part, else at what calls for it.
    for problem in gate_problems(case):
        fallback = problem.fallback
        target = problem.path if fallback is None or _written(record, problem.path) else fallback
        yield record.problem(target, problem.code, problem.message)


@check
def history_order(record: CaseFile, case: Case, ctx: Context) -> Iterator[Diagnostic]:
    history = case.stage_history
    if history[0].date < case.opened:
        yield record.problem(("stage_history", 0, "date"), "CB305",
                            f"stage_history[0] is dated {history[0].date}, before the case was "
                            f"opened on {case.opened}")
    for i in range(1, len(history)):
        if history[i].date < history[i - 1].date:
            yield record.problem(("stage_history", i, "date"), "CB209",
                                f"stage_history[{i}] is dated {history[i].date}, before the entry "
                                f"above it ({history[i - 1].date}): dates never decrease")
    last = len(history) - 1
    if history[last].stage is not case.stage:
        yield record.problem(("stage_history", last, "stage"), "CB209",
                            f"the last stage_history entry is {history[last].stage.value}, but the "
                            f"case is in stage {case.stage.value}: add an entry for the move")


@check
def dates(record: CaseFile, case: Case, ctx: Context) -> Iterator[Diagnostic]:
    if case.opened > ctx.today:
        yield record.problem(("opened",), "CB305", f"opened {case.opened} is in the future")
    if case.opened < case.incident.date.start:
        yield record.problem(("opened",), "CB305",
                            f"opened {case.opened} is before the incident ({case.incident.date})")
    if case.next_review is not None and overdue(case, ctx.today):
        days = (ctx.today - case.next_review).days
        yield record.problem(("next_review",), "CB351",
                            f"the review due on {case.next_review} is {days} "
                            f"day{'s' if days != 1 else ''} overdue")


@check
def harm_totals(record: CaseFile, case: Case, ctx: Context) -> Iterator[Diagnostic]:
    harm = case.harm
    if harm is None:
        return
    for outcome in ("killed", "injured"):
        total = count_bounds(getattr(harm, outcome))
        if total is None:
            continue
        for group in BREAKDOWNS:
            key = f"{group}_{outcome}"
            part = count_bounds(getattr(harm, key))
            if part is not None and part[0] > total[1]:
                yield record.problem(("harm", key), "CB208",
                                    f"harm.{key} ({part[0]}) is more than harm.{outcome} "
                                    f"({_show_bounds(total)})")


def _show_bounds(bounds: tuple[int, int]) -> str:
    low, high = bounds
    return str(low) if low == high else f"{low}-{high}"


@check
def sources(record: CaseFile, case: Case, ctx: Context) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    for i, source in enumerate(case.sources):
        if source.key in seen:
            first = seen[source.key]
            yield record.problem(("sources", i, "key"), "CB307",
                                f"source key {source.key} is used twice (also sources[{first}])")
        else:
            seen[source.key] = i
        if source.visibility is Visibility.PUBLIC:
            for key in ("title", "url"):
                if getattr(source, key) is None:
                    yield record.problem(("sources", i), "CB210",
                                        f"sources[{i}] is public, so it needs a {key}")
    cited: set[str] = set()
    for match in CITATION.finditer(record.body):
        key = match.group(1)
        cited.add(key)
        if key not in seen:
            line, column = _body_position(record, match.start())
            yield diagnostic(record.rel, line, column, "CB306",
                             f"the body cites [{key}], but no source has that key")
    if not cited:
        yield record.problem(("sources",), "CB352", "the body cites none of the sources; cite "
                                                   "them as [S1]")
        return
    for key, i in seen.items():
        if key not in cited:
            yield record.problem(("sources", i, "key"), "CB353",
                                f"source {key} is never cited in the body")


@check
def references(record: CaseFile, case: Case, ctx: Context) -> Iterator[Diagnostic]:
    for i, other in enumerate(case.related):
        if other == case.id:
            yield record.problem(("related", i), "CB354", "the case lists itself as related")


@check
def narrative_markup(record: CaseFile, case: Case, ctx: Context) -> Iterator[Diagnostic]:
    for offset, message in removed_markup(record.body):
        line, column = _body_position(record, offset)
        yield diagnostic(record.rel, line, column, "CB357", message)


_SHOWN = 60
"""How much of a placeholder's text a message quotes, at most (cut at a word)."""
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def body_placeholders(record: CaseFile) -> Iterator[Diagnostic]:
    """CB211 for each passage of the body still marked as `casebook new` wrote it.

    The loader reports the front matter's placeholders; these are looked for whatever
    the front matter holds, so that one run reports every placeholder of a new file.
    """
    body = record.body
    start = body.find(BODY_PLACEHOLDER)
    while start >= 0:
        end = body.find("\n", start)
        text = body[start: end if end >= 0 else len(body)].strip()
        if len(text) > _SHOWN:
            text = text[:_SHOWN].rsplit(" ", 1)[0] + "…"
        headings = _HEADING.findall(body, 0, start)
        where = f"the {headings[-1]} section" if headings else "the body"
        line, column = _body_position(record, start)
        yield diagnostic(record.rel, line, column, "CB211",
                         f"{where} still holds the placeholder '{text}'")
        start = body.find(BODY_PLACEHOLDER, start + len(BODY_PLACEHOLDER))


def _body_position(record: CaseFile, offset: int) -> tuple[int, int]:
    body = record.body
    line_start = body.rfind("\n", 0, offset) + 1
    return (record.body_line + body.count("\n", 0, offset), offset - line_start + 1)


def check_case(record: CaseFile, ctx: Context) -> list[Diagnostic]:
    """What every per-case rule finds in a file: the body's placeholders in any file
    that has a body, every other rule in a file whose record the schema accepted."""
    found = list(body_placeholders(record))
    case = record.case
    if case is None:
        return found
    return found + [problem for rule in _CHECKS for problem in rule(record, case, ctx)]


def check_corpus(records: Sequence[CaseFile]) -> list[Diagnostic]:
    """Rules across cases: unique ids, references that resolve, no duplicate cycles."""
    found: list[Diagnostic] = []
    first_by_id: dict[str, CaseFile] = {}
    for record in records:
        declared = record.declared_id
        if declared is None:
            continue
        if declared in first_by_id:
            found.append(record.problem(
                ("id",), "CB301",
                f"id '{declared}' is also declared by {first_by_id[declared].rel}"))
        else:
            first_by_id[declared] = record

    duplicate_of: dict[str, str] = {}
    for record in records:
        case = record.case
        if case is None:
            continue
        for i, other in enumerate(case.related):
            if other not in first_by_id:
                found.append(record.problem(("related", i), "CB303",
                                            f"related names {other}, but no case has that id"))
        if case.duplicate_of is not None:
            if case.duplicate_of not in first_by_id:
                found.append(record.problem(
                    ("duplicate_of",), "CB303",
                    f"duplicate_of names {case.duplicate_of}, but no case has that id"))
            else:
                duplicate_of[case.id] = case.duplicate_of

    reported: set[str] = set()
    for start in sorted(duplicate_of):
        chain = [start]
        current = duplicate_of[start]
        while current in duplicate_of and current not in chain:
            chain.append(current)
            current = duplicate_of[current]
        if current == start and start not in reported:
            reported.update(chain)
            cycle = " -> ".join([*chain, start])
            found.extend(first_by_id[member].problem(("duplicate_of",), "CB304",
                                                     f"duplicate_of forms a cycle: {cycle}")
                         for member in chain)
    return found


def check_not_duplicates(records: Sequence[CaseFile]) -> list[Diagnostic]:
    """`not_duplicate_of` names cases that exist (CB303) and not the case itself (CB354)."""
    ids = {record.declared_id for record in records}
    found: list[Diagnostic] = []
    for record in records:
        case = record.case
        for i, other in enumerate(case.not_duplicate_of if case is not None else ()):
            if other not in ids:
                found.append(record.problem(("not_duplicate_of", i), "CB303",
                                            f"not_duplicate_of names {other}, but no case "
                                            "has that id"))
    return found


def check_history(records: Sequence[CaseFile], history: History,
                  tolerance: int) -> list[Diagnostic]:
    """Where a case's stage_history (the decision record) differs from what git recorded."""
    found: list[Diagnostic] = []
    for record in records:
        case = record.case
        in_git = history.for_file(record.path) if case is not None else None
        if case is None or in_git is None or in_git.first is None:
            continue
        moves = in_git.stage_moves()
        first = in_git.first
        created = first.date.date() if first.created else None
        created_in = next((c.new for c in first.changes if c.field == "stage"), None)
        seen: set[Stage] = set()
        for i, entry in enumerate(case.stage_history):
            if entry.stage in seen:
                continue
            seen.add(entry.stage)
            moved = moves.get(entry.stage.value)
            said = f"stage_history[{i}] says the case moved to {entry.stage.value} on {entry.date}"
            if moved is not None and abs((moved - entry.date).days) > tolerance:
                found.append(record.problem(("stage_history", i, "date"), "CB355",
                                            f"{said}, but git recorded the move on {moved}"))
            elif (moved is None and created is not None and entry.stage.value == created_in
                  and (entry.date - created).days > tolerance):
                found.append(record.problem(
                    ("stage_history", i, "date"), "CB355",
                    f"{said}, but git has it in that stage since {created}"))
    return found
