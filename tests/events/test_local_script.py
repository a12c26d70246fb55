"""`make up` then the README's "send a test event" line, in a throwaway copy of the checkout:
the receiver that scripts/local.sh starts gets a delivery signed with the stack's key."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from harness.leaks import command_lines_with

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Nothing listens there (connections in TIME_WAIT do not count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """The tracked files of this checkout (plus new ones), sharing its .venv."""
    root = tmp_path_factory.mktemp("checkout")
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        if name.startswith("test-artifacts/") or not (REPO / name).is_file():
            continue
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, root / name)
    (root / ".venv").symlink_to(REPO / ".venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUICKBOOKS_", "PULUMI_"))}
    env.update(
        QUICKBOOKS_LOCAL_PORT=str(free_port()),
        QUICKBOOKS_RECEIVER_PORT=str(free_port()),
        PULUMI_HOME=str(root / ".pulumi-home"),
        NO_COLOR="1",
    )
    return root, env


def local(checkout, *args, timeout=300):
    root, env = checkout
    return subprocess.run(
        ["bash", "scripts/local.sh", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def secrets_of(root: Path) -> list[str]:
    values = dict(
        line.split("=", 1) for line in (root / ".state" / "local.env").read_text().splitlines()
    )
    assert values["QUICKBOOKS_LOCAL_SIGNATURE_KEY"]
    return list(values.values())


def test_make_up_then_send_a_test_event_shows_a_verified_delivery(checkout):
    root, env = checkout
    up = local(checkout, "up", "--yes")
    assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
    port, receiver_port = env["QUICKBOOKS_LOCAL_PORT"], env["QUICKBOOKS_RECEIVER_PORT"]
    assert f"events receiver at http://127.0.0.1:{receiver_port}" in up.stderr
    assert f"http://localhost:{receiver_port}/quickbooks/events" in up.stdout
    # Both servers stopped with the command.
    assert port_is_free(int(port)) and port_is_free(int(receiver_port))

    event = local(checkout, "event", "books")
    assert event.returncode == 0, event.stdout + event.stderr
    assert re.search(
        r"receiver: delivery \S+ at /quickbooks/events: signature verified, 1 event\(s\): "
        r"customers UPDATED local-test \(\d+ ms after the trigger\)",
        event.stdout,
    ), event.stdout

    again = local(checkout, "up", "--yes")
    assert again.returncode == 0 and "2 unchanged" in again.stdout
    assert "consented" not in again.stdout  # the grant in use stays: a no-op

    # The tour goes on: destroy, then up again just works (a grant works once, so the
    # script consents again, saying so in one line).
    destroyed = local(checkout, "destroy", "--yes")
    assert destroyed.returncode == 0, destroyed.stdout[-3000:] + destroyed.stderr[-3000:]
    recreated = local(checkout, "up", "--yes")
    assert recreated.returncode == 0, recreated.stdout[-3000:] + recreated.stderr[-3000:]
    assert (
        "[local] consented again for instance 'books' (company 9130350000000001): its grant "
        "was spent by an earlier instance (a grant works once)" in recreated.stdout
    )
    assert "+ 1 created" in recreated.stdout or "+ 2 created" in recreated.stdout
    # The command the provider's messages name on this stack: a new consent now, which
    # the next up applies in place (re-authorization, same instance).
    renewed = local(checkout, "onboard", "--stack", "local", "--instance", "books")
    assert renewed.returncode == 0, renewed.stdout + renewed.stderr
    assert "consented again for instance 'books'" in renewed.stdout
    reauthorized = local(checkout, "up", "--yes")
    assert reauthorized.returncode == 0 and "~ 1 updated" in reauthorized.stdout
    for secret in secrets_of(root):
        for output in (up, event, again, destroyed, recreated, renewed, reauthorized):
            assert secret not in output.stdout + output.stderr
        for log in (root / ".state").glob("*.log"):
            assert secret not in log.read_text()


def test_serve_keeps_emulator_receiver_and_dashboard_up_until_stopped(checkout):
    root, env = checkout
    port, receiver_port = env["QUICKBOOKS_LOCAL_PORT"], env["QUICKBOOKS_RECEIVER_PORT"]
    serve = subprocess.Popen(
        ["bash", "scripts/local.sh", "serve"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while port_is_free(int(receiver_port)):
            assert serve.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        event = local(checkout, "event")
        assert event.returncode == 0, event.stdout + event.stderr
        assert "using the emulator and receiver of the running 'serve'" in event.stderr
        delivery_id = re.search(r"receiver: delivery (\S+) ", event.stdout)[1]
        token = dict(
            line.split("=", 1) for line in (root / ".state" / "local.env").read_text().splitlines()
        )["EMULATOR_ADMIN_TOKEN"]
        http = requests.Session()
        http.trust_env = False
        page = http.get(
            f"http://127.0.0.1:{port}/_emulator/dashboard",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).text
        row = re.search(rf'<tr data-delivery-id="{delivery_id}">.*?</tr>', page)[0]
        assert ">delivered<" in row and ">verified<" in row
        # While the emulator and the receiver run: no secret of ours on any command line.
        assert command_lines_with(*secrets_of(root)) == []
    finally:
        os.killpg(serve.pid, signal.SIGINT)  # Ctrl-C in the terminal
        output = serve.communicate(timeout=30)[0]
    assert f"dashboard: http://127.0.0.1:{port}/_emulator/dashboard" in output
    assert f"delivery {delivery_id} POST /quickbooks/events -> 200 signature verified" in output
    assert port_is_free(int(port)) and port_is_free(int(receiver_port))
    for secret in secrets_of(root):
        assert secret not in output
