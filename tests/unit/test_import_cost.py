"""What loading the provider costs every process that does it: each process imports
only what it runs.

The program (to declare resources) and the dynamic-provider host (on its first
call) import `provider` in every `pulumi` command, on the critical path; the plugin
answers the engine with its port before it loads anything but gRPC
(`provider/plugin/startup.py`). See bench/RESULTS.md. Libraries only some calls
need are imported when first used.
"""

import contextlib
import json
import signal
import subprocess
import sys
import time

import pytest

from harness import REPO


def _loaded(statement: str) -> set[str]:
    """The modules a fresh python has loaded after `statement`."""
    code = f"import sys\n{statement}\nprint('\\n'.join(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def _under(loaded: set[str], *packages: str) -> list[str]:
    return sorted(m for m in loaded if any(m == p or m.startswith(p + ".") for p in packages))


@pytest.mark.parametrize("heavy", ["requests", "urllib3", "deepdiff"])
def test_importing_the_provider_does_not_load(heavy):
    code = f"import sys, provider; sys.exit({heavy!r} in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_the_package_loads_no_front_end_until_one_is_used():
    """`import provider` (the plugin, onboarding, the tools) costs no Pulumi SDK."""
    loaded = _loaded("import provider")
    assert _under(loaded, "pulumi", "provider.lifecycle", "provider.resource") == []
    loaded = _loaded("from provider import QuickBooksInstance")
    assert "provider.resource" in loaded and "pulumi.dynamic" in loaded


def test_the_plugin_prints_its_port_before_loading_the_sdk_or_the_provider():
    loaded = _loaded("import provider.plugin.__main__")
    assert _under(loaded, "pulumi", "pydantic", "provider.core", "provider.api") == []


# The loaded plugin's handlers, driven in process with the calls of a no-op `up` (no
# API call; the Diff against the checked inputs, so it has changes to show).
_NO_OP = """
import asyncio
import provider.plugin.server, provider.plugin.provider
from provider.plugin import protocol
from provider.plugin.provider import QuickBooksProvider
from provider.plugin.wire import to_wire

URN = "urn:pulumi:dev::shop::quickbooks:index:Instance::books"
SETTINGS = {"baseUrl": "http://127.0.0.1:9/x", "userSecret": "u", "organizationSecret": "o"}
INPUTS = {"name": "Books", "callback_url": "https://hooks.example.com/e", "adopt_id": "7"}

async def no_op():
    plugin = QuickBooksProvider()
    await plugin.check_config(protocol.CheckRequest(news=to_wire(SETTINGS)))
    await plugin.diff_config(protocol.DiffRequest(olds=to_wire(SETTINGS), news=to_wire(SETTINGS)))
    await plugin.configure(protocol.ConfigureRequest(args=to_wire(SETTINGS)))
    checked = await plugin.check(protocol.CheckRequest(urn=URN, news=to_wire(INPUTS)))
    assert not checked.failures, checked.failures
    await plugin.diff(protocol.DiffRequest(urn=URN, id="7", olds=checked.inputs, news=checked.inputs))

asyncio.run(no_op())
"""


def test_the_plugin_never_loads_the_sdk_nor_the_dynamic_front_end():
    """The loaded plugin serves the engine with messages of its own (`protocol.py`) on
    a wire codec of its own (`message_class.py`, `codec.py`): no `pulumi` module, whose
    package loads the whole SDK (~0.15 s of every command), nor `google.protobuf`
    (~15 ms); nor our dynamic front-end (its provider class, the resource, operations'
    lazy client). A no-op `up` (CheckConfig, DiffConfig, Configure, Check, Diff)
    neither."""
    never = ("pulumi", "google.protobuf", "provider.lifecycle", "provider.resource")
    loaded = _loaded("import provider.plugin.server, provider.plugin.provider")
    assert "provider.plugin.message_class" in loaded
    assert _under(loaded, *never, "requests") == []
    loaded = _loaded(_NO_OP)
    assert "provider.plugin.diff" in loaded  # the no-op ran
    assert _under(loaded, *never) == []


