"""Benchmark the one-pass case history against per-file GitPython.

For N cases (default 5,000, with ``--large`` 10,000) this builds, once, a git
repository whose history opens and works through every case over
``--commits-per-case`` commits (bench/corpus.py ``write_history_repo``, about
4 x N commits). The repository is cached in the temporary folder, keyed by N,
seed, commits per case and the text of bench/corpus.py, so later runs reuse it
(``--rebuild`` makes it again). Then it times, each in a fresh process
(interpreter start-up included, file cache warm), the median of several runs of:

- (a) the one-pass history: ``read_history(load_config(start=repo))`` over every
  case, field-level changes included (generator/history/reader.py);
- (b) the per-file pattern that issue 4 rejects, on a deterministic sample of
  200 case files: for each file ``list(repo.iter_commits(paths=path))`` and the
  file's blob at each of those commits (``(commit.tree / path).data_stream.read()``);

and reports the total and per-file time of each, their ratio (issue 4 asks that
the one pass be at least 100 times faster per file), and the peak resident
memory of each child process (``os.wait4``). Before timing it checks the one
pass on the sample: the commits it lists for each sampled file are those of
``git log --follow --format=%H -- path``.

It prints a Markdown table; with ``--write`` it also saves it to
bench/results-history.md. ``--profile`` adds a cProfile of the one pass, cold,
split into reading the commits, comparing versions (cat-file reads, composing
YAML, field changes) and the cache. The one pass is timed twice: cold, with
the history cache removed before each run, and with the cache the run before
left, as every build after the first has.

Usage::

    .venv/bin/python bench/history_bench.py [--large] [--write] [--profile]
"""

