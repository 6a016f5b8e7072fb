"""What every command shares: the settings, the exit codes, the report printer."""

from __future__ import annotations

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


def fail(message: str) -> NoReturn:
    """Say what is wrong on stderr and exit 2: a usage or configuration error."""
    click.echo(f"casebook: {message}", err=True)
    sys.exit(EXIT_USAGE)


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
