"""The benchmark suite: the figures and targets of issues 7 and 16, one project per size.

For each number of cases N (500 and 2,000 by default, 10,000 with ``--large``)
this makes ONE temporary casebook project: N valid synthetic cases with a git
history of about four commits per case (bench/corpus.py), plus a copy of the
repository's mkdocs.yml and templates/. Then it measures, each step the median
of ``--runs`` runs in a fresh process (start-up included, file cache warm after
a warm-up run; for the builds, which are long, the first measured run stands
for it), with the step's peak resident memory:

- ``casebook validate`` (a cold process);
- parsing the same files' front matter with PyYAML's CSafeLoader: the floor;
- the one-pass history of every case (generator/history/reader.py, in a child process);
- the full ``casebook build`` (generated pages and site/ removed before each
  run), against a bare mkdocs-material build of N plain Markdown pages of the
  same average size outside the navigation (bench/site_bench.py), alternating;
- the live preview: ``mkdocs serve --livereload --dirty`` in the project; once it
  serves, a case's title is changed on disk, and the time from that save until
  an HTTP GET of the case's page (/cases/<id>/) shows the new title is taken,
  for ``--edits`` different cases (their median is the figure);
- in the browser (bench/browser_bench.py; ``--no-browser`` leaves it out): the
  built site served locally, opened in Chromium by ``--runs`` fresh browsers,
  each searching one case id in the header's box: the time from asking for the
  home page until that case is the first result, the bytes the visit
  transferred, and the tab's memory.

The output sizes are those of the last build: the HTML per case page, the
largest page of the site, and Pagefind's index (its whole folder, per case).

It prints a Markdown report on stdout (the figures, the targets of issue 7 with
met / missed, the output sizes) and one line per step on stderr as it goes;
``--write`` also saves the report to bench/results.md. ``--profile`` adds
"Where the time goes": a cProfile of one ``casebook build`` at the largest N.
The exit status is 1 when a step failed (the other steps are still measured),
not when a target is missed.

Usage::

    .venv/bin/python bench/run.py [--sizes 500 2000] [--large] [--runs 3] [--edits 3]
        [--profile] [--write] [--keep]
"""

