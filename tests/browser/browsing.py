"""What the browser tests share: a static file server under a sub-path, Chromium, and a
tab that records what a page asks of other hosts and what its console reports.

The site is served as an internal web server would serve it, below a sub-path;
Chromium is Debian's, driven by Playwright (which cannot download a browser
here), with the flags that keep it from reaching out on its own.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright import sync_api

CHROMIUM = Path("/usr/bin/chromium")
SUB_PATH = "/casebook/"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A browser that stops reading a response (it navigated on) is not an error.
        pass


@contextmanager
def serve(site_dir: Path, www: Path) -> Iterator[str]:
    """Serve a copy of `site_dir` under SUB_PATH on 127.0.0.1; yield the site's address."""
    shutil.copytree(site_dir, www / SUB_PATH.strip("/"))
    handler = functools.partial(_QuietHandler, directory=str(www))
    httpd = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{SUB_PATH}"
    finally:
        httpd.shutdown()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright; fails (never skips) when it is missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: run `make test`, which "
                    "installs it, or install Debian's chromium package")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watch:
    """What a tab asked of hosts other than the site's, and the errors its console showed."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def watched_tab(browser: Any, base: str, **options: Any) -> Iterator[tuple[Any, Watch]]:
    """A tab in a new context that blocks and records every request to another host.

    After the `with` block the site must have asked nothing of other hosts and
    shown no console error; `options` go to `new_context` (a viewport of 1280x900
    unless given).
    """
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
    watch = Watch()
    local = urlsplit(base).netloc

    def route(route: Any) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in ("http", "https") and parts.netloc != local:
            watch.outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: watch.errors.append(str(e)))
    yield tab, watch
    context.close()
    assert watch.outside == [], "the site requested outside hosts"
    assert watch.errors == [], "the console showed errors"
