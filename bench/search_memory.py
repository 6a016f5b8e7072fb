"""Peak memory of the search indexer (Pagefind's binary) on a built site's case pages.

    python bench/search_memory.py SITE [--glob 'cases/CH-2024-*/*.html' ...]

SITE is the `site/` folder of a built project (e.g. one `bench/site_bench.py
--keep` left). For each glob (default: every case page, as the build indexes
them) the indexing of `generator.publish.search` runs in a child process that
writes the index into a temporary folder, never into SITE; its process tree is
sampled, and one Markdown table row per glob gives the pages indexed, the wall
time and the peak resident memory of the indexer and of the Python side. Globs
that take a part of the pages show how the peak grows with the number of pages
one index holds (what a split into several indexes would cost each).
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
search.RESULT_PAGES = sys.argv[3]
print(asyncio.run(search._index(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve())))
"""


def measure_glob(python: Path, site: Path, glob: str) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="casebook-search-memory-") as out:
        run = measure.check(measure.run_child(
            [str(python), "-c", CHILD, str(site), str(Path(out) / "pagefind"), glob],
            Path(out), sample=True), f"indexing {glob}")
    peaks = dict(run.peaks)
    indexer = max((mib for name, mib in peaks.items() if name.startswith("pagefind")),
                  default=0.0)
    python_side = max((mib for name, mib in peaks.items() if name.startswith("python")),
                      default=0.0)
    return [f"`{glob}`", run.stdout.strip(), f"{run.seconds:.1f}", f"{indexer:.0f}",
            f"{python_side:.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site/ folder")
    parser.add_argument("--glob", action="append", dest="globs",
                        help="case pages to index, relative to SITE (repeatable; "
                        "default: every case page)")
    parser.add_argument("--python", type=Path, default=Path(sys.executable),
                        help="the virtualenv's python that runs the indexing")
    args = parser.parse_args()
    if not (args.site / "cases").is_dir():
        parser.error(f"{args.site} has no cases/ folder: is it a built casebook site?")
    from generator.publish.search import RESULT_PAGES

    rows = [measure_glob(args.python, args.site, glob) for glob in args.globs or [RESULT_PAGES]]
    print("\n".join(measure.table_lines(
        ["pages", "indexed", "wall s", "indexer peak MiB", "python peak MiB"], rows)))
    print(f"\n{measure.machine()}; {measure.git_revision()}")


if __name__ == "__main__":
    main()
