"""The `casebook` command: parse arguments, call the library, print, pick the exit code.

Exit codes: 0 clean; 1 the cases have errors (or warnings, with --strict);
2 a usage or configuration error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from generator.config import Config, ConfigError, load_config
from generator.diagnostics import Report, Severity, format_text, render

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
                click.echo(f"casebook: configuration error: {err}", err=True)
                sys.exit(EXIT_USAGE)
        return self._config


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The mkdocs.yml holding the casebook settings (default: the nearest one "
                   "in this folder or above).")
@click.version_option(package_name="casebook")
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None) -> None:
    """casebook: a git-backed knowledge base of civilian-harm incidents.

    Each incident is a Markdown file with YAML front matter in cases/. These
    commands check the files and describe their format.
    """
    ctx.obj = Context(config_file)


def _today(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="text for people, json for tools, github for workflow "
                                      "annotations.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--today", "today", metavar="YYYY-MM-DD", hidden=True,
              help="Take this as today's date (for reproducible runs).")
@pass_context
def validate(ctx: Context, paths: tuple[Path, ...], fmt: str, strict: bool,
             today: str | None) -> None:
    """Check case files and report every problem with its file, line and column.

    With no PATHS, checks every case in the cases folder. With PATHS (files or
    folders), reports on those files only, still checking references against
    every case.
    """
    from generator.validate import load_corpus

    config = ctx.config
    if not paths and not config.cases_dir.is_dir():
        click.echo(f"casebook: no cases folder at {config.cases_dir}", err=True)
        sys.exit(EXIT_USAGE)
    corpus = load_corpus(config, extra=paths, today=_today(today))
    report = corpus.report(only=_files_of(paths) if paths else None, config=config)
    _print_report(report, fmt)
    sys.exit(report.exit_code(strict=strict))


def _files_of(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.md")) if path.is_dir() else [path])
    return files


def _print_report(report: Report, fmt: str) -> None:
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
    click.echo(click.style(report.summary(), fg=summary_colour))


@cli.command()
@click.option("--profile", "profile_name", metavar="NAME",
              help="Build profile: internal (default) or public; also CASEBOOK_PROFILE.")
@click.option("--today", "today", metavar="YYYY-MM-DD", hidden=True,
              help="Take this as today's date (SOURCE_DATE_EPOCH works too).")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems and the summary line.")
@pass_context
def build(ctx: Context, profile_name: str | None, today: str | None, quiet: bool) -> None:
    """Validate the cases, generate the site's pages and build the site into site/.

    Refuses to publish anything when a case has errors.
    """
    import time

    from generator.build import BuildError, build_date, build_site, profile_named

    config = ctx.config
    started = time.monotonic()
    try:
        profile = profile_named(profile_name)
    except KeyError as err:
        raise click.BadParameter(str(err.args[0]), param_hint="--profile") from None
    _quiet_mkdocs(quiet)
    try:
        result = build_site(config, today=build_date(_today(today)), profile=profile)
    except BuildError as err:
        _print_report(err.report, "text")
        click.echo("casebook: nothing was published", err=True)
        sys.exit(1)
    except Exception as err:  # mkdocs' own errors (a broken link in strict mode)
        from mkdocs.exceptions import MkDocsException

        if isinstance(err, MkDocsException):
            click.echo(f"casebook: the site build failed: {err}", err=True)
            sys.exit(1)
        raise
    report = result.corpus.report()
    for d in report.diagnostics:
        click.echo(format_text(d))
    click.echo(f"{report.summary()}; {result.published} published ({result.profile.name} "
               f"profile) into {config.site_dir}/, {len(result.written)} pages written, "
               f"in {time.monotonic() - started:.1f} s")


def _quiet_mkdocs(quiet: bool) -> None:
    import logging

    level = logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.handlers[:] = [handler]
    logger.setLevel(level)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json",
              show_default=True, help="json: the JSON Schema; markdown: the field reference.")
def schema(fmt: str) -> None:
    """Print the schema of a case's front matter.

    The JSON Schema is also committed as schema/case.schema.json, for editors
    and tools such as check-jsonschema.
    """
    from generator import reference
    from generator.schema import json_schema

    if fmt == "json":
        click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    else:
        click.echo(reference.field_reference(), nl=False)


@cli.command(name="rules")
def rules_command() -> None:
    """List every diagnostic code the validator can report."""
    from generator.diagnostics import RULES

    for rule in RULES.values():
        click.echo(f"{rule.code}  {rule.name:<26} {rule.severity.value:<8} {rule.summary}")


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the `casebook` console script."""
    return cli.main(args=argv, prog_name="casebook")
