"""Benchmark the full `casebook build` against a bare mkdocs-material build of plain pages.

For each corpus size N this makes, in a temporary folder:

- a casebook project: a copy of the repository's mkdocs.yml and templates/, an
  empty `.generated/docs/` and N valid cases (bench/corpus.py) in cases/ (no
  git history);
- the reference: a bare mkdocs-material project of N plain Markdown pages
  (headings, paragraphs, a table each) of the same average size as the case
  pages that `casebook build` generates, outside the navigation (`nav` lists
  index.md only, `not_in_nav` covers the pages), with the same theme and
  Markdown settings and the search plugin on.

It then times, each in a fresh process (interpreter start-up included, file
cache warm after one warm-up run), the median of several runs of
``casebook build --today 2026-11-28 --quiet`` (site/ and the generated pages
deleted before each run, so every run regenerates everything) and of
``mkdocs build --quiet`` (site/ deleted before each run); the two alternate so
that any drift of the machine affects both alike. Wall time, CPU time (user +
system) and peak RSS are the child's own, from ``os.wait4``; CPU time is the
steadier figure when other work shares the machine. A size whose build fails
is reported as such and the others are still measured (exit status 1).

It prints Markdown tables with the timings, the per-case times, the ratios
that issue 3 asks for (per-case build time at N / at 500, at most 1.15; full
build / bare mkdocs at the same N, at most 1.25) and the output sizes (HTML per
case page, the search index); with ``--write`` it also saves them to
bench/results-site.md. Standard library only: the commands run from the
virtualenv.

Usage::

    .venv/bin/python bench/site_bench.py [--large] [--write] [--sizes 500 2000] [--keep]
        [--runs 3] [--casebook PATH] [--mkdocs PATH]
"""

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from measure import (
    Measure,
    Run,
    StepFailed,
    add_common_arguments,
    check,
    find_tools,
    load_corpus_module,
    median_of,
    progress,
    provenance,
    run_child,
    sizes_of,
    table_lines,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results-site.md"
DEFAULT_SIZES = (500, 2000)
LARGE_SIZE = 10_000
TODAY = "2026-11-28"
PER_CASE_TARGET = 1.15  # per-case build time at N / at the smallest N
BARE_TARGET = 1.25  # full build / bare mkdocs-material build at the same N
HTML_TARGET_KB = 60  # issue 7: average HTML per case page
PAGES_DIR = "pages"  # where the bare project's plain pages live

# Top-level keys of the repository's mkdocs.yml that the reference copies verbatim:
# the theme (palettes, features, no web fonts) and how Markdown is rendered.
COPIED_KEYS = ("use_directory_urls", "strict", "theme", "markdown_extensions")
# Nested keys left out of the copy: casebook's own template overrides are part of what
# the full build costs, not of the bare mkdocs-material reference.
DROPPED_KEYS = ("custom_dir",)


@dataclass(frozen=True, slots=True)
class Output:
    """What one build left in site/."""

    pages: int  # HTML pages under site/<folder>/*/index.html
    html_bytes_avg: float
    search_index_bytes: int
    """The search index: Pagefind's folder (casebook), else lunr's search_index.json."""
    search_files: int
    largest_page: tuple[int, str]
    """The largest HTML page of the whole site: its bytes and its path in the site."""


@dataclass(frozen=True, slots=True)
class Row:
    n: int
    published: int
    case_md_bytes_avg: float
    bare_md_bytes_avg: float
    build: Measure
    bare: Measure
    build_output: Output
    bare_output: Output
    build_summary: str

    def per_case_ms(self, *, cpu: bool = False) -> float:
        return (self.build.cpu_seconds if cpu else self.build.seconds) / self.n * 1000

    def per_page_ms(self, *, cpu: bool = False) -> float:
        return (self.bare.cpu_seconds if cpu else self.bare.seconds) / self.n * 1000


@dataclass(frozen=True, slots=True)
class Failure:
    """A size whose measurement stopped because a command failed."""

    n: int
    message: str


def empty_folder(path: Path) -> None:
    """Make `path` an existing, empty folder."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)


# --- the casebook project -------------------------------------------------------------


def copy_site_files(folder: Path) -> None:
    """The repository's mkdocs.yml and templates/ in `folder`, and an empty docs folder."""
    shutil.copy2(REPO / "mkdocs.yml", folder / "mkdocs.yml")
    shutil.copytree(REPO / "templates", folder / "templates")
    (folder / ".generated" / "docs").mkdir(parents=True, exist_ok=True)


def make_casebook_project(corpus: ModuleType, folder: Path, n: int, seed: int) -> None:
    folder.mkdir(parents=True)
    copy_site_files(folder)
    corpus.write_corpus(folder, n, seed=seed)


def casebook_command(casebook: Path) -> list[str]:
    return [str(casebook), "build", "--today", TODAY, "--quiet"]


def remove_build(folder: Path) -> None:
    """No site/ and no generated pages: the next build regenerates everything."""
    shutil.rmtree(folder / "site", ignore_errors=True)
    empty_folder(folder / ".generated" / "docs")


def run_casebook(casebook: Path, folder: Path) -> Run:
    """One cold `casebook build` that regenerates every page and rebuilds site/."""
    remove_build(folder)
    return check(run_child(casebook_command(casebook), folder, sample=True), "casebook build")


# --- the bare mkdocs-material reference -----------------------------------------------


def top_level_blocks(text: str, keys: tuple[str, ...]) -> str:
    """The blocks of a YAML mapping's top-level `keys`, cut out verbatim (no YAML parser).

    A block runs from its `key:` line to the next line that starts at column 0
    with anything but a comment; trailing blank and comment lines are dropped.
    """
    lines = text.splitlines()
    blocks: list[str] = []
    for key in keys:
        start = next((i for i, line in enumerate(lines) if line.startswith(f"{key}:")), None)
        if start is None:
            continue
        end = start + 1
        while end < len(lines) and (not lines[end] or lines[end][0] in " \t#"):
            end += 1
        block = lines[start:end]
        while block and (not block[-1].strip() or block[-1].startswith("#")):
            block.pop()
        blocks.append("\n".join(block))
    return "\n".join(blocks) + "\n"


def drop_keys(text: str, keys: tuple[str, ...]) -> str:
    """`text` without the one-line settings named `keys` (at any depth) and the comment
    lines just above each of them."""
    kept: list[str] = []
    for line in text.splitlines():
        if line.strip().split(":", 1)[0] in keys and ":" in line:
            while kept and kept[-1].lstrip().startswith("#"):
                kept.pop()
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def bare_mkdocs_yml() -> str:
    copied = drop_keys(top_level_blocks((REPO / "mkdocs.yml").read_text(encoding="utf-8"),
                                        COPIED_KEYS), DROPPED_KEYS)
    return (
        "site_name: Bare reference\n"
        "docs_dir: docs\n"
        "site_dir: site\n"
        f"{copied}"
        "plugins:\n"
        "  - search\n"
        "nav:\n"
        "  - Home: index.md\n"
        "not_in_nav: |\n"
        f"  /{PAGES_DIR}/\n"
    )


_WORDS = (
    "report", "district", "strike", "shelter", "witness", "analysis", "munition", "harm",
    "partner", "review", "evidence", "imagery", "assessment", "civilian", "market", "clinic",
    "school", "accounts", "fragments", "damage", "monitoring", "incident", "casualties",
    "the", "of", "and", "in", "a", "to", "was", "were", "by", "near", "after", "before",
    "several", "local", "independent", "recorded", "confirmed", "reported", "limited",
)
_HEADINGS = ("Summary", "Incident", "Harm", "Weapons", "Sources", "Assessment",
             "Recommendations", "Actions", "History", "Context", "Notes", "Follow-up")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, size: int) -> str:
    sentences: list[str] = []
    length = 0
    while length < size:
        sentence = _sentence(rng)
        sentences.append(sentence)
        length += len(sentence) + 1
    return " ".join(sentences)


