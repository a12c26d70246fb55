"""Fixtures of the reliability suite, and the summary table it prints at the end."""

from __future__ import annotations

import logging

import pytest

from emulator.harness import Emulator, start_emulator
from tests.support import (
    App,
    configured_provider,
    new_app,
    oauth_grant,
    provider_config,
    random_accounts,
)

from .leaks import SECRETS, scan
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


@pytest.fixture(scope="module")
def emu():
    accounts = random_accounts(2)
    with start_emulator(accounts=accounts) as started:
        for org, user in started.accounts:
            SECRETS.add("organization secret", org)
            SECRETS.add("user secret", user)
        SECRETS.add("emulator admin token", started.admin_token)
        yield started
        found = scan("emulator stderr", started.stderr())
        assert not found, f"secrets in the emulator's stderr: {found}"


@pytest.fixture(autouse=True)
def _no_fault_outlives_its_test(request):
    """A row that fails half-way must not leave its faults to the next one."""
    yield
    if "emu" in request.fixturenames:
        request.getfixturevalue("emu").clear_faults()


@pytest.fixture
def app() -> App:
    made = new_app()
    SECRETS.add("app secret", made.api_secret)
    return made


@pytest.fixture
def grant(emu: Emulator, app: App):
    """A fresh OAuth 2.0 grant (the `oauth` input); its code is registered as a secret."""

    def make(realm_id: str = "9130350000000001") -> dict[str, str]:
        made = oauth_grant(emu, app, realm_id=realm_id)
        SECRETS.add("grant code", made["code"])
        return made

    return make


@pytest.fixture
def make_provider(emu: Emulator, app: App):
    """A provider configured as the engine would, one per simulated `pulumi` command."""

    def make(account: int = 0, **settings: str):
        return configured_provider(
            provider_config(emu, app, account, **{**FAST_SETTINGS, **settings})
        )

    return make


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(autouse=True)
def provider_log():
    """Every record the provider logs (at DEBUG and up) is scanned for secrets."""
    capture = _Capture()
    loggers = [logging.getLogger(name) for name in ("quickbooks", "pulumi")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(capture)
        logger.setLevel(logging.DEBUG)
    yield capture
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(capture)
        logger.setLevel(level)
    found = scan("provider log", "\n".join(capture.lines))
    assert not found, f"secrets in the provider's log: {found}"
