"""Running the real command in a pseudo-terminal: for what only a terminal shows (the
questions `casebook new` asks, the format `casebook diff` picks for a person)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def in_terminal(args: list[str], cwd: Path, answers: Sequence[str] = (),
                env: dict[str, str] | None = None) -> str:
    """Run `casebook ARGS` in a pseudo-terminal with `answers` typed ahead, one a line
    (the terminal keeps them until each question reads one); all that it showed."""
    leader, follower = pty.openpty()
    full_env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", **(env or {})}
    process = subprocess.Popen([sys.executable, "-m", "generator", *args], cwd=cwd,
                               env=full_env,
                               stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    os.write(leader, "".join(f"{answer}\n" for answer in answers).encode())
    shown_text = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the command is done
                break
            if not chunk:
                break
            shown_text += chunk
    finally:
        os.close(leader)
        process.wait(timeout=30)
    return shown_text.decode("utf-8", "replace").replace("\r\n", "\n")
