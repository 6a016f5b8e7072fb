"""Benchmark `casebook list` (and `casebook show`) on N synthetic cases, cold and warm.

For each corpus size N (2,000 by default) this writes N valid cases
(bench/corpus.py) with a minimal mkdocs.yml into a temporary folder, then
times, each the median of ``--runs`` runs in a fresh process (start-up
included, file cache warm after a warm-up run):

- ``casebook list`` *cold*: the saved reads (``.cache/casebook/cases.json``)
  removed before each run, so every file is composed again and the cache written;
- ``casebook list`` *warm*: the cache as the run before left it, which is
  how a listing after a listing runs (a changed file is composed again alone);
- ``casebook list --assignee HANDLE --open`` warm, a filtered table;
- ``casebook show ID`` warm;
- ``casebook validate`` for reference (it reads every file afresh).

It prints a Markdown table; ``--write`` also saves it to bench/results-list.md.
Issue 14 asks that `casebook list` answer in under a second at 2,000 cases.

Usage::

    .venv/bin/python bench/list_bench.py [--sizes 2000] [--runs 3] [--write] [--keep]
"""

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from measure import (
    Measure,
    StepFailed,
    add_common_arguments,
    check,
    find_tools,
    load_corpus_module,
    measure,
    progress,
    provenance,
    run_child,
    sizes_of,
    table_lines,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-list.md"
DEFAULT_SIZES = (2000,)
LARGE_SIZE = 10_000
TODAY = "2026-11-28"
TARGET_SECONDS = 1.0  # casebook list at 2,000 cases


def steps(casebook: Path, handle: str, case_id: str) -> list[tuple[str, list[str], bool]]:
    """(what, command, cold) for each measured command; cold ones start without a cache."""
    day = ["--today", TODAY]
    return [
        ("`casebook list` (cold: no saved reads)", [str(casebook), "list", *day], True),
        ("`casebook list` (warm)", [str(casebook), "list", *day], False),
        (f"`casebook list --assignee {handle} --open` (warm)",
         [str(casebook), "list", "--assignee", handle, "--open", *day], False),
        ("`casebook list --format json` (warm)",
         [str(casebook), "list", "--format", "json", *day], False),
        (f"`casebook show {case_id}` (warm)", [str(casebook), "show", case_id, *day], False),
        ("`casebook validate` (reference)", [str(casebook), "validate", "-q", *day], False),
    ]


def bench_size(corpus: object, n: int, *, seed: int, runs: int, casebook: Path,
               keep: bool) -> list[tuple[int, str, Measure, str]]:
    folder = Path(tempfile.mkdtemp(prefix=f"casebook-list-{n}-"))
    cache = folder / ".cache"
    try:
        corpus.write_corpus(folder, n, seed=seed)  # type: ignore[attr-defined]
        corpus.write_mkdocs_yml(folder)  # type: ignore[attr-defined]
        handle = corpus.ANALYSTS[0][0]  # type: ignore[attr-defined]
        case_id = corpus.case_id_for(n // 2)  # type: ignore[attr-defined]
        rows = []
        for what, command, cold in steps(casebook, handle, case_id):
            def prepare(cold: bool = cold) -> None:
                if cold:
                    shutil.rmtree(cache, ignore_errors=True)

            prepare()
            warm_up = run_child(command, folder)
            if warm_up.returncode not in (0, 1):  # validate exits 1 on warnings with --strict
                check(warm_up, what)
            measured = measure(command, folder, runs, prepare=prepare)
            last = warm_up.stdout.strip().splitlines()[-1:] or [""]
            rows.append((n, what, measured, last[0][:60] if "list" in what else ""))
            progress(f"N={n}: {what}: {measured.seconds:.3f} s")
        return rows
    finally:
        if keep:
            progress(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def report(rows: list[tuple[int, str, Measure, str]], runs: int, seed: int,
           casebook: Path) -> str:
    cells = [[f"{n:,}", what, f"{m.seconds:.3f}", f"{m.cpu_seconds:.3f}", f"{m.max_rss_mib:.0f}",
              ", ".join(f"{r.seconds:.2f}" for r in m.runs), note]
             for n, what, m, note in rows]
    verdicts = [f"- `casebook list` at {n:,} cases, warm: {m.seconds:.3f} s (target under "
                f"{TARGET_SECONDS:.0f} s: {'met' if m.seconds < TARGET_SECONDS else 'missed'})"
                for n, what, m, _ in rows if what == "`casebook list` (warm)" and n == 2000]
    return "\n".join([
        "# Benchmark: `casebook list` and `casebook show`",
        "",
        provenance(casebook.with_name("python"), ("pyyaml", "pydantic")),
        "",
        f"Corpus: `bench/corpus.py`, seed {seed}, all cases valid, with a minimal mkdocs.yml. "
        f"Each figure is the median of {runs} runs, each in a fresh process (start-up "
        "included, file cache warm after a warm-up run). *Cold* runs start with no "
        "`.cache/casebook/cases.json` (every file composed, the cache written); *warm* runs "
        "find it as the run before left it. CPU time is user + system; peak RSS the child's "
        "`ru_maxrss`.",
        "",
        *table_lines(["N", "command", "median s", "CPU s", "peak RSS MiB", "runs s", "says"],
                     cells),
        "",
        *verdicts,
        "",
        "Reproduce: `.venv/bin/python bench/list_bench.py --write`.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_common_arguments(parser, results=RESULTS, default_sizes=DEFAULT_SIZES,
                         large=LARGE_SIZE, tools=("casebook",))
    args = parser.parse_args(argv)
    (casebook,) = find_tools(parser, args, ("casebook",))
    corpus = load_corpus_module()
    started = time.perf_counter()
    try:
        rows = [row for n in sizes_of(args, LARGE_SIZE)
                for row in bench_size(corpus, n, seed=args.seed, runs=args.runs,
                                      casebook=casebook, keep=args.keep)]
    except StepFailed as err:
        raise SystemExit(str(err)) from None
    text = report(rows, args.runs, args.seed, casebook)
    print(text)
    progress(f"done in {time.perf_counter() - started:.0f} s")
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")
        progress(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
