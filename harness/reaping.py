"""Every process a test run started, found again by a mark in its environment, and
ended: none outlives the run.

A `pulumi` command starts plugins (the language host, `python -m pulumi.dynamic`,
`pulumi-resource-quickbooks`) in process groups of their own, and each of them serves
until the engine tells it to stop. A CLI killed with `kill -9` (a crash, on purpose)
tells nobody: its plugins keep listening, reparented away from the test. Each one
inherits the environment, though, and Linux shows it in `/proc/<pid>/environ`: a
mark set there before the CLI starts finds all of them, however they were started.

`SESSION_MARK` marks every process of a test session (tests/conftest.py sets it
when the session starts and checks, at its end, that no marked process is left);
`COMMAND_MARK` marks one command's processes, for `kill_command`.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

SESSION_MARK = "QBO_TEST_SESSION"
COMMAND_MARK = "QBO_TEST_COMMAND"


def new_mark() -> str:
    return secrets.token_hex(8)


def marked(name: str, value: str) -> list[int]:
    """The live processes (not this one) whose environment holds `name=value`."""
    wanted = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environment = (entry / "environ").read_bytes()  # empty for a zombie
        except OSError:
            continue  # ended meanwhile, or not ours to read
        if wanted in environment.split(b"\0"):
            found.append(int(entry.name))
    return sorted(found)


def describe(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        command = "(ended)"
    return f"{pid}: {command.strip()[:200]}"


def kill_marked(name: str, value: str) -> list[str]:
    """`kill -9` every live process marked `name=value`, until none is left; what was
    killed (pid and command line)."""
    killed: list[str] = []
    for _ in range(50):  # a process may start another while its siblings are killed
        pids = marked(name, value)
        if not pids:
            return killed
        for pid in pids:
            killed.append(describe(pid))
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    raise AssertionError(f"processes marked {name}={value} keep coming back: {killed}")


def outliving(name: str, value: str, grace_s: float) -> list[str]:
    """The processes still marked `name=value` after up to `grace_s` seconds (a plugin
    the engine has just told to stop takes a moment to exit)."""
    deadline = time.monotonic() + grace_s
    while (pids := marked(name, value)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [describe(pid) for pid in pids]


def marked_env(env: dict[str, str]) -> tuple[dict[str, str], str]:
    """`env` with a fresh `COMMAND_MARK`; and the mark."""
    mark = new_mark()
    return {**env, COMMAND_MARK: mark}, mark


def kill_command(process: subprocess.Popen, mark: str) -> list[str]:
    """A crash of the command `process` (started with `marked_env`'s mark): `kill -9`
    of the CLI alone, as a crash would end it, then of every process it started, which
    the crash left running; what was killed besides the CLI."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return kill_marked(COMMAND_MARK, mark)
