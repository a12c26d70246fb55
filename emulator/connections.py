"""Aborting a client's TCP connection from inside the ASGI app.

ASGI has no way to say "reset this connection": an app that raises before
responding gets a 500 from uvicorn. The reset and drop_after_commit faults
need a real connection error on the client, so the HTTP protocol class
records each connection's transport by client address, which the ASGI scope
carries, and the fault layer aborts it with SO_LINGER 0 (an RST, no FIN).
"""

from __future__ import annotations

import asyncio
import socket
import struct

from uvicorn.protocols.http.h11_impl import H11Protocol

_transports: dict[tuple, asyncio.Transport] = {}


class AbortableH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.client:
            _transports[tuple(self.client)] = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self.client and _transports.get(tuple(self.client)) is self.transport:
            del _transports[tuple(self.client)]
        super().connection_lost(exc)


async def abort_connection(scope) -> None:
    """Reset the connection the request in ``scope`` came on; nothing is sent."""
    transport = _transports.get(tuple(scope.get("client") or ()))
    if transport is None:
        raise RuntimeError("no transport for this request; serve with AbortableH11Protocol")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    # Let connection_lost run before the app returns, so uvicorn sees a
    # disconnected client instead of "returned without a response" (500).
    await asyncio.sleep(0)
    await asyncio.sleep(0)
