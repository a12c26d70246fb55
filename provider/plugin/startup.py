"""The plugin's start: the port first, the SDK and the provider while the engine goes on.

The engine starts the plugin and reads the port it serves on from its first line of
output, and only then goes on with the command (the program, the other plugins).
Importing the Pulumi SDK (`pulumi.provider.experimental`, which loads the whole
`pulumi` package) and the provider's core takes most of a start. So the plugin
imports only gRPC, binds its port and prints it, while a thread imports the rest; the
first request waits for that import (the engine's next steps overlap it).

A program whose language host reads the package's schema (YAML, and the SDKs' code
generation) makes the engine start the plugin once only for that schema. Its
schema and version need no import at all: they are answered from the generated
`schema.json` (`sdk/schema.json` in a checkout, beside this module in the package,
kept current by `python -m provider.plugin.schema --check`).

Nothing here imports `pulumi` or the provider: `tests/unit/test_import_cost.py`
holds that.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

# The server's options as the SDK's own provider server sets them
# (`pulumi.runtime._grpc_settings`, which imports the whole SDK): large messages
# (a big state), and no limit on a request the engine has not yet asked for.
MAX_MESSAGE_BYTES = 400 * 1024 * 1024
GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.server_max_unrequested_time_in_server", 30 * 60),
]


SERVICE = "/pulumirpc.ResourceProvider/"
HERE = Path(__file__).resolve().parent
SCHEMA_FILES = (HERE / "schema.json", HERE.parents[1] / "sdk" / "schema.json")


def _string_field(value: bytes) -> bytes:
    """A protobuf message whose field 1 is the string `value` (`GetSchemaResponse`,
    `PluginInfo`): the tag, the length as a varint, the bytes."""
    length, varint = len(value), bytearray()
    while True:
        byte, length = length & 0x7F, length >> 7
        varint.append(byte | (0x80 if length else 0))
        if not length:
            return b"\x0a" + bytes(varint) + value


class SchemaAnswers(grpc.GenericRpcHandler):
    """GetSchema and GetPluginInfo from the generated files, before any import."""

    def __init__(self) -> None:
        self._answers: dict[str, bytes] = {}
        schema = next((p for p in SCHEMA_FILES if p.is_file()), None)
        if schema is not None:
            from .version import version

            self._answers = {
                SERVICE + "GetSchema": _string_field(schema.read_bytes()),
                SERVICE + "GetPluginInfo": _string_field(version().encode()),
            }

    def service(self, handler_call_details: Any) -> Any:
        answer = self._answers.get(handler_call_details.method)
        if answer is None:
            return None
        return grpc.unary_unary_rpc_method_handler(
            lambda _request, _context: answer,
            request_deserializer=lambda raw: raw,
            response_serializer=lambda message: message,
        )


class _Collector:
    """Stands in for a server while the SDK's generated code registers its handlers."""

    def __init__(self) -> None:
        self.handlers: list[grpc.GenericRpcHandler] = []

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self.handlers.extend(handlers)

    def add_registered_method_handlers(self, _service: str, _handlers: Any) -> None:
        pass  # the generic handlers above serve every method


class DeferredProvider(grpc.GenericRpcHandler):
    """The provider's handlers, loaded in a thread from its start; each request waits
    until they are there (the server looks a method up on its loop: the loop waits,
    and the import runs meanwhile)."""

    def __init__(self, args: list[str], engine: str) -> None:
        self._args = args
        self._engine = engine
        self._imported = threading.Event()
        self._failure: BaseException | None = None
        self._handlers: list[grpc.GenericRpcHandler] | None = None
        self._server: Any = None  # `server.py`, once imported (named by the package's name)
        threading.Thread(target=self._import, name="import provider", daemon=True).start()

    def _import(self) -> None:
        try:
            self._server = importlib.import_module(".server", __package__)
        except BaseException as exc:  # shown by the first request, and on stderr
            self._failure = exc
            print(f"pulumi-resource-quickbooks: cannot load: {exc!r}", file=sys.stderr)
        finally:
            self._imported.set()

    def _loaded(self) -> list[grpc.GenericRpcHandler]:
        if self._handlers is None:
            self._imported.wait()
            if self._failure is not None:
                raise self._failure
            collector = _Collector()
            self._server.register(collector, self._args, self._engine)
            self._handlers = collector.handlers
        return self._handlers

    def service(self, handler_call_details: Any) -> Any:
        for handler in self._loaded():
            found = handler.service(handler_call_details)
            if found is not None:
                return found
        return None


def serve(args: list[str], engine: str) -> None:
    """Serve on a free loopback port, print it, load the provider, run until stopped."""

    async def run() -> None:
        server = grpc.aio.server(options=GRPC_OPTIONS)
        port = server.add_insecure_port(address="127.0.0.1:0")
        server.add_generic_rpc_handlers((SchemaAnswers(), DeferredProvider(args, engine)))
        await server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        await server.wait_for_termination()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
