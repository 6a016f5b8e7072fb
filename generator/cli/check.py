"""`casebook validate`, `casebook fmt` and `casebook rules`: checking case files."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.cli.common import Context, fail, files_of, pass_context, plural, print_report
from generator.cli.options import format_option, paths_argument, quiet_option, today_option
from generator.records.diagnostics import format_text

if TYPE_CHECKING:
    from generator.checks.corpus import Corpus
    from generator.config import Config


@click.command()
@paths_argument()
@format_option(["text", "json", "github"], "text",
               help="text for people, json for tools, github for workflow annotations.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--base", "base_ref", metavar="REF",
              help="Also check the change against this branch or commit (e.g. origin/main): "
                   "stage moves, stage history, ids, deleted cases.")
@click.option("--head", "head_ref", metavar="REF",
              help="With --base: compare this commit instead of the working tree.")
@click.option("--history", "with_history", is_flag=True,
              help="Also compare each stage_history with the dates git recorded (reads the "
                   "git history once).")
@today_option(help="Take this as today's date (for reproducible runs).")
@quiet_option(help="No progress bar, even on a terminal.")
@pass_context
def validate(ctx: Context, paths: tuple[Path, ...], fmt: str, strict: bool,
             base_ref: str | None, head_ref: str | None, with_history: bool,
             today: dt.date | None, quiet: bool) -> None:
    """Check case files and report every problem with its file, line and column.

    With no PATHS, checks every case in the cases folder. With PATHS (files or
    folders), reports on those files only, still checking references against
    every case.
    """
    from generator.checks.corpus import load_corpus
    from generator.progress import wanted

    config = ctx.config
    if not paths and not config.cases_dir.is_dir():
        fail(f"no cases folder at {config.cases_dir}")
    started = time.monotonic()
    corpus = load_corpus(config, extra=paths, today=today,
                         show_progress=wanted(quiet or fmt != "text"))
    if with_history:
        corpus = _check_history(config, corpus)
    if head_ref and not base_ref:
        raise click.UsageError("--head goes with --base")
    if base_ref:
        corpus = _compared(config, corpus, base_ref, head_ref)
    report = corpus.report(only=files_of(paths) if paths else None, config=config)
    print_report(report, fmt, seconds=time.monotonic() - started)
    sys.exit(report.exit_code(strict=strict))


def _check_history(config: Config, corpus: Corpus) -> Corpus:
    """`corpus` with what its stage histories say against the dates git recorded."""
    from generator.checks.rules import check_history
    from generator.history.reader import read_history

    history = read_history(config)
    if history.message:
        click.echo(f"history: {history.message}", err=True)
    return corpus.adding(check_history(corpus.files, history,
                                       config.settings.history_tolerance_days))


def _compared(config: Config, corpus: Corpus, base_ref: str, head_ref: str | None) -> Corpus:
    """`corpus` with what the change from `base_ref` breaks (stage moves, ids...)."""
    from generator.review.compare import CompareError, compare, snapshots

    try:
        base, head, origin = snapshots(config, corpus, base_ref, head_ref)
    except CompareError as err:
        fail(str(err))
    return corpus.adding(compare(base, head, config, origin=origin))


@click.command()
@paths_argument()
@click.option("--check", is_flag=True,
              help="Change nothing; exit 1 when a file would change.")
@pass_context
def fmt(ctx: Context, paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite the front matter of case files in canonical form.

    Keys in the schema's order, consistent quoting, dates as YYYY-MM-DD; comments
    survive and the Markdown body is kept byte for byte. A file with errors is left
    untouched and reported. Writes are atomic. With no PATHS, formats every case.
    """
    from generator.records.loader import case_files
    from generator.review.fmt import FormatError, format_file

    config = ctx.config
    files = case_files(config, paths) if not paths else files_of(paths)
    changed, failed = 0, 0
    for path in files:
        try:
            result = format_file(path, config, check=check)
        except FormatError as err:
            failed += 1
            click.echo(f"{config.relative(path)}: left untouched: {err}", err=True)
            continue
        if result.diagnostics:
            failed += 1
            for d in result.diagnostics:
                click.echo(format_text(d))
            click.echo(f"{config.relative(path)}: left untouched (fix the errors above)",
                       err=True)
        elif result.changed:
            changed += 1
            click.echo(f"{'would reformat' if check else 'reformatted'} "
                       f"{config.relative(path)}")
    verb = "would be reformatted" if check else "reformatted"
    click.echo(f"{plural(len(files), 'file')}, {changed} {verb}, {failed} with errors")
    sys.exit(1 if failed or (check and changed) else 0)


@click.command(name="rules")
def rules_command() -> None:
    """List every diagnostic code the validator can report."""
    from generator.records.diagnostics import RULES

    for rule in RULES.values():
        click.echo(f"{rule.code}  {rule.name:<26} {rule.severity.value:<8} {rule.summary}")
