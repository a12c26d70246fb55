"""The plugin as the engine starts it: the process that holds the port and its
provider process (`provider/plugin/worker.py`, `relay.py`), called with the SDK's
own client and messages, and stopped as the engine stops it.

What the engine sees must not change with the second process: the same answers,
refusals and bugs as the one-process plugin, no line on stdout but the port, and
nothing left running once the plugin is stopped or killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from harness import REPO

SETTINGS = {"baseUrl": "http://127.0.0.1:9/x", "userSecret": "u", "organizationSecret": "o"}


def _struct(values: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
            if state == "Z":  # ended, not yet reaped by its parent
                return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.01)
    return False


class Plugin:
    """`python -m provider.plugin <engine>`, as the engine runs it; its port, a stub."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "provider.plugin", "127.0.0.1:9"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.port = self.process.stdout.readline().strip().decode()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def stop(self, how: int = signal.SIGINT) -> tuple[int, str, str]:
        self.channel.close()
        self.process.send_signal(how)
        out, err = self.process.communicate(timeout=30)
        return self.process.returncode, out.decode(), err.decode()


@pytest.fixture
def plugin():
    started = Plugin()
    yield started
    if started.process.poll() is None:
        started.stop(signal.SIGKILL)


def test_the_provider_process_answers_as_the_plugin_itself_did(plugin):
    """Provider calls are answered in the second process: the same answers, our
    errors plain, a bug with its traceback, an unserved method as unimplemented."""
    [worker] = _children(plugin.process.pid)
    settings = _struct(SETTINGS)
    checked = plugin.stub.CheckConfig(provider_pb2.CheckRequest(olds=settings, news=settings))
    assert list(checked.failures) == []
    configured = plugin.stub.Configure(provider_pb2.ConfigureRequest(args=settings))
    assert (configured.acceptSecrets, configured.supportsPreview) == (True, False)
    unknown = provider_pb2.InvokeRequest(tok="quickbooks:index:nothing", args=_struct({}))
    with pytest.raises(grpc.RpcError) as ours:
        plugin.stub.Invoke(unknown)
    assert ours.value.code() == grpc.StatusCode.UNKNOWN
    assert ours.value.details().startswith("unknown function 'quickbooks:index:nothing'")
    with pytest.raises(grpc.RpcError) as bug:
        plugin.stub.Check(provider_pb2.CheckRequest(urn="not a urn", news=_struct({})))
    assert bug.value.code() == grpc.StatusCode.UNKNOWN
    assert "not enough values to unpack" in bug.value.details()
    assert "in ownership_tag" in bug.value.details()  # its traceback
    with pytest.raises(grpc.RpcError) as unserved:
        plugin.stub.Construct(provider_pb2.ConstructRequest())
    assert unserved.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert plugin.stub.Cancel(empty_pb2.Empty()) == empty_pb2.Empty()
    status, out, err = plugin.stop()
    assert (status, out, err) == (0, "", "")  # the port was the one line
    assert _gone(worker, within=5)


def test_calls_in_flight_together_are_each_answered_their_own(plugin):
    """Concurrent calls share the pipes: each gets its own answer."""
    futures = [
        plugin.stub.CheckConfig.future(
            provider_pb2.CheckRequest(news=_struct({**SETTINGS, "maxRetries": n}))
        )
        for n in range(40)
    ]
    answers = [f.result(timeout=60) for f in futures]
    assert [a.inputs.fields["maxRetries"].number_value for a in answers] == list(range(40))


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_the_provider_process_ends_when_the_plugin_is_killed(plugin, how):
    """Killed without a chance to stop it, the plugin still leaves nothing running:
    the provider process ends when its requests pipe closes."""
    [worker] = _children(plugin.process.pid)
    settings = _struct(SETTINGS)
    plugin.stub.CheckConfig(provider_pb2.CheckRequest(olds=settings, news=settings))
    plugin.stop(how)
    assert _gone(worker, within=5)


def test_a_plugin_stopped_while_its_provider_loads_leaves_nothing():
    """The engine stops the plugin it started only for a schema right away: the
    provider process, still loading, ends too."""
    started = Plugin()
    [worker] = _children(started.process.pid)
    status, _out, err = started.stop()
    assert status == 0 and err == ""
    assert _gone(worker, within=5)


def test_a_provider_that_cannot_load_answers_every_call_with_why(tmp_path):
    """Its reason, on stderr once and in every call's answer; the schema's answers,
    which need no provider, still come."""
    broken = tmp_path / "pydantic"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise ImportError('pydantic is broken here')\n")
    started = Plugin(env={"PYTHONPATH": f"{tmp_path}:{REPO}"})
    try:
        for _ in range(2):
            with pytest.raises(grpc.RpcError) as refused:
                started.stub.CheckConfig(provider_pb2.CheckRequest(news=_struct(SETTINGS)))
            assert refused.value.code() == grpc.StatusCode.UNKNOWN
            assert "cannot load" in refused.value.details()
            assert "pydantic is broken here" in refused.value.details()
        assert started.stub.GetSchema(provider_pb2.GetSchemaRequest()).schema
    finally:
        status, _out, err = started.stop()
    assert status == 0
    assert err.count("cannot load") == 1
