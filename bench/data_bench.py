"""Benchmark `casebook import` and `casebook duplicates` against `casebook validate`.

For N rows (10,000 by default) this makes two temporary casebook projects:

- an empty one and a fictional monitor's sheet of N rows (bench/corpus.py
  `write_sheet`, casebook's own column names); it times ``casebook import`` of
  the sheet into the empty project (the cases folder emptied before each run),
  then ``casebook validate`` of the N cases the import wrote;
- one of N generated cases (bench/corpus.py `write_corpus`); it times
  ``casebook duplicates --format json`` and ``casebook validate`` of them.

Each figure is the median of ``--runs`` runs in a fresh process (start-up
included, file cache warm after a warm-up run). The targets (issue 15): each
command takes at most 3x `validate` of the same cases. It prints a Markdown
section; ``--write`` appends it to bench/results.md in place of an earlier one.

Usage::

    .venv/bin/python bench/data_bench.py [-n 10000] [--runs 3] [--write]
"""

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from measure import Measure, load_corpus_module, measure, progress, provenance

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
HEADING = "## Import and duplicates against validate (issue 15)"
TARGET = 3.0
TODAY = "2026-11-28"


def _casebook() -> str:
    return str(Path(sys.executable).with_name("casebook"))


def _row(name: str, m: Measure, note: str = "") -> str:
    runs = ", ".join(f"{r.seconds:.2f}" for r in m.runs)
    return (f"| {name} | {m.seconds:.2f} | {m.cpu_seconds:.2f} | {m.max_rss_mib:.0f} | {runs} "
            f"| {note} |")


def run(n: int, runs: int) -> str:
    corpus = load_corpus_module()
    tool = _casebook()
    with tempfile.TemporaryDirectory(prefix="casebook-data-bench-") as tmp:
        root = Path(tmp)
        # 1. Import of an N-row sheet into an empty project, against validate of the result.
        imported = root / "imported"
        (imported / "cases").mkdir(parents=True)
        corpus.write_mkdocs_yml(imported)
        sheet = corpus.write_sheet(root / "monitor.csv", n)

        def empty() -> None:
            shutil.rmtree(imported / "cases")
            (imported / "cases").mkdir()

        progress(f"import of {n} rows")
        command = [tool, "import", str(sheet), "--by", "bench", "--today", TODAY,
                   "--format", "json"]
        measure(command, imported, 1, what="import (warm-up)", prepare=empty)
        importing = measure(command, imported, runs, what="import", prepare=empty)
        created = len(json.loads(importing.runs[-1].stdout)["created"])
        validate = [tool, "validate", "--format", "json", "--today", TODAY]
        progress(f"validate of the {created} imported cases")
        measure(validate, imported, 1, what="validate (warm-up)")
        validating_imported = measure(validate, imported, runs, what="validate")

        # 2. Duplicates over N generated cases, against validate of the same cases.
        generated = root / "generated"
        corpus.write_corpus(generated, n)
        corpus.write_mkdocs_yml(generated)
        progress(f"duplicates over {n} cases")
        duplicates = [tool, "duplicates", "--format", "json", "--today", TODAY]
        measure(duplicates, generated, 1, what="duplicates (warm-up)")
        finding = measure(duplicates, generated, runs, what="duplicates")
        pairs = len(json.loads(finding.runs[-1].stdout)["pairs"])
        progress(f"validate of {n} cases")
        measure(validate, generated, 1, what="validate (warm-up)")
        validating = measure(validate, generated, runs, what="validate")

    import_ratio = importing.seconds / validating_imported.seconds
    duplicates_ratio = finding.seconds / validating.seconds
    verdict = {True: "met", False: "missed"}
    lines = [
        HEADING, "",
        f"{provenance()}", "",
        f"N = {n:,}; each figure the median of {runs} runs in a fresh process, start-up "
        "included, after a warm-up run. `import` writes the N cases of a fictional monitor's "
        "sheet (`bench/corpus.py` `write_sheet`) into an empty project, the cases folder "
        "emptied before each run; `duplicates` runs over N generated cases "
        "(`write_corpus`). Written by `bench/data_bench.py`.", "",
        "| step | median s | CPU s | peak RSS MiB | runs s | notes |",
        "|---|---|---|---|---|---|",
        _row(f"`casebook import` of {n:,} rows", importing, f"{created:,} cases created"),
        _row("`casebook validate` of the imported cases", validating_imported),
        _row(f"`casebook duplicates` over {n:,} cases", finding, f"{pairs} candidate pairs"),
        _row(f"`casebook validate` of the same {n:,} cases", validating),
        "",
        "| measure | target | figure | verdict |",
        "|---|---|---|---|",
        f"| import / validate | at most {TARGET:g}x | {import_ratio:.2f}x | "
        f"{verdict[import_ratio <= TARGET]} |",
        f"| duplicates / validate | at most {TARGET:g}x | {duplicates_ratio:.2f}x | "
        f"{verdict[duplicates_ratio <= TARGET]} |",
        "",
    ]
    return "\n".join(lines)


def write(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8")
    head, found, rest = text.partition(HEADING)
    if found:
        # Keep what follows the earlier section (the next "## " heading on).
        after = rest.find("\n## ")
        text = head + section + (rest[after + 1:] if after >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="rows and cases (default 10,000)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per step")
    parser.add_argument("--write", action="store_true", help=f"save into {RESULTS.name}")
    args = parser.parse_args()
    section = run(args.n, args.runs)
    print(section)
    if args.write:
        write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
