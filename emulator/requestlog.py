"""The request log behind GET /_emulator/requests, with every secret redacted."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import unquote_plus

from .catalog import API_PREFIX

REDACTED = "***"
# Query parameters that carry credentials or one-time grants. The consent
# session id is in the list because whoever holds it can authorize.
SECRET_PARAMS = {
    "apikey",
    "apisecret",
    "code",
    "requesttoken",
    "oauth_token",
    "oauth_verifier",
    "session",
}
SECRET_WORDS = ("secret", "token", "password", "signature", "verifier")
CONSENT_PREFIX = "/oauth/"


def is_secret_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_PARAMS or any(word in lowered for word in SECRET_WORDS)


def redact_query(query: str) -> str:
    """The query string as sent, with each secret parameter's value replaced by ***."""
    pieces = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, has_value, _value = piece.partition("=")
        if has_value and is_secret_param(unquote_plus(name)):
            piece = f"{name}={REDACTED}"
        pieces.append(piece)
    return "&".join(pieces)


def is_logged(path: str) -> bool:
    return path.startswith(API_PREFIX + "/") or path.startswith(CONSENT_PREFIX)


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RequestLogMiddleware:
    """Outermost ASGI layer: times each API or consent request as the client sees it.

    ``status`` is 0 when no response was sent (a reset or drop_after_commit fault).
    """

    def __init__(self, app, log: RequestLog):
        self.app = app
        self.log = log

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_logged(scope["path"]):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_and_note_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            self.log.add(
                {
                    "method": scope["method"],
                    "path": scope["path"],
                    "query": redact_query(scope["query_string"].decode("latin-1")),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                }
            )
