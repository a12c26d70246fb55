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
from typing import Any

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from .messages import in_schema_names

CURRENT_URN: contextvars.ContextVar[str] = contextvars.ContextVar("urn", default="")


class Diagnostics:
    def __init__(self, engine_address: str | None) -> None:
        self._engine: Any = None
        if engine_address:
            self._engine = engine_pb2_grpc.EngineStub(grpc.insecure_channel(engine_address))

    def warn(self, message: str) -> None:
        message = in_schema_names(message)
        if self._engine is None:  # not started by an engine (tests, `--help`)
            print(f"warning: {message}", file=sys.stderr, flush=True)
            return
        request = engine_pb2.LogRequest(
            severity=engine_pb2.WARNING, message=message, urn=CURRENT_URN.get()
        )
        self._engine.Log(request)
