"""Helpers shared by the emulator tests: request bodies and a callback receiver."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from emulator.store import Store
from harness.companies import new_company
from harness.controls import Emulator

API_KEY = "app-key-7f3a"
API_SECRET = "app-secret-9d41c0e2b7"
CALLBACK = "https://app.example.test/oauth/callback"
EVENTS_URL = "https://hooks.example.test/qbo"
REALM_US1 = "9130350000000001"
REALM_US2 = "9130350000000002"


def configuration(changes: dict[str, str] | None = None) -> dict[str, str]:
    """A complete OAuth 2.0 configuration with events off, plus ``changes``."""
    base = {
        "oauth.api.key": API_KEY,
        "oauth.api.secret": API_SECRET,
        "oauth.callback.url": CALLBACK,
        "event.notification.enabled": "false",
        "authentication.type": "oauth2",
        "scope": "com.intuit.quickbooks.accounting",
    }
    base.update(changes or {})
    return base


def events_configuration(
    callback_url: str, resources: str = "invoices|customers", extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Events on, to ``callback_url``; ``extra`` adds keys (e.g. a signature key)."""
    return configuration(
        {
            "event.notification.enabled": "true",
            "event.notification.callback.url": callback_url,
            "event.poller.urls": resources,
            **(extra or {}),
        }
    )


def oauth2_provider_data(grant: dict[str, str]) -> dict[str, str]:
    return {"code": grant["code"], "realmId": grant["realmId"]}


def instance_body(
    grant: dict[str, str] | None,
    name: str = "qbo-test",
    config: dict[str, str] | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "element": {"key": "quickbooks"},
        "name": name,
        "configuration": config if config is not None else configuration(),
        "tags": tags or [],
    }
    if grant is not None:
        body["providerData"] = oauth2_provider_data(grant)
    return body


def new_grant(emu: Emulator, realm_id: str | None = None) -> dict[str, str]:
    """A grant for ``realm_id``, by default for a company no other instance has: one
    authorized instance per company, so a second one would wipe the first's."""
    return emu.grant(API_KEY, API_SECRET, CALLBACK, realm_id=realm_id or new_company(emu))


def reauthorize(emu: Emulator, path: str, realm_id: str, account: int = 0) -> Any:
    """PATCHes ``path`` (an instance, by either route) with a new consent's grant for
    the instance's own company; returns the response."""
    grant = oauth2_provider_data(new_grant(emu, realm_id))
    return emu.api("PATCH", path, account=account, json={"providerData": grant})


def create_instance(emu: Emulator, account: int = 0, **kw: Any) -> dict[str, Any]:
    """Create an instance through a fresh consent; returns the create response."""
    realm_id = kw.pop("realm_id", None)
    response = emu.api(
        "POST", "/instances", account=account, json=instance_body(new_grant(emu, realm_id), **kw)
    )
    assert response.status_code == 200, response.text
    return response.json()


class CallbackServer:
    """A 127.0.0.1 HTTP server that records POSTs; the first ``fail_first`` get a 500."""

    def __init__(self, fail_first: int = 0):
        self.fail_first = fail_first
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.times: list[float] = []  # time.monotonic() of each POST
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with server._lock:
                    server.received.append((dict(self.headers.items()), body))
                    server.times.append(time.monotonic())
                    failing = len(server.received) <= server.fail_first
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/events"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def recover(self) -> None:
        """From now on every POST gets a 200."""
        with self._lock:
            self.fail_first = len(self.received)

    def __enter__(self) -> CallbackServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def wait_for_delivery(emu: Emulator, delivery_id: str, timeout: float = 10.0) -> dict:
    """The delivery's status once it is no longer pending."""
    deadline = time.monotonic() + timeout
    while True:
        status = emu.delivery(delivery_id)
        if status["status"] != "pending" or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


@contextmanager
def old_database(folder: Path, *statements: str) -> Iterator[Store]:
    """A Store opened on a database an older emulator wrote: `statements` build it
    (its tables as they were then, and rows), then the current Store migrates it."""
    path = folder / "old.db"
    with sqlite3.connect(path) as old:
        for statement in statements:
            old.execute(statement)
    store = Store(str(path))
    try:
        yield store
    finally:
        store.close()
