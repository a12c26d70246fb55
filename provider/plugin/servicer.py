"""The provider's answer to each `pulumirpc.ResourceProvider` method the engine calls,
without gRPC: the same answers whether the plugin serves them in the process that
holds the port (`server.py`) or in its provider process (`worker.py`).

A `QuickBooksError` is a message for the person running `pulumi` (a refused import,
a spent grant, a missing setting: what happened and what to do), so it goes to the
engine as it is (in the schema's names: `messages.py`). Any other exception is a
bug: its message goes with the Python traceback, which a bug report needs (what the
SDK's provider server sends). A method the provider does not serve (Construct,
Call, Parameterize, GetMapping...) is answered as unimplemented, which the engine
takes for "not supported".
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import QuickBooksError
from . import protocol
from .messages import in_schema_names
from .provider import QuickBooksProvider

UNIMPLEMENTED = "Method not implemented!"  # what a gRPC servicer answers, word for word


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

    async def answer(self, method: str, request: Any) -> Any:
        """`method`'s answer to `request` (None: an Empty one). Our error goes on as it
        is (the engine shows it as `shown` writes it); any other is a bug, which goes
        on with its traceback in its message."""
        _message, handler = self.methods[method]
        try:
            return await handler(request)
        except QuickBooksError:
            raise
        except Exception as exc:
            stack = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
            raise Exception(f"{exc}:\n{stack}")  # noqa: B904 (the traceback is in the message)

    async def answer_raw(self, method: str, raw: bytes) -> bytes:
        """`answer` from and to the messages' bytes."""
        message = self.methods[method][0]
        answer = await self.answer(method, message.FromString(raw) if message else raw)
        return serialized(answer)


def shown(exc: QuickBooksError) -> str:
    """Our error as the engine shows it: its message, in the schema's names."""
    return in_schema_names(str(exc))


def serialized(answer: Any) -> bytes:
    return b"" if answer is None else answer.SerializeToString()  # None: Empty


def bug_details(exc: BaseException) -> str:
    """What gRPC's server sends the engine for an exception a handler raised."""
    return f"Unexpected {type(exc)}: {exc}"