import argparse
import hashlib
import importlib.util
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from measure import (
    Run,
    StepFailed,
    check,
    git,
    load_corpus_module,
    median_of,
    progress,
    provenance,
    run_child,
    table_lines,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results-history.md"
DEFAULT_SIZE = 5_000
LARGE_SIZE = 10_000
SAMPLE = 200
CACHE = Path(tempfile.gettempdir()) / "casebook-history-bench"

# (a) The one pass. argv: repository, then optionally a JSON file to which the
# commit hashes of the listed case paths are written (the check, not timed),
# then those paths. Prints one JSON line of counts and the in-process time.
ONE_PASS_CHILD = """\
import json
import sys
import time

started = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from pathlib import Path

from generator.config import load_config
from generator.history.reader import read_history

imported = time.perf_counter()
history = read_history(load_config(start=Path(sys.argv[2])))
done = time.perf_counter()
commits = {c.hash for h in history.cases.values() for c in h.commits}
print(json.dumps({
    "status": str(history.status), "message": history.message,
    "cases": len(history.cases), "commits": len(commits),
    "entries": sum(len(h.commits) for h in history.cases.values()),
    "changes": sum(len(c.changes) for h in history.cases.values() for c in h.commits),
    "import_s": imported - started, "work_s": done - imported,
}))
if len(sys.argv) > 3:
    out = {p: [c.hash for c in h.commits] if (h := history.of(p)) else None
           for p in sys.argv[4:]}
    Path(sys.argv[3]).write_text(json.dumps(out), encoding="utf-8")
"""

# (b) Per-file GitPython. argv: repository, then the sampled paths.
PER_FILE_CHILD = """\
import json
import sys
import time

started = time.perf_counter()
import git

imported = time.perf_counter()
repo = git.Repo(sys.argv[1])
commits = blobs = size = 0
for path in sys.argv[2:]:
    for commit in list(repo.iter_commits(paths=path)):
        commits += 1
        try:
            blob = commit.tree / path
        except KeyError:
            continue
        size += len(blob.data_stream.read())
        blobs += 1
repo.close()
done = time.perf_counter()
print(json.dumps({"files": len(sys.argv) - 2, "commits": commits, "blobs": blobs,
                  "bytes": size, "import_s": imported - started, "work_s": done - imported}))
"""

# The one pass under cProfile. argv: source tree, repository, number of lines.
PROFILE_CHILD = """\
import cProfile
import sys

sys.path[:0] = [sys.argv[1], sys.argv[1] + "/bench"]
from pathlib import Path

from generator.config import load_config
from generator.history.reader import read_history
from measure import profile_report

config = load_config(start=Path(sys.argv[2]))
profile = cProfile.Profile()
profile.enable()
read_history(config)
profile.disable()
print(profile_report(profile, [
    ("commits: rev-list, then log slices side by side (_read_commits)", "history.py",
     ("_read_commits",)),
    ("  of which parsing the log (_parse_log)", "history.py", ("_parse_log",)),
    ("versions compared (_all_changes; worker processes share it)", "history.py",
     ("_all_changes",)),
    ("  this process's share (compare_versions)", "history.py", ("compare_versions",)),
    ("    cat-file reads (_cat_file)", "history.py", ("_cat_file",)),
    ("    YAML reading (read_data, compose)", "frontmatter.py", ("read_data", "compose")),
    ("    field_changes", "history.py", ("field_changes",)),
    ("  waiting for the workers (join)", "threading.py", ("join",)),
    ("cache: read (load) and write (save)", "history_cache.py", ("load", "save")),
    ("files at HEAD (_current_files)", "history.py", ("_current_files",)),
    ("renames map (_undo, _hand_on)", "history.py", ("_undo", "_hand_on")),
], int(sys.argv[3]), sort="tottime"))
"""


@dataclass(frozen=True, slots=True)
class Measure:
    """The median of several runs of one command, and of the time each run gave to the
    work alone (interpreter start-up and imports left out)."""

    seconds: float
    work_seconds: float
    max_rss_mib: float
    runs: tuple[Run, ...]


@dataclass(frozen=True, slots=True)
class Check:
    sampled: int
    agree: int
    disagree: list[str]


@dataclass(frozen=True, slots=True)
class Row:
    n: int
    commits_made: int
    build_seconds: float | None
    """None when the repository came from the cache."""
    one_pass: Measure
    """Cold: no history cache."""
    cached: Measure
    """With the history cache the previous run left."""
    one_pass_counts: dict[str, object]
    per_file: Measure
    per_file_counts: dict[str, object]
    sample: int
    check: Check

    @property
    def cases(self) -> int:
        return int(self.one_pass_counts["cases"])  # type: ignore[call-overload]

    def per_case_a(self, work: bool = False, cached: bool = False) -> float:
        measure = self.cached if cached else self.one_pass
        return (measure.work_seconds if work else measure.seconds) / self.cases

    def per_file_b(self, work: bool = False) -> float:
        return (self.per_file.work_seconds if work else self.per_file.seconds) / self.sample

    def ratio(self, work: bool = False, cached: bool = False) -> float:
        return self.per_file_b(work) / self.per_case_a(work, cached)


def work_seconds(run: Run) -> float:
    """The time the child gave to the work alone, as it reported it."""
    return float(run.result()["work_s"])  # type: ignore[arg-type]


def one_pass_command(repo: Path, *dump: str) -> list[str]:
    """The one pass over every case of `repo` in a child process; `dump`: a JSON file and
    the case paths whose commits it writes there (for the check, not timed)."""
    return [sys.executable, "-c", ONE_PASS_CHILD, str(REPO), str(repo), *dump]


def measure(command: list[str], cwd: Path, runs: int, label: str | None = None,
            before: Callable[[], None] | None = None) -> Measure:
    """The median of `runs` runs; with `label`, a line about each run on stderr;
    `before` is called before each run, outside the timing."""
    results = []
    for i in range(runs):
        if before is not None:
            before()
        run = run_child(command, cwd)
        work = work_seconds(run)  # every run must have succeeded
        if label:
            progress(f"  {label} run {i + 1}/{runs}: {run.seconds:.2f} s wall, {work:.2f} s "
                     f"in-process, {run.max_rss_mib:.0f} MiB")
        results.append(run)
    median = median_of(results)
    return Measure(median.seconds, statistics.median(work_seconds(r) for r in results),
                   median.max_rss_mib, median.runs)


def cached_repo(corpus: ModuleType, n: int, *, seed: int, commits_per_case: int,
                rebuild: bool) -> tuple[Path, float | None]:
    """The benchmark repository for these arguments, built unless the cache has it."""
    digest = hashlib.sha256((HERE / "corpus.py").read_bytes()).hexdigest()[:12]
    folder = CACHE / f"n{n}-seed{seed}-c{commits_per_case}-{digest}"
    repo, stamp = folder / "repo", folder / "built.json"
    if stamp.exists() and not rebuild:
        try:
            head = git(repo, "rev-parse", "HEAD").strip()
            if json.loads(stamp.read_text(encoding="utf-8")).get("head") == head:
                print(f"N={n}: reusing {repo}", file=sys.stderr)
                return repo, None
        except (OSError, ValueError, subprocess.CalledProcessError):
            pass
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"N={n}: building {n} cases x {commits_per_case} commits in {repo} ...",
          file=sys.stderr)
    started = time.perf_counter()
    corpus.write_history_repo(repo, n, seed=seed, commits_per_case=commits_per_case)
    seconds = time.perf_counter() - started
    head = git(repo, "rev-parse", "HEAD").strip()
    stamp.write_text(json.dumps({"n": n, "seed": seed, "commits_per_case": commits_per_case,
                                 "head": head, "build_s": seconds}), encoding="utf-8")
    print(f"N={n}: built in {seconds:.1f} s", file=sys.stderr)
    return repo, seconds


