"""Fixtures of the reliability suite, and the summary table it prints at the end.

The emulator, the app and the leak scan come from tests/conftest.py."""

from __future__ import annotations

import pytest

from emulator.harness import Emulator
from harness.accounts import REALM, App, configured_provider, oauth_grant, provider_config

from .engine import Resource, desired
from .ledger import LEDGER

# Small budgets keep exhausted-retry rows fast; the rows assert the bounds hold.
FAST_SETTINGS = {
    "quickbooks:maxRetries": "2",
    "quickbooks:maxRetryWaitSeconds": "5",
    "quickbooks:requestTimeoutSeconds": "5",
}


def pytest_terminal_summary(terminalreporter) -> None:
    if LEDGER.empty():
        return
    terminalreporter.section("reliability summary")
    for line in LEDGER.table():
        terminalreporter.write_line(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # Each test of test_isolation.py is one isolation check of the summary.
    if report.when == "call" and item.module.__name__.endswith(".test_isolation"):
        LEDGER.isolated(item.name, report.passed)
    return report


@pytest.fixture(autouse=True)
def _no_fault_outlives_its_test(request):
    """A row that fails half-way must not leave its faults to the next one."""
    yield
    if "emu" in request.fixturenames:
        request.getfixturevalue("emu").clear_faults()


@pytest.fixture
def grant(emu: Emulator, app: App):
    """A fresh OAuth 2.0 grant (the `oauth` input)."""

    def make(realm_id: str = REALM) -> dict[str, str]:
        return oauth_grant(emu, app, realm_id=realm_id)

    return make


@pytest.fixture
def make_provider(emu: Emulator, app: App):
    """A provider configured as the engine would, one per simulated `pulumi` command."""

    def make(account: int = 0, **settings: str):
        return configured_provider(
            provider_config(emu, app, account, **{**FAST_SETTINGS, **settings})
        )

    return make


@pytest.fixture
def ours(make_provider, grant) -> Resource:
    """A resource of this stack (not another organization's, nor one made by hand),
    created by a run without faults."""
    resource = Resource(desired(grant()))
    resource.check(make_provider()).create(make_provider())
    return resource
