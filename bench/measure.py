"""What every benchmark in bench/ measures the same way: child processes, medians, the machine.

- `run_child` runs one command in a fresh process and takes its wall time, its
  CPU time (user + system) and its peak resident memory from ``os.wait4``, so
  that the figures are the child's own and not the benchmark's.
- `median_of` and `measure` give the median of several such runs.
- `machine`, `tool_versions`, `git_revision` describe where and on what the
  figures were taken, for the results files.
- `table_lines` writes a Markdown table, `profile_report` a cProfile in Markdown.
- `add_common_arguments` and `find_tools`: the options every benchmark takes.

Standard library only: the scripts run the project's commands from its virtualenv.
Import it from a script in bench/ (the script's folder is on ``sys.path``)::

    import measure
"""

import argparse
import cProfile
import datetime as dt
import importlib.util
import io
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS_MODULE = "casebook_bench_corpus"
"""The name bench/corpus.py is registered under, here and in the tests."""


class StepFailed(Exception):
    """A measured command exited with an error."""


@dataclass(frozen=True, slots=True)
class Run:
    """One child process: its wall and CPU time, peak RSS and what it printed."""

    seconds: float
    cpu_seconds: float
    """User + system time of the child and of the descendants it waited for."""
    max_rss_mib: float
    """`ru_maxrss`: the larger of the child's own peak and that of its largest
    descendant it waited for (git log, cat-file), not their sum."""
    returncode: int
    stdout: str
    stderr: str
    tree_peak_mib: float = 0.0
    """With `sample`: the largest sum of the resident memory of the child and all its
    descendants at one time, sampled every SAMPLE_SECONDS (0 without)."""
    peaks: tuple[tuple[str, float], ...] = ()
    """With `sample`: each command name in the tree with its largest resident memory."""

    def result(self) -> dict[str, object]:
        """The JSON object on the child's last line of output."""
        check(self, "child")
        lines = self.stdout.strip().splitlines()
        if not lines:
            raise StepFailed("child printed nothing")
        value = json.loads(lines[-1])
        if not isinstance(value, dict):
            raise StepFailed(f"child printed {lines[-1][:200]!r}, not a JSON object")
        return value


@dataclass(frozen=True, slots=True)
class Measure:
    """The median of several runs of one command."""

    seconds: float
    cpu_seconds: float
    max_rss_mib: float
    runs: tuple[Run, ...]


