"""`casebook build`, `casebook leakcheck` and `casebook schema`: the published site."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.cli.common import Context, pass_context, plural, print_report
from generator.cli.options import format_option, profile_option, quiet_option, today_option
from generator.records.diagnostics import format_text

if TYPE_CHECKING:
    from generator.config import Config
    from generator.publish.profiles import Profile


@click.command()
@profile_option(help="Build profile: internal (default) or public; also CASEBOOK_PROFILE.")
@today_option(help="Take this as today's date (SOURCE_DATE_EPOCH works too).")
@quiet_option(help="Print only problems and the summary line.")
@pass_context
def build(ctx: Context, profile_name: str | None, today: dt.date | None, quiet: bool) -> None:
    """Validate the cases, generate the site's pages and build the site into site/.

    Refuses to publish anything when a case has errors.
    """
    from generator.progress import wanted
    from generator.publish.build import BuildError, LeakError, build_date, build_site

    config = ctx.config
    started = time.monotonic()
    profile = _profile(config, profile_name)
    _quiet_mkdocs(quiet)
    try:
        # In a child process: this one stays small while the search indexer runs.
        result = build_site(config, today=build_date(today), profile=profile,
                            show_progress=wanted(quiet), isolated=True)
    except BuildError as err:
        print_report(err.report, "text")
        click.echo("casebook: nothing was published", err=True)
        sys.exit(1)
    except LeakError as err:
        for leak in err.leaks:
            click.echo(f"leak: {leak}", err=True)
        for warning in err.unprovable:
            click.echo(f"leak check: warning: {warning}", err=True)
        click.echo(f"casebook: {err}", err=True)
        sys.exit(1)
    except Exception as err:  # mkdocs' own errors (a broken link in strict mode)
        from mkdocs.exceptions import MkDocsException

        if isinstance(err, MkDocsException):
            click.echo(f"casebook: the site build failed: {err}", err=True)
            sys.exit(1)
        raise
    report = result.report
    for d in report.diagnostics:
        click.echo(format_text(d))
    for warning in result.unprovable:
        click.echo(f"leak check: warning: {warning}")
    if result.history_message:
        click.echo(click.style(f"history: {result.history_message}", fg="yellow"), err=True)
    click.echo(f"{report.summary()}; {result.published} published ({result.profile.name} "
               f"profile) into {config.site_dir}/, {plural(result.written, 'page')} written, "
               f"in {time.monotonic() - started:.1f} s")


def _profile(config: Config, name: str | None) -> Profile:
    """The profile `--profile` names; an unknown name is a usage error (exit 2)."""
    from generator.publish.build import profile_named

    try:
        return profile_named(config, name)
    except KeyError as err:
        raise click.BadParameter(str(err.args[0]), param_hint="--profile") from None


def _quiet_mkdocs(quiet: bool) -> None:
    from generator.publish.build import log_mkdocs

    log_mkdocs(logging.WARNING if quiet else logging.INFO)


@click.command()
@click.argument("site_dir", metavar="SITE_DIR",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@profile_option(help="The profile the site was built with (default: internal, or "
                     "CASEBOOK_PROFILE).")
@pass_context
def leakcheck(ctx: Context, site_dir: Path, profile_name: str | None) -> None:
    """Check a built site for any value its profile removed (exit 1 on a leak)."""
    from generator.publish.leakcheck import check_built_site

    config = ctx.config
    finder, leaks = check_built_site(config, site_dir, _profile(config, profile_name))
    for leak in leaks:
        click.echo(f"leak: {leak}")
    for warning in finder.unprovable:
        click.echo(f"leak check: warning: {warning}")
    click.echo(f"{plural(finder.checked, 'removed value')} checked in {site_dir}: "
               f"{plural(len(leaks), 'leak')}, "
               f"{len(finder.unprovable)} cannot be proven absent")
    sys.exit(1 if leaks else 0)


@click.command()
@format_option(["json", "markdown"], "json",
               help="json: the JSON Schema; markdown: the field reference.")
def schema(fmt: str) -> None:
    """Print the schema of a case's front matter.

    The JSON Schema is also committed as schema/case.schema.json, for editors
    and tools such as check-jsonschema.
    """
    from generator.publish import reference
    from generator.publish.reference import json_schema

    if fmt == "json":
        click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    else:
        click.echo(reference.field_reference(), nl=False)
