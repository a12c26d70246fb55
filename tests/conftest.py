"""Fixtures every test folder shares: the emulator with throwaway accounts, the app, a
stack driven by the real `pulumi` CLI, and the secret-leak scan.

The leak scan cannot be dropped by a folder: secrets are registered where they are made
(`harness.accounts`, `harness.emulator`, `harness.pulumi_stack`), the emulator's stderr
is scanned when it stops, and two autouse fixtures scan the provider's log and the CLI
transcript of every stack a test made, and refuse an `emu` not started through
`harness.emulator.watched_emulator`. A folder overrides only what is its own (the
emulator's scope, the app's callback URL, the stack's name).

No process of the run outlives it: every process the session starts carries the
session's mark in its environment (`harness.reaping`), and the session fails at its
end, naming them, if any marked process is still running (they are killed then).
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import pytest

from harness.accounts import (
    APP_CALLBACK,
    EVENTS_URL,
    App,
    configured_provider,
    new_app,
    oauth_grant,
    provider_config,
)
from harness.emulator import WATCHED, register_running_instance_tokens, watched_emulator
from harness.leaks import assert_no_secrets
from harness.native import INSTANCES_PROGRAM, install_package, program_files
from harness.node_sdk import install_node_packages
from harness.pulumi_stack import STACKS, PulumiStack
from harness.reaping import SESSION_MARK, kill_marked, new_mark, outliving
from tests.reliability import report
from tests.reliability.ledger import LEDGER

# Seconds a process may take to exit after the session ends (a plugin the engine has
# just told to stop, a server whose fixture has just sent SIGTERM).
EXIT_GRACE_S = 10.0


def _runs_workers(config) -> bool:
    """This process hands the tests to pytest-xdist's workers (`-n 2`) and runs none:
    each worker is a session of its own, with its own mark and its own check."""
    return bool(getattr(config.option, "numprocesses", 0)) and not hasattr(config, "workerinput")


def pytest_configure(config) -> None:
    if _runs_workers(config):
        return  # its workers would carry its mark in their own environment
    # Inherited by every process the session starts, and theirs (a nested session
    # marks its own).
    os.environ[SESSION_MARK] = new_mark()


def pytest_sessionfinish(session, exitstatus) -> None:
    if _runs_workers(session.config):
        return
    if hasattr(session.config, "workerinput"):  # a worker: its rows go to the controller
        session.config.workeroutput["reliability"] = LEDGER.rows()
    mark = os.environ.get(SESSION_MARK)
    left = outliving(SESSION_MARK, mark, EXIT_GRACE_S) if mark else []
    if not left:
        return
    kill_marked(SESSION_MARK, mark)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["processes started by this test run outlived it (killed now):", *left]
    for line in lines:
        if reporter is not None:
            reporter.write_line(line, red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """A pytest-xdist worker is done: its reliability rows join the summary."""
    rows = getattr(node, "workeroutput", {}).get("reliability")
    if rows:
        LEDGER.add(rows)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    report.summary(terminalreporter, exitstatus, config)


@pytest.fixture(scope="module")
def emulator():
    """One emulator for the module, with two throwaway organizations."""
    with watched_emulator() as started:
        yield started


@pytest.fixture(scope="module")
def emu(emulator):
    return emulator


@pytest.fixture(autouse=True)
def _emu_is_watched(request):
    if "emu" in request.fixturenames:
        assert request.getfixturevalue("emu") in WATCHED, (
            "this `emu` skips the leak scan: start it with harness.emulator.watched_emulator"
        )


@pytest.fixture
def app_callback_url() -> str:
    return APP_CALLBACK


@pytest.fixture
def app(app_callback_url: str) -> App:
    return new_app(callback_url=app_callback_url)


@pytest.fixture
def stack_name() -> str:
    return "e2e"


@pytest.fixture(scope="session")
def plugin_venv(tmp_path_factory) -> Path:
    """A fresh virtualenv outside the checkout with `pip install <checkout>` (once a run)."""
    return install_package(tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="session")
def plugin_node_modules(tmp_path_factory) -> Path:
    """node_modules outside the checkout with @pulumi/pulumi and the Node.js SDK built from
    `sdk/nodejs`, for TypeScript programs (once a run; fails without node and npm)."""
    return install_node_packages(tmp_path_factory.mktemp("node-package"))


@pytest.fixture
def program(request) -> dict[str, str] | None:
    """The files of the program a stack runs (`PulumiStack(files=...)`).

    A test parametrized with `front_end` runs on the repository's program
    ("dynamic": None) or the same program on the installed plugin ("plugin")."""
    params = getattr(request.node, "callspec", None)
    if params is None or params.params.get("front_end") != "plugin":
        return None
    return program_files(request.getfixturevalue("plugin_venv"), "python", INSTANCES_PROGRAM)


@pytest.fixture
def stack(tmp_path, emu, app, stack_name: str, program) -> PulumiStack:
    """A temp copy of the project, with a stack configured for `emu` and `app`."""
    return PulumiStack(tmp_path / "project", emu, app, stack=stack_name, files=program)


@pytest.fixture
def config(emu, app) -> dict[str, str]:
    """The provider's config as the engine passes it, for `emu`'s first account and `app`."""
    return provider_config(emu, app)


@pytest.fixture
def provider(config):
    return configured_provider(config)


@pytest.fixture
def make_inputs(emu, app, provider):
    """Checked inputs for a new resource (fresh grant, unique ownership tag)."""

    def make(**changes):
        raw = {
            "name": "Books",
            "ownership_tag": f"pulumi:test:stack:r{secrets.token_hex(4)}",
            "callback_url": EVENTS_URL,
            "oauth": oauth_grant(emu, app),
            "tags": ["env:test"],
            **changes,
        }
        result = provider.check({}, raw)
        assert result.failures == [], result.failures
        return result.inputs

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
    register_running_instance_tokens()
    assert_no_secrets("provider log", "\n".join(capture.lines))


@pytest.fixture(autouse=True)
def cli_transcripts():
    """The output of every `pulumi` command of the stacks this test made is scanned for
    secrets (a test that reveals them on purpose takes that output out of the transcript)."""
    before = len(STACKS)
    yield
    made, STACKS[before:] = STACKS[before:], []  # scanned once, then let go
    if made:
        register_running_instance_tokens()
    assert_no_secrets("pulumi CLI output", "\n".join(t for s in made for t in s.transcript))
