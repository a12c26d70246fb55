"""Start the reference receiver as a subprocess from tests (or scripts) and read what it got.

    with start_receiver(["new-key…", "old-key…"]) as receiver:
        receiver.url("/quickbooks/events")
        receiver.wait_for(lambda d: d["verified"])

Keys reach the process through environment variables, never its command line.
"""

from __future__ import annotations

import collections
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
LISTENING_LINE = re.compile(r"^listening on (http://\S+)$")


class ReceiverError(RuntimeError):
    pass


class Receiver:
    def __init__(self, process: subprocess.Popen, base_url: str, output: collections.deque):
        self.process = process
        self.base_url = base_url
        self.output = output  # every line the receiver printed (stdout and stderr)
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only

    def url(self, path: str = "/quickbooks/events") -> str:
        return self.base_url + path

    def deliveries(self) -> list[dict[str, Any]]:
        response = self.http.get(self.base_url + "/deliveries", timeout=10)
        response.raise_for_status()
        return response.json()

    def clear(self) -> None:
        self.http.delete(self.base_url + "/deliveries", timeout=10).raise_for_status()

    def wait_for(
        self,
        matches: Callable[[dict[str, Any]], bool] = lambda _d: True,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` kept deliveries match; return the matching ones."""
        deadline = time.monotonic() + timeout
        while True:
            found = [d for d in self.deliveries() if matches(d)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise ReceiverError(
                    f"{len(found)} of {count} expected deliveries after {timeout}s; "
                    f"all: {self.deliveries()}"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_receiver(
    keys: Sequence[str], port: int = 0, keep: int = 200, timeout: float = 20.0
) -> Receiver:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVER_")}
    names = []
    for index, key in enumerate(keys):
        names += ["--key-env", f"RECEIVER_KEY_{index}"]
        env[f"RECEIVER_KEY_{index}"] = key
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "receiver", "--port", str(port), "--keep", str(keep), *names],
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    output: collections.deque[str] = collections.deque(maxlen=1000)

    def pump() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            output.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            process.kill()
            raise ReceiverError(f"receiver not listening after {timeout}s") from None
        if line is None:
            process.wait()
            raise ReceiverError(f"receiver exited with {process.returncode}: {''.join(output)}")
        if match := LISTENING_LINE.match(line.strip()):
            return Receiver(process, match[1], output)