def case_paths(repo: Path) -> list[str]:
    """The case files at HEAD, relative to the repository, sorted."""
    out = git(repo, "-c", "core.quotePath=false", "ls-tree", "-r", "-z", "--name-only",
              "HEAD", "--", "cases")
    return sorted(p for p in out.split("\0") if p.endswith(".md"))


def sample_paths(paths: list[str], size: int, seed: int) -> list[str]:
    """A deterministic sample of `size` case files, in path order."""
    return sorted(random.Random(f"casebook-history-bench:{seed}").sample(paths, min(size,
                                                                                   len(paths))))


def check_sample(repo: Path, listed: dict[str, list[str] | None]) -> Check:
    """Compare the one pass with `git log --follow` on each sampled file (not timed)."""
    disagree = []
    for path, hashes in listed.items():
        expected = git(repo, "log", "--follow", "--format=%H", "--", path).split()
        if hashes != expected:
            got = "missing" if hashes is None else f"{len(hashes)} commits"
            same = hashes is not None and sorted(hashes) == sorted(expected)
            disagree.append(f"{path}: one pass {got}, git log --follow {len(expected)}"
                            + (" (same commits, other order)" if same else ""))
    return Check(len(listed), len(listed) - len(disagree), disagree)


def bench_size(corpus: ModuleType, n: int, *, seed: int, commits_per_case: int, runs: int,
               per_file_runs: int, sample_size: int, rebuild: bool) -> Row:
    repo, built = cached_repo(corpus, n, seed=seed, commits_per_case=commits_per_case,
                              rebuild=rebuild)
    made = int(git(repo, "rev-list", "--count", "HEAD").strip())
    paths = case_paths(repo)
    sample = sample_paths(paths, sample_size, seed)
    print(f"N={n}: {len(paths)} case files, {made} commits; sample of {len(sample)}",
          file=sys.stderr)

    one_pass = one_pass_command(repo)
    per_file = [sys.executable, "-c", PER_FILE_CHILD, str(repo), *sample]
    # Warm-up (file cache) and the correctness check, outside the timing.
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "sample.json"
        warm = run_child([*one_pass, str(dump), *sample], REPO)
        counts = warm.result()
        listed = json.loads(dump.read_text(encoding="utf-8"))
    print(f"N={n}: one pass (warm-up): {counts}", file=sys.stderr)
    check = check_sample(repo, listed)
    print(f"N={n}: {check.agree}/{check.sampled} sampled files agree with git log --follow",
          file=sys.stderr)
    for line in check.disagree[:10]:
        print(f"  {line}", file=sys.stderr)

    # Cold: no history cache (removed before each run, so each run also writes it).
    # With the cache: the one the run before left, as every build after the first has.
    cache = repo / ".cache"
    a = measure(one_pass, REPO, runs, f"N={n}: one pass, cold",
                before=lambda: shutil.rmtree(cache, ignore_errors=True))
    print(f"N={n}: one pass cold {a.seconds:.2f} s", file=sys.stderr)
    w = measure(one_pass, REPO, runs, f"N={n}: one pass, with the cache")
    print(f"N={n}: one pass with the cache {w.seconds:.2f} s", file=sys.stderr)
    b = measure(per_file, REPO, per_file_runs, f"N={n}: per-file GitPython")
    b_counts = b.runs[0].result()
    print(f"N={n}: per-file GitPython {b.seconds:.2f} s: {b_counts}", file=sys.stderr)
    expected_entries = sum(len(v or []) for v in listed.values())
    if b_counts["commits"] != expected_entries:
        print(f"N={n}: per-file GitPython saw {b_counts['commits']} commits on the sample, "
              f"the one pass {expected_entries}", file=sys.stderr)
    if w.runs[0].result() != a.runs[0].result() | {k: w.runs[0].result()[k]
                                                    for k in ("import_s", "work_s")}:
        raise SystemExit(f"N={n}: the history read with the cache differs from the one "
                         f"read cold: {w.runs[0].result()} against {a.runs[0].result()}")
    return Row(n, made, built, a, w, a.runs[0].result(), b, b_counts, len(sample), check)


