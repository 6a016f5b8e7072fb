"""What every command shares: the settings, the exit codes, the report printer."""

from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from generator.config import Config, ConfigError, load_config
from generator.records.diagnostics import Report, Severity, format_text, render

EXIT_USAGE = 2


class Context:
    """What the group passes to every command: how to find the settings."""

    def __init__(self, config_file: Path | None) -> None:
        self.config_file = config_file
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_file)
            except ConfigError as err:
                fail(f"configuration error: {err}")
        return self._config


pass_context = click.make_pass_decorator(Context)


def plural(n: int, one: str, many: str | None = None) -> str:
    """`1 file`, `2 files`: a count with its noun, for the summary lines commands print."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def fail(message: str) -> NoReturn:
    """Say what is wrong on stderr and exit 2: a usage or configuration error."""
    click.echo(f"casebook: {message}", err=True)
    sys.exit(EXIT_USAGE)


def resolve_case(config: Config, text: str) -> Path:
    """The case file that `text` names, as a command's argument names it: an id
    (`CH-2024-0007`, in any case), a file name (`CH-2024-0007.md`) or a path to the
    file (`cases/CH-2024-0007.md`, from here or from the casebook root). An id is
    looked for in the whole cases folder, sub-folders included. Exits 2, with the
    closest id, when no case has it."""
    from generator.records.loader import case_files

    given = Path(text.strip())
    if given.suffix == ".md" or len(given.parts) > 1:
        for candidate in (given, config.root / given):
            if candidate.is_file():
                return Path(os.path.abspath(candidate))  # noqa: PTH100 - keep a link's name
    wanted = given.name.removesuffix(".md").upper()
    direct = config.cases_dir / f"{wanted}.md"
    if direct.is_file():
        return direct
    files = case_files(config)
    for path in files:
        if path.stem.upper() == wanted:
            return path
    close = difflib.get_close_matches(wanted, [path.stem for path in files], n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    fail(f"no case {text} (looked for {config.relative(direct)} and in "
         f"{config.relative(config.cases_dir)}/){hint}")


def files_of(paths: tuple[Path, ...]) -> list[Path]:
    """The files named on the command line, each folder standing for its `*.md` files."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.md")) if path.is_dir() else [path])
    return files


def print_report(report: Report, fmt: str, seconds: float | None = None) -> None:
    """The report in `fmt`; as text, coloured on a terminal, with the time taken."""
    if fmt != "text":
        click.echo(render(report, fmt))
        return
    colours = {Severity.ERROR: "red", Severity.WARNING: "yellow"}
    for d in report.diagnostics:
        line = format_text(d)
        location, _, rest = line.partition(f" {d.severity.value} ")
        click.echo(f"{location} {click.style(d.severity.value, fg=colours[d.severity], bold=True)}"
                   f" {rest}")
    summary_colour = "red" if report.errors else ("yellow" if report.warnings else "green")
    timing = f" in {seconds:.1f} s" if seconds is not None and sys.stdout.isatty() else ""
    click.echo(click.style(report.summary() + timing, fg=summary_colour))
