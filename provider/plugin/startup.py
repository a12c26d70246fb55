"""The plugin's start: the port first, the provider when a call needs it.

The engine starts the plugin and reads the port it serves on from its first line of
output, and only then goes on with the command (the program, the other plugins).
Importing the provider (its core, its messages) takes most of a start. So the
plugin imports only gRPC, binds its port and prints it. (The provider never loads
the Pulumi SDK at all: its messages are its own, `protocol.py`.)

A program whose language host reads the package's schema (YAML, and the SDKs' code
generation) makes the engine start the plugin once only for that schema
(Handshake, GetPluginInfo, GetSchema), and then once more for the resources. The
first needs no import at all: the schema and version are answered from the
generated `schema.json` (`sdk/schema.json` in a checkout, beside this module in
the package, kept current by `python -m provider.plugin.schema --check`), and
Handshake, which the provider does not implement, is refused at once as the SDK
refuses it. So the provider is imported from the first call that needs it
(CheckConfig, in the engine's order): the plugin started for the schema never
spends the CPU the other one is starting on. (A YAML program that gives the
plugin's version in `Pulumi.yaml` spares that start: docs/plugin.md.)

The end: the engine sends SIGINT at the end of every command and waits for the
plugin to exit; the interpreter's own teardown follows (~0.07 s). Cutting it short
(`os._exit` once serving stops) was tried and taken out again: with it, a failed
`up` once showed a Python traceback from the program (its log call failing after
the engine had closed its services, which a faster plugin exit lets happen
sooner); the race did not come back in 13 runs, so it is suspected, not proven.

Nothing here imports `pulumi` or the provider: `tests/unit/test_import_cost.py`
holds that.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

from .codec import length_delimited  # the wire format alone: no message, no provider

# The server's options as the SDK's own provider server sets them
# (`pulumi.runtime._grpc_settings`, which imports the whole SDK): large messages
# (a big state), and no limit on a request the engine has not yet asked for.
MAX_MESSAGE_BYTES = 400 * 1024 * 1024
GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.server_max_unrequested_time_in_server", 30 * 60),
]


SERVICE = "/pulumirpc.ResourceProvider/"
STOP_GRACE_S = 5
HERE = Path(__file__).resolve().parent
SCHEMA_FILES = (HERE / "schema.json", HERE.parents[1] / "sdk" / "schema.json")


async def _not_implemented(_request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    # What a gRPC servicer answers a method it does not implement (the engine then
    # goes on without it), as the provider answers every method it does not serve.
    await context.abort(grpc.StatusCode.UNIMPLEMENTED, "Method not implemented!")
    return b""  # never reached: abort raises


def _raw(behaviour: Any) -> grpc.RpcMethodHandler:
    return grpc.unary_unary_rpc_method_handler(
        behaviour, request_deserializer=lambda raw: raw, response_serializer=lambda raw: raw
    )


class SchemaAnswers(grpc.GenericRpcHandler):
    """GetSchema and GetPluginInfo from the generated files, and Handshake refused,
    before any import."""

    def __init__(self) -> None:
        self._answers: dict[str, bytes] = {}
        schema = next((p for p in SCHEMA_FILES if p.is_file()), None)
        if schema is not None:
            from .version import version

            self._answers = {
                SERVICE + "GetSchema": length_delimited(1, schema.read_bytes()),  # .schema
                SERVICE + "GetPluginInfo": length_delimited(1, version().encode()),  # .version
            }

    def service(self, handler_call_details: Any) -> Any:
        if handler_call_details.method == SERVICE + "Handshake":
            return _raw(_not_implemented)
        answer = self._answers.get(handler_call_details.method)
        if answer is None:
            return None
        return _raw(lambda _request, _context: answer)


class DeferredProvider(grpc.GenericRpcHandler):
    """The provider's handlers, imported on the first call that needs them (the server
    looks a method up on its loop: that call waits for the import)."""

    def __init__(self, engine: str) -> None:
        self._engine = engine
        self._failure: BaseException | None = None
        self._handlers: grpc.GenericRpcHandler | None = None

    def _loaded(self) -> grpc.GenericRpcHandler:
        if self._failure is not None:
            raise self._failure
        if self._handlers is None:
            # Loading makes ~90,000 objects that live as long as the process and no
            # garbage: the collector's passes over them meanwhile cost ~15% of the load,
            # and once they are frozen the passes of every request skip them.
            gc.disable()
            # pydantic looks for plugins of its own in every installed distribution's
            # entry points when it builds its first model (~0.035 s); the provider's
            # models use none.
            os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
            try:  # `server.py`, named by the package's name (the wheel renames it)
                server = importlib.import_module(".server", __package__)
                self._handlers = server.handlers(self._engine)
            except BaseException as exc:  # shown by every request, and on stderr once
                self._failure = exc
                print(f"pulumi-resource-quickbooks: cannot load: {exc!r}", file=sys.stderr)
                raise
            finally:
                gc.freeze()
                gc.enable()
        return self._handlers

    def service(self, handler_call_details: Any) -> Any:
        if not handler_call_details.method.startswith(SERVICE):
            # Not the provider's (the engine's health check of a plugin, at the end of
            # a command): unimplemented, as the loaded provider answers it, without
            # loading it for that.
            return None
        return self._loaded().service(handler_call_details)


async def _settle() -> None:
    """Let gRPC's own tasks of the calls end after the server stopped: the stop returns
    once the calls are closed, and their tasks may need more turns of the loop to see
    it. One left pending is cancelled by `asyncio.run`'s end, which gRPC reports with
    a traceback on stderr (1 stop in 30 with calls in flight)."""
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if others:
        await asyncio.wait(others, timeout=STOP_GRACE_S)


def serve(engine: str) -> None:
    """Serve on a free loopback port, print it, load the provider, run until stopped."""

    async def run() -> None:
        # The engine stops the plugin with SIGINT at the end of every command. It is
        # taken here rather than as asyncio's cancellation of this task: that cancelled
        # the future the server's termination is awaited on, so the stop that followed
        # gave calls in flight no grace and the loop's end cancelled them, with a
        # traceback on stderr (5 stops in 40 with calls in flight). A second SIGINT
        # interrupts as Python does by default.
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()

        def on_sigint() -> None:
            loop.remove_signal_handler(signal.SIGINT)
            stopping.set()

        # Only the main thread may take a signal (a test serves from another).
        if threading.current_thread() is threading.main_thread():
            loop.add_signal_handler(signal.SIGINT, on_sigint)
        server = grpc.aio.server(options=GRPC_OPTIONS)
        port = server.add_insecure_port(address="127.0.0.1:0")
        server.add_generic_rpc_handlers((SchemaAnswers(), DeferredProvider(engine)))
        await server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        await stopping.wait()
        await server.stop(STOP_GRACE_S)  # calls in flight end first, up to STOP_GRACE_S
        await _settle()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
