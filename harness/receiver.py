"""The reference receiver started as a subprocess from tests, and what it got.

    with start_receiver(["new-key…", "old-key…"]) as receiver:
        receiver.url("/quickbooks/events")
        receiver.wait_for(lambda d: d["verified"])

Keys reach the process through environment variables, never its command line.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from .process import ServerProcess, start_server


class ReceiverError(RuntimeError):
    pass


class Receiver(ServerProcess):
    def __init__(self, process: subprocess.Popen, base_url: str, output: collections.deque):
        super().__init__(process, base_url)
        self.output = output  # every line the receiver printed (stdout and stderr)

    def url(self, path: str = "/quickbooks/events") -> str:
        return self.base_url + path

    def deliveries(self) -> list[dict[str, Any]]:
        response = self.http.get(self.base_url + "/deliveries", timeout=10)
        response.raise_for_status()
        return response.json()

    def processed(self) -> list[dict[str, Any]]:
        """The notifications it processed, each eventId once, oldest first."""
        response = self.http.get(self.base_url + "/processed", timeout=10)
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


def start_receiver(
    keys: Sequence[str], port: int = 0, keep: int = 200, timeout: float = 20.0
) -> Receiver:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVER_")}
    names = []
    for index, key in enumerate(keys):
        names += ["--key-env", f"RECEIVER_KEY_{index}"]
        env[f"RECEIVER_KEY_{index}"] = key
    process, base_url, output = start_server(
        [sys.executable, "-m", "receiver", "--port", str(port), "--keep", str(keep), *names],
        name="receiver",
        error=ReceiverError,
        env=env,
        merge_stderr=True,
        keep=1000,
        timeout=timeout,
    )
    return Receiver(process, base_url, output)