@pytest.mark.parametrize(
    "host", ["pulumi_language_python", "pulumi_language_nodejs", "pulumi_language_go"]
)
def test_a_language_host_loads_the_protocol_without_the_sdk(host):
    """The engine starts our language hosts several times a command: they read the
    protocol's generated modules from the SDK's files (`scripts/langhost/pulumirpc.py`)
    without loading the `pulumi` package (~0.15 s a start)."""
    langhost = REPO / "scripts" / "langhost"
    loaded = _loaded(f"import sys; sys.path.insert(0, {str(langhost)!r}); import {host}")
    assert host in loaded and "_pulumi_protocol.language_pb2" in loaded
    assert _under(loaded, "pulumi") == []


def test_the_program_loads_no_operation():
    """The program declares resources: no session, client or operation."""
    loaded = _loaded("from provider import QuickBooksInstance")
    assert _under(loaded, "provider.operations", "provider.api", "provider.plugin") == []


def test_the_plugins_grpc_options_are_the_sdks():
    from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS

    from provider.plugin.startup import GRPC_OPTIONS

    assert sorted(GRPC_OPTIONS) == sorted(_GRPC_CHANNEL_OPTIONS)


def test_the_first_http_call_loads_the_client():
    code = (
        "import sys\n"
        "from provider.lifecycle import QuickBooksInstanceProvider\n"
        "from harness.accounts import configured_provider\n"
        "p = configured_provider({'quickbooks:baseUrl': 'http://127.0.0.1:9/x',"
        " 'quickbooks:userSecret': 'u', 'quickbooks:organizationSecret': 'o'})\n"
        # Not loaded before the first call, or the check below proves nothing.
        "assert 'requests' not in sys.modules\n"
        "p.client()\n"
        "sys.exit('requests' not in sys.modules)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_the_plugin_answers_its_schema_and_version_from_the_generated_files():
    """The engine starts the plugin once only for the schema of a YAML program: that
    answer is the generated schema, the same the provider builds, and needs no import."""
    import grpc
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

    from provider.plugin import schema
    from provider.plugin.version import version

    plugin = subprocess.Popen(
        [sys.executable, "-m", "provider.plugin", "127.0.0.1:9"], cwd=REPO, stdout=subprocess.PIPE
    )
    try:
        port = plugin.stdout.readline().strip().decode()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            answer = stub.GetSchema(provider_pb2.GetSchemaRequest(), timeout=30)
            info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=30)
    finally:
        plugin.kill()
        plugin.wait()
    assert answer.schema == schema.text()
    assert info.version == version()


# The plugin serves in a thread of this script, which calls it with raw bytes (no
# generated stubs: they would load `pulumi` themselves) and prints what was loaded.
_SCHEMA_ONLY_PLUGIN = """
import json, os, sys, threading, grpc
from provider.plugin import startup
read, write = os.pipe()
sys.stdout = os.fdopen(write, "w")
threading.Thread(target=startup.serve, args=(ENGINE,), daemon=True).start()
port = os.fdopen(read).readline().strip()
sys.stdout = sys.__stdout__
channel = grpc.insecure_channel(f"127.0.0.1:{port}")
def call(method):
    try:
        channel.unary_unary(method)(b"", timeout=30)
        return "OK"
    except grpc.RpcError as error:
        return error.code().name
def loaded():
    return sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in HEAVY}
                  | {m for m in sys.modules if m.startswith(("provider.core", "provider.api"))})
answers = [call(SERVICE + m) for m in ("Handshake", "GetPluginInfo", "GetSchema")]
answers.append(call("/grpc.health.v1.Health/Check"))
print(json.dumps([answers, loaded()]))
print(json.dumps([[call(SERVICE + "CheckConfig")], loaded()]))
"""


