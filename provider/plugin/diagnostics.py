"""Warnings as engine diagnostics on the resource they concern.

The engine serves a `Log` call at the address it starts the plugin with; a message
sent with a resource's URN shows under that resource in the CLI (and in the
update's events), as a warning the engine counts, not a bare stderr line. Each
operation runs in a worker thread with a copy of its handler's context, so the
URN it sets there tells `warn` which resource is speaking.
"""

from __future__ import annotations

import contextvars
import sys
import threading
from typing import Any

import grpc

from .messages import in_schema_names
from .protocol import WARNING, LogRequest

CURRENT_URN: contextvars.ContextVar[str] = contextvars.ContextVar("urn", default="")


class Engine:
    """The engine's `Log` method (`pulumirpc.Engine`), the one the plugin calls."""

    def __init__(self, address: str) -> None:
        self.Log = grpc.insecure_channel(address).unary_unary(  # noqa: N815 (the method's name)
            "/pulumirpc.Engine/Log",
            request_serializer=LogRequest.SerializeToString,
            # An Empty answer, kept as its bytes (gRPC takes None for a failure to read).
            response_deserializer=lambda empty: empty,
        )


class Diagnostics:
    def __init__(self, engine_address: str | None) -> None:
        self._address = engine_address
        self._engine: Any = None
        self._connecting = threading.Lock()  # operations warn from several threads

    def warn(self, message: str) -> None:
        message = in_schema_names(message)
        with self._connecting:
            # Connected with the first warning: most commands warn of nothing, and the
            # channel costs every start ~5 ms (`grpc._channel`).
            if self._engine is None and self._address:
                self._engine = Engine(self._address)
        if self._engine is None:  # not started by an engine (tests, `--help`)
            print(f"warning: {message}", file=sys.stderr, flush=True)
            return
        request = LogRequest(severity=WARNING, message=message, urn=CURRENT_URN.get())
        self._engine.Log(request)
