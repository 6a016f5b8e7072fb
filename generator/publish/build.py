"""The site build, readable top-down: validate, choose what to publish, plan, write.

`generate` writes the site's Markdown pages, exports and assets into the
generated docs folder (mkdocs' docs_dir), touching only files whose content
changed, so that mtimes stay meaningful and `mkdocs serve` does not loop. Its
expensive steps are those of a `Steps` (see `generator.publish.steps`), which
the live preview replaces by steps that reuse its last generation.

`build_site` (`casebook build`) generates, then runs mkdocs on the result with
the casebook plugin told not to generate again; a plain `mkdocs build` or
`mkdocs serve` has the plugin call `generate`, so every way produces the same site.

The live preview alone (the plugin under `mkdocs serve`) generates in drafts
mode: a case file with errors does not stop the site; it is left out of every
listing, chart and export, and shown on a page of its own with its problems.
A build for readers refuses to publish anything while a case has errors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from generator.checks.corpus import Corpus
from generator.checks.rules import check_history
from generator.config import Config
from generator.history.reader import CaseHistory, History
from generator.progress import progress
from generator.publish.leakcheck import Finder, Leak, Unprovable, cores_taken, scan_with
from generator.publish.profiles import (
    DEFAULT_PROFILE,
    Profile,
    Removed,
    Withholding,
    profile,
    removed_from,
    withholding,
)
from generator.publish.removedcache import CleanFiles, RemovedCache, collector_paused
from generator.publish.search import index_site
from generator.publish.steps import Outputs, Steps, same
from generator.records.diagnostics import Diagnostic, Report, Severity
from generator.records.loader import CaseFile
from generator.records.schema import CASE_ID_PATTERN, Case, Sensitivity

if TYPE_CHECKING:
    from generator.publish.site.facts import CaseFacts
    from generator.publish.site.pages import Draft, Page, Problems

PLUGIN_GENERATES = "generate"
"""The casebook plugin's option that `build_site` sets to False on the mkdocs
configuration it loads: the pages are generated already, from the same corpus."""


class BuildError(Exception):
    """Raised by `generate` when the cases have errors: nothing is published."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{report.errors} error(s) in the cases: run `casebook validate`")
        self.report = report

    def __reduce__(self) -> tuple[type[BuildError], tuple[Report]]:
        return (BuildError, (self.report,))  # raised in a child process, re-raised here


class LeakError(Exception):
    """Raised by `build_site` when the leak check finds a removed value in the site."""

    def __init__(self, leaks: list[Leak], unprovable: list[Unprovable] | None = None) -> None:
        super().__init__(f"the built site contains {len(leaks)} value(s) that the profile "
                         "removed; the site was deleted")
        self.leaks = leaks
        self.unprovable = unprovable or []


@dataclass(slots=True)
class Built:
    """What `build_site` reports of a build: its corpus and history are gone by then."""

    report: Report
    profile: Profile
    published: int
    today: dt.date
    written: int
    """How many of the generated files were written (the others were unchanged)."""
    history_message: str | None = None
    """Why the history is incomplete, when it is (None: no history was read)."""
    unprovable: list[Unprovable] = field(default_factory=list)
    """Removed values the leak check could not look for (warnings)."""


@dataclass(slots=True)
class Generated:
    """What one generation wrote."""

    corpus: Corpus
    profile: Profile
    published: int
    today: dt.date
    history: History | None = None
    removed: Removed | None = None
    """What the profile left out: the leak check looks for it in the built site (None
    with `generate`'s `check_later`: `build_site` reads and decides `withheld` while
    mkdocs builds)."""
    withheld: Withholding | None = None
    """What the profile withholds, gathered (with `check_later` only)."""
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed_files: list[str] = field(default_factory=list)
    problems: Problems | None = None
    """In drafts mode, what could not be published; None when every case is valid."""
    unprovable: list[Unprovable] = field(default_factory=list)
    """Removed values the leak check could not look for (warnings)."""


