"""`casebook new`, `casebook history` and `casebook blame`: one case at a time."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from generator.cli.common import (
    EXIT_USAGE,
    Context,
    fail,
    pass_context,
    plural,
    resolve_case,
)
from generator.cli.options import case_argument, format_option, today_option

if TYPE_CHECKING:
    from generator.config import Config
    from generator.history.reader import Commit, History
    from generator.review.newcase import NewCaseFields


@click.command()
@click.option("--title", help="A short neutral title.")
@click.option("--country", metavar="ISO3", help="ISO 3166-1 alpha-3 code, e.g. YEM.")
@click.option("--incident-date", metavar="DATE",
              help="When it happened: YYYY-MM-DD, YYYY-MM or YYYY, a range START/END, with ~ "
                   "after a date that is approximate.")
@click.option("--source-url", metavar="URL", help="Address of the first source.")
@click.option("--source-title", metavar="TEXT", help="Title of the first source.")
@click.option("--source-type", metavar="TYPE", default="media", show_default=True,
              help="What kind of source the first one is (see `casebook schema`).")
@click.option("--assignee", metavar="HANDLE", help="Handle of the analyst in charge.")
@click.option("--by", metavar="HANDLE",
              help="Handle of whoever logs the case (the first stage_history entry); "
                   "default: the assignee.")
@click.option("--sensitivity", metavar="LABEL", default="AMBER", show_default=True,
              help="Traffic Light Protocol label: CLEAR, GREEN, AMBER, AMBER+STRICT or RED.")
@today_option()
@pass_context
def new(ctx: Context, /, today: dt.date | None, **given: str | None) -> None:
    """Start a case: cases/<next id>.md at stage intake, with placeholders to fill.

    Every value given is checked as the validator would check it (with a "did you
    mean" for a near miss, such as `--country sudan`). In a terminal with no
    options, asks for the title, country, incident date, first source and handles.
    Never overwrites a file; prints the new file's path.
    """
    from generator.review.newcase import OPTION_FIELDS, create_case, option_problem

    config = ctx.config
    day = today or dt.date.today()
    # In the schema's order, whatever the order on the command line.
    fields = {name: value for name in OPTION_FIELDS
              if (value := given.get(name)) and value.strip()}
    if sys.stdin.isatty() and not set(fields) - {"sensitivity", "source_type"}:
        fields.update(_ask(day))
    problems = [f"--{name.replace('_', '-')}: {problem}" for name, value in fields.items()
                if (problem := option_problem(name, value, day))]
    if problems:
        for problem in problems:
            click.echo(f"casebook: {problem}", err=True)
        sys.exit(EXIT_USAGE)
    path = create_case(config, today=day, **cast("NewCaseFields", fields))
    click.echo(config.relative(path))


_PROMPTS = (("title", "Title"), ("country", "Country (ISO 3166-1 alpha-3)"),
            ("incident_date", "Incident date (YYYY-MM-DD, YYYY-MM or YYYY)"),
            ("source_url", "First source URL"), ("source_title", "First source title"),
            ("by", "Your handle"), ("assignee", "Assignee's handle"))


def _ask(today: dt.date) -> dict[str, str]:
    """The values a writer types at the prompts, each checked as it is typed (a blank
    answer leaves the placeholder); the assignee is the writer unless they say."""
    from generator.review.newcase import option_problem

    answers: dict[str, str] = {}
    for name, prompt in _PROMPTS:
        def checked(text: str, name: str = name) -> str:
            problem = option_problem(name, text, today) if text.strip() else None
            if problem:
                raise click.UsageError(problem)
            return text.strip()

        default = answers.get("by", "") if name == "assignee" else ""
        answer = click.prompt(prompt, default=default, show_default=bool(default),
                              value_proc=checked)
        if answer:
            answers[name] = answer
    return answers


@click.command()
@case_argument()
@format_option(["text", "json"], "text")
@pass_context
def history(ctx: Context, case_id: str, fmt: str) -> None:
    """Show every commit that changed a case, newest first, field by field."""
    from generator.history.reader import read_history

    config = ctx.config
    path = resolve_case(config, case_id)
    case_id = path.stem
    rel = _repo_relative(path)
    result = read_history(config, paths=[rel] if rel else None)
    case = result.of(rel) if rel else None
    commits = case.commits if case else []
    if fmt == "json":
        _print_history_json(config, case_id, path, result, commits)
    else:
        _print_history_text(config, case_id, path, rel, result, commits)


def _print_history_json(config: Config, case_id: str, path: Path, result: History,
                        commits: list[Commit]) -> None:
    click.echo(json.dumps({
        "id": case_id, "path": config.relative(path), "status": result.status.value,
        "commits": [{
            "hash": c.hash, "author": c.author, "email": c.email,
            "date": c.date.isoformat(), "subject": c.subject, "path": c.path,
            "changes": [{"field": ch.field, "old": ch.old, "new": ch.new}
                        for ch in c.changes],
        } for c in commits],
    }, indent=2, ensure_ascii=False, default=str))


def _print_history_text(config: Config, case_id: str, path: Path, rel: str | None,
                        result: History, commits: list[Commit]) -> None:
    from generator.history.reader import HistoryStatus, show_value

    if result.status is not HistoryStatus.COMPLETE:
        click.echo(click.style(f"warning: {result.message}", fg="yellow"), err=True)
    click.echo(click.style(f"{case_id}", bold=True) + f"  {config.relative(path)}  "
               f"({plural(len(commits), 'commit')})")
    for commit in commits:
        click.echo()
        click.echo(f"{commit.date.date().isoformat()}  {click.style(commit.short, fg='yellow')}"
                   f"  {commit.author}  {commit.subject}")
        if commit.path != config.relative(path) and rel and commit.path != rel:
            click.echo(f"    (as {commit.path})")
        for change in commit.changes:
            click.echo(f"    {click.style(change.field, fg='cyan')}: "
                       f"{show_value(change.old)} -> {show_value(change.new)}")


@click.command()
@case_argument()
@click.option("--field", "field_name", metavar="KEY",
              help="Only this field and the fields under it, e.g. harm or harm.killed.")
@pass_context
def blame(ctx: Context, case_id: str, field_name: str | None) -> None:
    """Show the commit, author and date that last set each front matter value."""
    from generator.history.reader import show_value
    from generator.repository.git import GitError, GitErrorKind
    from generator.review.blame import blame_file

    config = ctx.config
    path = resolve_case(config, case_id)
    case_id = path.stem
    try:
        fields = blame_file(path)
    except GitError as err:
        if err.kind is GitErrorKind.NOT_A_REPOSITORY:
            click.echo("casebook: not a git repository: there is no history to blame", err=True)
        else:
            click.echo(f"casebook: git blame failed: {err.stderr.strip() or err}", err=True)
        sys.exit(EXIT_USAGE)
    if field_name:
        fields = [f for f in fields if f.field == field_name
                  or f.field.startswith((f"{field_name}.", f"{field_name}["))]
        if not fields:
            fail(f"{case_id} has no field {field_name}")
    width = max((len(f.field) for f in fields), default=0)
    for f in fields:
        origin = f.origin
        who = (f"{click.style(origin.hash[:8], fg='yellow')}  {origin.date.date().isoformat()}"
               f"  {origin.author}") if origin.committed else "not committed yet"
        click.echo(f"{click.style(f.field.ljust(width), fg='cyan')}  {who}  "
                   f"{show_value(f.value)}")


def _repo_relative(path: Path) -> str | None:
    """The path relative to the top of its git repository, as history keys it."""
    from generator.repository.git import GitError, Repository

    try:
        repo = Repository.open(path.parent)
    except GitError:
        return None
    with repo:
        top = (repo.working_tree or Path()).resolve()
        return path.resolve().relative_to(top).as_posix()
