"""The emulator as every test suite starts it, and views of its request log."""

from __future__ import annotations

import contextlib
import itertools
import weakref
from collections.abc import Iterator

from emulator.catalog import FIRST_REALM, SANDBOX_COMPANIES
from emulator.harness import Emulator, start_emulator

from .accounts import random_accounts
from .leaks import SECRETS, assert_no_secrets

# Emulators started through `watched_emulator`: tests/conftest.py refuses any other `emu`.
WATCHED: weakref.WeakSet[Emulator] = weakref.WeakSet()


# QuickBooks allows one authorized instance per company (a second one wipes the
# first's authorization), so a test emulator offers enough companies that every
# instance a module makes can have its own (`new_company`).
TEST_COMPANIES = 400
_OFFERED: weakref.WeakKeyDictionary[Emulator, int] = weakref.WeakKeyDictionary()
_HANDED_OUT: weakref.WeakKeyDictionary[Emulator, Iterator[int]] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def watched_emulator(
    accounts: int = 2, companies: int = TEST_COMPANIES, **options
) -> Iterator[Emulator]:
    """An emulator with `accounts` throwaway organizations and `companies` QuickBooks
    companies; when it stops, its stderr is scanned for every secret registered
    meanwhile (the test fails on a hit)."""
    extra_args = ("--companies", str(companies), *options.pop("extra_args", ()))
    with start_emulator(
        accounts=random_accounts(accounts), extra_args=extra_args, **options
    ) as started:
        SECRETS.add("emulator admin token", started.admin_token)
        WATCHED.add(started)
        _OFFERED[started] = companies
        yield started
        register_instance_tokens(started)
        assert_no_secrets("emulator stderr", started.stderr())


def revoke(emu: Emulator, instance_id: int | str) -> dict:
    """The company disconnects the app: every later token refresh of the instance fails."""
    return emu.control("POST", f"/instances/{instance_id}/revoke").json()


def token_refresh(emu: Emulator, times: int = 1) -> dict[int, dict]:
    """Run the platform's token refresh `times` times (5 failures disable an instance);
    the last run's outcome per instance id."""
    outcomes: dict[int, dict] = {}
    for _ in range(times):
        summary = emu.control("POST", "/token-refresh").json()
        outcomes = {entry["id"]: entry for entry in summary["instances"]}
    return outcomes


def register_instance_tokens(emu: Emulator) -> None:
    """Every instance token `emu` issued joins the leak scan: the platform returns
    tokens on every read, so any of them could end up in a log or an output."""
    for token in emu.control("GET", "/instance-tokens").json()["tokens"]:
        SECRETS.add("instance token", token)


def register_running_instance_tokens() -> None:
    """`register_instance_tokens` for every watched emulator still running."""
    for emu in list(WATCHED):
        if emu.process.poll() is None:
            register_instance_tokens(emu)


def generated_company(index: int) -> str:
    """The realm id of the `index`-th company past the three sandbox ones (from 0)."""
    return str(FIRST_REALM + len(SANDBOX_COMPANIES) + index)


def companies_for(instances: int) -> int:
    """The --companies that gives `instances` instances each a generated company."""
    return len(SANDBOX_COMPANIES) + instances


def new_company(emu: Emulator) -> str:
    """The realm id of a company of `emu` that no earlier call handed out.

    Past the three sandbox companies when `emu` offers more, so tests that name
    those companies keep them to themselves.
    """
    offered = _OFFERED.get(emu, len(SANDBOX_COMPANIES))
    first = len(SANDBOX_COMPANIES) + 1 if offered > len(SANDBOX_COMPANIES) else 1
    number = next(_HANDED_OUT.setdefault(emu, itertools.count(first)))
    if number > offered:
        raise RuntimeError(
            f"the emulator offers {offered} companies and all were handed out: "
            "start it with a larger --companies (watched_emulator(companies=...))"
        )
    return str(FIRST_REALM + number - 1)


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
    ("POST", "/instances/1/revoke"),
    ("POST", "/token-refresh"),
    ("GET", "/instance-tokens"),
]


def calls(emu: Emulator) -> list[tuple[str, str]]:
    """(method, path) of every API call since the log was last cleared."""
    return [(r["method"], r["path"].split("/elements/api-v2", 1)[-1]) for r in emu.requests()]


def writes(emu: Emulator) -> list[tuple[str, str]]:
    return [c for c in calls(emu) if c[0] != "GET"]
