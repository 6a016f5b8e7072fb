"""Where a live-preview rebuild spends its time, part by part, in one process.

In a casebook project (one that bench/run.py or bench/corpus.py made, kept with
``--keep``) this does what `mkdocs serve --livereload --dirty` does, in this
process: a first build into a temporary site folder, then, for each of
``--edits`` published cases, a changed title saved and one dirty rebuild with
the configuration loaded again. Each rebuild is timed as a whole and in its
parts, on the wall clock and in CPU time of the thread that builds (the
steadier figure on a shared machine: the search indexing runs in a thread and a
process of its own, and other work may share the cores):

- casebook's part: the generation and its steps (reading and checking the cases,
  the history, what the profile removes, planning the pages, rendering them
  through the memo, writing what changed) and the leak check of what the
  rebuild wrote;
- mkdocs' part: the files, the navigation, Markdown to HTML of the pages whose
  Markdown changed (the saved case's own page apart from the listings and other
  pages it appears on), the static files, the theme's templates and pages.

The search indexing that follows each rebuild is waited for before the next
save, so that it does not share the CPU with the rebuild measured.

Usage::

    .venv/bin/python bench/preview_profile.py PROJECT [--edits 3]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import functools
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from measure import table_lines
from run import TODAY, edited_cases, retitled

Clock = list[float]
"""Wall seconds, CPU seconds of the thread, calls."""

PARTS: list[tuple[str, str, str]] = [
    # (label, module, attribute): what is timed, in the order of a rebuild.
    ("mkdocs: load the configuration", "mkdocs.config", "load_config"),
    ("casebook: generate (all of it)", "generator.preview.plugin", "generate"),
    ("  read and check the cases", "generator.preview.pipeline", "CachingPipeline.load_corpus"),
    ("  the history", "generator.preview.pipeline", "CachingPipeline.read_history"),
    ("  hold the history against the cases", "generator.publish.build", "check_history"),
    ("  what the profile removes (removed_values)", "generator.publish.build",
     "removed_values"),
    ("  plan every page (SiteBuilder.build)", "generator.publish.site.pages",
     "SiteBuilder.build"),
    ("  render the pages through the memo", "generator.preview.pipeline",
     "CachingPipeline.render_page"),
    ("  the exports", "generator.publish.site.exports", "build_exports"),
    ("  write what changed", "generator.publish.steps", "Tree.put"),
    ("  remove what is no longer made", "generator.publish.steps", "Tree.finish"),
    ("mkdocs: the files", "mkdocs.commands.build", "get_files"),
    ("mkdocs: the navigation", "mkdocs.commands.build", "get_navigation"),
    ("mkdocs: Markdown to HTML of the changed pages", "mkdocs.commands.build",
     "_populate_page"),
    ("mkdocs: copy the static files (the exports among them)", "mkdocs.structure.files",
     "Files.copy_static_files"),
    ("mkdocs: the theme's templates (404, sitemap)", "mkdocs.commands.build",
     "_build_theme_template"),
    ("mkdocs: the pages through the theme", "mkdocs.commands.build", "_build_page"),
    ("casebook: the leak check of what was written", "generator.preview.pipeline",
     "CachingPipeline.leaks"),
]
MARKDOWN = "mkdocs: Markdown to HTML of the changed pages"


class Timings:
    """What each part took in one rebuild, and what each page's Markdown took."""

    def __init__(self) -> None:
        self.parts: dict[str, Clock] = collections.defaultdict(lambda: [0.0, 0.0, 0.0])
        self.pages: dict[str, Clock] = collections.defaultdict(lambda: [0.0, 0.0, 0.0])

    def clear(self) -> None:
        self.parts.clear()
        self.pages.clear()

    def wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent = (time.perf_counter() - wall, time.thread_time() - cpu)
                # A page a dirty build renders: its Markdown is newer than its HTML.
                rendered = label == MARKDOWN and args[0].file.is_modified()
                for clock in [self.parts[label]] + (
                        [self.pages[args[0].file.src_uri]] if rendered else []):
                    clock[0] += spent[0]
                    clock[1] += spent[1]
                    clock[2] += 1
        return timed