def build_date(today: dt.date | None = None) -> dt.date:
    """Today, or the date fixed by SOURCE_DATE_EPOCH for reproducible builds."""
    if today is not None:
        return today
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def profile_named(config: Config, name: str | None) -> Profile:
    """The profile named on the command line, else by CASEBOOK_PROFILE, else internal."""
    chosen = name or os.environ.get("CASEBOOK_PROFILE") or DEFAULT_PROFILE
    return profile(chosen, config.settings.profiles)


def generate(config: Config, *, today: dt.date | None = None, profile: Profile | None = None,
             with_history: bool = True, show_progress: bool = False,
             steps: Steps | None = None, drafts: bool = False,
             check_later: bool = False) -> Generated:
    """Validate the cases and write the site's source files; raise BuildError on errors.

    `steps` does the expensive work (plain `Steps` by default): a watching server
    passes steps that reuse what is unchanged since its last generation. `drafts`
    (the live preview only) publishes the valid cases and shows each case file
    with errors on a page of its own, with its problems, instead of raising.
    `check_later`: what the profile withholds is only gathered (see `Generated`)."""
    from generator.publish.site.assets import asset_files
    from generator.publish.site.context import Site
    from generator.publish.site.exports import EXPORTS_FOLDER, build_exports
    from generator.publish.site.pages import SiteBuilder

    steps = steps if steps is not None else Steps()
    today = build_date(today)
    profile = profile or profile_named(config, None)
    steps.begin()

    # 1. Read the history of every case from git, once. First: what reading it
    #    holds for a while (git's answers, the cache) then makes room for the cases,
    #    where after them it would stand beside every value's position.
    history = steps.read_history(config) if with_history else None

    # 2. Read and check every case; refuse to publish anything if one has errors,
    #    unless drafting: then only the valid cases are published. Hold each case
    #    against its history (differences are warnings, not errors).
    corpus = steps.load_corpus(config, today, show_progress)
    report = corpus.report()
    if report.errors and not drafts:
        raise BuildError(report)
    problems = find_problems(corpus, report, profile) if report.errors else None
    broken = {d.rel for d in problems.drafts} if problems else set()
    outputs = steps.outputs
    corpus, in_git = _held_against(corpus, history, config, outputs)
    corpus = without_positions(corpus)

    # 3. Choose what this profile publishes, and derive what pages need to know (each
    #    case's part kept by a watching server while its inputs are equal).
    files = [f for f in corpus.files
             if f.case is not None and f.rel not in broken and profile.publishes(f.case)]
    histories = {f.case.id: in_git.get(f.rel) for f in corpus.files if f.case is not None}
    views, facts = _published(files, histories, profile, today,
                              config.settings.stalled_days, outputs)
    withheld = withholding(corpus.cases, histories, profile,
                           bodies={f.case.id: f.body for f in corpus.files if f.case},
                           settings=config.settings.leakcheck, views=views, outputs=outputs,
                           drafts=[d.body for d in problems.drafts
                                   if d.shown] if problems else ())
    removed = None if check_later else _removed(config, profile, withheld, steps)

    # 4. Write the exports, then plan every page: what making the exports holds for
    #    a while is then room for the plans. Each file that changed is written as it
    #    is made; what is no longer part of the site is removed at the end.
    tree = steps.tree(config.generated_dir)
    for name, content in build_exports([f.case for f in facts], profile=profile.name,
                                       generated=today, outputs=steps.outputs).items():
        tree.put(f"{EXPORTS_FOLDER}{name}", content)
    site = Site(name=config.site_name, profile=profile.name, generated=today, cases=len(facts))
    builder = SiteBuilder(config, site, facts, today, history, steps.outputs)
    pages = builder.build()
    if problems is not None:
        pages = [*pages, *builder.problem_pages(problems)]
    templates = config.root / "templates" / "site"
    with progress("Rendering pages", len(pages), enabled=show_progress) as advance:
        for page in handed_over(pages):  # each plan goes once its page is rendered
            tree.put(page.path, steps.render_page(templates, page))
            advance(1)
    steps.end()
    for rel_path, content in {**builder.files,
                              **asset_files(config.root / "templates" / "assets")}.items():
        tree.put(rel_path, content)
    done = tree.finish()
    return Generated(corpus=corpus, profile=profile, published=len(facts), today=today,
                     history=history, removed=removed,
                     withheld=withheld if check_later else None,
                     written=done.written,
                     unchanged=done.unchanged, removed_files=done.removed, problems=problems)


