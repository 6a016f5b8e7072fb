"""Peak memory of the search indexer (Pagefind's binary) on a built site's case pages.

    python bench/search_memory.py SITE [--part-pages 1000 ...] [--glob 'cases/CH-2024-*/*.html' ...]

SITE is the `site/` folder of a built project (e.g. one `bench/site_bench.py
--keep` left). For each `--part-pages` (default: the build's, `PART_PAGES`) the
case pages are cut into parts as `generator.publish.search.index_site` cuts
them, and each part is indexed as the build indexes it, in a child process
that writes into a temporary folder, never into SITE; its process tree is
sampled, and one Markdown table row per part gives the pages indexed, the wall
time and the peak resident memory of the indexer and of the Python side, then
a row with the whole index's time (the parts' sum) and peak (the largest
part's). `--glob` measures one index of the pages a glob takes instead: how the
peak grows with the number of pages one index holds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import measure

CHILD = """
import asyncio, sys
from pathlib import Path
from generator.publish import search
print(asyncio.run(search._index(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve(),
                                sys.argv[3])))
"""


def measure_glob(python: Path, site: Path, glob: str, label: str | None = None) -> list[str]:
    """One index of the pages `glob` takes: label, pages, wall s, indexer and Python MiB."""
    with tempfile.TemporaryDirectory(prefix="casebook-search-memory-") as out:
        run = measure.check(measure.run_child(
            [str(python), "-c", CHILD, str(site), str(Path(out) / "pagefind"), glob],
            Path(out), sample=True), f"indexing {label or glob}")
    peaks = dict(run.peaks)
    indexer = max((mib for name, mib in peaks.items() if name.startswith("pagefind")),
                  default=0.0)
    python_side = max((mib for name, mib in peaks.items() if name.startswith("python")),
                      default=0.0)
    return [label or f"`{glob}`", run.stdout.strip(), f"{run.seconds:.1f}", f"{indexer:.0f}",
            f"{python_side:.0f}"]


def measure_parts(python: Path, site: Path, part_pages: int) -> list[list[str]]:
    """A row per part of the index the build makes with `part_pages`, then the whole's."""
    from generator.publish.search import _case_ids, part_glob, partition

    rows = []
    for part in partition(_case_ids(site), part_pages):
        label = f"{part.folder} of {part_pages}: {part.ids[0]} to {part.ids[-1]}"
        rows.append(measure_glob(python, site, part_glob(part), label))
        measure.progress(" | ".join(rows[-1]))
    total = [f"**all {len(rows)} parts of {part_pages}**",
             str(sum(int(row[1]) for row in rows)),
             f"{sum(float(row[2]) for row in rows):.1f}",
             f"{max((float(row[3]) for row in rows), default=0.0):.0f}",
             f"{max((float(row[4]) for row in rows), default=0.0):.0f}"]
    return [*rows, total]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site/ folder")
    parser.add_argument("--part-pages", type=int, action="append", dest="part_pages",
                        help="case pages in one part of the index (repeatable; "
                        "default: the build's)")
    parser.add_argument("--glob", action="append", dest="globs",
                        help="case pages to index as one index, relative to SITE (repeatable)")
    parser.add_argument("--python", type=Path, default=Path(sys.executable),
                        help="the virtualenv's python that runs the indexing")
    args = parser.parse_args()
    if not (args.site / "cases").is_dir():
        parser.error(f"{args.site} has no cases/ folder: is it a built casebook site?")
    from generator.publish.search import PART_PAGES

    rows = [measure_glob(args.python, args.site, glob) for glob in args.globs or []]
    for size in args.part_pages or ([] if args.globs else [PART_PAGES]):
        rows.extend(measure_parts(args.python, args.site, size))
    print("\n".join(measure.table_lines(
        ["index", "pages", "wall s", "indexer peak MiB", "python peak MiB"], rows)))
    print(f"\n{measure.machine()}; {measure.git_revision()}")


if __name__ == "__main__":
    main()