def instrument(timings: Timings) -> None:
    """Put a timer around every part of PARTS, where it is looked up when called."""
    import importlib

    for label, module_name, attribute in PARTS:
        module = importlib.import_module(module_name)
        owner: Any = module
        *path, name = attribute.split(".")
        for step in path:
            owner = getattr(owner, step)
        setattr(owner, name, timings.wrap(label, getattr(owner, name)))


def rebuild_rows(timings: Timings, case_id: str, total: tuple[float, float]) -> list[list[str]]:
    rows = [[f"**the whole rebuild** ({case_id})", f"{total[0]:.3f}", f"{total[1]:.3f}", ""]]
    rows += [[label, f"{c[0]:.3f}", f"{c[1]:.3f}", f"{c[2]:.0f}"]
             for label, *_ in PARTS if (c := timings.parts.get(label))]
    case_page = f"cases/{case_id}.md"
    own = timings.pages.get(case_page, [0.0, 0.0, 0.0])
    others = [c for page, c in timings.pages.items() if page != case_page]
    rows.append(["  of it, the saved case's own page", f"{own[0]:.3f}", f"{own[1]:.3f}",
                 f"{own[2]:.0f}"])
    rows.append(["  of it, the other pages it is on (listings, dashboard, map)",
                 f"{sum(c[0] for c in others):.3f}", f"{sum(c[1] for c in others):.3f}",
                 f"{len(others)}"])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("project", type=Path, help="a casebook project with its cases")
    parser.add_argument("--edits", type=int, default=3, help="saves timed (default 3)")
    args = parser.parse_args(argv)
    project = args.project.resolve()
    os.chdir(project)
    noon = dt.datetime.combine(dt.date.fromisoformat(TODAY), dt.time(12), tzinfo=dt.UTC)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(noon.timestamp()))
    logging.getLogger("mkdocs").setLevel(logging.WARNING)

    import mkdocs.config
    from mkdocs.commands.build import build

    timings = Timings()
    instrument(timings)
    # Looked up after `instrument`, so that loading the configuration is timed too.
    load_config = mkdocs.config.load_config
    site = tempfile.mkdtemp(prefix="casebook-preview-profile-")
    config = load_config("mkdocs.yml", site_dir=site)
    config.plugins.on_startup(command="serve", dirty=True)
    plugin: Any = config.plugins["casebook"]
    started = time.perf_counter()
    build(config, dirty=True)
    plugin.search.wait(1800)
    print(f"First build and its search index: {time.perf_counter() - started:.1f} s.\n")

    totals: list[tuple[float, float]] = []
    for k, case_id in enumerate(edited_cases(project, args.edits), start=1):
        path = project / "cases" / f"{case_id}.md"
        path.write_text(retitled(path.read_text(encoding="utf-8"), f" (profiled save {k})"),
                        encoding="utf-8")
        timings.clear()
        wall, cpu = time.perf_counter(), time.thread_time()
        build(load_config("mkdocs.yml", site_dir=site), dirty=True)
        totals.append((time.perf_counter() - wall, time.thread_time() - cpu))
        shown = f"(profiled save {k})" in (Path(site) / "cases" / case_id / "index.html"
                                           ).read_text(encoding="utf-8")
        print(f"Save {k}: the page shows it: {shown}.\n")
        print("\n".join(table_lines(["part", "wall s", "CPU s (building thread)", "calls"],
                                    rebuild_rows(timings, case_id, totals[-1]))))
        print()
        plugin.search.wait(1800)
    print(f"Median of {len(totals)} rebuilds: {statistics.median(t[0] for t in totals):.3f} s "
          f"wall, {statistics.median(t[1] for t in totals):.3f} s CPU of the building thread.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
