"""The one-shot HTTP listener on 127.0.0.1 that receives the browser's OAuth redirect.

The authorization server sends the person's browser to the app's callback URL
with the grant in the query string. Listening there ourselves, like
`gh auth login`, means nobody copies a code out of an address bar.
"""

from __future__ import annotations

import errno
import queue
import threading
import time
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .errors import OnboardError, untrusted

LISTEN_HOST = "127.0.0.1"
LOCAL_CALLBACK_HOSTS = ("localhost", "127.0.0.1")
# How long the browser's request waits for the terminal side to store the grant.
ANSWER_WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class CallbackAddress:
    url: str
    port: int
    path: str

    @property
    def listen_url(self) -> str:
        return f"http://{LISTEN_HOST}:{self.port}{self.path}"


def local_callback(url: str) -> CallbackAddress:
    """The port and path to listen on, from ``quickbooks:oauthCallbackUrl``.

    Only a plain-http loopback URL can be served by this command: anything else
    is a server somewhere else that this process would never hear from."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or 80
    except ValueError:
        port = -1
    if parts.scheme != "http" or host not in LOCAL_CALLBACK_HOSTS or port <= 0:
        raise OnboardError(
            f"quickbooks:oauthCallbackUrl is {untrusted(url)!r}, but onboarding needs "
            "http://localhost:<port>/<path> or http://127.0.0.1:<port>/<path> so this command "
            "can receive the browser's redirect itself; set it (and the app's redirect URI) "
            "to e.g. http://localhost:8400/quickbooks/oauth/callback"
        )
    return CallbackAddress(url=url, port=port, path=parts.path or "/")


class Callback:
    """The browser's request to the callback path, held open until the terminal
    side has decided which page to answer with."""

    def __init__(self, params: list[tuple[str, str]]) -> None:
        self.params = params
        self._page: tuple[int, str] | None = None
        self._answered = threading.Event()
        self._sent = threading.Event()

    def answer(self, status: int, html: str, wait_seconds: float = 10.0) -> None:
        """Sends the page and waits (briefly) until the browser has it, so the
        process does not exit under a half-written response."""
        self._page = (status, html)
        self._answered.set()
        self._sent.wait(wait_seconds)

    def page_to_send(self, wait_seconds: float) -> tuple[int, str] | None:
        """The page the terminal side chose (handler side), or None if it never did."""
        self._answered.wait(wait_seconds)
        return self._page

    def mark_sent(self) -> None:
        self._sent.set()


class CallbackListener:
    """Binds at construction, so a busy port fails before any consent is started."""

    def __init__(self, address: CallbackAddress) -> None:
        self.address = address
        self._callbacks: queue.Queue[Callback] = queue.Queue()
        self._accepted = False
        self._lock = threading.Lock()
        try:
            self._server = _Server((LISTEN_HOST, address.port), _Handler)
        except OSError as exc:
            raise OnboardError(_bind_error(address, exc)) from None
        self._server.listener = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def next_callback(self, timeout_seconds: float) -> Callback:
        try:
            return self._callbacks.get(timeout=timeout_seconds)
        except queue.Empty:
            raise OnboardError(
                f"no answer from the browser within {timeout_seconds:g} s (timeout): nothing was "
                "stored; run the command again (--timeout SECONDS waits longer)"
            ) from None

    def accept(self, params: list[tuple[str, str]]) -> Callback | None:
        with self._lock:
            if self._accepted:
                return None
            self._accepted = True
        callback = Callback(params)
        self._callbacks.put(callback)
        return callback

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> CallbackListener:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _bind_error(address: CallbackAddress, exc: OSError) -> str:
    where = f"{LISTEN_HOST}:{address.port} (from quickbooks:oauthCallbackUrl {address.url})"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {address.port} is in use: cannot listen on {where}; stop the program using it "
            "or change the port in quickbooks:oauthCallbackUrl and in the app's redirect URI"
        )
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on {where}; use a port above 1024"
    return f"cannot listen on {where}: {exc.strerror or exc}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    listener: CallbackListener


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "quickbooks-onboard"
    # A browser's speculative pre-connection may never send a request.
    timeout = 30

    def log_message(self, format: str, *args: object) -> None:
        pass  # request lines carry the grant: never log them

    def do_GET(self) -> None:  # noqa: N802 (the http.server naming)
        parts = urlsplit(self.path)
        listener = self.server.listener
        if parts.path != listener.address.path:
            self._send(404, page("Not found", "<p>Nothing here.</p>"))
            return
        callback = listener.accept(parse_qsl(parts.query, keep_blank_values=True))
        if callback is None:
            self._send(409, finished_page())
            return
        started = time.monotonic()
        status, html = callback.page_to_send(ANSWER_WAIT_SECONDS) or (
            500,
            failure_page(
                f"The command did not answer within {time.monotonic() - started:.0f} s. "
                "See the terminal."
            ),
        )
        try:
            self._send(status, html)
        finally:
            callback.mark_sent()

    def _send(self, status: int, html: str) -> None:
        body = html.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        # The address of this page holds the grant: never send it on as a Referer.
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


STYLE = (
    "body{font-family:sans-serif;max-width:34rem;margin:4rem auto;color:#222}"
    "h1{font-size:1.4rem}.ok{color:#2ca01c}.failed{color:#b00020}"
)


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>\n"
    )


def success_page(realm_id: str, instance: str, stack: str) -> str:
    return page(
        "QuickBooks connected",
        f'<h1 class="ok" id="result">Connected company {escape(realm_id)}. '
        "You can close this tab.</h1>"
        f"<p>The grant for instance <code>{escape(instance)}</code> is stored encrypted in the "
        f"config of stack <code>{escape(stack)}</code>. Back in the terminal, run "
        f"<code>pulumi preview --diff --stack {escape(stack)}</code>.</p>",
    )


def failure_page(reason: str) -> str:
    return page(
        "QuickBooks not connected",
        '<h1 class="failed" id="result">QuickBooks was not connected.</h1>'
        f"<p>{escape(reason)}</p><p>Nothing was stored. You can close this tab; "
        "the terminal says what to do next.</p>",
    )


def finished_page() -> str:
    return page(
        "Already finished",
        "<h1>This sign-in has already finished.</h1><p>See the terminal.</p>",
    )
