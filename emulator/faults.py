"""Fault injection on API requests: rules set through /_emulator/faults."""

from __future__ import annotations

import asyncio
import fnmatch
import http
import itertools
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from .catalog import API_PREFIX
from .exceptions import error_body
from .schemas import FaultRequest


@dataclass
class FaultRule:
    id: int
    method: str
    path: str
    kind: str
    count: int
    remaining: int
    status: int | None
    retry_after: int | None
    delay_ms: int | None

    def matches(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and self.method in ("*", method)
            and fnmatch.fnmatchcase(path, self.path)
        )


class FaultRules:
    """The rules, oldest first. Each matching request uses up one of a rule's count."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, request: FaultRequest) -> FaultRule:
        status = request.status
        if request.kind == "status" and status is None:
            status = 503
        retry_after = request.retry_after
        delay_ms = request.delay_ms
        if request.kind == "delay" and delay_ms is None:
            delay_ms = 1000
        if status == 429 and retry_after is None:
            retry_after = 1  # a 429 without Retry-After would leave clients guessing
        with self._lock:
            rule = FaultRule(
                id=next(self._ids),
                method=request.method.upper(),
                path=request.path,
                kind=request.kind,
                count=request.count,
                remaining=request.count,
                status=status,
                retry_after=retry_after,
                delay_ms=delay_ms,
            )
            self._rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first rule matching this request, its count reduced by one."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.remaining -= 1
                    return rule
        return None

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()


Abort = Callable[[dict], Awaitable[None]]


class FaultMiddleware:
    """Adds the fixed --latency-ms, then applies the first matching fault rule."""

    def __init__(self, app, rules: FaultRules, latency_ms: int, abort: Abort):
        self.app = app
        self.rules = rules
        self.latency_ms = latency_ms
        self.abort = abort

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        rule = self.rules.take(scope["method"], scope["path"][len(API_PREFIX) :])
        if rule is None:
            await self.app(scope, receive, send)
        elif rule.kind == "status":
            await self._send_status(rule, send)
        elif rule.kind == "delay":
            # The request has fully arrived before the slowness starts, so a client
            # that gives up meanwhile does not stop it: like a slow server, it runs
            # (and commits) anyway, with nobody left to hear the answer.
            receive = await _received(receive)
            await asyncio.sleep((rule.delay_ms or 0) / 1000)
            await self.app(scope, receive, send)
        elif rule.kind == "reset":
            await self.abort(scope)
        else:  # drop_after_commit: the handler commits, the client never hears of it
            await self.app(scope, receive, self._dropping_send(scope))

    def _dropping_send(self, scope):
        aborted = False

        async def send(message):
            nonlocal aborted
            if not aborted:
                aborted = True
                await self.abort(scope)

        return send

    @staticmethod
    async def _send_status(rule: FaultRule, send) -> None:
        assert rule.status is not None
        phrase = _phrase(rule.status)
        body = json.dumps(error_body(f"{phrase} (fault injected by the emulator)")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if rule.retry_after is not None:
            headers.append((b"retry-after", str(rule.retry_after).encode()))
        await send({"type": "http.response.start", "status": rule.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _received(receive):
    """Reads the whole request body now; returns a `receive` that replays it."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return receive  # gone before it finished sending: nothing to run
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    replayed = False

    async def replay():
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

    return replay


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
