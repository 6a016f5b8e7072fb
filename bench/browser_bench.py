"""What a reader's browser pays for a search: a built site in Chromium, opened, one query searched.

For a built site (``site/`` of a casebook project) this serves the folder with a
plain local HTTP server (no compression: what a static host adds is not
counted) and, in Debian's Chromium driven by Playwright, for each of ``--runs``
fresh browsers (empty cache, no service worker, nothing kept from a run
before):

- opens the home page, types a case id into the header's search box, and takes
  the time from asking for the home page until the result list shows that case
  first, with its "Case id" badge (the box waits 150 ms after typing before it
  searches, and loads the list of the index's parts, Pagefind's script, its
  WebAssembly and the index chunks the query needs on that first search: all
  of it is counted); with ``--words``, a query of words instead, until its
  first result shows (every part of the index is searched);
- where the time after typing went: when the last response of the list of
  parts, of Pagefind's script, of its WebAssembly and of the index's chunks
  ended, from the keystroke (`Visit.steps`);
- sums the bytes that visit transferred (every response's headers and body, as
  Playwright counts them for the page and its workers: Pagefind searches in a
  worker of its own on a large site), with their number and the share of
  Pagefind's files;
- reads the tab's memory once the result is shown: V8's used heap
  (``Performance.getMetrics`` ``JSHeapUsedSize``) and the resident memory of the
  tab's renderer process (the largest renderer of that browser, from /proc).

The figure of each is the median of the runs. `measure_search` is what
bench/run.py calls at each N; on its own::

    .venv/bin/python bench/browser_bench.py SITE_DIR CASE_ID [--words WORD] [--runs 3]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from measure import descendants

CHROMIUM = Path("/usr/bin/chromium")
# As in tests/browser/browsing.py: nothing reaches out on its own, no GPU needed.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
SEARCH_BOX = ".md-header__inner .cb-search__input"
FIRST_RESULT = ".cb-search__results .cb-search__item a"
TIMEOUT_MS = 120_000  # a loaded machine; the figure is the time taken, not this limit
SEARCH_FOLDER = "/pagefind/"


class BrowserFailed(Exception):
    """Chromium or Playwright is missing, or the search did not show the case."""


@dataclass(frozen=True, slots=True)
class Visit:
    """One fresh browser: the home page opened, one id searched."""

    seconds: float
    """From asking for the home page until the case is the first result."""
    load_seconds: float
    """From asking for the home page until its load event."""
    transferred: int
    """Bytes received for every response of the visit (headers included)."""
    requests: int
    search_bytes: int
    """The part of `transferred` that came from the search index's folder."""
    heap_mib: float
    renderer_rss_mib: float
    steps: tuple[tuple[str, float], ...] = ()
    """For each kind of the index's files (`STEPS`), when its last response ended,
    in seconds from the keystroke; then when the result showed (`SHOWN`)."""


STEPS = (("parts list", "parts.json"), ("pagefind.js", "pagefind.js"),
         ("worker", "pagefind-worker.js"), ("wasm", ".pagefind"),
         ("index chunks", ".pf_"))
"""The kinds of the search's files, by what their address holds, in the order named."""
SHOWN = "result shown"


@dataclass(frozen=True, slots=True)
class Search:
    """The median of several visits."""

    case_id: str
    visits: tuple[Visit, ...]
    words: bool = False
    """A query of words (`case_id` holds it), not an id."""

    def median(self, field: str) -> float:
        return float(statistics.median(getattr(v, field) for v in self.visits))

    def step(self, name: str) -> float | None:
        """The median time of one of `STEPS` over the visits that fetched it."""
        found = [dict(v.steps)[name] for v in self.visits if name in dict(v.steps)]
        return float(statistics.median(found)) if found else None


# --- the server -----------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser that stops reading a response is not an error