def _table(rng: random.Random, rows: int) -> str:
    lines = ["| Field | Value | Note |", "|---|---|---|"]
    for _ in range(rows):
        field = " ".join(rng.choice(_WORDS) for _ in range(2)).capitalize()
        value = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 4)))
        note = f"{rng.randint(2020, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        lines.append(f"| {field} | {value} | {note} |")
    return "\n".join(lines)


def plain_page(index: int, size: int, seed: int) -> str:
    """A plain Markdown page of about `size` bytes: sections of a heading, a paragraph
    and a table, then a last paragraph that makes up the remainder."""
    rng = random.Random(f"casebook-site-bench:{seed}:{index}")
    parts = [f"---\ntitle: Page {index:05d}\n---\n", f"# Plain page {index:05d}\n",
             _paragraph(rng, 200) + "\n"]
    length = sum(len(p) + 1 for p in parts)
    for section in range(len(_HEADINGS) * 4):
        heading = f"## {_HEADINGS[section % len(_HEADINGS)]} {section + 1}\n"
        body = _paragraph(rng, rng.randint(150, 400)) + "\n"
        table = _table(rng, rng.randint(4, 8)) + "\n"
        block = "\n".join((heading, body, table))
        if length + len(block) + 1 > size - 120:
            break
        parts.append(block)
        length += len(block) + 1
    rest = size - length - 1
    if rest > 20:
        last = _paragraph(rng, rest)
        while len(last) > rest and " " in last:
            last = last.rsplit(" ", 1)[0]
        parts.append(last.rstrip(".") + ".\n")
    return "\n".join(parts)


