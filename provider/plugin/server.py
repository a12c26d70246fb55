"""The provider's gRPC service: each `pulumirpc.ResourceProvider` method the engine
calls, served by the provider's handler of the same name, with its errors shown plain.

A `QuickBooksError` is a message for the person running `pulumi` (a refused import,
a spent grant, a missing setting: what happened and what to do), so it goes to the
engine as it is (in the schema's names: `messages.py`). Any other exception is a
bug: its message goes with the Python traceback, which a bug report needs (what the
SDK's provider server sends). A method the provider does not serve (Construct,
Call, Parameterize, GetMapping...) is answered as unimplemented, which the engine
takes for "not supported".

The messages are the plugin's own (`protocol.py`), so serving loads no `pulumi`
module.
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import grpc.aio

from ..errors import QuickBooksError
from . import protocol
from .messages import in_schema_names
from .provider import QuickBooksProvider
from .startup import SERVICE

EMPTY = b""  # google.protobuf.Empty, serialized


class Servicer:
    """The provider's handlers as the engine's methods."""

    def __init__(self, provider: QuickBooksProvider) -> None:
        # Method -> (request message, handler); None reads an Empty request.
        self.methods: dict[str, tuple[Any, Callable[[Any], Awaitable[Any]]]] = {
            "GetPluginInfo": (None, self._plugin_info),
            "GetSchema": (protocol.GetSchemaRequest, provider.get_schema),
            "CheckConfig": (protocol.CheckRequest, provider.check_config),
            "DiffConfig": (protocol.DiffRequest, provider.diff_config),
            "Configure": (protocol.ConfigureRequest, provider.configure),
            "Check": (protocol.CheckRequest, provider.check),
            "Diff": (protocol.DiffRequest, provider.diff),
            "Create": (protocol.CreateRequest, provider.create),
            "Read": (protocol.ReadRequest, provider.read),
            "Update": (protocol.UpdateRequest, provider.update),
            "Delete": (protocol.DeleteRequest, provider.delete),
            "Invoke": (protocol.InvokeRequest, provider.invoke),
            "Cancel": (None, self._cancel),
        }

    async def _plugin_info(self, _request: bytes) -> Any:
        # Read when asked (it reads the package's metadata): `startup.py` answers it
        # from the generated files before the provider loads.
        from .version import version

        return protocol.PluginInfo(version=version())

    async def _cancel(self, _request: bytes) -> None:
        # Each operation is bounded by its own timeouts and retries; nothing to stop.
        return None

    async def call(self, method: str, request: Any, context: grpc.aio.ServicerContext) -> Any:
        """`method`'s answer to `request`, or the call ended with the error's message."""
        _message, handler = self.methods[method]
        try:
            return await handler(request)
        except QuickBooksError as exc:
            await context.abort(grpc.StatusCode.UNKNOWN, in_schema_names(str(exc)))
        except Exception as exc:
            stack = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
            raise Exception(f"{exc}:\n{stack}")  # noqa: B904 (the traceback is in the message)


def _serialized(answer: Any) -> bytes:
    return EMPTY if answer is None else answer.SerializeToString()


class Handlers(grpc.GenericRpcHandler):
    """The servicer's methods on a gRPC server."""

    def __init__(self, servicer: Servicer) -> None:
        self._handlers = {
            SERVICE + method: self._handler(servicer, method, message)
            for method, (message, _handler) in servicer.methods.items()
        }

    @staticmethod
    def _handler(servicer: Servicer, method: str, message: Any) -> grpc.RpcMethodHandler:
        async def behaviour(request: Any, context: grpc.aio.ServicerContext) -> Any:
            return await servicer.call(method, request, context)

        return grpc.unary_unary_rpc_method_handler(
            behaviour,
            request_deserializer=message.FromString if message else lambda raw: raw,
            response_serializer=_serialized,
        )

    def service(self, handler_call_details: Any) -> grpc.RpcMethodHandler | None:
        return self._handlers.get(handler_call_details.method)


def handlers(engine: str) -> grpc.GenericRpcHandler:
    """The provider's handlers, for `startup.py` to serve."""
    return Handlers(Servicer(QuickBooksProvider(engine)))
