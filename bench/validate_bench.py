"""Benchmark `casebook validate` against plain PyYAML parsing of the same front matter.

For each corpus size N this generates N valid cases (bench/corpus.py) in a
temporary folder with a minimal mkdocs.yml, then times, each in a fresh
process (interpreter start-up included, file cache warm), the median of
several runs of:

- parsing every file's front matter with ``yaml.load(..., Loader=yaml.CSafeLoader)``;
- the same with pure-Python ``yaml.safe_load``;
- ``casebook validate --format json`` run in that folder;
- with ``--against CASEBOOK``, the same with another casebook command (another
  revision's, installed in its own virtual environment), its runs alternating
  with the first one's so that both see the same load.

It prints a Markdown table with the timings, the ratios validate / parse and
the peak resident memory of each child process (from ``os.wait4``); with
``--write`` it also saves the table to bench/results-validate.md. Issue 2 asks
that validating 10,000 cases take no more than twice as long as parsing them.

Usage::

    .venv/bin/python bench/validate_bench.py [--large] [--write] [--sizes 500 2000]
    .venv/bin/python bench/validate_bench.py --against /tmp/old/.venv/bin/casebook
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import yaml
from measure import (
    Measure,
    Run,
    StepFailed,
    add_common_arguments,
    find_tool,
    load_corpus_module,
    measure,
    median_of,
    progress,
    provenance,
    run_child,
    sizes_of,
    table_lines,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results-validate.md"
DEFAULT_SIZES = (500, 2000)
LARGE_SIZE = 10_000

# The parse measurement: read every case file, cut out the text between the two
# `---` lines and hand it to PyYAML. argv: cases folder, "c" (CSafeLoader) or "py".
PARSE_CHILD = """\
import sys
from pathlib import Path

import yaml

folder, which = sys.argv[1], sys.argv[2]
if which == "c":
    def parse(text):
        return yaml.load(text, Loader=yaml.CSafeLoader)
else:
    parse = yaml.safe_load
count = 0
for path in sorted(Path(folder).glob("*.md")):
    text = path.read_text(encoding="utf-8")
    end = text.find("\\n---\\n", 3)
    if not text.startswith("---\\n") or end < 0:
        raise SystemExit(f"{path}: no front matter")
    data = parse(text[4:end + 1])
    if not isinstance(data, dict):
        raise SystemExit(f"{path}: front matter is not a mapping")
    count += 1