def make_bare_project(folder: Path, n: int, size: int, seed: int) -> float:
    """Write the reference project; returns the pages' average size in bytes."""
    docs = folder / "docs"
    (docs / PAGES_DIR).mkdir(parents=True)
    (folder / "mkdocs.yml").write_text(bare_mkdocs_yml(), encoding="utf-8")
    (docs / "index.md").write_text(
        "# Bare reference\n\nPlain pages outside the navigation, for the site benchmark.\n",
        encoding="utf-8")
    total = 0
    for i in range(n):
        path = docs / PAGES_DIR / f"page-{i:05d}.md"
        path.write_text(plain_page(i, size, seed), encoding="utf-8")
        total += path.stat().st_size
    return total / n


def mkdocs_command(mkdocs: Path) -> list[str]:
    return [str(mkdocs), "build", "--quiet"]


def run_bare(mkdocs: Path, folder: Path) -> Run:
    shutil.rmtree(folder / "site", ignore_errors=True)
    return check(run_child(mkdocs_command(mkdocs), folder), "mkdocs build")


# --- measuring ------------------------------------------------------------------------


def average_size(paths: list[Path]) -> float:
    return sum(p.stat().st_size for p in paths) / len(paths) if paths else 0.0


SEARCH_INDEXES = ("pagefind", "search/search_index.json")
"""Where a site's search index is: casebook's Pagefind folder, or mkdocs' lunr index."""


def search_files(site: Path) -> list[Path]:
    """The files of the site's search index (the first of `SEARCH_INDEXES` there is)."""
    for name in SEARCH_INDEXES:
        found = site / name
        if found.is_dir():
            return [p for p in found.rglob("*") if p.is_file()]
        if found.is_file():
            return [found]
    return []


def largest_page(site: Path) -> tuple[int, str]:
    """The bytes and the path of the site's largest HTML page (0 and "" when none)."""
    sizes = [(p.stat().st_size, p.relative_to(site).as_posix()) for p in site.rglob("*.html")]
    return max(sizes, default=(0, ""))


def site_output(site: Path, folder: str) -> Output:
    pages = sorted((site / folder).glob("*/index.html"))
    index = search_files(site)
    return Output(len(pages), average_size(pages), sum(p.stat().st_size for p in index),
                  len(index), largest_page(site))


def summary_line(run: Run) -> str:
    lines = run.stdout.strip().splitlines()
    return lines[-1] if lines else "no output"


def measure_site(project: Path, bare: Path, n: int, *, seed: int, runs: int, casebook: Path,
                 mkdocs: Path, say: Callable[[str], object] = progress,
                 warm_up: bool = True) -> Row:
    """The full `casebook build` of `project`, and the bare reference written into `bare`.

    A warm-up build of each fills the file cache; the casebook build gives the
    size of the generated case pages, which the reference's pages copy. Then the
    two builds alternate, so that any drift of the machine affects both alike.
    Without `warm_up` the first measured casebook build stands for the warm-ups
    (the median of three absorbs a slower first run), which saves two builds.
    Raises StepFailed when a build fails.
    """
    build_runs: list[Run] = []
    first = run_casebook(casebook, project)
    if warm_up:
        say(f"N={n}: warm-up casebook build {first.seconds:.1f} s: {summary_line(first)}")
    else:
        build_runs.append(first)
    generated = sorted((project / ".generated" / "docs" / "cases").glob("*.md"))
    case_md = average_size(generated)
    bare_md = make_bare_project(bare, n, round(case_md), seed)
    say(f"N={n}: {n} plain pages of {bare_md:.0f} bytes (case pages: {case_md:.0f})")
    if warm_up:
        say(f"N={n}: warm-up mkdocs build {run_bare(mkdocs, bare).seconds:.1f} s")

    bare_runs: list[Run] = []
    for i in range(runs):
        if len(build_runs) <= i:
            build_runs.append(run_casebook(casebook, project))
        bare_runs.append(run_bare(mkdocs, bare))
        say(f"N={n}: run {i + 1}/{runs}: casebook build {build_runs[-1].seconds:.2f} s, "
            f"bare mkdocs {bare_runs[-1].seconds:.2f} s")
    return Row(n, len(generated), case_md, bare_md, median_of(build_runs),
               median_of(bare_runs), site_output(project / "site", "cases"),
               site_output(bare / "site", PAGES_DIR), summary_line(build_runs[-1]))