def test_the_plugin_started_for_the_schema_loads_nothing_else():
    """The engine starts the plugin once only for a YAML program's schema (Handshake,
    GetPluginInfo, GetSchema, and its health check at the end): that process answers
    them all without loading the provider, which costs the CPU the other plugin
    process is starting on. The first provider call then loads it, and never the SDK."""
    heavy = ("pulumi", "pydantic", "requests", "google")
    script = (
        f"ENGINE = '127.0.0.1:9'\nSERVICE = '/pulumirpc.ResourceProvider/'\nHEAVY = {heavy!r}\n"
        + _SCHEMA_ONLY_PLUGIN
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    (answers, loaded), (_, loaded_then) = map(json.loads, done.stdout.splitlines())
    # Handshake and the health check: unimplemented, as the provider itself answers them.
    assert answers == ["UNIMPLEMENTED", "OK", "OK", "UNIMPLEMENTED"]
    assert loaded == []
    assert {"pydantic", "provider.core.inputs"} <= set(loaded_then)  # when needed
    assert "pulumi" not in loaded_then and "google" not in loaded_then


@contextlib.contextmanager
def _plugin(*argv: str):
    """A plugin started with `argv`, its port and a channel to it; killed at the end
    whatever happens (the engine stops it with SIGINT, which the tests send)."""
    import grpc

    plugin = subprocess.Popen(
        [sys.executable, *argv], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        port = plugin.stdout.readline().strip().decode()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield plugin, channel
    finally:
        plugin.kill()
        plugin.wait()


def _stopped_quietly(plugin: subprocess.Popen) -> None:
    """SIGINT, as the engine ends a command: the plugin exits 0 with nothing on stderr."""
    plugin.send_signal(signal.SIGINT)
    _out, err = plugin.communicate(timeout=30)
    assert plugin.returncode == 0 and err == b"", err.decode()


def test_the_plugin_stops_quietly_with_calls_in_flight():
    """The engine stops the plugin with SIGINT at the end of every command, and a call
    may still be in flight then: it ends before the plugin does, and nothing shows on
    stderr (a CancelledError traceback did, for one stop in four)."""
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import provider_pb2_grpc

    for _ in range(8):
        with _plugin("-m", "provider.plugin", "127.0.0.1:9") as (plugin, channel):
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            stub.GetPluginInfo(empty_pb2.Empty(), timeout=30)
            in_flight = [stub.Cancel.future(empty_pb2.Empty()) for _ in range(5)]
            _stopped_quietly(plugin)
        assert all(call.done() for call in in_flight)


# A plugin whose every provider call takes `SLOW_CALL_S` (the provider itself answers
# its calls too fast to be caught in flight by a stop).
SLOW_CALL_S = 1.0
_SLOW_PLUGIN = f"""
import asyncio, grpc
from provider.plugin import startup

class Slow(grpc.GenericRpcHandler):
    def service(self, details):
        async def behaviour(request, context):
            await asyncio.sleep({SLOW_CALL_S})
            return b"answered"
        return grpc.unary_unary_rpc_method_handler(behaviour)

startup.DeferredProvider = lambda engine: Slow()
startup.serve("127.0.0.1:9")
"""


def test_a_call_in_flight_when_the_plugin_is_stopped_is_answered():
    """The stop's grace is real: a call the engine is waiting for when it sends SIGINT
    gets its answer, and the plugin exits quietly after it (it was cancelled, with a
    traceback, when asyncio's own SIGINT handling cancelled the server's wait)."""
    with _plugin("-c", _SLOW_PLUGIN) as (plugin, channel):
        sent = time.monotonic()
        call = channel.unary_unary("/pulumirpc.ResourceProvider/Check").future(b"", timeout=30)
        time.sleep(SLOW_CALL_S / 4)  # the call is in the plugin's hands
        _stopped_quietly(plugin)
        assert call.result(timeout=30) == b"answered"
        assert time.monotonic() - sent >= SLOW_CALL_S