def _removed(config: Config, chosen: Profile, withheld: Withholding, steps: Steps) -> Removed:
    """What the profile removed, read through the steps' cache (kept for the next)."""
    cache = steps.removed_cache(config, chosen.name)
    removed = removed_from(withheld, cache=cache, outputs=steps.outputs)
    steps.keep(cache)
    return removed  # the cache's decoded entries, tens of MiB at 10,000, go with it


def _held_against(corpus: Corpus, history: History | None, config: Config, outputs: Outputs
                  ) -> tuple[Corpus, dict[str, CaseHistory | None]]:
    """The corpus with what holding each case against its history found, and each case
    file's history. A watching server's memo keeps each file's part while the file and
    the history are as they were (the token is new only when the history differs)."""
    if history is None:
        return corpus, {}
    token = outputs.get(("history",), (history,), object)
    in_git = {f.rel: outputs.get(("in git", f.rel), (token, f.path),
                                 functools.partial(history.for_file, f.path))
              for f in corpus.files if f.case is not None}
    tolerance = config.settings.history_tolerance_days
    return corpus.adding([d for f in corpus.files for d in outputs.get(
        ("history check", f.rel), (f, in_git.get(f.rel), tolerance),
        functools.partial(check_history, [f], history, tolerance))]), in_git


def _published(files: list[CaseFile], histories: dict[str, CaseHistory | None],
               profile: Profile, today: dt.date, stalled: int, outputs: Outputs
               ) -> tuple[dict[str, Case], list[CaseFacts]]:
    """Each published case as the profile shows it, and its facts. The published ids and
    the profile are handed on as the last generation's objects when equal (`same`)."""
    published_ids = same(outputs, ("published",),
                         frozenset(f.case.id for f in files if f.case is not None))
    published = set(published_ids)
    chosen = same(outputs, ("profile",), profile)
    views = {f.case.id: outputs.get(("view", f.rel), (f.case, published_ids, chosen),
                                    functools.partial(profile.view, f.case, published))
             for f in files if f.case}
    facts = [outputs.get(("facts", f.rel), (views[f.case.id], f.body, today, stalled,
                                            histories[f.case.id], published_ids, chosen),
                         functools.partial(_facts, views[f.case.id], f.body, today, stalled,
                                           profile, histories[f.case.id], published))
             for f in files if f.case is not None]
    return views, facts


def _facts(view: Case, body: str, today: dt.date, stalled_days: int, profile: Profile,
           history: CaseHistory | None, published_ids: set[str]) -> CaseFacts:
    from generator.publish.site.facts import case_facts

    return case_facts(view, body, today, stalled_days,
                      profile.view_history(history, published_ids))


def handed_over(pages: list[Page]) -> Iterator[Page]:
    """Each of `pages` in order, taken out of the list (the builder's own) as it is
    handed over: the plans and the pages rendered from them are never all held at once."""
    pages.reverse()
    while pages:
        yield pages.pop()


def without_positions(corpus: Corpus) -> Corpus:
    """`corpus` without what only the checks read: where each value is written, and
    the raw data of each file the schema accepted (its record holds what it said).

    Every check that places a problem at a line and column has run by then; the
    positions are the larger part of a checked corpus (about 30 KB a case)."""
    return replace(corpus, files=tuple(
        replace(f, front_matter=None, data=None) if f.case is not None else f
        for f in corpus.files))


# --------------------------------------------------------------------------
# Drafts mode: what the live preview shows of the case files it cannot publish.