def run_child(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None, *,
              sample: bool = False) -> Run:
    """Run `command` in `cwd` to its end; wall and CPU time and peak RSS of that child alone.

    With `sample`, the memory of the child's whole process tree is also sampled
    while it runs (`Run.tree_peak_mib`, `Run.peaks`): `ru_maxrss` is that of the
    largest process only, never of the child and a helper it runs side by side."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL, env=env)
        sampler = TreeMemory(process.pid) if sample else None
        # wait4, not wait: only it gives the child's own resource usage.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if sampler is not None:
            sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                   process.returncode,
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                   sampler.total_mib if sampler else 0.0,
                   tuple(sorted(sampler.by_name.items())) if sampler else ())


SAMPLE_SECONDS = 0.1


def descendants(root: int) -> list[int]:
    """Every process below `root`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in brackets and may hold spaces: the parent follows it.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_mib(pid: int) -> tuple[str, float] | None:
    """The command name and resident memory of process `pid`; None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    name = re.search(r"^Name:\s*(.*)$", status, re.MULTILINE)
    rss = re.search(r"^VmRSS:\s*(\d+) kB", status, re.MULTILINE)
    if name is None or rss is None:
        return None  # a zombie has no memory left
    return name.group(1), int(rss.group(1)) / 1024


class TreeMemory:
    """Samples the resident memory of a process and its descendants in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.total_mib = 0.0
        self.by_name: dict[str, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            total = 0.0
            for pid in [self.pid, *descendants(self.pid)]:
                found = rss_mib(pid)
                if found is None:
                    continue
                name, mib = found
                total += mib
                self.by_name[name] = max(self.by_name.get(name, 0.0), mib)
            self.total_mib = max(self.total_mib, total)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def median_of(runs: Iterable[Run]) -> Measure:
    done = tuple(runs)
    if not done:
        raise ValueError("no runs to take the median of")
    return Measure(statistics.median(r.seconds for r in done),
                   statistics.median(r.cpu_seconds for r in done),
                   statistics.median(r.max_rss_mib for r in done), done)


def check(run: Run, what: str) -> Run:
    """`run`, unless it failed: then StepFailed with the end of what it printed."""
    if run.returncode != 0:
        tail = (run.stderr.strip() or run.stdout.strip())[-1500:] or "(no output)"
        raise StepFailed(f"{what} failed (exit {run.returncode}) after {run.seconds:.1f} s:"
                         f"\n{tail}")
    return run


def measure(command: Sequence[str], cwd: Path, runs: int, *, what: str | None = None,
            prepare: Callable[[], object] | None = None) -> Measure:
    """The median of `runs` runs of `command`; `prepare` runs before each (not timed).

    With `what`, a failed run raises StepFailed naming it.
    """
    done = []
    for _ in range(runs):
        if prepare is not None:
            prepare()
        run = run_child(command, cwd)
        done.append(check(run, what) if what else run)
    return median_of(done)


def load_corpus_module() -> ModuleType:
    """bench/corpus.py, loaded from its path (bench/ is not a package), once per process."""
    if CORPUS_MODULE in sys.modules:
        return sys.modules[CORPUS_MODULE]
    spec = importlib.util.spec_from_file_location(CORPUS_MODULE, HERE / "corpus.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("cannot load bench/corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[CORPUS_MODULE] = module
    spec.loader.exec_module(module)
    return module


def find_tool(given: str | None, name: str) -> Path | None:
    """The command `name`: as given, else the virtualenv's, else the one on PATH."""
    if given:
        return Path(given)
    for candidate in (REPO / ".venv" / "bin" / name, Path(sys.executable).with_name(name)):
        if candidate.exists():
            return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def git_env() -> dict[str, str]:
    # Ignore the machine's and the user's git configuration, as bench/corpus.py does.
    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True, env=env or git_env()).stdout


# --- where the figures come from ------------------------------------------------------


def git_revision() -> str:
    """The repository's commit, and whether the working tree differs from it."""
    try:
        head = git(REPO, "rev-parse", "--short", "HEAD", env=dict(os.environ)).strip()
    except (OSError, subprocess.CalledProcessError):
        return "no commit"
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain"],
                           capture_output=True, text=True, check=False).stdout.strip()
    return head + (" (with uncommitted changes)" if dirty else "")


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown CPU"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else platform.processor() or "unknown CPU"


def memory_total() -> str:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown memory"
    found = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return f"{int(found.group(1)) / 2**20:.1f} GiB memory" if found else "unknown memory"


def machine() -> str:
    """The machine in one phrase: system, CPU model, cores and memory."""
    return (f"{platform.system()} {platform.machine()}, {cpu_model()}, "
            f"{os.cpu_count()} cores, {memory_total()}")


def git_version() -> str:
    try:
        done = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "not installed"
    return done.stdout.strip().removeprefix("git version ")


DEFAULT_PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "jinja2", "pyyaml", "gitpython")


def tool_versions(python: Path | None = None,
                  packages: Sequence[str] = DEFAULT_PACKAGES) -> str:
    """Python's and the packages' versions as the virtualenv's `python` sees them, and git's.

    The benchmark may run under another interpreter than the commands it
    measures; the versions that matter are those of the commands.
    """
    code = ("import importlib.metadata as m, platform, sys\n"
            "def v(n):\n"
            "    try:\n"
            "        return m.version(n)\n"
            "    except m.PackageNotFoundError:\n"
            "        return 'not installed'\n"
            "print(f'Python {platform.python_version()}, ' + ', '.join("
            "f'{n} {v(n)}' for n in sys.argv[1:]))\n")
    interpreter = str(python or find_tool(None, "python") or sys.executable)
    try:
        done = subprocess.run([interpreter, "-c", code, *packages], capture_output=True,
                              text=True, check=True)
        found = done.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        found = f"Python {platform.python_version()}"
    return f"{found}, git {git_version()}"


