"""Running the app under uvicorn on one listening socket, and saying when it is ready.

Only uvicorn's public API is used (``Config``, ``Server.run`` and its ``started``
flag), so an update of the unpinned uvicorn cannot change how the emulator starts.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import uvicorn

from .connections import abortable_http

# How often the start-up watcher looks at ``Server.started``.
READY_POLL_SECONDS = 0.01


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
    """Serve until SIGINT/SIGTERM (uvicorn handles both and shuts down gracefully).

    ``on_ready`` runs once uvicorn accepts connections on ``sock``.
    """
    config = uvicorn.Config(
        app,
        http=abortable_http(),
        ws="none",
        lifespan="off",
        log_level="warning",
        access_log=False,
        # A pending delay fault must not hold a shutdown for long.
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    watcher = threading.Thread(
        target=_announce_start, args=(server, on_ready), name="ready", daemon=True
    )
    watcher.start()
    server.run(sockets=[sock])


def _announce_start(server: uvicorn.Server, on_ready: Callable[[], None]) -> None:
    while not server.should_exit:
        if server.started:
            on_ready()
            return
        time.sleep(READY_POLL_SECONDS)