def bench_size(corpus: ModuleType, n: int, *, seed: int, runs: int, casebook: Path,
               mkdocs: Path, keep: bool) -> Row | Failure:
    folder = Path(tempfile.mkdtemp(prefix=f"casebook-site-bench-{n}-"))
    project, bare = folder / "casebook", folder / "bare"
    try:
        started = time.perf_counter()
        make_casebook_project(corpus, project, n, seed)
        progress(f"N={n}: {n} cases in {project} ({time.perf_counter() - started:.1f} s)")
        return measure_site(project, bare, n, seed=seed, runs=runs, casebook=casebook,
                            mkdocs=mkdocs)
    except StepFailed as err:
        progress(f"N={n}: {err}")
        return Failure(n, str(err))
    finally:
        if keep:
            progress(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


# --- the report -----------------------------------------------------------------------


def timing_table(rows: list[Row]) -> list[str]:
    header = ["N", "cases published", "casebook build s", "build CPU s", "per case ms",
              "peak RSS build MiB", "bare mkdocs s", "bare CPU s", "per page ms",
              "peak RSS bare MiB", "build / bare", "build / bare (CPU)"]
    return table_lines(header, [[
        str(r.n), str(r.published), f"{r.build.seconds:.2f}", f"{r.build.cpu_seconds:.2f}",
        f"{r.per_case_ms():.2f}", f"{r.build.max_rss_mib:.0f}", f"{r.bare.seconds:.2f}",
        f"{r.bare.cpu_seconds:.2f}", f"{r.per_page_ms():.2f}", f"{r.bare.max_rss_mib:.0f}",
        f"{r.build.seconds / r.bare.seconds:.2f}x",
        f"{r.build.cpu_seconds / r.bare.cpu_seconds:.2f}x",
    ] for r in rows])


def verdict(wall: float, cpu: float, target: float) -> str:
    if wall <= target and cpu <= target:
        return "met"
    if wall > target and cpu > target:
        return "**missed**"
    return "met on " + ("wall time" if wall <= target else "CPU time") + " only"


def ratio_table(rows: list[Row]) -> list[str]:
    base = rows[0]
    cells: list[list[str]] = []
    for r in rows[1:]:
        wall = r.per_case_ms() / base.per_case_ms()
        cpu = r.per_case_ms(cpu=True) / base.per_case_ms(cpu=True)
        cells.append([f"per-case build time at {r.n} / at {base.n}", f"{wall:.2f}x",
                      f"{cpu:.2f}x", f"≤ {PER_CASE_TARGET:.2f}x",
                      verdict(wall, cpu, PER_CASE_TARGET)])
    for r in rows:
        wall = r.build.seconds / r.bare.seconds
        cpu = r.build.cpu_seconds / r.bare.cpu_seconds
        cells.append([f"full build / bare mkdocs-material at {r.n}", f"{wall:.2f}x",
                      f"{cpu:.2f}x", f"≤ {BARE_TARGET:.2f}x", verdict(wall, cpu, BARE_TARGET)])
    for r in rows[1:]:
        wall = r.per_page_ms() / base.per_page_ms()
        cpu = r.per_page_ms(cpu=True) / base.per_page_ms(cpu=True)
        cells.append([f"(reference) bare per-page time at {r.n} / at {base.n}",
                      f"{wall:.2f}x", f"{cpu:.2f}x", "", ""])
    for r in rows:
        kb = r.build_output.html_bytes_avg / 1000
        cells.append([f"HTML per case page at {r.n} (issue 7)", f"{kb:.1f} KB", "",
                      f"≤ {HTML_TARGET_KB} KB", "met" if kb <= HTML_TARGET_KB else "**missed**"])
    return table_lines(["ratio", "wall time", "CPU time", "target", "verdict"], cells)


def output_table(rows: list[Row]) -> list[str]:
    header = ["N", "case page .md bytes (avg)", "plain page .md bytes (avg)",
              "case page HTML KB (avg)", "plain page HTML KB (avg)", "largest page KB",
              "Pagefind index MiB (casebook)", "search index KB per case",
              "search_index.json MiB (bare)"]
    return table_lines(header, [[
        str(r.n), f"{r.case_md_bytes_avg:.0f}", f"{r.bare_md_bytes_avg:.0f}",
        f"{r.build_output.html_bytes_avg / 1000:.1f}",
        f"{r.bare_output.html_bytes_avg / 1000:.1f}", largest_text(r.build_output),
        f"{r.build_output.search_index_bytes / 2**20:.2f}",
        f"{r.build_output.search_index_bytes / r.n / 1000:.2f}",
        f"{r.bare_output.search_index_bytes / 2**20:.2f}",
    ] for r in rows])


def largest_text(output: Output) -> str:
    size, path = output.largest_page
    return f"{size / 1000:.0f} (`{path}`)" if path else "none"


def failure_lines(failures: list[Failure]) -> list[str]:
    if not failures:
        return []
    lines = ["Sizes not measured, because a command failed:", ""]
    for failure in failures:
        first, _, rest = failure.message.partition("\n")
        last = [line for line in rest.splitlines() if line.strip()][-3:]
        lines.append(f"- N={failure.n}: {first}")
        lines.extend(f"  `{line.strip()[:200]}`" for line in last)
    return [*lines, ""]


def report(results: list[Row | Failure], runs: int, seed: int, casebook: Path,
           python: Path) -> str:
    rows = [r for r in results if isinstance(r, Row)]
    failures = [r for r in results if isinstance(r, Failure)]
    built = "; ".join(f"N={r.n}: {r.build_summary}" for r in rows)
    return "\n".join([
        "# Benchmark: the full site build against a bare mkdocs-material build",
        "",
        provenance(python),
        "",
        f"Corpus: `bench/corpus.py`, seed {seed}, every stage represented, all cases valid, "
        "no git history. *casebook build* is "
        f"`{casebook.name} build --today {TODAY} --quiet` in a project made of a copy of "
        "`mkdocs.yml` and `templates/`, an empty `.generated/docs/` and the N cases; "
        "`site/` and the generated pages are deleted before each run, so every run "
        "validates, generates every page and builds the whole site. *bare mkdocs* is "
        "`mkdocs build --quiet` of N plain Markdown pages (headings, paragraphs, tables) of "
        "the same average size as the generated case pages, outside the navigation (`nav` "
        "lists index.md only, `not_in_nav` covers the pages), with the same `theme` (less "
        "casebook's `custom_dir` overrides) and `markdown_extensions` and the search plugin "
        "on; `site/` is deleted before each "
        f"run. Each figure is the median of {runs} runs, each in a fresh process (start-up "
        "included, file cache warm after a warm-up run), the two builds alternating. "
        "Per-case times are total / N (N cases in the corpus; the internal profile "
        "publishes the cases counted as published, plus the index pages, dashboard and "
        "exports). CPU time is the child's user + system time and peak RSS its `ru_maxrss`, "
        "both from `os.wait4`; CPU time is the steadier figure when other work shares the "
        "machine, wall time the one a user waits for.",
        "",
        *failure_lines(failures),
        *((*timing_table(rows), "", *ratio_table(rows), "",
           "Output sizes (from the last run; KB = 1,000 bytes):", "", *output_table(rows), "",
           f"What `casebook build` reported: {built}.", "") if rows else ()),
        f"Targets (issue 3): per-case build time at 2,000 cases at most {PER_CASE_TARGET} "
        f"times that at 500; the whole build at most {BARE_TARGET} times a bare "
        "mkdocs-material build of the same number of plain pages. Issue 7 asks the same "
        f"at 10,000 cases, and at most {HTML_TARGET_KB} KB of HTML per case page.",
        "",
        "Reproduce: `.venv/bin/python bench/site_bench.py --write` "
        "(add `--large` for 10,000 cases).",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_common_arguments(parser, results=RESULTS, default_sizes=DEFAULT_SIZES, large=LARGE_SIZE)
    args = parser.parse_args(argv)
    casebook, mkdocs = find_tools(parser, args)

    corpus = load_corpus_module()
    results = [bench_size(corpus, n, seed=args.seed, runs=args.runs, casebook=casebook,
                          mkdocs=mkdocs, keep=args.keep) for n in sizes_of(args, LARGE_SIZE)]
    text = report(results, args.runs, args.seed, casebook, mkdocs.with_name("python"))
    print(text)
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")
        progress(f"wrote {RESULTS}")
    return 1 if any(isinstance(r, Failure) for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
