"""The language host started as the engine starts it, for the protocol tests."""

from __future__ import annotations

import os
import subprocess

import grpc
import pytest
from pulumi.runtime.proto import language_pb2_grpc

from tests.cli.langhost_support import LAUNCHER, VENV


@pytest.fixture
def running_host(tmp_path):
    """The launcher started like the engine does: cwd = project, engine address last."""
    (tmp_path / "Pulumi.yaml").write_text(
        f"name: t\nruntime: {{name: python, options: {{virtualenv: {VENV}}}}}\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)}
    proc = subprocess.Popen(
        [str(LAUNCHER)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    port = proc.stdout.readline().decode().strip()
    assert port.isdigit(), proc.stderr.read().decode()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield language_pb2_grpc.LanguageRuntimeStub(channel), proc, tmp_path
    channel.close()
    if proc.poll() is None:
        proc.kill()
        proc.wait()
