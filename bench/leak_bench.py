"""Time the leak check's share of one `casebook build` of a project.

    python bench/leak_bench.py PROJECT [--profile public] [--today 2026-11-28]

PROJECT is a casebook project (make one with `bench/corpus.py OUT -n 10000
--history`, then copy `mkdocs.yml` and `templates/` into it). The build runs once,
with `site/` removed first, as `casebook build` runs it: generating in a child
process, then mkdocs in another while this process lists what the profile
removes (`--in-process`: all in this process, one step after the other). The
three parts of the leak check are timed where the build calls them: listing
what the profile removes (`removed_values`: `list_removed`, with reading and
writing its cache in .cache/casebook/), building the automaton (`Finder`) and
reading the site (`scan_with`, with reading and writing the list of files
found clean). The listing's time is given whole and, when mkdocs built beside
it, as the part of it that the build waited for after mkdocs had ended: the
leak check's share counts that part only. `--cold` removes the leak
check's caches first; `--new-code` keeps them but changes the digest of the code
that looks for values (`removedcache.checking_code`), as the first build at a
revision of the leak check finds them; `--new-reading` changes their format
instead, as a revision of how text is read does (every text is read again, and
only the automaton, known by its keys, is kept). Prints one Markdown table
row per part and the whole build, then each part's CPU time in this process and
in the worker processes it started. A build that finds leaks has read every file
all the same: its time is reported with the count, and the first leaks are
printed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def timed(spent: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, its wall time added to `spent[name]`, its CPU time (this process's,
    and its worker processes', which end inside it) to `spent[name + " cpu"]` and
    `spent[name + " workers"]`."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, cpu, workers = time.perf_counter(), time.process_time(), _children()
        try:
            return function(*args, **kwargs)
        finally:
            for part, used in ((name, time.perf_counter() - started),
                               (f"{name} cpu", time.process_time() - cpu),
                               (f"{name} workers", _children() - workers)):
                spent[part] = spent.get(part, 0.0) + used

    return wrapper


def _children() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def keep(results: list[Any], function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        results.append(result)
        return result

    return wrapper


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--profile", default="public")
    parser.add_argument("--today", default="2026-11-28")
    parser.add_argument("--cold", action="store_true",
                        help="remove the leak check's caches first (not the history's)")
    parser.add_argument("--new-code", action="store_true",
                        help="change the digest of the code that looks for values, as a new "
                             "revision of the leak check does (not of how it reads text)")
    parser.add_argument("--in-process", action="store_true",
                        help="generate and run mkdocs in this process, the listing after "
                             "the generation (as the tests build)")
    parser.add_argument("--new-reading", action="store_true",
                        help="give the leak check's caches another format, as a new revision "
                             "of how it reads text does: every text is read again")
    args = parser.parse_args()
    args.project = args.project.resolve()  # named from here, read from inside it
    sys.path.insert(0, str(HERE.parent))
    os.chdir(args.project)
    from generator.config import load_config
    from generator.publish import build, isolate, removedcache
    from generator.publish.removedcache import CleanFiles, RemovedCache

    if args.new_code:
        revision = os.urandom(4).hex()
        removedcache.checking_code = lambda: revision
    if args.new_reading:
        removedcache.FORMAT = f"{removedcache.FORMAT}-{os.urandom(4).hex()}"  # type: ignore[assignment]

    spent: dict[str, float] = {}
    marks: dict[str, float] = {}
    listing, finding = build.list_removed, build.Finder

    def list_removed(*args: Any, **kwargs: Any) -> Any:
        marks.setdefault("listing", time.perf_counter())
        return listing(*args, **kwargs)

    def finder(*args: Any, **kwargs: Any) -> Any:
        try:
            return finding(*args, **kwargs)
        finally:
            marks["found"] = time.perf_counter()

    build.list_removed = timed(spent, "removed_values", list_removed)
    started_beside = isolate.beside

    @contextlib.contextmanager
    def beside(*args: Any, **kwargs: Any) -> Any:
        with started_beside(*args, **kwargs) as running:
            if running.name == "run_mkdocs":  # not the generation (`in_child`)
                running.future.add_done_callback(
                    lambda _: marks.setdefault("mkdocs", time.perf_counter()))
            yield running

    isolate.beside = beside  # type: ignore[assignment]
    # Reading and writing what earlier builds listed count with the listing.
    load = RemovedCache.load.__func__  # type: ignore[attr-defined]
    RemovedCache.load = classmethod(timed(spent, "removed_values", load))  # type: ignore[assignment]
    RemovedCache.save = timed(spent, "removed_values", RemovedCache.save)  # type: ignore[method-assign]
    # Reading and writing the files found clean count with the scan.
    opened = CleanFiles.open.__func__  # type: ignore[attr-defined]
    CleanFiles.open = classmethod(timed(spent, "scan_with", opened))  # type: ignore[assignment]
    CleanFiles.save = timed(spent, "scan_with", CleanFiles.save)  # type: ignore[method-assign]
    build.Finder = timed(spent, "Finder", finder)
    build.scan_with = timed(spent, "scan_with", build.scan_with)
    shutil.rmtree(args.project / "site", ignore_errors=True)
    if args.cold:
        cache = args.project / ".cache" / "casebook"
        for path in [*cache.glob("removed-*"), *cache.glob("scanned-*"),
                     *cache.glob("finder-*.pickle"), *cache.glob("automaton-*.pickle")]:
            path.unlink()
    config = load_config(args.project / "mkdocs.yml")
    found: list[Any] = []
    build.Finder = keep(found, build.Finder)
    started = time.perf_counter()
    leaks: list[Any] = []
    try:
        built = build.build_site(config, today=dt.date.fromisoformat(args.today),
                                 profile=build.profile_named(config, args.profile),
                                 isolated=not args.in_process)
    except build.LeakError as err:  # the scan ran to its end: its time stands
        leaks = err.leaks
        built = None
    whole = time.perf_counter() - started
    listed, finder_s = spent.get("removed_values", 0.0), spent.get("Finder", 0.0)
    if "mkdocs" in marks:  # built beside the listing: what of it ran after mkdocs ended
        waited = max(0.0, marks["found"] - max(marks["mkdocs"], marks["listing"]))
    else:
        waited = listed + finder_s
    leak = waited + spent.get("scan_with", 0.0)
    print({name: round(at - started, 2) for name, at in marks.items()})
    removed = found[0].removed
    published = f"{built.published} published" if built is not None else "built"
    print(f"{published} ({args.profile} profile), {len(removed.values)} removed values, "
          f"{len(leaks)} leaks")
    for one in leaks[:5]:
        print(f"  {one}")
    print("| part | s | share of the build |\n|---|---|---|")
    print(f"| removed_values | {listed:.2f} | {listed / whole:.1%} |")
    print(f"| Finder | {finder_s:.2f} | {finder_s / whole:.1%} |")
    if "mkdocs" in marks:
        print(f"| of these two, after mkdocs ended | {waited:.2f} | {waited / whole:.1%} |")
    for name in ("scan_with",):
        print(f"| {name} | {spent.get(name, 0.0):.2f} | {spent.get(name, 0.0) / whole:.1%} |")
    print(f"| the leak check | {leak:.2f} | {leak / whole:.1%} |")
    print(f"| the whole build | {whole:.2f} | 100% |")
    print("CPU s (this process / its workers): " + ", ".join(
        f"{name} {spent.get(f'{name} cpu', 0.0):.2f} / {spent.get(f'{name} workers', 0.0):.2f}"
        for name in ("removed_values", "Finder", "scan_with")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
