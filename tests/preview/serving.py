"""A real `mkdocs serve --livereload --dirty` (what `make serve` runs) for the preview's
tests: started on a free local port in a project, logging to a file, asked over
HTTP, stopped as Ctrl-C stops it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

MKDOCS = Path(sys.executable).parent / "mkdocs"
QUIET_SECONDS = 3.0  # longer than mkdocs' watcher takes to notice a write (about 0.6 s)
# A process started in the background by a shell that has no job control (CI,
# an editor's task runner) ignores SIGINT, and so would the server it starts:
# the server gets the default back, as in a terminal, so that stop() is Ctrl-C.
WITH_CTRL_C = [sys.executable, "-c",
               "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
               "os.execv(sys.argv[1], sys.argv[1:])"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fetch(url: str, timeout: float = 30) -> tuple[int, str]:
    """The status and text of a GET; 0 when nothing answered in `timeout` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")
    except OSError:
        return 0, ""


class Server:
    """`mkdocs serve --livereload --dirty` in a project, on a free local port, logging
    to a file; `epoch` is its SOURCE_DATE_EPOCH (the build date)."""

    def __init__(self, project: Path, log: Path, epoch: str) -> None:
        self.port = free_port()
        self.log = log
        env = {**os.environ, "SOURCE_DATE_EPOCH": epoch, "NO_MKDOCS_2_WARNING": "1"}
        env.pop("CASEBOOK_PROFILE", None)
        with log.open("wb") as out:
            # A session of its own, so that a Ctrl-C meant for pytest reaches it only
            # through stop().
            self.process = subprocess.Popen(
                [*WITH_CTRL_C, str(MKDOCS), "serve", "--dev-addr", f"127.0.0.1:{self.port}",
                 "--livereload", "--dirty"], cwd=project, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=env, start_new_session=True)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def case_url(self, case_id: str) -> str:
        return self.url(f"cases/{case_id}/")

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, url: str, *, status: int = 200, shows: str | tuple[str, ...] = "",
                 lacks: str | None = None, timeout: float = 120.0) -> str:
        """Ask for `url` until it answers `status` with every text of `shows` and without
        `lacks`; its text. Each request waits a few seconds at most; the whole, `timeout`."""
        wanted = (shows,) if isinstance(shows, str) else shows
        deadline = time.monotonic() + timeout
        while True:
            got, text = fetch(url, timeout=5)
            if got == status and all(s in text for s in wanted) and (
                    lacks is None or lacks not in text):
                return text
            assert self.process.poll() is None, f"mkdocs serve exited\n{self.log_text()}"
            assert time.monotonic() < deadline, f"{url}: {got}\n{self.log_text()[-2000:]}"
            time.sleep(0.1)

    def settle(self, timeout: float = 120.0) -> None:
        """Wait until the log has not grown for QUIET_SECONDS: no rebuild is pending."""
        deadline = time.monotonic() + timeout
        last, since = "", time.monotonic()
        while time.monotonic() - since < QUIET_SECONDS:
            text = self.log_text()
            if text != last:
                last, since = text, time.monotonic()
            assert time.monotonic() < deadline, f"mkdocs serve never went quiet\n{text[-2000:]}"
            time.sleep(0.1)

    def stop(self) -> bool:
        """Stop it as Ctrl-C does; kill it only when it does not stop. True when
        Ctrl-C stopped it."""
        if self.process.poll() is not None:
            return False
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            return False
        return True
