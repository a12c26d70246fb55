"""The command line: --help, what is printed at start, accounts, latency, clean shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from harness import REPO
from harness.emulator import start_emulator
from harness.leaks import command_lines_with

# No secret the emulator would take from the environment (a shell that sourced
# .state/local.env has them): each test gives its own, or none.
ENV = {
    k: v for k, v in os.environ.items() if k not in ("EMULATOR_ACCOUNTS", "EMULATOR_ADMIN_TOKEN")
}


def run(*args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_help_lists_every_option():
    result = run("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m emulator ")
    assert "EMULATOR_ACCOUNTS" in result.stdout and "EMULATOR_ADMIN_TOKEN" in result.stdout
    for option in (
        "--port",
        "--host",
        "--db",
        "--account",
        "--admin-token",
        "--latency-ms",
        "--fast-retries",
        "--code-ttl",
        "--companies",
    ):
        assert option in result.stdout


@pytest.mark.parametrize("count", ["0", "-1", "many", "10001"])
def test_bad_company_count_is_refused(count):
    result = run("--port", "0", "--companies", count)
    assert result.returncode != 0 and "--companies" in result.stderr


@pytest.mark.parametrize("account", ["no-colon", "a:b:c", "a b:c", ":user"])
def test_bad_account_is_refused(account):
    result = run("--port", "0", "--account", account)
    assert result.returncode != 0 and "ORG_SECRET:USER_SECRET" in result.stderr


def test_startup_output_order_and_clean_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0"],
        cwd=REPO,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline().strip() for _ in range(3)]
        assert lines[0].startswith("account: organization=") and " user=" in lines[0]
        assert lines[1].startswith("admin token: ")
        assert lines[2].startswith("listening on http://127.0.0.1:")
        assert lines[2].endswith("/elements/api-v2")
        base_url = lines[2].removeprefix("listening on ")
        # Accepting connections as soon as the line is printed.
        org = lines[0].split("organization=")[1].split()[0]
        user = lines[0].split("user=")[1]
        response = requests.get(
            base_url + "/instances",
            headers={"Authorization": f"User {user}, Organization {org}"},
            timeout=5,
        )
        assert response.status_code == 404
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()


def test_sigint_also_stops_cleanly():
    emu = start_emulator()
    emu.process.send_signal(signal.SIGINT)
    assert emu.process.wait(timeout=10) == 0


def test_help_names_the_command_it_was_started_as():
    from emulator.__main__ import program_name

    assert program_name("/venv/bin/quickbooks-emulator") == "quickbooks-emulator"
    assert program_name("/repo/emulator/__main__.py") == "python -m emulator"


def test_secrets_come_from_the_environment_and_never_show_in_a_command_line():
    accounts = [("org-env-one", "user-env-one"), ("org-env-two", "user-env-two")]
    with start_emulator(accounts=accounts, admin_token="tok-env-given") as emu:
        assert emu.requests() == []  # the admin token from the environment works
        for index in range(2):
            assert emu.api("GET", "/instances", account=index).status_code == 404
        assert "warning" not in "".join(emu.stderr())
        leaks = command_lines_with("org-env-one", "user-env-two", "tok-env-given")
        assert leaks == []


def test_a_malformed_environment_account_is_refused_naming_the_variable():
    done = subprocess.run(
        [sys.executable, "-m", "emulator", "--port", "0"],
        cwd=REPO,
        env={**ENV, "EMULATOR_ACCOUNTS": "no-colon"},
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 2 and "EMULATOR_ACCOUNTS" in done.stderr
    assert "Traceback" not in done.stderr


def test_given_accounts_and_token_are_not_printed():
    accounts = [("org-one", "user-one"), ("org-two", "user-two")]
    with start_emulator(accounts=accounts, admin_token="tok-given") as emu:
        assert emu.accounts == accounts
        assert emu.requests() == []
        for index in range(2):
            assert emu.api("GET", "/instances", account=index).status_code == 404
        # Only the listening line reached stdout (the harness would have parsed more).
    # The deprecated flags still work, and say why they should not be used.
    result = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--account", "o:u", "--admin-token", "t"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert result.stdout.readline().startswith("listening on ")
    finally:
        result.terminate()
        stderr = result.communicate(timeout=10)[1]
    assert "--account puts a secret on the command line" in stderr
    assert "set EMULATOR_ADMIN_TOKEN in the environment instead" in stderr


def test_latency_is_added_to_api_responses():
    with start_emulator(latency_ms=250) as emu:
        started = time.monotonic()
        emu.api("GET", "/instances")
        assert time.monotonic() - started >= 0.25
        started = time.monotonic()
        emu.requests()  # the controls are not slowed down
        assert time.monotonic() - started < 0.25


def test_listening_line_shows_the_bound_address():
    with start_emulator(extra_args=("--host", "localhost")) as emu:
        assert emu.base_url.startswith("http://127.0.0.1:")
        assert emu.api("GET", "/instances").status_code == 404
