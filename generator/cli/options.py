"""Options and arguments that several commands take, declared once.

Each is a decorator, as `click.option` is: `@format_option(["text", "json"], "text")`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def format_option(choices: Sequence[str], default: str | None, help: str | None = None
                  ) -> Callable[[F], F]:
    """`--format`, passed as `fmt`: one of `choices`; None as the default lets the command
    choose (and its help say how)."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default,
                        show_default=default is not None, help=help)


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        # UsageError, not BadParameter: the message names no option, as it always has.
        raise click.UsageError(f"Invalid value: '{value}' is not a date (YYYY-MM-DD)",
                               ctx) from None


def today_option(help: str | None = None) -> Callable[[F], F]:
    """The hidden `--today YYYY-MM-DD`, passed as a `datetime.date` (or None): runs that
    must be reproducible (tests, benchmarks) fix the date with it."""
    return click.option("--today", "today", metavar="YYYY-MM-DD", hidden=True, help=help,
                        callback=_date)


def profile_option(help: str) -> Callable[[F], F]:
    """`--profile NAME`, passed as `profile_name`: the build profile's name."""
    return click.option("--profile", "profile_name", metavar="NAME", help=help)


def quiet_option(help: str) -> Callable[[F], F]:
    """`--quiet`/`-q`: no progress bar."""
    return click.option("--quiet", "-q", is_flag=True, help=help)


def paths_argument() -> Callable[[F], F]:
    """Any number of existing files or folders, passed as `paths`."""
    return click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))


def case_argument() -> Callable[[F], F]:
    """A case, passed as `case_id`: its id, a lower-case id or the path of its file;
    `generator.cli.common.resolve_case` finds the file."""
    return click.argument("case_id", metavar="CASE")