@contextmanager
def serve(site_dir: Path) -> Iterator[str]:
    """Serve `site_dir` at the root of a local port; yield its address."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    httpd = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- memory ---------------------------------------------------------------------------


def renderer_rss_mib() -> float:
    """The resident memory of the largest Chromium renderer below this process (the tab's:
    a spare renderer holds a few MiB)."""
    largest = 0
    for pid in descendants(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if b"--type=renderer" not in command:
            continue
        found = re.search(r"^VmRSS:\s*(\d+) kB", status, re.MULTILINE)
        if found:
            largest = max(largest, int(found.group(1)))
    return largest / 1024


# --- one visit ------------------------------------------------------------------------


def visit(playwright: Any, base: str, case_id: str, words: bool = False) -> Visit:
    """A fresh Chromium opens `base`, searches `case_id` (a query of words if `words`),
    and is closed."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
    try:
        context = browser.new_context(service_workers="block")
        # The context's, not the page's: Pagefind fetches its index from a worker of
        # its own on a large site, which the page's DevTools session does not see.
        finished: list[Any] = []
        ended: list[tuple[str, float]] = []

        def end(request: Any) -> None:
            finished.append(request)
            ended.append((request.url, time.perf_counter()))

        context.on("requestfinished", end)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        started = time.perf_counter()
        page.goto(base, wait_until="load", timeout=TIMEOUT_MS)
        loaded = time.perf_counter() - started
        box = page.locator(SEARCH_BOX)
        box.wait_for(state="visible", timeout=TIMEOUT_MS)
        typed = time.perf_counter()
        box.fill(case_id if words else case_id.lower())
        first = page.locator(FIRST_RESULT).first
        if words:
            first.wait_for(timeout=TIMEOUT_MS)
        else:
            first.locator(".cb-search__badge", has_text="Case id").wait_for(timeout=TIMEOUT_MS)
        seconds = time.perf_counter() - started
        href = first.get_attribute("href") or ""
        if not words and not href.rstrip("/").endswith(f"cases/{case_id}"):
            raise BrowserFailed(f"the first result for {case_id} links to {href!r}")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        rss = renderer_rss_mib()
        # Every response the result was made from has finished by now.
        received = [(r.url, _received(r.sizes())) for r in finished]
        context.close()
    finally:
        browser.close()
    search = sum(n for url, n in received if SEARCH_FOLDER in url)
    return Visit(seconds, loaded, sum(n for _, n in received), len(received), search,
                 metrics.get("JSHeapUsedSize", 0.0) / 2**20, rss,
                 (*_steps(ended, typed), (SHOWN, started + seconds - typed)))


def _steps(ended: list[tuple[str, float]], typed: float) -> tuple[tuple[str, float], ...]:
    """When the last response of each of `STEPS` ended, from `typed`."""
    steps = []
    for name, marker in STEPS:
        times = [at for url, at in ended
                 if SEARCH_FOLDER in url and marker in url.split("?")[0].rsplit("/", 1)[-1]]
        if times:
            steps.append((name, max(times) - typed))
    return tuple(steps)


def _received(sizes: dict[str, int]) -> int:
    """A response's bytes, its headers included (the server compresses nothing)."""
    return max(sizes.get("responseBodySize", 0), 0) + max(sizes.get("responseHeadersSize", 0), 0)


def measure_search(site_dir: Path, case_id: str, runs: int = 3, *,
                   words: bool = False) -> Search:
    """`runs` fresh visits of the site in `site_dir`, each searching `case_id` (a query
    of words if `words`)."""
    if not CHROMIUM.exists():
        raise BrowserFailed(f"no Chromium at {CHROMIUM} (Debian's chromium package)")
    try:
        from playwright import sync_api
    except ImportError:
        raise BrowserFailed("Playwright is not installed: run bench/ from .venv") from None
    if not (site_dir / "index.html").is_file():
        raise BrowserFailed(f"no built site in {site_dir}")
    with serve(site_dir) as base, sync_api.sync_playwright() as playwright:
        try:
            visits = tuple(visit(playwright, base, case_id, words) for _ in range(runs))
        except sync_api.Error as err:
            raise BrowserFailed(f"search for {case_id}: {str(err).splitlines()[0]}") from None
    return Search(case_id, visits, words)


def summary(search: Search) -> str:
    """The figures in one line."""
    steps = [(name, search.step(name)) for name in [*(name for name, _ in STEPS), SHOWN]]
    after = ", ".join(f"{name} {at:.2f}" for name, at in steps if at is not None)
    query = f"words {search.case_id!r}" if search.words else search.case_id
    return (f"first result for {query} {search.median('seconds'):.2f} s "
            f"(page load {search.median('load_seconds'):.2f} s; after typing, last "
            f"{after} s), "
            f"{search.median('transferred') / 1e6:.2f} MB in "
            f"{search.median('requests'):.0f} responses "
            f"({search.median('search_bytes') / 1e6:.2f} MB of the index), "
            f"JS heap {search.median('heap_mib'):.1f} MiB, "
            f"renderer RSS {search.median('renderer_rss_mib'):.0f} MiB "
            f"(median of {len(search.visits)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("site", type=Path, help="a built site folder (site/)")
    parser.add_argument("case_id", help="the id to search for; a case the site publishes")
    parser.add_argument("--words", action="append", default=[],
                        help="also a query of words, in fresh visits of its own (repeatable)")
    parser.add_argument("--runs", type=int, default=3, help="fresh visits (median)")
    args = parser.parse_args(argv)
    try:
        searches = [measure_search(args.site, args.case_id, args.runs),
                    *(measure_search(args.site, w, args.runs, words=True) for w in args.words)]
    except BrowserFailed as err:
        print(f"browser_bench: {err}", file=sys.stderr)
        return 1
    for search in searches:
        for v in search.visits:
            print(f"  {v.seconds:.2f} s, {v.transferred:,} bytes, {v.requests} responses, "
                  f"heap {v.heap_mib:.1f} MiB, RSS {v.renderer_rss_mib:.0f} MiB",
                  file=sys.stderr)
        print(summary(search))
    return 0


if __name__ == "__main__":
    sys.exit(main())
