"""The SDK's gRPC server for the provider, with the provider's own errors shown plain.

`pulumi.provider.experimental.server` turns any exception of a handler into an
error carrying the handler's Python traceback. A `QuickBooksError` is a message
for the person running `pulumi` (a refused import, a spent grant, a missing
setting: what happened and what to do), so it goes to the engine as it is (in
the schema's names: `messages.py`); any
other exception keeps the SDK's traceback, which a bug report needs.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import grpc
import grpc.aio
from pulumi.provider.experimental import server as sdk
from pulumi.runtime.proto import provider_pb2_grpc

from ..errors import QuickBooksError
from .messages import in_schema_names

if TYPE_CHECKING:
    from pulumi.provider.experimental.provider import Provider

HANDLERS = (
    "CheckConfig",
    "DiffConfig",
    "Configure",
    "Check",
    "Diff",
    "Create",
    "Read",
    "Update",
    "Delete",
)


def _plain_errors(traced: Callable[..., Any]) -> Callable[..., Any]:
    async def handler(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await traced(self, request, context)
        except Exception as exc:
            cause = exc.__context__  # the SDK's wrapper re-raises with the traceback added
            if isinstance(cause, QuickBooksError):
                await context.abort(grpc.StatusCode.UNKNOWN, in_schema_names(str(cause)))
            raise

    return handler


def _reading(read: Callable[..., Any]) -> Callable[..., Any]:
    async def handler(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        response = await read(self, request, context)
        if not response.id:
            # No such instance. The SDK answers with empty maps, which the engine would
            # take for an instance with no properties (an import or a get would then
            # "succeed" with nothing); without them it reports "does not exist".
            response.ClearField("properties")
            response.ClearField("inputs")
        return response

    return handler


class _ConfigDiffer:
    """The SDK's Diff handler over the provider's `diff_config` (the SDK's own
    DiffConfig handler sends `changes` as a bool where the engine reads an enum)."""

    def __init__(self, provider: Provider) -> None:
        self._provider = SimpleNamespace(diff=provider.diff_config)


class Servicer(sdk.ProviderServicer):
    """The SDK's servicer; its resource handlers report our errors without a traceback,
    its Read tells a missing instance from an empty one, and its DiffConfig answers
    as its Diff does."""

    async def DiffConfig(self, request: Any, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        return await sdk.ProviderServicer.Diff(_ConfigDiffer(self._provider), request, context)


Servicer.Read = _reading(sdk.ProviderServicer.Read)
for _name in (*HANDLERS, "Invoke"):
    setattr(Servicer, _name, _plain_errors(getattr(Servicer, _name)))


def register(server: Any, args: list[str], engine: str) -> None:
    """The provider's handlers on `server` (see `startup.py`, which serves them)."""
    from .provider import QuickBooksProvider
    from .version import version

    servicer = Servicer(args, version(), QuickBooksProvider(engine), engine_address=engine)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
