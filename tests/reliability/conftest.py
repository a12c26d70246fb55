"""Fixtures of the reliability suite, and the summary table it prints at the end.

A test runs on the dynamic resource, or on both front-ends when it is parametrized
with `front_end` (`front_ends.FRONT_ENDS`): `make_provider`, `provider` and what is
built on them (`ours`, `make_inputs`) then drive that front-end, and the ledger
records its rows under it.

The table is printed by `tests/conftest.py` (`report.py`): a run in pytest-xdist's
workers gathers their rows first. With `RELIABILITY_RECORD=1`, a passing run of
exactly `tests/reliability` in one process also writes that table into
`docs/reliability.md` (any other run leaves the file alone).
The emulator, the app and the leak scan come from tests/conftest.py."""

from __future__ import annotations

import pytest

from harness.accounts import App, oauth_grant, provider_config
from harness.controls import Emulator

from . import report
from .engine import Resource, desired
from .front_ends import configured
from .ledger import LEDGER

# Small budgets keep exhausted-retry rows fast; the rows assert the bounds hold.
FAST_SETTINGS = {
    "quickbooks:maxRetries": "2",
    "quickbooks:maxRetryWaitSeconds": "5",
    "quickbooks:requestTimeoutSeconds": "5",
}


def pytest_collection_finish(session) -> None:
    report.started()


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