_SENSITIVITY_LINE = re.compile(r"^sensitivity:[ \t]*[\"']?([A-Za-z+]+)", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def find_problems(corpus: Corpus, report: Report, profile: Profile) -> Problems:
    """Every case file with an error, with its problems and its lines, and the errors
    about no case file; each file marked with whether this profile may show it."""
    from generator.publish.site.pages import Problems

    by_file: dict[str, list[Diagnostic]] = {}
    for d in report.diagnostics:
        by_file.setdefault(d.path, []).append(d)
    drafts = [_draft(f, tuple(by_file[f.rel]), profile) for f in corpus.files
              if any(d.severity is Severity.ERROR for d in by_file.get(f.rel, ()))]
    known = {f.rel for f in corpus.files}
    return Problems(tuple(drafts), tuple(d for d in report.diagnostics
                                         if d.path not in known))


def _draft(record: CaseFile, diagnostics: tuple[Diagnostic, ...], profile: Profile) -> Draft:
    from generator.publish.site.pages import Draft

    text = ""
    # What the reader refused to read (too large, binary, a link out of the
    # repository) is not read here either.
    if not any(d.code == "CB100" for d in diagnostics):
        try:
            text = record.path.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff")
        except OSError:
            text = ""
    lines = tuple(_CONTROL.sub("\ufffd", line) for line in text.splitlines())
    return Draft(rel=record.rel, data=record.data, body=record.body,
                 diagnostics=diagnostics, lines=lines,
                 shown=shows_draft(profile, record.data, text))


def shows_draft(profile: Profile, data: object, text: str) -> bool:
    """Whether the preview may show a case file with errors under `profile`.

    What cannot be read cannot be redacted: only a profile that removes nothing from
    the cases it publishes (the internal one) shows such a file, and only when the
    sensitivity it declares, read or found on its line, is one the profile publishes."""
    settings = profile.settings
    if (settings.redact_non_public_sources or settings.drop_people
            or settings.coordinate_decimals is not None or settings.restricted_fields):
        return False
    declared = data.get("sensitivity") if isinstance(data, dict) else None
    if not isinstance(data, dict) and (found := _SENSITIVITY_LINE.search(text)):
        declared = found.group(1).upper()
    if not isinstance(declared, str) or declared not in {s.value for s in Sensitivity}:
        return True  # none that the schema knows: a draft, not yet labelled
    return profile.publishes_sensitivity(Sensitivity(declared))


def theme_extra(result: Generated) -> dict[str, str]:
    """What the theme is told about the build, for the banner on every page."""
    chosen = result.profile
    return {
        "casebook_profile": chosen.name,
        "casebook_banner": (
            f"{chosen.name.capitalize()} build: cases up to "
            f"TLP:{chosen.max_sensitivity.value}, generated {result.today.isoformat()}. "
            "RED cases are never published."),
        # The search box goes straight to a case when the query is an id.
        "casebook_id_pattern": CASE_ID_PATTERN,
    }


def build_site(config: Config, *, today: dt.date | None = None, profile: Profile | None = None,
               strict: bool = True, show_progress: bool = False,
               isolated: bool = False) -> Built:
    """Generate the pages, then let mkdocs turn them into the static site in `site/`.

    The generation is this function's, not the plugin's: it raises `BuildError`
    with the report, and the leak check below raises `LeakError` with the leaks.
    The plugin is told not to generate again (`PLUGIN_GENERATES`). `isolated`
    generates, then runs mkdocs, each in a child process (`generator.publish.isolate`):
    this one holds only what the search index and the leak check need."""
    from generator.publish.isolate import in_child

    if config.source is None:
        raise FileNotFoundError("casebook build needs an mkdocs.yml")
    chosen = profile or profile_named(config, None)
    level = logging.getLogger("mkdocs").getEffectiveLevel()
    # Each in a child of its own when isolated: mkdocs' pages could not use the
    # room the generation freed, and the generation's largest step is its own.
    made = (in_child(generate_site, config, build_date(today), chosen, show_progress, level)
            if isolated else generate_site(config, build_date(today), chosen, show_progress))
    built, withheld, extra = made
    del made
    site_dir, finder = _site_and_finder(config, chosen, withheld, extra, strict, level,
                                        isolated)
    del withheld
    removed = finder.removed
    try:
        index_site(site_dir, part_pages=config.settings.search_part_pages)

        # Prove that nothing the profile removed reached the site (its search index
        # included); never leave one that leaks.
        built.unprovable = finder.unprovable
        clean = CleanFiles.open(config, built.profile.name, finder)
        with collector_paused():  # as for the listing: the scan's objects hold no cycles
            leaks = scan_with(site_dir, finder, clean=clean) if removed.values else []
        clean.save()
    except BaseException:
        # Nor one that was not proven clean (the indexer failed, a file could not be
        # read, the build was interrupted): the next step of a pipeline would publish it.
        shutil.rmtree(site_dir, ignore_errors=True)
        raise
    if leaks:
        shutil.rmtree(site_dir, ignore_errors=True)
        raise LeakError(leaks, finder.unprovable)
    return built


def _site_and_finder(config: Config, chosen: Profile, withheld: Withholding,
                     extra: dict[str, str], strict: bool, level: int, isolated: bool
                     ) -> tuple[Path, Finder]:
    """mkdocs' build of the site (`run_mkdocs`), and the leak check's finder of what
    the profile removed: when isolated, mkdocs builds in a child while this process
    lists the values, on the core mkdocs leaves free (listing them from nothing,
    at 10,000 cases, takes seconds of the build's time otherwise)."""
    from generator.publish.isolate import beside

    if not isolated:
        return run_mkdocs(config, extra, strict), Finder(list_removed(config, chosen, withheld))
    with beside(run_mkdocs, config, extra, strict, level) as running:
        try:
            with cores_taken(1):
                finder = Finder(list_removed(config, chosen, withheld))
        except BaseException:
            # mkdocs ends its site all the same: a site never checked is not left.
            with contextlib.suppress(Exception):
                shutil.rmtree(running.result(), ignore_errors=True)
            raise
        return running.result(), finder


def list_removed(config: Config, chosen: Profile, withheld: Withholding) -> Removed:
    """What the profile removed, as the leak check looks for it, read through what
    earlier builds of the profile read (`RemovedCache`, kept for the next)."""
    cache = RemovedCache.open(config, chosen.name)
    removed = removed_from(withheld, cache=cache)
    cache.save()
    return removed


def generate_site(config: Config, today: dt.date, profile: Profile, show_progress: bool,
                  log_level: int | None = None) -> tuple[Built, Withholding, dict[str, str]]:
    """`generate`, and of what it read only what the build needs afterwards: what it
    reports, what the profile withholds, and what the theme is told (`theme_extra`).

    `log_level`, in a child process, logs mkdocs' messages as the command does."""
    if log_level is not None:
        log_mkdocs(log_level)
    generated = generate(config, today=today, profile=profile, show_progress=show_progress,
                         check_later=True)
    history = generated.history
    assert generated.withheld is not None  # generated for a later check
    built = Built(report=generated.corpus.report(), profile=generated.profile,
                  published=generated.published, today=generated.today,
                  written=len(generated.written),
                  history_message=history.message if history is not None else None)
    return built, generated.withheld, theme_extra(generated)


def run_mkdocs(config: Config, extra: dict[str, str], strict: bool,
               log_level: int | None = None) -> Path:
    """mkdocs' build of the generated pages, the theme told `extra`; the site's folder."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as load_mkdocs_config

    if log_level is not None:
        log_mkdocs(log_level)
    mkdocs_config = load_mkdocs_config(str(config.source), strict=strict)
    plugin = mkdocs_config.plugins.get("casebook")
    if plugin is not None:
        plugin.config[PLUGIN_GENERATES] = False
    # Also without the plugin in mkdocs.yml: the theme refuses to render without it.
    mkdocs_config.extra.update(extra)
    build(mkdocs_config)
    return Path(mkdocs_config.site_dir)


MKDOCS_LOG_FORMAT = "%(levelname)-7s -  %(message)s"


def log_mkdocs(level: int) -> None:
    """mkdocs' messages from `level` up on standard error, as `casebook build` shows them."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(MKDOCS_LOG_FORMAT))
    logger = logging.getLogger("mkdocs")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
