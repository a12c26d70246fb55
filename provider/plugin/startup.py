"""The plugin's start: the port first, the SDK and the provider while the engine goes on.

The engine starts the plugin and reads the port it serves on from its first line of
output, and only then goes on with the command (the program, the other plugins).
Importing the Pulumi SDK (`pulumi.provider.experimental`, which loads the whole
`pulumi` package) and the provider's core takes most of a start. So the plugin
imports only gRPC, binds its port and prints it, while a thread imports the rest; the
first request waits for that import (the engine's next steps overlap it).

Nothing here imports `pulumi` or the provider: `tests/unit/test_import_cost.py`
holds that.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import threading
from collections.abc import Sequence
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
        server.add_generic_rpc_handlers((DeferredProvider(args, engine),))
        await server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        await server.wait_for_termination()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
