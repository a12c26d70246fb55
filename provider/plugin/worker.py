"""The plugin's provider process: it loads the provider while the other process
starts gRPC, and answers every provider call that process relays (`relay.py`).

Why two processes: the engine waits, idle, while the plugin starts gRPC and prints
its port (~0.07 s of CPU), and then while it loads the provider for the first
provider call (~0.1 s). In one Python process both run one after the other; forked
at the start, each runs on a core of its own, and the first call is answered
~0.07 s sooner (bench/RESULTS.md, "Plugin start"). The fork comes before either
process imports anything (no thread exists yet), and this process never imports
gRPC to serve: a warning to the engine (`diagnostics.py`) does, when it is sent.

Its life is the other process's: it ignores SIGINT (which the engine sends that
process) and ends when its requests pipe closes, once the calls in flight are
answered (as the one-process plugin let its operations finish); an end before the
provider has loaded has nothing in flight. It never writes to stdout, where the
engine reads the port.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from .frames import ANSWER, FAILED, REFUSED, frame, read_frame, write_all


class Link:
    """The provider process, seen from the port's process: its pid, the pipe it reads
    the calls from and the one it writes the answers to."""

    def __init__(self, pid: int, requests: int, answers: int) -> None:
        self.pid, self.requests, self.answers = pid, requests, answers


def fork(engine: str) -> Link | None:
    """The provider process, started; None where there is no `fork` (the port's
    process then loads the provider itself). The child never returns."""
    if not hasattr(os, "fork"):
        return None
    requests_in, requests_out = os.pipe()
    answers_in, answers_out = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(requests_out)
            os.close(answers_in)
            run(engine, requests_in, answers_out)
        finally:
            os._exit(1)  # never back into the caller's code
    os.close(requests_in)
    os.close(answers_out)
    return Link(pid, requests_out, answers_in)


class Inbox:
    """The relayed calls, read in a thread from the start: a closed pipe ends the
    process even while the provider is still loading."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self._early: list[tuple[int, int, bytes] | None] = []
        self._deliver: Callable[[tuple[int, int, bytes] | None], None] | None = None
        threading.Thread(target=self._read, name="requests", daemon=True).start()

    def _read(self) -> None:
        while True:
            item = read_frame(self._fd)
            with self._lock:
                if self._deliver is None:
                    if item is None:
                        os._exit(0)  # nothing loaded, nothing in flight
                    self._early.append(item)
                    continue
            self._deliver(item)
            if item is None:
                return

    def deliver_to(self, loop: Any, arrived: Callable[[Any], None]) -> None:
        """Every call from now on to `arrived` on `loop` (those already read first)."""
        with self._lock:
            for item in self._early:
                loop.call_soon(arrived, item)
            self._deliver = lambda item: loop.call_soon_threadsafe(arrived, item)


def run(engine: str, requests: int, answers: int) -> None:
    """Load the provider and answer the calls on `requests` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    inbox = Inbox(requests)
    try:
        from .loading import load

        served = load(lambda: _servicer(engine))
    except BaseException as exc:
        reason = f"pulumi-resource-quickbooks: cannot load: {exc!r}"
        print(reason, file=sys.stderr, flush=True)
        write_all(answers, frame(0, FAILED, reason.encode()))
        threading.Event().wait()  # until the requests pipe closes (`Inbox`)
    import asyncio

    asyncio.run(_serve(served, inbox, answers))
    sys.stderr.flush()
    os._exit(0)


def _servicer(engine: str) -> Any:
    from .provider import QuickBooksProvider
    from .servicer import Servicer

    return Servicer(QuickBooksProvider(engine))


async def _serve(served: Any, inbox: Inbox, answers: int) -> None:
    import asyncio

    from ..errors import QuickBooksError
    from .servicer import UNIMPLEMENTED, bug_details, shown

    loop = asyncio.get_running_loop()
    ended = loop.create_future()
    in_flight: set[asyncio.Task[None]] = set()
    closing = False

    async def answer(request_id: int, method: str, raw: bytes) -> None:
        # Refused as the one-process plugin's gRPC server refuses (`server.py`).
        if method not in served.methods:
            tag, body = REFUSED, f"UNIMPLEMENTED\n{UNIMPLEMENTED}".encode()
        else:
            try:
                tag, body = ANSWER, await served.answer_raw(method, raw)
            except QuickBooksError as exc:
                tag, body = REFUSED, f"UNKNOWN\n{shown(exc)}".encode()
            except Exception as exc:  # a bug: its message carries the traceback
                tag, body = REFUSED, f"UNKNOWN\n{bug_details(exc)}".encode()
        try:
            write_all(answers, frame(request_id, tag, body))
        except BrokenPipeError:  # the port's process is gone: nobody to answer
            pass

    def finished(task: asyncio.Task[None]) -> None:
        in_flight.discard(task)
        if closing and not in_flight and not ended.done():
            ended.set_result(None)

    def arrived(item: tuple[int, int, bytes] | None) -> None:
        nonlocal closing
        if item is None:
            closing = True
            if not in_flight and not ended.done():
                ended.set_result(None)
            return
        request_id, _tag, body = item
        method, _, raw = body.partition(b"\n")
        task = loop.create_task(answer(request_id, method.decode(), raw))
        in_flight.add(task)
        task.add_done_callback(finished)

    inbox.deliver_to(loop, arrived)
    await ended
