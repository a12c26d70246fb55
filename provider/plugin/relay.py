"""The provider's methods in the port's process, answered by the provider process
(`worker.py`): each call's request bytes go down one pipe, its answer comes back
up the other, matched by a request id, so calls run concurrently as the engine
sends them.

An answer refused there (our error, a bug, an unserved method) ends the call with
the same gRPC status the one-process plugin sends (`server.py`). A provider that
cannot load answers every call with why; a provider process that ended answers
every call with that.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from typing import Any

import grpc
import grpc.aio

from .frames import ANSWER, FAILED, HEADER, REQUEST, frame, write_all
from .names import SERVICE
from .worker import Link

ENDED = "pulumi-resource-quickbooks: its provider process ended (see its error above)"


class Relay(grpc.GenericRpcHandler):
    """Every `pulumirpc.ResourceProvider` method, relayed to the provider process."""

    def __init__(self, link: Link) -> None:
        self._link = link
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[tuple[int, bytes]]] = {}
        self._failure: str | None = None
        self._handlers: dict[str, grpc.RpcMethodHandler] = {}
        self._requests: int | None = link.requests

    async def start(self) -> None:
        """Open the pipes on the running loop and read the answers from now on."""
        loop = asyncio.get_running_loop()
        answers = asyncio.StreamReader()
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(answers),
            os.fdopen(self._link.answers, "rb", buffering=0),
        )
        self._reading = loop.create_task(self._read(answers))

    def close(self) -> None:
        """Close the requests pipe: the provider process answers what is in flight and
        ends."""
        if self._requests is not None:
            os.close(self._requests)
            self._requests = None

    def wait(self) -> None:
        """Wait for the provider process to end (nothing of the plugin outlives it)."""
        try:
            os.waitpid(self._link.pid, 0)
        except ChildProcessError:
            pass

    async def _read(self, answers: asyncio.StreamReader) -> None:
        try:
            while True:
                request_id, tag, size = HEADER.unpack(await answers.readexactly(HEADER.size))
                body = await answers.readexactly(size)
                if tag == FAILED:
                    self._fail(body.decode())
                    continue
                waiting = self._pending.pop(request_id, None)
                if waiting is not None and not waiting.done():
                    waiting.set_result((tag, body))
        except asyncio.IncompleteReadError:  # the provider process ended
            self._fail(self._failure or ENDED)

    def _fail(self, reason: str) -> None:
        self._failure = reason
        for waiting in self._pending.values():
            if not waiting.done():
                waiting.set_result((FAILED, reason.encode()))
        self._pending.clear()

    def service(self, handler_call_details: Any) -> grpc.RpcMethodHandler | None:
        path = handler_call_details.method
        if not path.startswith(SERVICE):
            # Not the provider's (the engine's health check of a plugin, at the end of
            # a command): unimplemented, as the provider itself answers it.
            return None
        if path not in self._handlers:
            method = path.removeprefix(SERVICE)

            async def relayed(raw: bytes, context: grpc.aio.ServicerContext) -> bytes:
                return await self._call(method, raw, context)

            self._handlers[path] = grpc.unary_unary_rpc_method_handler(
                relayed, request_deserializer=lambda raw: raw, response_serializer=lambda raw: raw
            )
        return self._handlers[path]

    async def _call(self, method: str, raw: bytes, context: grpc.aio.ServicerContext) -> bytes:
        if self._failure is not None or self._requests is None:
            await context.abort(grpc.StatusCode.UNKNOWN, self._failure or ENDED)
        request_id = next(self._ids)
        answered = asyncio.get_running_loop().create_future()
        self._pending[request_id] = answered
        # Written whole here, on the loop: the provider process reads its pipe in a
        # thread of its own, whatever it is doing, so a write never waits long.
        try:
            write_all(self._requests, frame(request_id, REQUEST, method.encode() + b"\n" + raw))
        except BrokenPipeError:  # it has ended
            self._pending.pop(request_id, None)
            await asyncio.wait([self._reading])  # the reader learns why first
            await context.abort(grpc.StatusCode.UNKNOWN, self._failure or ENDED)
        tag, body = await answered
        if tag == ANSWER:
            return body
        if tag == FAILED:
            await context.abort(grpc.StatusCode.UNKNOWN, body.decode())
        code, _, details = body.decode().partition("\n")
        await context.abort(getattr(grpc.StatusCode, code), details)
        return b""  # never reached: abort raises
