"""A server subprocess started from the repository and stopped again: the emulator's and
the reference receiver's harnesses build on it.

``start_server`` starts a command, waits for its ``listening on <url>`` line and keeps
draining its output; ``ServerProcess`` holds the process with an HTTP session for it and
stops it (SIGTERM, then kill) when its ``with`` block ends.
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable

import requests

from . import REPO

LISTENING_LINE = re.compile(r"^listening on (http://\S+)$")


class ServerProcess(contextlib.AbstractContextManager):
    """A started server subprocess with an HTTP session for it; also a context manager
    (entering gives the object itself) that stops it."""

    def __init__(self, process: subprocess.Popen, base_url: str):
        self.process = process
        self.base_url = base_url
        self.http = requests.Session()
        # Loopback only: a proxy from the environment must never see this traffic.
        self.http.trust_env = False

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_server(
    command: list[str],
    *,
    name: str,
    error: type[Exception],
    env: dict[str, str] | None = None,
    merge_stderr: bool = False,
    keep: int = 200,
    timeout: float = 20.0,
    on_line: Callable[[str], None] = lambda _line: None,
) -> tuple[subprocess.Popen, str, collections.deque[str]]:
    """Start ``command`` in the repository and wait for its ``listening on <url>`` line.

    Each stripped stdout line before that one goes to ``on_line``. Returns the process, the
    URL, and the last ``keep`` lines of its stderr (of all its output with ``merge_stderr``),
    which keep coming for the process's whole life. ``error`` (naming the server ``name``)
    is raised when it exits or is not listening after ``timeout`` seconds.
    """
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        text=True,
        env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str | None] = queue.Queue()
    tail: collections.deque[str] = collections.deque(maxlen=keep)
    # Every pipe is drained for the process's whole life, so it never blocks on a full pipe.
    threading.Thread(
        target=_read_lines,
        args=(process.stdout, lines, tail if merge_stderr else None),
        daemon=True,
    ).start()
    if not merge_stderr:
        threading.Thread(target=tail.extend, args=(process.stderr,), daemon=True).start()

    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            process.kill()
            raise error(f"{name} not listening after {timeout}s") from None
        if line is None:
            process.wait()
            raise error(f"{name} exited with {process.returncode}: {''.join(tail)}")
        line = line.strip()
        if match := LISTENING_LINE.match(line):
            return process, match[1], tail
        on_line(line)


def _read_lines(stream, lines: queue.Queue, tail: collections.deque | None) -> None:
    for line in stream:
        if tail is not None:
            tail.append(line)
        lines.put(line)
    lines.put(None)  # end of output: the process has exited
