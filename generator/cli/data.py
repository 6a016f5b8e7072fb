"""`casebook import`, `casebook duplicates` and `casebook export`: data in and out."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from generator.cli.common import Context, fail, pass_context
from generator.cli.options import format_option, profile_option, today_option
from generator.records.diagnostics import Diagnostic, format_github, format_text

EXIT_PROBLEMS = 1


def _print_diagnostics(diagnostics: list[Diagnostic], fmt: str) -> None:
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        click.echo(format_github(d) if fmt == "github" else format_text(d))


@click.command("import")
@click.argument("sheet", metavar="FILE", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_path", metavar="MAP.yaml",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="How the sheet's columns become casebook's (see the README); without it "
                   "the headers must be casebook's own column names.")
@click.option("--check-mapping", "check_path", metavar="MAP.yaml",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Only check this mapping (and, with FILE, that the sheet has its columns).")
@click.option("--dry-run", is_flag=True, help="Write nothing; say what would be done.")
@click.option("--by", "by", metavar="HANDLE", default="import", show_default=True,
              help="Handle recorded in each new case's first stage_history entry.")
@format_option(["text", "json", "github"], "text",
               help="text for people, json for tools, github for workflow annotations.")
@today_option(help="Take this as today's date (for reproducible runs).")
@pass_context
def import_command(ctx: Context, sheet: Path | None, mapping_path: Path | None,
                   check_path: Path | None, dry_run: bool, by: str, fmt: str,
                   today: dt.date | None) -> None:
    """Import a spreadsheet (CSV or JSON Lines): one new intake case per row.

    A row whose alias is already a case's is matched to it and never written: what
    differs is reported as a proposed change. Bad rows are reported with their row
    and column and not imported; the others are (exit 1 when any row is rejected).
    """
    from generator.review.importer import import_sheet, summary

    config = ctx.config
    if check_path is not None:
        _check_mapping(config.relative(check_path), check_path, sheet, fmt)
        return
    if sheet is None:
        raise click.UsageError("give the FILE to import (or --check-mapping MAP.yaml)")
    result = import_sheet(config, sheet, mapping_path=mapping_path, dry_run=dry_run, by=by,
                          today=today or dt.date.today())
    if fmt == "json":
        click.echo(json.dumps({
            "sheet": result.sheet, "dry_run": dry_run,
            "created": [{"row": row, "id": case_id} for row, case_id in result.created],
            "matched": [{"row": m.row, "id": m.case_id, "alias": m.alias,
                         "changes": m.changes} for m in result.matched],
            "rejected": result.rejected,
            "diagnostics": [d.as_dict() for d in
                            sorted(result.diagnostics, key=Diagnostic.sort_key)],
        }, indent=2, ensure_ascii=False))
    else:
        _print_diagnostics(result.diagnostics, fmt)
        click.echo(summary(result))
    if result.errors:
        sys.exit(EXIT_PROBLEMS)


def _check_mapping(rel: str, path: Path, sheet: Path | None, fmt: str) -> None:
    from generator.review.importer import check_columns, load_mapping, read_sheet

    mapping, problems = load_mapping(path, rel)
    if mapping is not None and sheet is not None:
        read, problems = read_sheet(sheet, sheet.as_posix(), mapping.format)
        if read is not None:
            problems += check_columns(read, mapping)
    if fmt == "json":
        click.echo(json.dumps({"mapping": rel, "valid": not problems,
                               "diagnostics": [d.as_dict() for d in problems]}, indent=2))
    else:
        _print_diagnostics(problems, fmt)
        if not problems:
            click.echo(f"{rel}: the mapping is valid")
    if problems:
        sys.exit(EXIT_PROBLEMS)


@click.command()
@format_option(["text", "json"], "text")
@click.option("--min-score", type=click.FloatRange(0, 1), default=None,
              help="Only pairs scoring at least this (0 to 1; default 0.6).")
@today_option(help="Take this as today's date (for reproducible runs).")
@pass_context
def duplicates(ctx: Context, fmt: str, min_score: float | None, today: dt.date | None) -> None:
    """List pairs of cases that may be the same incident, with a score and the reasons.

    A pair is settled, and no longer listed, once one case is closed as a duplicate
    of the other (duplicate_of) or lists it in not_duplicate_of.
    """
    from generator.checks.corpus import load_corpus
    from generator.checks.duplicates import DEFAULT_MIN_SCORE, candidates

    config = ctx.config
    if not config.cases_dir.is_dir():
        fail(f"no cases folder at {config.cases_dir}")
    corpus = load_corpus(config, today=today)
    bodies = {f.case.id: f.body for f in corpus.files if f.case is not None}
    found = candidates(corpus.cases, bodies, min_score=DEFAULT_MIN_SCORE if min_score is None
                       else min_score)
    if fmt == "json":
        click.echo(json.dumps({"pairs": [p.as_dict() for p in found]}, indent=2,
                              ensure_ascii=False))
        return
    for pair in found:
        click.echo(f"{pair.first} {pair.second}  score {pair.score:.2f}: "
                   f"{'; '.join(pair.reasons)}")
    click.echo(f"{len(found)} candidate pair{'s' if len(found) != 1 else ''} among "
               f"{len(corpus.cases)} cases")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "geojson", "jsonl", "sqlite"]),
              required=True, help="csv: a folder of the CSV tables; json, geojson, jsonl "
                                  "(one case a line) or sqlite: one file.")
@click.option("--output", "output", metavar="PATH", required=True,
              type=click.Path(path_type=Path), help="Where to write; never overwritten "
                                                    "unless --force.")
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@profile_option(help="Build profile whose view is exported (default: internal, or "
                     "CASEBOOK_PROFILE); the public one is redacted and leak-checked.")
@today_option(help="Take this as today's date (for reproducible runs).")
@pass_context
def export(ctx: Context, fmt: str, output: Path, force: bool, profile_name: str | None,
           today: dt.date | None) -> None:
    """Export the published cases without building the site: the site's export data."""
    from generator.publish.build import BuildError, profile_named
    from generator.publish.export import ExportError, export_cases

    config = ctx.config
    try:
        chosen = profile_named(config, profile_name)
    except KeyError as err:
        fail(str(err.args[0]))
    if output.exists() and not force:
        fail(f"{output} exists: choose another --output, or --force to replace it")
    try:
        count = export_cases(config, fmt, output, chosen, today=today)
    except BuildError as err:
        fail(f"{err}; nothing was exported")
    except ExportError as err:
        fail(str(err))
    click.echo(f"exported {count} case{'s' if count != 1 else ''} ({chosen.name} profile) "
               f"to {output}")
