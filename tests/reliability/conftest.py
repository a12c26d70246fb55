"""Fixtures of the reliability suite, and the summary table it prints at the end.

A test runs on the dynamic resource, or on both front-ends when it is parametrized
with `front_end` (`front_ends.FRONT_ENDS`): `make_provider`, `provider` and what is
built on them (`ours`, `make_inputs`) then drive that front-end, and the ledger
records its rows under it.

With `RELIABILITY_RECORD=1`, a passing run of exactly `tests/reliability` also writes
that table into `docs/reliability.md` (any other run leaves the file alone).
The emulator, the app and the leak scan come from tests/conftest.py."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from harness.accounts import App, oauth_grant, provider_config
from harness.controls import Emulator

from .engine import Resource, desired
from .front_ends import configured
from .ledger import DOC, LEDGER, record

# Small budgets keep exhausted-retry rows fast; the rows assert the bounds hold.
FAST_SETTINGS = {
    "quickbooks:maxRetries": "2",
    "quickbooks:maxRetryWaitSeconds": "5",
    "quickbooks:requestTimeoutSeconds": "5",
}


_STARTED: list[float] = []


def pytest_collection_finish(session) -> None:
    _STARTED.append(time.monotonic())


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if LEDGER.empty():
        return
    terminalreporter.section("reliability summary")
    lines = LEDGER.table()
    for line in lines:
        terminalreporter.write_line(line)
    if os.environ.get("RELIABILITY_RECORD", "") not in ("", "0"):
        refused = _not_recordable(terminalreporter, exitstatus, config.rootpath)
        if refused:
            terminalreporter.write_line(f"RELIABILITY_RECORD: not recorded: {refused}")
            return
        passed = len(terminalreporter.stats.get("passed", []))
        seconds = time.monotonic() - _STARTED[0] if _STARTED else 0.0
        record(lines, passed, seconds)
        terminalreporter.write_line(f"RELIABILITY_RECORD: wrote the table into {DOC}")


def _not_recordable(terminalreporter, exitstatus, root: Path) -> str | None:
    """Why this run's figures must not become the documented ones (None: they may)."""
    if exitstatus != 0:
        return f"the run did not pass (exit status {exitstatus})"
    stats = terminalreporter.stats
    for kind in ("deselected", "skipped", "xfailed", "failed", "error"):
        if stats.get(kind):
            return f"{len(stats[kind])} test(s) {kind}"
    here = Path(__file__).resolve().parent
    ran = {(root / r.nodeid.split("::")[0]).resolve() for r in stats.get("passed", [])}
    if any(here not in p.parents for p in ran):
        return "the run includes tests outside tests/reliability"
    missing = sorted(p.name for p in here.glob("test_*.py") if p.resolve() not in ran)
    if missing:
        return "not every module of tests/reliability ran: " + ", ".join(missing)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # Each test of test_isolation.py is one isolation check of the summary; one not
    # parametrized with `front_end` checks the emulator alone.
    if report.when == "call" and item.module.__name__.endswith(".test_isolation"):
        callspec = getattr(item, "callspec", None)
        front_end = callspec.params.get("front_end", "") if callspec else ""
        LEDGER.isolated(item.name, report.passed, front_end)
    return report


@pytest.fixture
def front_end() -> str:
    """The front-end a test drives: the dynamic resource, unless the test is
    parametrized with `front_end`, which overrides this."""
    return "dynamic"


@pytest.fixture(autouse=True)
def _ledger_records_the_front_end(front_end: str) -> None:
    LEDGER.front_end = front_end


@pytest.fixture(autouse=True)
def _no_fault_outlives_its_test(request):
    """A row that fails half-way must not leave its faults to the next one."""
    yield
    if "emu" in request.fixturenames:
        request.getfixturevalue("emu").clear_faults()


@pytest.fixture
def grant(emu: Emulator, app: App):
    """A fresh OAuth 2.0 grant (the `oauth` input)."""

    def make(realm_id: str | None = None) -> dict[str, str]:
        return oauth_grant(emu, app, realm_id=realm_id)

    return make


@pytest.fixture
def make_provider(emu: Emulator, app: App, front_end: str):
    """A provider configured as the engine would, one per simulated `pulumi` command."""

    def make(account: int = 0, **settings: str):
        config = provider_config(emu, app, account, **{**FAST_SETTINGS, **settings})
        return configured(config, front_end)

    return make


@pytest.fixture
def provider(config, front_end):
    """The shared `provider` fixture (tests/conftest.py) on the test's front-end."""
    return configured(config, front_end)


@pytest.fixture
def ours(make_provider, grant) -> Resource:
    """A resource of this stack (not another organization's, nor one made by hand),
    created by a run without faults."""
    resource = Resource(desired(grant()))
    resource.check(make_provider()).create(make_provider())
    return resource