def provenance(python: Path | None = None, packages: Sequence[str] = DEFAULT_PACKAGES,
               also: str = "") -> str:
    """One sentence for a results file: the date, the revision, the machine, the tools
    (and `also`, said after them)."""
    return (f"Run on {dt.date.today().isoformat()} at revision {git_revision()}; "
            f"{machine()}; {tool_versions(python, packages)}{', ' + also if also else ''}.")


# --- Markdown -------------------------------------------------------------------------


def table_lines(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table: one line for the header, one for the rule, one per row."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return lines


def seconds_text(seconds: float) -> str:
    """Seconds with the precision that their size deserves."""
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def progress(message: str) -> None:
    """One line of progress on stderr; stdout is kept for the report."""
    print(message, file=sys.stderr, flush=True)


def profile_report(profile: cProfile.Profile, parts: Sequence[tuple[str, str, tuple[str, ...]]],
                   lines: int, sort: str = "cumulative") -> str:
    """A profile in Markdown: a table of `parts`, then the `lines` top functions by `sort`.

    A part is (label, text in the file's path, function names); its time is the
    cumulative time of those functions, so a part that calls another includes
    it: the parts overlap as the call tree does. Paths are shown from the
    site-packages folder or the repository down.
    """
    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    found: dict[str, tuple[int, float]] = {}
    for (filename, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        for label, where, names in parts:
            if name in names and where in filename:
                _, calls, _, cumulative, _ = row
                before = found.get(label, (0, 0.0))
                found[label] = (before[0] + calls, before[1] + cumulative)
    rows = []
    for label, _, _ in parts:
        calls, cumulative = found.get(label, (0, 0.0))
        rows.append([label, str(calls), f"{cumulative:.3f}", f"{cumulative / total:.0%}"])
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(sort).print_stats(lines)
    text = out.getvalue().strip()
    for folder in sorted((p for p in sys.path if p.endswith("site-packages")), key=len,
                         reverse=True):
        text = text.replace(folder + "/", "")
    text = text.replace(str(REPO) + "/", "")
    table = table_lines(["part", "calls", "cumulative s", f"share of {total:.2f} s"], rows)
    return "\n".join([*table, "", "```", text, "```"])


# --- the command line -----------------------------------------------------------------


def add_common_arguments(parser: argparse.ArgumentParser, *, results: Path,
                         default_sizes: Sequence[int], large: int,
                         tools: Sequence[str] = ("casebook", "mkdocs")) -> None:
    """The options every benchmark takes: sizes, runs, seed, the commands, --write, --keep."""
    parser.add_argument("--sizes", type=int, nargs="+", default=list(default_sizes),
                        help="numbers of cases to measure; ratios are against the smallest "
                        f"(default: {' '.join(map(str, default_sizes))})")
    parser.add_argument("--large", action="store_true", help=f"also measure {large:,}")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    for tool in tools:
        parser.add_argument(f"--{tool}", help=f"path of the {tool} command "
                            f"(default: .venv/bin/{tool})")
    parser.add_argument("--write", action="store_true",
                        help=f"write the results to {results.relative_to(REPO)}")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora")


def find_tools(parser: argparse.ArgumentParser, args: argparse.Namespace,
               tools: Sequence[str] = ("casebook", "mkdocs")) -> list[Path]:
    """The commands named by `add_common_arguments`' options, or the parser's error (which
    also refuses fewer than one run)."""
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    found = [find_tool(getattr(args, tool), tool) for tool in tools]
    missing = [tool for tool, path in zip(tools, found, strict=True) if path is None]
    if missing:
        parser.error(f"{' and '.join(missing)} not found: set up .venv (any make target "
                     f"does) or pass {' and '.join('--' + tool for tool in missing)}")
    return [path for path in found if path is not None]


def sizes_of(args: argparse.Namespace, large: int) -> list[int]:
    """The sizes asked for, smallest first, with `large` under --large."""
    return sorted({*args.sizes, *((large,) if args.large else ())})
