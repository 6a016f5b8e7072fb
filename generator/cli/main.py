"""The `casebook` command: parse arguments, call the library, print, pick the exit code.

Exit codes: 0 clean; 1 the cases have errors (or warnings, with --strict);
2 a usage or configuration error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator.config import Config, ConfigError, load_config
from generator.records.diagnostics import Report, Severity, format_text, render

if TYPE_CHECKING:
    from generator.checks.corpus import Corpus
    from generator.review.compare import Snapshot

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
@click.option("--base", "base_ref", metavar="REF",
              help="Also check the change against this branch or commit (e.g. origin/main): "
                   "stage moves, stage history, ids, deleted cases.")
@click.option("--head", "head_ref", metavar="REF",
              help="With --base: compare this commit instead of the working tree.")
@click.option("--history", "with_history", is_flag=True,
              help="Also compare each stage_history with the dates git recorded (reads the "
                   "git history once).")
@click.option("--today", "today", metavar="YYYY-MM-DD", hidden=True,
              help="Take this as today's date (for reproducible runs).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, even on a terminal.")
@pass_context
def validate(ctx: Context, paths: tuple[Path, ...], fmt: str, strict: bool,
             base_ref: str | None, head_ref: str | None, with_history: bool,
             today: str | None, quiet: bool) -> None:
    """Check case files and report every problem with its file, line and column.

    With no PATHS, checks every case in the cases folder. With PATHS (files or
    folders), reports on those files only, still checking references against
    every case.
    """
    from generator.checks.corpus import load_corpus

    config = ctx.config
    if not paths and not config.cases_dir.is_dir():
        click.echo(f"casebook: no cases folder at {config.cases_dir}", err=True)
        sys.exit(EXIT_USAGE)
    import time

    from generator.progress import wanted

    started = time.monotonic()
    corpus = load_corpus(config, extra=paths, today=_today(today),
                         show_progress=wanted(quiet or fmt != "text"))
    if with_history:
        from generator.checks.rules import check_history
        from generator.history.reader import read_history

        history = read_history(config)
        if history.message:
            click.echo(f"history: {history.message}", err=True)
        check_history(corpus.files, history, config.settings.history_tolerance_days)
    if head_ref and not base_ref:
        raise click.UsageError("--head goes with --base")
    if base_ref:
        from generator.review.compare import compare

        base, head, origin = _snapshots(config, corpus, base_ref, head_ref)
        corpus = corpus.adding(compare(base, head, config, origin=origin))
    report = corpus.report(only=_files_of(paths) if paths else None, config=config)
    _print_report(report, fmt, seconds=time.monotonic() - started)
    sys.exit(report.exit_code(strict=strict))


def _snapshots(config: Config, corpus: Corpus | None, base_ref: str, head_ref: str | None
               ) -> tuple[Snapshot, Snapshot, Snapshot | None]:
    """The base, the head (a commit or the working tree) and their fork point."""
    from generator.review.compare import CompareError, fork_point, snapshot_at, snapshot_of_worktree

    try:
        base = snapshot_at(config, base_ref)
        if head_ref or corpus is None:
            head = snapshot_at(config, head_ref or "HEAD")
        else:
            head = snapshot_of_worktree(config, corpus)
        # Compare with where the branch left the base, so that what the base gained
        # since then is not taken for something the branch undid.
        origin = fork_point(config, base, head_ref or "HEAD")
    except CompareError as err:
        click.echo(f"casebook: {err}", err=True)
        sys.exit(EXIT_USAGE)
    return base, head, origin


def _files_of(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.md")) if path.is_dir() else [path])
    return files


def _print_report(report: Report, fmt: str, seconds: float | None = None) -> None:
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

    from generator.progress import wanted
    from generator.publish.build import BuildError, LeakError, build_date, build_site, profile_named

    config = ctx.config
    started = time.monotonic()
    try:
        profile = profile_named(config, profile_name)
    except KeyError as err:
        raise click.BadParameter(str(err.args[0]), param_hint="--profile") from None
    _quiet_mkdocs(quiet)
    try:
        result = build_site(config, today=build_date(_today(today)), profile=profile,
                            show_progress=wanted(quiet))
    except BuildError as err:
        _print_report(err.report, "text")
        click.echo("casebook: nothing was published", err=True)
        sys.exit(1)
    except LeakError as err:
        for leak in err.leaks:
            click.echo(f"leak: {leak}", err=True)
        click.echo(f"casebook: {err}", err=True)
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
    if result.history is not None and result.history.message:
        click.echo(click.style(f"history: {result.history.message}", fg="yellow"), err=True)
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
    from generator.publish import reference

    if fmt == "json":
        click.echo(json.dumps(reference.json_schema(), indent=2, ensure_ascii=False))
    else:
        click.echo(reference.field_reference(), nl=False)


def _case_path(config: Config, case_id: str) -> Path:
    path = config.cases_dir / f"{case_id}.md"
    if not path.is_file():
        click.echo(f"casebook: no case {case_id} (looked for {config.relative(path)})", err=True)
        sys.exit(EXIT_USAGE)
    return path


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
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
    files = case_files(config, paths) if not paths else _files_of(paths)
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
    click.echo(f"{len(files)} files, {changed} {verb}, {failed} with errors")
    sys.exit(1 if failed or (check and changed) else 0)


@cli.command()
@click.option("--title", help="A short neutral title.")
@click.option("--country", metavar="ISO3", help="ISO 3166-1 alpha-3 code, e.g. YEM.")
@click.option("--source-url", metavar="URL", help="Address of the first source.")
@click.option("--source-title", metavar="TEXT", help="Title of the first source.")
@click.option("--assignee", metavar="HANDLE", help="Handle of the analyst in charge.")
@click.option("--sensitivity", type=click.Choice(["CLEAR", "GREEN", "AMBER", "AMBER+STRICT",
                                                  "RED"]), default="AMBER", show_default=True)
@click.option("--today", "today", metavar="YYYY-MM-DD", hidden=True)
@pass_context
def new(ctx: Context, title: str | None, country: str | None, source_url: str | None,
        source_title: str | None, assignee: str | None, sensitivity: str,
        today: str | None) -> None:
    """Start a case: cases/<next id>.md at stage intake, with placeholders to fill.

    In a terminal with no options, asks for the title, country and first source.
    Never overwrites a file; prints the new file's path.
    """
    import datetime as dt

    from generator.review.newcase import create_case

    config = ctx.config
    interactive = sys.stdin.isatty() and not any(
        (title, country, source_url, source_title, assignee))
    if interactive:
        title = click.prompt("Title", default="", show_default=False) or None
        country = click.prompt("Country (ISO 3166-1 alpha-3)", default="",
                               show_default=False) or None
        source_url = click.prompt("First source URL", default="", show_default=False) or None
        source_title = click.prompt("First source title", default="",
                                    show_default=False) or None
        assignee = click.prompt("Your handle", default="", show_default=False) or None
    path = create_case(config, today=_today(today) or dt.date.today(), title=title,
                       country=country, source_url=source_url, source_title=source_title,
                       assignee=assignee, sensitivity=sensitivity)
    click.echo(config.relative(path))


@cli.command()
@click.argument("base_ref", metavar="BASE")
@click.argument("head_ref", metavar="[HEAD]", required=False)
@click.option("--format", "fmt", type=click.Choice(["markdown", "json", "text"]),
              default="markdown", show_default=True)
@pass_context
def diff(ctx: Context, base_ref: str, head_ref: str | None, fmt: str) -> None:
    """Summarise what changed between BASE and HEAD (default: the working tree), for a
    pull request: new, closed and reopened cases, stage moves, every changed field."""
    from generator.checks.corpus import load_corpus
    from generator.review.compare import render_summary, summarize

    config = ctx.config
    corpus = None if head_ref else load_corpus(config)
    base, head, origin = _snapshots(config, corpus, base_ref, head_ref)
    summary = summarize(base, head, origin=origin)
    click.echo(render_summary(summary, fmt), nl=False)


@cli.command()
@click.argument("case_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_context
def history(ctx: Context, case_id: str, fmt: str) -> None:
    """Show every commit that changed a case, newest first, field by field."""
    from generator.history.reader import HistoryStatus, read_history, show_value

    config = ctx.config
    path = _case_path(config, case_id)
    rel = _repo_relative(path)
    result = read_history(config, paths=[rel] if rel else None)
    case = result.of(rel) if rel else None
    commits = case.commits if case else []
    if fmt == "json":
        click.echo(json.dumps({
            "id": case_id, "path": config.relative(path), "status": result.status.value,
            "commits": [{
                "hash": c.hash, "author": c.author, "email": c.email,
                "date": c.date.isoformat(), "subject": c.subject, "path": c.path,
                "changes": [{"field": ch.field, "old": ch.old, "new": ch.new}
                            for ch in c.changes],
            } for c in commits],
        }, indent=2, ensure_ascii=False, default=str))
        return
    if result.status is not HistoryStatus.COMPLETE:
        click.echo(click.style(f"warning: {result.message}", fg="yellow"), err=True)
    plural = "" if len(commits) == 1 else "s"
    click.echo(click.style(f"{case_id}", bold=True) + f"  {config.relative(path)}  "
               f"({len(commits)} commit{plural})")
    for commit in commits:
        click.echo()
        click.echo(f"{commit.date.date().isoformat()}  {click.style(commit.short, fg='yellow')}"
                   f"  {commit.author}  {commit.subject}")
        if commit.path != config.relative(path) and rel and commit.path != rel:
            click.echo(f"    (as {commit.path})")
        for change in commit.changes:
            click.echo(f"    {click.style(change.field, fg='cyan')}: "
                       f"{show_value(change.old)} -> {show_value(change.new)}")


@cli.command()
@click.argument("case_id", metavar="ID")
@click.option("--field", "field_name", metavar="KEY",
              help="Only this field and the fields under it, e.g. harm or harm.killed.")
@pass_context
def blame(ctx: Context, case_id: str, field_name: str | None) -> None:
    """Show the commit, author and date that last set each front matter value."""
    import git

    from generator.history.reader import show_value
    from generator.review.blame import blame_file

    config = ctx.config
    path = _case_path(config, case_id)
    try:
        fields = blame_file(path)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        click.echo("casebook: not a git repository: there is no history to blame", err=True)
        sys.exit(EXIT_USAGE)
    except git.GitCommandError as err:
        click.echo(f"casebook: git blame failed: {err.stderr.strip()}", err=True)
        sys.exit(EXIT_USAGE)
    if field_name:
        fields = [f for f in fields if f.field == field_name
                  or f.field.startswith((f"{field_name}.", f"{field_name}["))]
        if not fields:
            click.echo(f"casebook: {case_id} has no field {field_name}", err=True)
            sys.exit(EXIT_USAGE)
    width = max((len(f.field) for f in fields), default=0)
    for f in fields:
        origin = f.origin
        who = (f"{click.style(origin.hash[:8], fg='yellow')}  {origin.date.date().isoformat()}"
               f"  {origin.author}") if origin.committed else "not committed yet"
        click.echo(f"{click.style(f.field.ljust(width), fg='cyan')}  {who}  "
                   f"{show_value(f.value)}")


def _repo_relative(path: Path) -> str | None:
    """The path relative to the top of its git repository, as history keys it."""
    import git

    try:
        repo = git.Repo(path.parent, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    try:
        top = Path(repo.working_tree_dir or ".").resolve()
        return path.resolve().relative_to(top).as_posix()
    finally:
        repo.close()


@cli.command()
@click.argument("site_dir", metavar="SITE_DIR",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--profile", "profile_name", metavar="NAME",
              help="The profile the site was built with (default: internal, or "
                   "CASEBOOK_PROFILE).")
@pass_context
def leakcheck(ctx: Context, site_dir: Path, profile_name: str | None) -> None:
    """Check a built site for any value its profile removed (exit 1 on a leak)."""
    from generator.checks.corpus import load_corpus
    from generator.history.reader import read_history
    from generator.publish.build import profile_named
    from generator.publish.leakcheck import scan
    from generator.publish.profiles import removed_values

    config = ctx.config
    try:
        chosen = profile_named(config, profile_name)
    except KeyError as err:
        raise click.BadParameter(str(err.args[0]), param_hint="--profile") from None
    corpus = load_corpus(config)
    history = read_history(config)
    histories = {f.case.id: history.for_file(f.path) for f in corpus.files if f.case}
    removed = removed_values(corpus.cases, histories, chosen)
    leaks = scan(site_dir, removed)
    for leak in leaks:
        click.echo(f"leak: {leak}")
    click.echo(f"{len(removed.values)} removed values checked in {site_dir}: "
               f"{len(leaks)} leak{'s' if len(leaks) != 1 else ''}")
    sys.exit(1 if leaks else 0)


@cli.command(name="rules")
def rules_command() -> None:
    """List every diagnostic code the validator can report."""
    from generator.records.diagnostics import RULES

    for rule in RULES.values():
        click.echo(f"{rule.code}  {rule.name:<26} {rule.severity.value:<8} {rule.summary}")


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the `casebook` console script."""
    return cli.main(args=argv, prog_name="casebook")