print(count)
"""


@dataclass(frozen=True, slots=True)
class Row:
    n: int
    corpus_mib: float
    generate_seconds: float
    parse_c: Measure
    parse_py: Measure
    validate: Measure | None
    validate_result: str
    against: Measure | None = None


def parse_command(which: str) -> list[str]:
    return [sys.executable, "-c", PARSE_CHILD, "cases", which]


def validate_command(casebook: Path) -> list[str]:
    return [str(casebook), "validate", "--format", "json"]


def describe_validation(run: Run) -> str:
    """A short account of what `casebook validate` said: counts, or why it failed."""
    try:
        report = json.loads(run.stdout)
        diagnostics = report["diagnostics"]
        errors = sum(1 for d in diagnostics if d.get("severity") == "error")
        warnings = sum(1 for d in diagnostics if d.get("severity") == "warning")
        return f"{report['cases']} cases, {errors} errors, {warnings} warnings"
    except (ValueError, KeyError, TypeError):
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        return f"exit {run.returncode}: {last[:80]}"


def check_parse(run: Run, n: int, what: str) -> Run:
    if run.returncode != 0 or run.stdout.strip() != str(n):
        raise StepFailed(f"{what} failed (exit {run.returncode}): {run.stderr.strip()[-500:]}")
    return run


def measure_parse(folder: Path, n: int, runs: int, which: str = "c") -> Measure:
    """The median of `runs` parses of the front matter of the `n` cases in `folder`
    ("c": CSafeLoader, "py": safe_load), after a warm-up run that fills the file cache."""
    what = "CSafeLoader parse" if which == "c" else "safe_load parse"
    check_parse(run_child(parse_command(which), folder), n, what)
    measured = measure(parse_command(which), folder, runs)
    for run in measured.runs:
        check_parse(run, n, what)
    return measured


def measure_validate(folder: Path, runs: int, casebook: Path) -> tuple[Measure, str]:
    """The median of `runs` runs of `casebook validate` in `folder`, after a warm-up run,
    and what that warm-up run reported."""
    result = describe_validation(run_child(validate_command(casebook), folder))
    return measure(validate_command(casebook), folder, runs), result


def measure_side_by_side(folder: Path, runs: int, casebook: Path, against: Path,
                         ) -> tuple[Measure, Measure, str]:
    """`measure_validate` of `casebook` and of `against`, their runs alternating; what
    the warm-up run of `against` reported is added when it differs."""
    result = describe_validation(run_child(validate_command(casebook), folder))
    other = describe_validation(run_child(validate_command(against), folder))
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(run_child(validate_command(casebook), folder))
        theirs.append(run_child(validate_command(against), folder))
    if other != result:
        result = f"{result} (against: {other})"
    return median_of(ours), median_of(theirs), result


def bench_size(corpus: ModuleType, n: int, *, seed: int, runs: int, casebook: Path | None,
               keep: bool, against: Path | None = None) -> Row:
    folder = Path(tempfile.mkdtemp(prefix=f"casebook-bench-{n}-"))
    try:
        started = time.perf_counter()
        paths = corpus.write_corpus(folder, n, seed=seed)
        corpus.write_mkdocs_yml(folder)
        generated = time.perf_counter() - started
        size = sum(p.stat().st_size for p in paths) / 2**20
        progress(f"N={n}: generated {size:.1f} MiB in {generated:.1f} s in {folder}")

        parse_c = measure_parse(folder, n, runs, "c")
        parse_py = measure_parse(folder, n, runs, "py")
        validate, other, result = None, None, "casebook not found"
        if casebook is not None and against is not None:
            validate, other, result = measure_side_by_side(folder, runs, casebook, against)
            progress(f"N={n}: casebook validate: {result}")
        elif casebook is not None:
            validate, result = measure_validate(folder, runs, casebook)
            progress(f"N={n}: casebook validate: {result}")
        return Row(n, size, generated, parse_c, parse_py, validate, result, other)
    finally:
        if keep:
            progress(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def table(rows: list[Row]) -> str:
    header = ["N", "corpus MiB", "parse CSafeLoader s", "parse safe_load s", "validate s",
              "validate CPU s", "validate / CSafeLoader", "validate / safe_load",
              "peak RSS parse (C) MiB", "peak RSS validate MiB", "validate reported"]
    compared = any(row.against for row in rows)
    if compared:
        header[6:6] = ["against s", "against CPU s", "CPU validate / against"]
    cells = []
    for row in rows:
        v, a = row.validate, row.against
        line = [
            str(row.n), f"{row.corpus_mib:.1f}", f"{row.parse_c.seconds:.3f}",
            f"{row.parse_py.seconds:.3f}",
            f"{v.seconds:.3f}" if v else "n/a",
            f"{v.cpu_seconds:.3f}" if v else "n/a",
            f"{v.seconds / row.parse_c.seconds:.2f}x" if v else "n/a",
            f"{v.seconds / row.parse_py.seconds:.2f}x" if v else "n/a",
            f"{row.parse_c.max_rss_mib:.0f}",
            f"{v.max_rss_mib:.0f}" if v else "n/a",
            row.validate_result,
        ]
        if compared:
            line[6:6] = [f"{a.seconds:.3f}" if a else "n/a",
                         f"{a.cpu_seconds:.3f}" if a else "n/a",
                         f"{v.cpu_seconds / a.cpu_seconds:.2f}x" if v and a else "n/a"]
        cells.append(line)
    return "\n".join(table_lines(header, cells))


def report(rows: list[Row], runs: int, seed: int, casebook: Path | None,
           against: Path | None = None) -> str:
    python = casebook.with_name("python") if casebook else None
    libyaml = f"libyaml {'yes' if yaml.__with_libyaml__ else 'no'}"
    return "\n".join([
        "# Benchmark: `casebook validate` against parsing the YAML",
        "",
        provenance(python, ("pyyaml",), also=libyaml),
        "",
        f"Corpus: `bench/corpus.py`, seed {seed}, every stage represented, all cases valid. "
        f"Each figure is the median of {runs} runs, each in a fresh process (start-up "
        "included, file cache warm): *parse* reads every file and loads the text between "
        "the `---` lines with `yaml.load(text, Loader=yaml.CSafeLoader)` or with "
        "`yaml.safe_load`; *validate* is "
        f"`{casebook.name if casebook else 'casebook'} validate --format json` "
        "in the corpus folder; *CPU* is its user + system time. Peak RSS is the child's "
        "`ru_maxrss` from `os.wait4`."
        + (f" *against* is `{against}` in the same folder, its runs alternating with "
           "validate's." if against else ""),
        "",
        table(rows),
        "",
        "Target (issue 2): validating 10,000 cases takes no more than twice as long as "
        "merely parsing their YAML with PyYAML.",
        "",
        "Reproduce: `.venv/bin/python bench/validate_bench.py --large --write`.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_common_arguments(parser, results=RESULTS, default_sizes=DEFAULT_SIZES, large=LARGE_SIZE,
                         tools=("casebook",))
    parser.add_argument("--against", metavar="CASEBOOK",
                        help="another casebook command (e.g. an older revision's "
                        ".venv/bin/casebook) to time in the same corpora")
    args = parser.parse_args(argv)
    if not yaml.__with_libyaml__:
        parser.error("this PyYAML has no libyaml (CSafeLoader): install PyYAML with libyaml")
    casebook = find_tool(args.casebook, "casebook")
    if casebook is None:
        progress("casebook command not found: measuring the parse only")

    against = Path(args.against) if args.against else None
    if against is not None and (casebook is None or not against.is_file()):
        parser.error(f"--against: {against} is no file, or casebook is not found")

    corpus = load_corpus_module()
    sizes = sizes_of(args, LARGE_SIZE)
    try:
        rows = [bench_size(corpus, n, seed=args.seed, runs=args.runs, casebook=casebook,
                           keep=args.keep, against=against) for n in sizes]
    except StepFailed as err:
        raise SystemExit(str(err)) from None
    text = report(rows, args.runs, args.seed, casebook, against)
    print(text)
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")
        progress(f"wrote {RESULTS}")
    return 0 if casebook is not None else 1


if __name__ == "__main__":
    sys.exit(main())
