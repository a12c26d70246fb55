"""The language host as a process, no CLI needed: its launcher (scripts/pulumi-language-python)
finds a python, the host stops on SIGINT and when its engine dies, and the launcher
installed as the dynamic-provider plugin's shim runs `pulumi.dynamic` in the project's
virtualenv or fails with one clear line."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pulumi.runtime.proto import language_pb2

from tests.cli.langhost_support import LAUNCHER, VENV, host


def test_sigint_stops_the_host(running_host):
    _stub, proc, _root = running_host
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0
    assert time.monotonic() - start < 5


def test_launcher_falls_back_to_a_python_with_grpc(tmp_path):
    """A Pulumi.yaml naming a missing virtualenv must not keep the host from starting."""
    (tmp_path / "Pulumi.yaml").write_text(
        "name: t\nruntime:\n  name: python\n  options:\n    virtualenv: missing-venv\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)}
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.Popen(
        [str(LAUNCHER)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stdout.readline().decode().strip().isdigit(), proc.stderr.read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def test_launcher_reports_when_no_python_fits(tmp_path):
    tools = tmp_path / "bin"  # the launcher's shell tools, but no python
    tools.mkdir()
    for tool in ("readlink", "dirname", "grep", "head", "sed"):
        os.symlink(shutil.which(tool), tools / tool)
    env = {"PATH": str(tools), "HOME": str(tmp_path)}
    proc = subprocess.run(
        ["/bin/bash", str(LAUNCHER)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "no python with grpcio and the pulumi SDK found" in proc.stderr


def test_a_host_inside_another_process_never_ends_it():
    # Leaving when the engine is gone is serve()'s job, not the servicer's: a host
    # built inside another process (this test runner) must never end that process.
    threads = threading.active_count()
    lh = host.LanguageHost("/x/exec", "127.0.0.1:1", "")
    lh.Handshake(language_pb2.LanguageHandshakeRequest(engine_address="127.0.0.1:1"), None)
    assert threading.active_count() == threads


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent has not reaped it


def test_host_leaves_when_the_engine_dies(tmp_path):
    """Started by an "engine" (with its address) that dies without stopping it: the host exits."""
    (tmp_path / "Pulumi.yaml").write_text(
        f"name: t\nruntime: {{name: python, options: {{virtualenv: {VENV}}}}}\n"
    )
    engine = (
        "import subprocess, sys\n"
        "host = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n"
        "print(host.pid, host.stdout.readline().decode().strip(), flush=True)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", engine, str(LAUNCHER), "127.0.0.1:1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    pid, port = proc.stdout.split()
    assert port.isdigit(), proc.stderr
    deadline = time.monotonic() + 10
    while _alive(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(int(pid)):
        os.kill(int(pid), signal.SIGKILL)
        pytest.fail("the language host outlived the engine that started it")


def _shim(tmp_path: Path) -> Path:
    """The launcher installed under the dynamic-provider plugin's name, as pulumi-cli.sh does."""
    (tmp_path / "bin").mkdir()
    shim = tmp_path / "bin" / "pulumi-resource-pulumi-python"
    os.symlink(LAUNCHER, shim)
    return shim


def test_shim_runs_pulumi_dynamic_with_the_project_virtualenv(tmp_path):
    shim = _shim(tmp_path)
    os.symlink(VENV, tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "VIRTUAL_ENV"))}
    env["PULUMI_RUNTIME_VIRTUALENV"] = "venv"  # relative to the project root, the shim's cwd
    proc = subprocess.Popen(
        [str(shim)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        port = proc.stdout.readline().decode().strip()
        assert port.isdigit(), proc.stderr.read().decode()
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
        assert cmdline[:4] == [
            str(tmp_path / "venv" / "bin" / "python").encode(),
            b"-u",
            b"-m",
            b"pulumi.dynamic",
        ]
        environ = dict(
            item.split(b"=", 1)
            for item in Path(f"/proc/{proc.pid}/environ").read_bytes().split(b"\0")
            if b"=" in item
        )
        assert environ[b"VIRTUAL_ENV"] == str(tmp_path / "venv").encode()
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"PULUMI_RUNTIME_TOOLCHAIN": "uv"}, "unsupported runtime option toolchain: uv"),
        ({"PULUMI_RUNTIME_TOOLCHAIN": "poetry"}, "unsupported runtime option toolchain: poetry"),
        (
            {"PULUMI_RUNTIME_VIRTUALENV": "missing"},
            "The 'virtualenv' option in Pulumi.yaml is set to 'missing'",
        ),
    ],
)
def test_shim_fails_with_a_clear_message(tmp_path, variables, message):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    proc = subprocess.run(
        [str(_shim(tmp_path))],
        cwd=tmp_path,
        env={**env, **variables},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"pulumi-resource-pulumi-python: {message}")
    if "toolchain" in message:
        assert proc.stderr.count("\n") == 1, proc.stderr
