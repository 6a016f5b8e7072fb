"""What the browser tests share: a static file server under a sub-path, and Chromium.

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
from pathlib import Path
from typing import Any

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
