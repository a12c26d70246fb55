"""The emulator as tests and the benchmark start it, and views of its request log.

``start_emulator`` runs ``python -m emulator --port 0`` and reads the secrets it prints;
``watched_emulator`` adds throwaway accounts and scans its stderr for secrets when it stops.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import weakref
from collections.abc import Iterator

from emulator.__main__ import ACCOUNTS_ENV, ADMIN_TOKEN_ENV

from .accounts import random_accounts
from .companies import TEST_COMPANIES, offered
from .controls import Emulator, EmulatorError
from .leaks import SECRETS, assert_no_secrets, command_lines_with
from .process import start_server

ACCOUNT_LINE = re.compile(r"^account: organization=(\S+) user=(\S+)$")
ADMIN_LINE = re.compile(r"^admin token: (\S+)$")
# Emulators started through `watched_emulator`: tests/conftest.py refuses any other `emu`.
WATCHED: weakref.WeakSet[Emulator] = weakref.WeakSet()


def start_emulator(
    *,
    db: str | os.PathLike | None = None,
    accounts: list[tuple[str, str]] | None = None,
    admin_token: str | None = None,
    latency_ms: int = 0,
    fast_retries: bool = True,
    extra_args: tuple[str, ...] | list[str] = (),
    timeout: float = 20.0,
    program: tuple[str, ...] = (sys.executable, "-m", "emulator"),
) -> Emulator:
    """Start ``python -m emulator --port 0`` (or `program`, such as the installed
    ``quickbooks-emulator``) and wait for its ``listening on`` line."""
    command = [*program, "--port", "0"]
    if db is not None:
        command += ["--db", str(db)]
    # Secrets by environment, never on the command line (any local user reads that);
    # none inherited either: what is not given here, the emulator generates and prints.
    env = {k: v for k, v in os.environ.items() if k not in (ACCOUNTS_ENV, ADMIN_TOKEN_ENV)}
    if accounts:
        env[ACCOUNTS_ENV] = ",".join(f"{org}:{user}" for org, user in accounts)
    if admin_token is not None:
        env[ADMIN_TOKEN_ENV] = admin_token
    if latency_ms:
        command += ["--latency-ms", str(latency_ms)]
    if fast_retries:
        command.append("--fast-retries")
    command += list(extra_args)

    found_accounts: list[tuple[str, str]] = []
    found_token = admin_token

    def identity(line: str) -> None:
        nonlocal found_token
        if match := ACCOUNT_LINE.match(line):
            found_accounts.append((match[1], match[2]))
        elif match := ADMIN_LINE.match(line):
            found_token = match[1]

    process, base_url, stderr_tail = start_server(
        command, name="emulator", error=EmulatorError, env=env, timeout=timeout, on_line=identity
    )
    if found_token is None:
        process.kill()
        raise EmulatorError("emulator printed no admin token")
    return Emulator(process, base_url, found_token, list(accounts or found_accounts), stderr_tail)


@contextlib.contextmanager
def watched_emulator(
    accounts: int = 2, companies: int = TEST_COMPANIES, **options
) -> Iterator[Emulator]:
    """An emulator with `accounts` throwaway organizations and `companies` QuickBooks
    companies (`harness.companies`); when it stops, its stderr is scanned for every
    secret registered meanwhile, its instance tokens included (the test fails on a hit)."""
    extra_args = ("--companies", str(companies), *options.pop("extra_args", ()))
    with start_emulator(
        accounts=random_accounts(accounts), extra_args=extra_args, **options
    ) as started:
        SECRETS.add("emulator admin token", started.admin_token)
        # Its secrets came by environment: none is on its command line (`ps`).
        assert command_lines_with(pid=started.process.pid) == [], "a secret on the command line"
        WATCHED.add(started)
        offered(started, companies)
        yield started
        register_instance_tokens(started)
        assert_no_secrets("emulator stderr", started.stderr())


def register_instance_tokens(emu: Emulator) -> None:
    """Every instance token `emu` issued joins the leak scan: the platform returns
    tokens on every read, so any of them could end up in a log or an output."""
    for token in emu.instance_tokens():
        SECRETS.add("instance token", token)


def register_running_instance_tokens() -> None:
    """`register_instance_tokens` for every watched emulator still running."""
    for emu in list(WATCHED):
        if emu.process.poll() is None:
            register_instance_tokens(emu)


def calls(emu: Emulator) -> list[tuple[str, str]]:
    """(method, path) of every API call since the log was last cleared."""
    return [(r["method"], r["path"].split("/elements/api-v2", 1)[-1]) for r in emu.requests()]


# The provider's one list of queued event deliveries per command (a refresh's second call).
QUEUED_LIST = ("GET", "/notifications/subscriptions/deliveries")


def writes(emu: Emulator) -> list[tuple[str, str]]:
    return [c for c in calls(emu) if c[0] != "GET"]
