"""Aborting a client's TCP connection from inside the ASGI app.

ASGI has no way to say "reset this connection": an app that raises before
responding gets a 500 from uvicorn. The reset and drop_after_commit faults
need a real connection error on the client, so every connection's transport
is recorded by the peer address, which the ASGI scope carries as "client",
and the fault layer aborts it with SO_LINGER 0 (an RST, no FIN).

The recording wraps uvicorn's HTTP protocol through the plain asyncio.Protocol
interface instead of subclassing it: uvicorn is not pinned, and its protocol
classes are not public API.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable

from uvicorn.config import HTTP_PROTOCOLS
from uvicorn.importer import import_from_string

_transports: dict[tuple, asyncio.Transport] = {}


class TrackedConnection(asyncio.Protocol):
    """One connection: uvicorn's protocol does the HTTP, this remembers the transport."""

    def __init__(self, http: asyncio.Protocol):
        self.http = http
        self.peer: tuple = ()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvicorn's scope["client"] is the peer's (host, port); IPv6 adds two more fields.
        self.peer = tuple((transport.get_extra_info("peername") or ())[:2])
        if self.peer:
            _transports[self.peer] = transport  # type: ignore[assignment]
        self.http.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        _transports.pop(self.peer, None)
        self.http.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.http.data_received(data)

    def eof_received(self) -> bool | None:
        return self.http.eof_received()

    def pause_writing(self) -> None:
        self.http.pause_writing()

    def resume_writing(self) -> None:
        self.http.resume_writing()


def abortable_http(implementation: str = "h11") -> Callable[..., asyncio.Protocol]:
    """A protocol factory for ``uvicorn.Config(http=...)``: uvicorn's own ``implementation``,
    with each connection's transport recorded for ``abort_connection``."""
    http_class = import_from_string(HTTP_PROTOCOLS[implementation])

    def protocol(*args, **kwargs) -> asyncio.Protocol:
        return TrackedConnection(http_class(*args, **kwargs))

    return protocol


async def abort_connection(scope) -> None:
    """Reset the connection the request in ``scope`` came on; nothing is sent."""
    transport = _transports.get(tuple(scope.get("client") or ()))
    if transport is None:
        raise RuntimeError("no transport for this request; serve with abortable_http()")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    # Let connection_lost run before the app returns, so uvicorn sees a
    # disconnected client instead of "returned without a response" (500).
    await asyncio.sleep(0)
    await asyncio.sleep(0)