import argparse
import datetime as dt
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import browser_bench
import history_bench
import site_bench
import validate_bench
from measure import (
    REPO,
    Measure,
    Run,
    StepFailed,
    add_common_arguments,
    check,
    find_tools,
    git,
    git_env,
    load_corpus_module,
    median_of,
    progress,
    provenance,
    run_child,
    seconds_text,
    sizes_of,
    table_lines,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
REMAINING = HERE / "remaining.md"
"""What the figures leave unmet, and why: written by hand, included in the results."""
DEFAULT_SIZES = (500, 2000)
LARGE_SIZE = 10_000
COMMITS_PER_CASE = 4
TODAY = site_bench.TODAY

# The targets of issue 7, on a 2-core machine.
VALIDATE_RATIO = 2.0  # casebook validate / CSafeLoader parse
VALIDATE_SECONDS = 5.0  # casebook validate at LARGE_SIZE
BARE_RATIO = site_bench.BARE_TARGET  # full build / bare mkdocs-material, same N
GROWTH_RATIO = site_bench.PER_CASE_TARGET  # per-case build time at N / at the smallest N
HTML_KB = site_bench.HTML_TARGET_KB  # HTML per case page, average (KB = 1,000 bytes)
SEARCH_GROWTH_RATIO = 1.15  # Pagefind's folder, bytes per case at N / at the smallest N
HISTORY_SECONDS = 10.0  # one-pass history at LARGE_SIZE
HISTORY_MIB = 1024.0
# The targets of issue 16.
PREVIEW_SECONDS = 1.0  # an edit visible in the live preview ...
PREVIEW_SIZE = 2000  # ... at this many cases
BUILD_MIB = 1024.0  # full build at LARGE_SIZE
SEARCH_SECONDS = 1.0  # "about a second": home page opened -> the case id's first result
SEARCH_SLOWER = 1.1  # ... at LARGE_SIZE, and no slower than at the smallest N (10% noise)
VISIT_MB = 3.0  # one visit with one search at LARGE_SIZE (MB = 1,000,000 bytes)

POLL_SECONDS = 0.05  # between two GETs while waiting for the preview
# mkdocs' watcher polls every 0.5 s and waits 0.1 s for changes to stop; a server
# quiet for longer than both has no rebuild pending.
SETTLE_SECONDS = 1.5
HELD_SECONDS = 5.0  # a GET held longer is asked again, after a look at the server's log
REBUILD_FAILED = "An error happened during the rebuild"
"""What `mkdocs serve` logs when a rebuild raised: it then holds every GET."""


# --- the project ----------------------------------------------------------------------


def make_project(corpus: ModuleType, project: Path, n: int, seed: int) -> int:
    """The casebook project for N cases, committed; returns its number of commits."""
    corpus.write_history_repo(project, n, seed=seed, commits_per_case=COMMITS_PER_CASE)
    site_bench.copy_site_files(project)
    (project / ".gitignore").write_text("/site/\n/.generated/docs/*\n", encoding="utf-8")
    # The site's settings arrive in a commit of their own after the cases' histories,
    # as in a real repository, so that the working tree is clean before any edit.
    handle, name = corpus.ANALYSTS[0]
    stamp = f"{int(git(project, 'log', '-1', '--format=%ct')) + 3600} +0000"
    env = {**git_env(), "GIT_AUTHOR_NAME": name, "GIT_COMMITTER_NAME": name,
           "GIT_AUTHOR_EMAIL": f"{handle}@{corpus.AUTHOR_DOMAIN}",
           "GIT_COMMITTER_EMAIL": f"{handle}@{corpus.AUTHOR_DOMAIN}",
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    git(project, "add", "-A", env=env)
    git(project, "commit", "-q", "-m", "Site settings and templates", env=env)
    return int(git(project, "rev-list", "--count", "HEAD"))


# --- the live preview -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preview:
    """What `mkdocs serve` did: its first page, each edit, its memory, how it stopped."""

    start_seconds: float
    """From starting the server until it served the first case page."""
    edits: tuple[float, ...]
    """For each edit, from the save until the page showed the new title."""
    rebuilds: tuple[int, ...]
    """For each edit, the rebuilds the server made before it was quiet again."""
    max_rss_mib: float
    stopped: str

    @property
    def seconds(self) -> float:
        return statistics.median(self.edits)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fetch(url: str, timeout: float) -> tuple[int, str]:
    """The status and text of a GET of `url`; status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, ""
    except (urllib.error.URLError, OSError):
        return 0, ""


def retitled(text: str, suffix: str) -> str:
    """`text`, a case file, with `suffix` added to the end of its title (still valid YAML)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("title: "):
            value = line.removeprefix("title: ")
            if value.endswith('"'):
                lines[i] = f'title: {value[:-1]}{suffix}"'
            else:
                lines[i] = f"title: {value}{suffix}"
            return "\n".join(lines)
        if line == "---" and i > 0:
            break
    raise ValueError("no title in the front matter")


def edited_cases(project: Path, edits: int) -> list[str]:
    """Ids of `edits` published cases spread over the corpus (those with a generated page)."""
    published = sorted(p.stem for p in (project / ".generated" / "docs" / "cases").glob("*.md"))
    if len(published) < edits:
        raise StepFailed(f"live preview: {len(published)} published cases, {edits} edits asked")
    return [published[len(published) * (k + 1) // (edits + 1)] for k in range(edits)]


class Server:
    """`mkdocs serve --livereload --dirty` in a project (as `make serve`), on a free
    local port, logging to a file."""

    def __init__(self, mkdocs: Path, project: Path, log: Path) -> None:
        self.port = free_port()
        self.log = log
        epoch = int(dt.datetime.combine(dt.date.fromisoformat(TODAY), dt.time(12),
                                        tzinfo=dt.UTC).timestamp())
        with log.open("wb") as out:
            # A session of its own: a Ctrl-C meant for the suite reaches the server only
            # through stop(), which waits for it.
            # SIGINT set back to its default: a suite started in the background by a
            # shell without job control ignores it, and the server would inherit that.
            self.process = subprocess.Popen(
                [sys.executable, "-c", "import os, signal, sys; "
                 "signal.signal(signal.SIGINT, signal.SIG_DFL); "
                 "os.execv(sys.argv[1], sys.argv[1:])",
                 str(mkdocs), "serve", "--dev-addr", f"127.0.0.1:{self.port}", "--livereload",
                 "--dirty"],
                cwd=project, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}, start_new_session=True)
        self.max_rss_mib = 0.0
        self.returncode: int | None = None

    def url(self, case_id: str) -> str:
        return f"http://127.0.0.1:{self.port}/cases/{case_id}/"

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        if self.returncode is not None:
            return False
        pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
        if pid == 0:
            return True
        self._reaped(status, usage)
        return False

    def _reaped(self, status: int, usage: resource.struct_rusage) -> None:
        self.returncode = os.waitstatus_to_exitcode(status)
        self.process.returncode = self.returncode
        self.max_rss_mib = usage.ru_maxrss / 1024

    def wait_for(self, url: str, timeout: float, *, shows: str | None = None,
                 lacks: str | None = None) -> float:
        """Seconds until a GET of `url` finds the page, with the text `shows` and without
        `lacks` (the server holds a GET while it rebuilds: the answer is the new site)."""
        started = time.perf_counter()
        deadline = started + timeout
        failed = self.log_text().count(REBUILD_FAILED)
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise StepFailed(f"live preview: {url} not as expected after {timeout:.0f} s"
                                 f"\n{self.log_text()[-1500:]}")
            # A GET held by a server whose rebuild failed is never answered: asked again
            # every few seconds, so that the failure is seen in the log.
            status, text = fetch(url, min(remaining, HELD_SECONDS))
            if status == 200 and (shows is None or shows in text) and (
                    lacks is None or lacks not in text):
                return time.perf_counter() - started
            if not self.alive():
                raise StepFailed(f"live preview: mkdocs serve exited ({self.returncode})"
                                 f"\n{self.log_text()[-1500:]}")
            log = self.log_text()
            if log.count(REBUILD_FAILED) > failed:
                # What failed is above the line: the end of the traceback, its cause.
                raise StepFailed("live preview: a rebuild failed, and the server answers no "
                                 f"more\n{log[:log.rindex(REBUILD_FAILED)][-1500:]}")
            time.sleep(POLL_SECONDS)

    def settle(self, timeout: float) -> int:
        """Wait until every rebuild the server started has finished and it has been quiet
        for SETTLE_SECONDS; returns the number of rebuilds it has finished in all."""
        deadline = time.perf_counter() + timeout
        last = ""
        quiet_since = time.perf_counter()
        while True:
            text = self.log_text()
            started, finished = text.count("Detected file changes"), text.count(
                "Reloading browsers")
            now = time.perf_counter()
            if text != last:
                last, quiet_since = text, now
            elif started == finished and now - quiet_since >= SETTLE_SECONDS:
                return finished
            if now > deadline:
                raise StepFailed(f"live preview: still rebuilding after {timeout:.0f} s")
            if not self.alive():
                raise StepFailed(f"live preview: mkdocs serve exited ({self.returncode})"
                                 f"\n{text[-1500:]}")
            time.sleep(0.1)

    def stop(self) -> str:
        """Stop the server as Ctrl-C does; harder only when it does not stop."""
        for how, grace in ((signal.SIGINT, 30.0), (signal.SIGTERM, 10.0),
                           (signal.SIGKILL, 10.0)):
            if not self.alive():
                return f"exited by itself ({self.returncode})"
            self.process.send_signal(how)
            deadline = time.perf_counter() + grace
            while time.perf_counter() < deadline:
                if not self.alive():
                    return f"{how.name}, exit {self.returncode}"
                time.sleep(0.1)
        return "did not stop"


def measure_preview(mkdocs: Path, project: Path, n: int, edits: int, scratch: Path
                    ) -> Preview:
    """Start the live preview, edit `edits` cases one after the other, stop it."""
    targets = edited_cases(project, edits)
    timeout = 120 + n * 0.06  # generous: a full rebuild of 10,000 cases takes minutes
    server = Server(mkdocs, project, scratch / "serve.log")
    times: list[float] = []
    rebuilds: list[int] = []
    try:
        first = server.url(targets[0])
        start = server.wait_for(first, timeout)
        finished = server.settle(timeout)
        for k, case_id in enumerate(targets, start=1):
            path = project / "cases" / f"{case_id}.md"
            suffix = f" (revision {k} for the preview)"
            # HTML-escaped nowhere: letters, digits, spaces and brackets only.
            marker = suffix.strip()
            url = server.url(case_id)
            server.wait_for(url, timeout, lacks=marker)
            text = retitled(path.read_text(encoding="utf-8"), suffix)
            path.write_text(text, encoding="utf-8")
            saved = time.perf_counter()
            server.wait_for(url, timeout, shows=marker)
            times.append(time.perf_counter() - saved)
            done = server.settle(timeout)
            rebuilds.append(done - finished)
            finished = done
    finally:
        stopped = server.stop()
    return Preview(start, tuple(times), tuple(rebuilds), server.max_rss_mib, stopped)


# --- the profile ----------------------------------------------------------------------

# One `casebook build` under cProfile, in the project. argv: today's date, the number
# of functions to list, the bench/ folder (for measure.py). Prints Markdown: the parts
# of the build, then the top functions.
PROFILE_CHILD = """\
import contextlib
import cProfile
import sys

sys.path.insert(0, sys.argv[3])
from generator.cli.main import main
from measure import profile_report

profile = cProfile.Profile()
profile.enable()
# The build's own summary goes to stderr: stdout is the report.
with contextlib.redirect_stdout(sys.stderr):
    try:
        main(["build", "--today", sys.argv[1], "--quiet"])
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise
profile.disable()
print(profile_report(profile, [
    ("casebook: generating the pages (generate)", "generator/publish/build.py", ("generate",)),
    ("  reading and checking the cases (load_corpus)", "generator/checks/corpus.py",
     ("load_corpus",)),
    ("  the history from git (read_history)", "generator/history/reader.py", ("read_history",)),
    ("mkdocs: the whole build (build)", "mkdocs/commands/build.py", ("build",)),
    ("  Markdown to HTML (Page.render)", "mkdocs/structure/pages.py", ("render",)),
    ("  pages through the theme's templates (_build_page)", "mkdocs/commands/build.py",
     ("_build_page",)),
    ("the search index (Pagefind, index_site)", "generator/publish/search.py", ("index_site",)),
    ("casebook: the leak check (scan)", "generator/publish/leakcheck.py", ("scan",)),
], int(sys.argv[2])))
"""


def profile_build(project: Path, lines: int) -> tuple[str, Run]:
    """`casebook build` once under cProfile in `project`, every page regenerated: the
    parts and the top functions in Markdown, and the run."""
    site_bench.remove_build(project)
    run = check(run_child([sys.executable, "-c", PROFILE_CHILD, TODAY, str(lines), str(HERE)],
                          project), "profiled casebook build")
    return run.stdout.strip(), run


# --- one size -------------------------------------------------------------------------


@dataclass(slots=True)
class Size:
    """Everything measured at one N; a step that failed is missing and said in `failures`."""

    n: int
    commits: int = 0
    make_seconds: float = 0.0
    steps: dict[str, Measure] = field(default_factory=dict)
    validate_result: str = ""
    history_counts: dict[str, object] = field(default_factory=dict)
    site: site_bench.Row | None = None
    preview: Preview | None = None
    browser: browser_bench.Search | None = None
    profile: str | None = None
    failures: list[str] = field(default_factory=list)


STEPS = {
    "validate": "`casebook validate` (cold process)",
    "parse": "plain PyYAML CSafeLoader parse (the floor)",
    "history": "one-pass history, cold (child process, no history cache)",
    "history-cached": "one-pass history with the history cache (child process)",
    "build": "full `casebook build`",
    "bare": "bare mkdocs-material build (reference)",
}


def step(size: Size, name: str, work: Callable[[], str]) -> None:
    """Run one step; a failure is recorded and the next steps still run."""
    try:
        said = work()
    except Exception as err:  # a long suite reports a failed step and goes on
        what = str(err) if isinstance(err, StepFailed) else f"{type(err).__name__}: {err}"
        size.failures.append(f"{name}: {what}")
        progress(f"N={size.n}: {name} FAILED: {(what.splitlines() or [''])[0]}")
        return
    progress(f"N={size.n}: {said}")


def said(size: Size, name: str, extra: str = "") -> str:
    m = size.steps[name]
    return (f"{name} {seconds_text(m.seconds)} s, {m.max_rss_mib:.0f} MiB "
            f"(median of {len(m.runs)}){extra}")


def searched_case(project: Path) -> str:
    """The published case the browser searches for: the middle one by id."""
    return edited_cases(project, 1)[0]


def bench_size(corpus: ModuleType, n: int, *, seed: int, runs: int, edits: int,
               casebook: Path, mkdocs: Path, profile_lines: int | None, keep: bool,
               browser: bool = True) -> Size:
    size = Size(n)
    folder = Path(tempfile.mkdtemp(prefix=f"casebook-suite-{n}-"))
    project, bare = folder / "project", folder / "bare"
    try:
        started = time.perf_counter()
        size.commits = make_project(corpus, project, n, seed)
        size.make_seconds = time.perf_counter() - started
        progress(f"N={n}: project of {n:,} cases and {size.commits:,} commits in "
                 f"{size.make_seconds:.1f} s ({project})")

        def validate() -> str:
            size.steps["validate"], size.validate_result = validate_bench.measure_validate(
                project, runs, casebook)
            return said(size, "validate", f": {size.validate_result}")

        def parse() -> str:
            size.steps["parse"] = validate_bench.measure_parse(project, n, runs, "c")
            return said(size, "parse")

        def history() -> str:
            command = history_bench.one_pass_command(project)
            size.history_counts = run_child(command, REPO).result()  # warm-up
            # history_bench's measure checks every run; its figures are the plain medians.
            # Cold: the cache removed before each run; then with the cache each run leaves.
            cache = project / ".cache"
            size.steps["history"] = median_of(history_bench.measure(
                command, REPO, runs, before=lambda: shutil.rmtree(cache, ignore_errors=True)
            ).runs)
            size.steps["history-cached"] = median_of(
                history_bench.measure(command, REPO, runs).runs)
            counts = size.history_counts
            return (said(size, "history", f": {counts['cases']:,} cases, "
                         f"{counts['commits']:,} commits, {counts['status']}") + "; "
                    + said(size, "history-cached"))

        def builds() -> str:
            # The first measured build stands for the warm-up: validate and the history
            # have warmed the cases, and a slower first run is what a median absorbs.
            size.site = site_bench.measure_site(project, bare, n, seed=seed, runs=runs,
                                                casebook=casebook, mkdocs=mkdocs,
                                                say=lambda _: None, warm_up=False)
            size.steps["build"], size.steps["bare"] = size.site.build, size.site.bare
            return f"{said(size, 'build')}; {said(size, 'bare')}"

        def profiled() -> str:
            assert profile_lines is not None
            size.profile, run = profile_build(project, profile_lines)
            return f"profiled one casebook build ({run.seconds:.1f} s under cProfile)"

        def search() -> str:
            # The site of the last measured build, as a static host would serve it.
            size.browser = browser_bench.measure_search(project / "site",
                                                        searched_case(project), runs)
            return f"browser: {browser_bench.summary(size.browser)}"

        def preview() -> str:
            size.preview = measure_preview(mkdocs, project, n, edits, folder)
            p = size.preview
            return (f"live preview: first page after {p.start_seconds:.1f} s; edits visible "
                    f"after {', '.join(f'{s:.2f}' for s in p.edits)} s "
                    f"({', '.join(map(str, p.rebuilds))} rebuilds); "
                    f"{p.max_rss_mib:.0f} MiB; stopped: {p.stopped}")

        step(size, "validate", validate)
        step(size, "parse", parse)
        step(size, "history", history)
        step(size, "build", builds)
        if profile_lines is not None:
            step(size, "profile", profiled)
        if browser and size.site is not None:
            step(size, "browser", search)
        # Last: the edits leave the project's cases changed.
        if size.site is not None:
            step(size, "preview", preview)
        else:
            size.failures.append("preview: not measured, the build failed")
    except (StepFailed, subprocess.CalledProcessError, OSError) as err:
        size.failures.append(f"project: {err}")
        progress(f"N={n}: FAILED: {err}")
    finally:
        if keep:
            progress(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return size


# --- the report -----------------------------------------------------------------------


def per_case_ms(m: Measure, n: int) -> str:
    return f"{m.seconds / n * 1000:.2f}"


def figure_rows(sizes: list[Size]) -> list[list[str]]:
    rows = []
    for size in sizes:
        n = size.n
        rows.append([f"{n:,}", "make the project (cases and git history)",
                     f"{size.make_seconds:.2f}", "", "", "", "",
                     f"{size.commits:,} commits"])
        for name, label in STEPS.items():
            m = size.steps.get(name)
            if m is None:
                rows.append([f"{n:,}", label, "failed", "", "", "", "", ""])
                continue
            note = {"validate": size.validate_result,
                    "history": ", ".join(f"{size.history_counts.get(k, '?'):,} {k}"
                                         for k in ("cases", "commits", "changes")),
                    "build": "; ".join(filter(None, (
                        size.site.build_summary if size.site else "", build_memory(m)))),
                    }.get(name, "")
            rows.append([f"{n:,}", label, seconds_text(m.seconds), seconds_text(m.cpu_seconds),
                         f"{m.max_rss_mib:.0f}", per_case_ms(m, n),
                         ", ".join(f"{r.seconds:.2f}" for r in m.runs), note])
        p = size.preview
        if p is None:
            rows.append([f"{n:,}", "live preview: save → page shows the edit", "failed", "",
                         "", "", "", ""])
            continue
        rows.append([f"{n:,}", "live preview: save → page shows the edit",
                     seconds_text(p.seconds), "", f"{p.max_rss_mib:.0f}", "",
                     ", ".join(f"{s:.2f}" for s in p.edits),
                     f"rebuilds per edit: {', '.join(map(str, p.rebuilds))}; "
                     f"peak RSS is the server's over its whole life"])
        rows.append([f"{n:,}", "live preview: start → first page served",
                     seconds_text(p.start_seconds), "", "", "", "", f"stopped: {p.stopped}"])
    return rows


def browser_rows(sizes: list[Size]) -> list[list[str]]:
    """One row per N: the search in Chromium, each figure the median of the visits."""
    rows = []
    for size in sizes:
        b = size.browser
        if b is None:
            continue
        rows.append([
            f"{size.n:,}", f"`{b.case_id}`", seconds_text(b.median("seconds")),
            seconds_text(b.median("load_seconds")), f"{b.median('transferred') / 1e6:.2f}",
            f"{b.median('search_bytes') / 1e6:.2f}", f"{b.median('requests'):.0f}",
            f"{b.median('heap_mib'):.1f}", f"{b.median('renderer_rss_mib'):.0f}",
            ", ".join(f"{v.seconds:.2f}" for v in b.visits)])
    return rows


@dataclass(frozen=True, slots=True)
class Target:
    measure: str
    target: str
    figure: str
    verdict: str


def met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def projected(points: list[tuple[int, float]], at: int) -> float | None:
    """The value at N = `at` on the straight line through the two largest of `points`
    (N, value); None with fewer than two. A line, not a ratio: start-up costs stay put."""
    if len(points) < 2:
        return None
    (n1, v1), (n2, v2) = sorted(points)[-2:]
    return v2 + (v2 - v1) / (n2 - n1) * (at - n2)


def not_measured(projection: str | None) -> str:
    said = "not measured (needs `--large`)"
    return f"{said}; projected from the two largest N: {projection}" if projection else said


def validate_targets(sizes: list[Size]) -> list[Target]:
    out = []
    for size in sizes:
        v, p = size.steps.get("validate"), size.steps.get("parse")
        if v is None or p is None:
            continue
        ratio = v.seconds / p.seconds
        out.append(Target(f"validate / plain parse at {size.n:,}", f"≤ {VALIDATE_RATIO:g}x",
                          f"{ratio:.2f}x", met(ratio <= VALIDATE_RATIO)))
        if size.n == LARGE_SIZE:
            out.append(Target(f"validate at {size.n:,}", f"< {VALIDATE_SECONDS:g} s",
                              f"{v.seconds:.2f} s", met(v.seconds < VALIDATE_SECONDS)))
    return out


def build_targets(built: list[tuple[int, site_bench.Row]]) -> list[Target]:
    """The site's targets, from the sizes whose builds were measured (smallest first)."""
    out = []
    for n, site in built:
        wall = site.build.seconds / site.bare.seconds
        cpu = site.build.cpu_seconds / site.bare.cpu_seconds
        out.append(Target(f"full build / bare mkdocs at {n:,}", f"≤ {BARE_RATIO:g}x",
                          f"{wall:.2f}x (CPU time: {cpu:.2f}x)",
                          site_bench.verdict(wall, cpu, BARE_RATIO)))
    if built:
        base_n, base = built[0]
        for n, site in built[1:]:
            wall = site.per_case_ms() / base.per_case_ms()
            cpu = site.per_case_ms(cpu=True) / base.per_case_ms(cpu=True)
            out.append(Target(f"per-case build time at {n:,} / at {base_n:,}",
                              f"≤ {GROWTH_RATIO:g}x", f"{wall:.2f}x (CPU time: {cpu:.2f}x)",
                              site_bench.verdict(wall, cpu, GROWTH_RATIO)))
    for n, site in built:
        kb = site.build_output.html_bytes_avg / 1000
        out.append(Target(f"HTML per case page at {n:,}", f"≤ {HTML_KB} KB average",
                          f"{kb:.1f} KB", met(kb <= HTML_KB)))
    if built and built[0][1].build_output.search_index_bytes:
        base_n, base = built[0]
        for n, site in built[1:]:
            ratio = ((site.build_output.search_index_bytes / n)
                     / (base.build_output.search_index_bytes / base_n))
            out.append(Target(f"search index per case at {n:,} / at {base_n:,}",
                              f"linear (≤ {SEARCH_GROWTH_RATIO:g}x)", f"{ratio:.2f}x",
                              met(ratio <= SEARCH_GROWTH_RATIO)))
    return out


def at_large_size(what: str, target: str, points: list[tuple[int, Measure]],
                  judge: Callable[[Measure], bool], figure: Callable[[Measure], str],
                  project: Callable[[list[tuple[int, Measure]]], str | None]) -> Target | None:
    """A target set at LARGE_SIZE: judged there when it was measured, else the figure at
    the largest N and a projection."""
    if not points:
        return None
    n, top = points[-1]
    if n == LARGE_SIZE:
        return Target(what, target, figure(top), met(judge(top)))
    return Target(what, target, f"{figure(top)} at {n:,}", not_measured(project(points)))


def history_target(sizes: list[Size], step_name: str = "history") -> Target | None:
    def project(points: list[tuple[int, Measure]]) -> str | None:
        seconds = projected([(n, m.seconds) for n, m in points], LARGE_SIZE)
        mib = projected([(n, m.max_rss_mib) for n, m in points], LARGE_SIZE)
        return None if seconds is None or mib is None else f"{seconds:.1f} s, {mib:.0f} MiB"

    how = "cold, no history cache" if step_name == "history" else "with the history cache"
    return at_large_size(
        f"one-pass history at {LARGE_SIZE:,} cases, {LARGE_SIZE * COMMITS_PER_CASE:,} commits "
        f"({how})",
        f"< {HISTORY_SECONDS:g} s and < {HISTORY_MIB / 1024:g} GiB",
        [(s.n, s.steps[step_name]) for s in sizes if step_name in s.steps],
        lambda m: m.seconds < HISTORY_SECONDS and m.max_rss_mib < HISTORY_MIB,
        lambda m: f"{m.seconds:.2f} s, {m.max_rss_mib:.0f} MiB", project)


def tree_peak(m: Measure) -> float:
    """The build's peak memory: its processes together (casebook and Pagefind's indexer
    run one after the other, but both are the build's), else the largest one alone."""
    sampled = [r.tree_peak_mib for r in m.runs if r.tree_peak_mib]
    return statistics.median(sampled) if sampled else m.max_rss_mib


def build_memory(m: Measure) -> str:
    """The peak memory of each process of a build (of its first run), and of them all."""
    first = m.runs[0]
    if not first.peaks:
        return ""
    each = ", ".join(f"{name} {mib:.0f}" for name, mib in sorted(first.peaks,
                                                                 key=lambda p: -p[1])[:3])
    return f"peak MiB by process: {each}; all together {first.tree_peak_mib:.0f}"


def memory_target(sizes: list[Size]) -> Target | None:
    def project(points: list[tuple[int, Measure]]) -> str | None:
        mib = projected([(n, tree_peak(m)) for n, m in points], LARGE_SIZE)
        return None if mib is None else f"{mib:.0f} MiB"

    return at_large_size(
        f"build peak memory at {LARGE_SIZE:,} (every process of the build together)",
        f"< {BUILD_MIB / 1024:g} GiB",
        [(s.n, s.steps["build"]) for s in sizes if "build" in s.steps],
        lambda m: tree_peak(m) < BUILD_MIB, lambda m: f"{tree_peak(m):.0f} MiB", project)


def preview_targets(sizes: list[Size]) -> list[Target]:
    out = []
    for size in sizes:
        if size.preview is None:
            continue
        seconds = size.preview.seconds
        judged = met(seconds < PREVIEW_SECONDS) if size.n == PREVIEW_SIZE else (
            f"for reference (the target is at {PREVIEW_SIZE:,})")
        out.append(Target(f"live preview at {size.n:,}",
                          f"< {PREVIEW_SECONDS:g} s at {PREVIEW_SIZE:,}",
                          f"{seconds:.2f} s (median of {len(size.preview.edits)})", judged))
    return out


def browser_targets(sizes: list[Size]) -> list[Target]:
    """Issue 16's at LARGE_SIZE: the case first within about a second, no slower than at
    the smallest N; one visit with one search under VISIT_MB. Elsewhere for reference."""
    searched = [s for s in sizes if s.browser is not None]
    if not searched:
        return []
    base = searched[0]
    assert base.browser is not None
    out = []
    for size in searched:
        b = size.browser
        assert b is not None
        seconds, mb = b.median("seconds"), b.median("transferred") / 1e6
        slower = seconds / base.browser.median("seconds")
        judged = size.n == LARGE_SIZE
        out.append(Target(
            f"browser: home page → first result for a case id at {size.n:,}",
            f"≤ about {SEARCH_SECONDS:g} s at {LARGE_SIZE:,}, no slower than at {base.n:,}",
            f"{seconds:.2f} s ({slower:.2f}x that at {base.n:,})",
            met(seconds <= SEARCH_SECONDS and slower <= SEARCH_SLOWER) if judged
            else "for reference"))
        out.append(Target(f"browser: one visit with one search at {size.n:,}",
                          f"< {VISIT_MB:g} MB at {LARGE_SIZE:,}", f"{mb:.2f} MB",
                          met(mb < VISIT_MB) if judged else "for reference"))
    return out


def targets(sizes: list[Size]) -> list[Target]:
    built = [(s.n, s.site) for s in sizes if s.site is not None]
    large = [history_target(sizes), history_target(sizes, "history-cached"),
             memory_target(sizes)]
    return [*validate_targets(sizes), *build_targets(built), *preview_targets(sizes),
            *browser_targets(sizes), *(t for t in large if t is not None)]


def output_rows(sizes: list[Size]) -> list[list[str]]:
    rows = []
    for size in sizes:
        if size.site is None:
            continue
        s = size.site
        rows.append([
            f"{size.n:,}", str(s.published), f"{s.case_md_bytes_avg:.0f}",
            f"{s.bare_md_bytes_avg:.0f}", f"{s.build_output.html_bytes_avg / 1000:.1f}",
            f"{s.bare_output.html_bytes_avg / 1000:.1f}", site_bench.largest_text(s.build_output),
            f"{s.build_output.search_index_bytes / 2**20:.2f}",
            f"{s.build_output.search_files:,}",
            f"{s.build_output.search_index_bytes / size.n / 1000:.2f}",
            f"{s.bare_output.search_index_bytes / 2**20:.2f}",
        ])
    return rows


def failure_lines(sizes: list[Size]) -> list[str]:
    lines = []
    for size in sizes:
        for failure in size.failures:
            first, _, rest = failure.partition("\n")
            lines.append(f"- N={size.n:,}: {first}")
            tail = [line.strip() for line in rest.splitlines() if line.strip()][-3:]
            lines.extend(f"  `{line[:200]}`" for line in tail)
    return ["Steps that failed (the other figures were still measured):", "", *lines, ""] if (
        lines) else []


def report(sizes: list[Size], *, runs: int, edits: int, seed: int, casebook: Path) -> str:
    found = targets(sizes)
    verdicts = [t.verdict for t in found]
    partly = sum(1 for v in verdicts if v.startswith("met on"))
    counted = (f"{verdicts.count('met')} met, {verdicts.count('**missed**')} missed, "
               f"{partly} met on one clock only, "
               f"{len(verdicts) - verdicts.count('met') - verdicts.count('**missed**') - partly}"
               " not judged at these sizes")
    profiled = next((s for s in reversed(sizes) if s.profile), None)
    sizes_text = ", ".join(f"{s.n:,}" for s in sizes)
    parts = [
        f"# Benchmark suite: casebook at {sizes_text} cases",
        "",
        provenance(casebook.with_name("python")),
        "",
        f"For each N, one temporary casebook project: N synthetic cases (`bench/corpus.py`, "
        f"seed {seed}, every stage represented, all valid) with a git history of "
        f"{COMMITS_PER_CASE} commits per case, plus a copy of `mkdocs.yml` and `templates/`. "
        f"Each figure is the median of {runs} runs, each in a fresh process (start-up "
        "included, file cache warm after a warm-up run; for the two builds the first "
        "measured run stands for it). *validate* is "
        "`casebook validate --format json`; the *plain parse* reads every case file and "
        "loads its front matter with `yaml.load(text, Loader=yaml.CSafeLoader)`; the "
        "*history* is `read_history` over every case in a child process; the *full build* "
        f"is `casebook build --today {TODAY} --quiet` with `site/` and the generated pages "
        "removed before each run; the *bare* build is `mkdocs build` of N plain Markdown "
        "pages of the same average size as the generated case pages, outside the "
        "navigation, with the same theme, Markdown extensions and search plugin "
        "(`bench/site_bench.py`); the two builds alternate. The *live preview* runs "
        "`mkdocs serve --livereload --dirty` in the project (as `make serve`); once it "
        "serves, the title of one "
        f"published case is changed on disk, and the time from the save until a GET of "
        f"`/cases/<id>/` shows the new title is taken, for {edits} cases one after the other "
        "(the server quiet in between). CPU time is user + system, and peak RSS the "
        "`ru_maxrss`, of the child from `os.wait4` (the larger of the process and its "
        "largest child, not their sum); per case is the total / N. KB = 1,000 bytes.",
        "",
        "*In the browser* (`bench/browser_bench.py`), the site of the last build is served "
        "by a plain local HTTP server (no compression) and opened by Debian's Chromium "
        f"under Playwright, {runs} times, each in a fresh browser (empty cache): it asks "
        "for the home page, types a published case's id into the header's search box, "
        "and waits until that case is the first result (with its *Case id* badge). The "
        "time runs from asking for the home page to that result; the bytes are every "
        "response's headers and body, the page's and its workers' (Pagefind searches in a "
        "worker on a large site); the "
        "memory is V8's used heap (`JSHeapUsedSize`) and the resident memory of the tab's "
        "renderer process, read once the result shows. MB = 1,000,000 bytes.",
        "",
        *failure_lines(sizes),
        "## Figures",
        "",
        *table_lines(["N", "step", "median s", "CPU s", "peak RSS MiB", "per case ms",
                      "runs s", "notes"], figure_rows(sizes)),
        "",
        "## In the browser: one visit, one search for a case id",
        "",
        *table_lines(["N", "case searched", "home page → first result s",
                      "home page load s", "MB transferred", "of it Pagefind MB", "responses",
                      "JS heap MiB", "renderer RSS MiB", "runs s"], browser_rows(sizes)),
        "",
        f"## Targets ({counted})",
        "",
        *table_lines(["measure", "target", "figure", "verdict"],
                     [[t.measure, t.target, t.figure, t.verdict] for t in found]),
        "",
        "A ratio is *met on CPU time only* when the machine was busy with other work "
        "during the wall-clock measurement.",
        "",
        "## Output sizes",
        "",
        *table_lines(["N", "cases published", "case page .md bytes (avg)",
                      "plain page .md bytes (avg)", "case page HTML KB (avg)",
                      "plain page HTML KB (avg)", "largest page KB",
                      "Pagefind index MiB", "Pagefind files", "Pagefind KB per case",
                      "bare search_index.json MiB (lunr)"],
                     output_rows(sizes)),
        "",
        "## Where the time goes",
        "",
    ]
    if profiled is not None:
        parts += [f"One `casebook build` of {profiled.n:,} cases under cProfile (in one "
                  "process; the profiler slows it down). The parts are cumulative times of "
                  "the functions named, so a part includes the parts below it; then the "
                  "functions with the largest cumulative time.", "", profiled.profile or "",
                  ""]
    else:
        parts += ["Not profiled in this run: `bench/run.py --profile` profiles one build "
                  "at the largest N.", ""]
    if REMAINING.is_file():
        # Written by hand from the figures and profiles: what a missed target is
        # made of, and why it stays.
        parts += ["## What remains and why", "",
                  f"(From `bench/{REMAINING.name}`, kept by hand with these figures.)", "",
                  REMAINING.read_text(encoding="utf-8").strip(), ""]
    parts += ["Reproduce: `make bench`, or `.venv/bin/python bench/run.py --write "
              "[--large] [--profile]`.", ""]
    return "\n".join(parts)


KEPT = "<!-- The sections below come from other benchmarks; bench/run.py --write keeps them. -->"


def with_kept_sections(text: str, old: str) -> str:
    """The suite's report `text`, then what the earlier results.md `old` holds below
    the KEPT line (the figures of data_bench, leak_bench and the others, each run on
    its own), so that a new suite run does not lose them."""
    kept = old.partition(KEPT)[2].lstrip("\n") if KEPT in old else ""
    return f"{text.rstrip()}\n\n{KEPT}\n\n{kept}" if kept else text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_common_arguments(parser, results=RESULTS, default_sizes=DEFAULT_SIZES, large=LARGE_SIZE)
    parser.add_argument("--edits", type=int, default=3,
                        help="edits timed in the live preview (default 3)")
    parser.add_argument("--no-browser", action="store_true",
                        help="leave out the search in Chromium (bench/browser_bench.py)")
    parser.add_argument("--profile", action="store_true",
                        help="profile one casebook build at the largest N with cProfile")
    parser.add_argument("--profile-lines", type=int, default=30,
                        help="functions listed in the profile (default 30)")
    args = parser.parse_args(argv)
    casebook, mkdocs = find_tools(parser, args)
    if args.edits < 1:
        parser.error("--edits must be at least 1")

    corpus = load_corpus_module()
    sizes = sizes_of(args, LARGE_SIZE)
    started = time.perf_counter()
    results = [bench_size(corpus, n, seed=args.seed, runs=args.runs, edits=args.edits,
                          casebook=casebook, mkdocs=mkdocs,
                          profile_lines=args.profile_lines if args.profile and n == sizes[-1]
                          else None, keep=args.keep, browser=not args.no_browser)
               for n in sizes]
    text = report(results, runs=args.runs, edits=args.edits, seed=args.seed, casebook=casebook)
    print(text)
    if args.write:
        old = RESULTS.read_text(encoding="utf-8") if RESULTS.is_file() else ""
        RESULTS.write_text(with_kept_sections(text, old), encoding="utf-8")
        progress(f"wrote {RESULTS}")
    progress(f"the suite took {time.perf_counter() - started:.0f} s")
    return 1 if any(size.failures for size in results) else 0


if __name__ == "__main__":
    sys.exit(main())
