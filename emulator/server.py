"""Running the app under uvicorn on one listening socket, and saying when it is ready."""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn

from .connections import AbortableH11Protocol


class ReadyServer(uvicorn.Server):
    """A uvicorn server that calls ``on_ready`` once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]):
        super().__init__(config)
        self.on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.on_ready()


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening socket; binding here (not in uvicorn) makes --port 0 knowable."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(128)
    return sock


def url_host(sock: socket.socket) -> str:
    host = sock.getsockname()[0]
    return f"[{host}]" if ":" in host else host


def serve(app, sock: socket.socket, on_ready: Callable[[], None]) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn handles both and shuts down gracefully)."""
    config = uvicorn.Config(
        app,
        http=AbortableH11Protocol,
        ws="none",
        lifespan="off",
        log_level="warning",
        access_log=False,
        # A pending delay fault must not hold a shutdown for long.
        timeout_graceful_shutdown=2,
    )
    ReadyServer(config, on_ready).run(sockets=[sock])
