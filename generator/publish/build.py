"""The site build, readable top-down: validate, choose what to publish, plan, write.

`generate` writes the site's Markdown pages, exports and assets into the
generated docs folder (mkdocs' docs_dir), touching only files whose content
changed, so that mtimes stay meaningful and `mkdocs serve` does not loop.
`build_site` then runs mkdocs on it. The mkdocs plugin calls `generate` too,
so plain `mkdocs build` and `mkdocs serve` produce the same site.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from generator.checks.corpus import Corpus, load_corpus
from generator.checks.rules import check_history
from generator.config import Config
from generator.history.reader import History, read_history
from generator.preview.memo import Memo
from generator.progress import progress
from generator.publish.leakcheck import Leak, scan
from generator.publish.profiles import DEFAULT_PROFILE, Profile, Removed, profile, removed_values
from generator.records.diagnostics import Report

KEEP = frozenset({".gitkeep"})
"""Files in the generated folder that the generator never removes."""


class BuildError(Exception):
    """Raised by `generate` when the cases have errors: nothing is published."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{report.errors} error(s) in the cases: run `casebook validate`")
        self.report = report


class LeakError(Exception):
    """Raised by `build_site` when the leak check finds a removed value in the site."""

    def __init__(self, leaks: list[Leak]) -> None:
        super().__init__(f"the built site contains {len(leaks)} value(s) that the profile "
                         "removed; the site was deleted")
        self.leaks = leaks


@dataclass(slots=True)
class Generated:
    """What one generation wrote."""

    corpus: Corpus
    profile: Profile
    published: int
    today: dt.date
    history: History | None = None
    removed: Removed = field(default_factory=Removed)
    """What the profile left out: the leak check looks for it in the built site."""
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed_files: list[str] = field(default_factory=list)


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


def generate(config: Config, *, corpus: Corpus | None = None, today: dt.date | None = None,
             profile: Profile | None = None, with_history: bool = True,
             history: History | None = None, memo: Memo | None = None,
             show_progress: bool = False) -> Generated:
    """Validate the cases and write the site's source files; raise BuildError on errors.

    A caller that has read the corpus or the history already (a watching server,
    for files and commits unchanged since its last build) passes them in, and a
    memo of the last build's outputs to render again only what changed."""
    from generator.publish.site.assets import asset_files
    from generator.publish.site.context import Site
    from generator.publish.site.exports import build_exports
    from generator.publish.site.facts import case_facts
    from generator.publish.site.pages import SiteBuilder
    from generator.publish.site.render import environment, fingerprint, render_page

    today = build_date(today)
    profile = profile or profile_named(config, None)

    # 1. Read and check every case; refuse to publish anything if one has errors.
    corpus = corpus or load_corpus(config, today=today, show_progress=show_progress)
    report = corpus.report()
    if report.errors:
        raise BuildError(report)

    # 2. Read the history of every case from git, once, and hold it against each
    #    case's own stage history (differences are warnings, not errors).
    if history is None and with_history:
        history = read_history(config)
    if history is not None:
        check_history(corpus.files, history, config.settings.history_tolerance_days)

    # 3. Choose what this profile publishes, and derive what pages need to know.
    files = [f for f in corpus.files if f.case is not None and profile.publishes(f.case)]
    published_ids = {f.case.id for f in files if f.case is not None}
    histories = {f.case.id: history.for_file(f.path) if history else None
                 for f in corpus.files if f.case is not None}
    facts = [case_facts(profile.view(f.case, published_ids), f.body, today,
                        config.settings.stalled_days,
                        profile.view_history(histories[f.case.id], published_ids))
             for f in files if f.case is not None]
    removed = removed_values(corpus.cases, histories, profile)

    # 4. Plan every page, then render them all.
    site = Site(name=config.site_name, profile=profile.name, generated=today, cases=len(facts))
    memo = memo if memo is not None else Memo()
    memo.begin()
    builder = SiteBuilder(config, site, facts, today, history, memo)
    pages = builder.build()
    templates = config.root / "templates" / "site"
    env = environment(templates)
    templates_now = fingerprint(templates)
    output: dict[str, bytes] = {}
    with progress("Rendering pages", len(pages), enabled=show_progress) as advance:
        for page in pages:
            output[page.path] = memo.get(
                ("page", page.path), (templates_now, page),
                functools.partial(render_page, env, page))
            advance(1)
    for name, content in build_exports([f.case for f in facts], profile=profile.name,
                                       generated=today, memo=memo).items():
        output[f"exports/{name}"] = content
    memo.end()
    output.update(builder.files)
    output.update(asset_files(config.root / "templates" / "assets"))

    # 5. Write what changed, and remove what is no longer part of the site.
    result = Generated(corpus=corpus, profile=profile, published=len(facts), today=today,
                       history=history, removed=removed)
    write_tree(config.generated_dir, output, result, memo.on_disk)
    return result


def write_tree(target: Path, files: dict[str, bytes], result: Generated,
               on_disk: dict[str, tuple[bytes, tuple[int, int]]] | None = None) -> None:
    """Make `target` hold exactly `files`, rewriting only those whose content differs.

    `on_disk` (see `Memo.on_disk`) spares reading a file whose modification time and
    size are those it had when this process last wrote or read the same bytes."""
    target.mkdir(parents=True, exist_ok=True)
    known = on_disk if on_disk is not None else {}
    for rel_path, content in sorted(files.items()):
        path = target / rel_path
        try:
            stat = path.stat()
            now = (stat.st_mtime_ns, stat.st_size)
            last = known.get(rel_path)
            if (last is not None and last[1] == now and last[0] == content) or (
                    path.read_bytes() == content):
                known[rel_path] = (content, now)
                result.unchanged += 1
                continue
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(content)
        stat = temporary.stat()
        temporary.replace(path)
        known[rel_path] = (content, (stat.st_mtime_ns, stat.st_size))
        result.written.append(rel_path)
    wanted = set(files)
    for gone in known.keys() - wanted:
        del known[gone]
    for path in sorted(target.rglob("*"), reverse=True):
        rel_path = path.relative_to(target).as_posix()
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif rel_path not in wanted and path.name not in KEEP:
            path.unlink()
            result.removed_files.append(rel_path)


def build_site(config: Config, *, today: dt.date | None = None, profile: Profile | None = None,
               corpus: Corpus | None = None, strict: bool = True,
               show_progress: bool = False) -> Generated:
    """Generate the pages, then let mkdocs turn them into the static site in `site/`."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as load_mkdocs_config

    if config.source is None:
        raise FileNotFoundError("casebook build needs an mkdocs.yml")
    generated = generate(config, corpus=corpus, today=today, profile=profile,
                         show_progress=show_progress)
    mkdocs_config = load_mkdocs_config(str(config.source), strict=strict)
    plugin = mkdocs_config.plugins.get("casebook")
    if plugin is not None:
        # The plugin would generate again before the build: hand it what we made.
        plugin.pregenerated = generated
    build(mkdocs_config)

    # Prove that nothing the profile removed reached the site; never leave one that leaks.
    site_dir = Path(mkdocs_config.site_dir)
    leaks = scan(site_dir, generated.removed)
    if leaks:
        shutil.rmtree(site_dir, ignore_errors=True)
        raise LeakError(leaks)
    return generated
