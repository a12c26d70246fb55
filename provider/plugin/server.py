"""The provider's gRPC service in the process that holds the port: each
`pulumirpc.ResourceProvider` method the engine calls, answered by `servicer.py`.

The plugin serves this way when it loads the provider in its own process (no
`fork`, or a test); otherwise its provider process answers (`worker.py`) and the
port's process relays (`relay.py`). Our errors reach the engine plain, a bug with
its traceback, an unserved method as unimplemented: `servicer.py` says which.

The messages are the plugin's own (`protocol.py`), so serving loads no `pulumi`
module.
"""

from __future__ import annotations

from typing import Any

import grpc
import grpc.aio

from ..errors import QuickBooksError
from . import servicer
from .names import SERVICE
from .provider import QuickBooksProvider


class Servicer(servicer.Servicer):
    """The handlers, our errors as the gRPC status the engine reads."""

    async def call(self, method: str, request: Any, context: grpc.aio.ServicerContext) -> Any:
        """`method`'s answer to `request`, or the call ended with the refusal."""
        try:
            return await self.answer(method, request)
        except QuickBooksError as exc:
            await context.abort(grpc.StatusCode.UNKNOWN, servicer.shown(exc))


class Handlers(grpc.GenericRpcHandler):
    """The servicer's methods on a gRPC server."""

    def __init__(self, served: Servicer) -> None:
        self._handlers = {
            SERVICE + method: self._handler(served, method, message)
            for method, (message, _handler) in served.methods.items()
        }

    @staticmethod
    def _handler(served: Servicer, method: str, message: Any) -> grpc.RpcMethodHandler:
        async def behaviour(request: Any, context: grpc.aio.ServicerContext) -> Any:
            return await served.call(method, request, context)

        return grpc.unary_unary_rpc_method_handler(
            behaviour,
            request_deserializer=message.FromString if message else lambda raw: raw,
            response_serializer=servicer.serialized,
        )

    def service(self, handler_call_details: Any) -> grpc.RpcMethodHandler | None:
        return self._handlers.get(handler_call_details.method)


def handlers(engine: str) -> grpc.GenericRpcHandler:
    """The provider's handlers, for `startup.py` to serve."""
    return Handlers(Servicer(QuickBooksProvider(engine)))