def profile_one_pass(repo: Path, lines: int) -> str:
    """A cProfile of the one pass, cold (the history cache removed first)."""
    shutil.rmtree(repo / ".cache", ignore_errors=True)
    run = run_child([sys.executable, "-c", PROFILE_CHILD, str(REPO), str(repo), str(lines)],
                    REPO)
    return check(run, "profile").stdout.strip()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}" if seconds < 0.01 else f"{seconds * 1000:.1f}"


def table(rows: list[Row]) -> str:
    header = ["N cases", "commits", "(a) one pass s, cold", "(a) in-process s",
              "(a) per case ms", "(a) peak RSS MiB", "(a) with the cache s (in-process)",
              "(a) cases / commits / field changes seen",
              "(b) per-file GitPython s (sample)", "(b) per file ms", "(b) peak RSS MiB",
              "ratio (b) / (a) per file", "sample agrees with `git log --follow`"]
    cells = []
    for row in rows:
        c = row.one_pass_counts
        cells.append([
            f"{row.n:,}", f"{row.commits_made:,}",
            f"{row.one_pass.seconds:.2f}", f"{row.one_pass.work_seconds:.2f}",
            ms(row.per_case_a()), f"{row.one_pass.max_rss_mib:.0f}",
            f"{row.cached.seconds:.2f} ({row.cached.work_seconds:.2f})",
            f"{c['cases']:,} / {c['commits']:,} / {c['changes']:,}",
            f"{row.per_file.seconds:.2f} ({row.sample} files)", ms(row.per_file_b()),
            f"{row.per_file.max_rss_mib:.0f}",
            f"{row.ratio():,.0f}x (in-process: {row.ratio(work=True):,.0f}x; with the cache: "
            f"{row.ratio(cached=True):,.0f}x)",
            f"{row.check.agree}/{row.check.sampled}",
        ])
    return "\n".join(table_lines(header, cells))


def verdicts(rows: list[Row]) -> list[str]:
    out = []
    for row in rows:
        ok_ratio = row.ratio() >= 100
        out.append(f"- N={row.n:,}: per file, the one pass is {row.ratio():,.0f} times faster "
                   f"than per-file GitPython (target at least 100: "
                   f"{'met' if ok_ratio else 'NOT met'}).")
        if row.n == DEFAULT_SIZE:
            out.append(f"- N={row.n:,}: the full history takes {row.cached.seconds:.2f} s "
                       "with the history cache that every build after the first has "
                       "(issue 4: no more than a few seconds, taken as 5 s: "
                       f"{'met' if row.cached.seconds <= 5 else 'NOT met'}), and "
                       f"{row.one_pass.seconds:.2f} s cold, the first time "
                       f"({'met' if row.one_pass.seconds <= 5 else 'NOT met'}).")
        if row.n == LARGE_SIZE:
            small = max(row.one_pass.max_rss_mib, row.cached.max_rss_mib) < 1024
            out.append(f"- N={row.n:,}: {row.cached.seconds:.2f} s with the cache, "
                       f"{row.one_pass.seconds:.2f} s cold, "
                       f"{row.one_pass.max_rss_mib:.0f} MiB peak (issue 7: under 10 s: "
                       f"{'met' if row.cached.seconds < 10 else 'NOT met'} with the cache, "
                       f"{'met' if row.one_pass.seconds < 10 else 'NOT met'} cold; "
                       f"under 1 GiB {'met' if small else 'NOT met'}).")
        if row.check.disagree:
            out.append(f"- N={row.n:,}: {len(row.check.disagree)} sampled files disagree with "
                       "`git log --follow`: " + "; ".join(row.check.disagree[:5]))
    return out


