"""The emulator as every test suite starts it, and views of its request log."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator

from emulator.harness import Emulator, start_emulator

from .accounts import random_accounts
from .leaks import SECRETS, assert_no_secrets

# Emulators started through `watched_emulator`: tests/conftest.py refuses any other `emu`.
WATCHED: weakref.WeakSet[Emulator] = weakref.WeakSet()


@contextlib.contextmanager
def watched_emulator(accounts: int = 2, **options) -> Iterator[Emulator]:
    """An emulator with `accounts` throwaway organizations; when it stops, its stderr is
    scanned for every secret registered meanwhile (the test fails on a hit)."""
    with start_emulator(accounts=random_accounts(accounts), **options) as started:
        SECRETS.add("emulator admin token", started.admin_token)
        WATCHED.add(started)
        yield started
        assert_no_secrets("emulator stderr", started.stderr())


# Every control endpoint of the emulator: each needs its admin token.
CONTROL_ENDPOINTS = [
    ("GET", "/requests"),
    ("DELETE", "/requests"),
    ("GET", "/faults"),
    ("POST", "/faults"),
    ("DELETE", "/faults"),
    ("POST", "/reset"),
    ("POST", "/instances/1/events"),
    ("GET", "/deliveries/x"),
]


def calls(emu: Emulator) -> list[tuple[str, str]]:
    """(method, path) of every API call since the log was last cleared."""
    return [(r["method"], r["path"].split("/elements/api-v2", 1)[-1]) for r in emu.requests()]


def writes(emu: Emulator) -> list[tuple[str, str]]:
    return [c for c in calls(emu) if c[0] != "GET"]