def report(rows: list[Row], runs: int, per_file_runs: int, seed: int, commits_per_case: int,
           profile: str | None, command: str) -> str:
    parts = [
        "# Benchmark: one-pass case history against per-file GitPython",
        "",
        provenance(packages=("gitpython",)),
        "",
        f"Repository: `bench/corpus.py` `write_history_repo`, seed {seed}, "
        f"{commits_per_case} commits per case (plus one set-up commit), built with "
        "`git fast-import`. Each figure is the median of "
        f"{runs} runs ({per_file_runs} for per-file GitPython), each in a fresh process "
        "(start-up and imports included, file cache warm). *(a)* is "
        "`read_history(load_config(start=repo))` over every case, with "
        "field-level changes, *cold* (the history cache `.cache/casebook/history.json` "
        "removed before each run, so each run also writes it) and *with the cache* the "
        "run before left; *in-process* leaves out interpreter start-up and imports. "
        f"*(b)* is, for each of a fixed sample of {rows[0].sample if rows else SAMPLE} case "
        "files, `list(repo.iter_commits(paths=path))` and a read of the file's blob at each "
        "of those commits (`(commit.tree / path).data_stream.read()`). The ratio divides "
        "the time per file of (b) by that of (a) (its whole time over every case); "
        "the in-process ratio compares the same without start-up. Before timing, the "
        "history read with the cache must equal the one read cold (counts of cases, "
        "commits and field changes). Peak RSS is `ru_maxrss` "
        "from `os.wait4`: the larger of the Python process and its largest git child, "
        "not their sum. Before timing, the commits the one pass lists for each sampled "
        "file are compared with `git log --follow --format=%H -- path`.",
        "",
        table(rows),
        "",
        *verdicts(rows),
        "",
        "Targets: issue 4, at 5,000 cases and 20,000 commits, the one pass at least 100 "
        "times faster per file than per-file GitPython and the whole history in no more "
        "than a few seconds; issue 7, at 10,000 cases and 40,000 commits, under 10 s and "
        "under 1 GiB peak memory.",
        "",
    ]
    if profile:
        parts += ["## Profile of the one pass, cold (cProfile, largest N)", "", profile, ""]
    parts += [f"Reproduce: `.venv/bin/python {command}` (`--large` adds 10,000 cases, "
              "`--profile` the profile).", ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[DEFAULT_SIZE],
                        help=f"numbers of cases to measure (default: {DEFAULT_SIZE})")
    parser.add_argument("--large", action="store_true", help=f"also measure {LARGE_SIZE:,}")
    parser.add_argument("--commits-per-case", type=int, default=4,
                        help="commits per case (default 4)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--per-file-runs", type=int,
                        help="runs of per-file GitPython, which is slow (default: --runs)")
    parser.add_argument("--sample", type=int, default=SAMPLE,
                        help=f"case files for per-file GitPython (default {SAMPLE})")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--rebuild", action="store_true",
                        help=f"build the repositories again rather than reuse {CACHE}")
    parser.add_argument("--profile", action="store_true",
                        help="profile the one pass at the largest N with cProfile")
    parser.add_argument("--profile-lines", type=int, default=25,
                        help="functions listed in the profile (default 25)")
    parser.add_argument("--write", action="store_true",
                        help=f"write the results to {RESULTS.relative_to(REPO)}")
    parser.add_argument("--output", type=Path,
                        help="with --write, the file to write instead (e.g. for --large)")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("git") is None:
        parser.error("GitPython is not installed in this Python")

    per_file_runs = args.per_file_runs or args.runs
    corpus = load_corpus_module()
    sizes = sorted({*args.sizes, *((LARGE_SIZE,) if args.large else ())})
    try:
        rows = [bench_size(corpus, n, seed=args.seed, commits_per_case=args.commits_per_case,
                           runs=args.runs, per_file_runs=per_file_runs,
                           sample_size=args.sample, rebuild=args.rebuild)
                for n in sizes]
        profile = None
        if args.profile:
            repo, _ = cached_repo(corpus, sizes[-1], seed=args.seed,
                                  commits_per_case=args.commits_per_case, rebuild=False)
            profile = profile_one_pass(repo, args.profile_lines)
    except StepFailed as err:
        raise SystemExit(str(err)) from None
    command = " ".join(["bench/history_bench.py", *(argv if argv is not None else sys.argv[1:])])
    text = report(rows, args.runs, per_file_runs, args.seed, args.commits_per_case, profile,
                  command)
    print(text)
    if args.write:
        out = args.output or RESULTS
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    return 0 if all(not row.check.disagree for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
