"""Start an emulator subprocess from tests and drive it over HTTP.

    with start_emulator() as emu:
        grant = emu.grant("app-key", "app-secret", "https://app.example/cb")
        emu.api("POST", "/instances", json={...})

Every call goes over real HTTP to ``python -m emulator`` on a free loopback port.
``start_server`` and ``ServerProcess`` (start a server subprocess, wait for its
``listening on`` line, stop it) serve the reference receiver's harness too.
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REALM = "9130350000000001"
DEFAULT_SCOPE = "com.intuit.quickbooks.accounting"
ACCOUNT_LINE = re.compile(r"^account: organization=(\S+) user=(\S+)$")
ADMIN_LINE = re.compile(r"^admin token: (\S+)$")
LISTENING_LINE = re.compile(r"^listening on (http://\S+)$")


class EmulatorError(RuntimeError):
    """The emulator did not start, or a harness step got an unexpected answer."""


class ServerProcess(contextlib.AbstractContextManager):
    """A started server subprocess with an HTTP session for it; also a context manager
    (entering gives the object itself) that stops it. The emulator's and the reference
    receiver's harnesses build on it."""

    def __init__(self, process: subprocess.Popen, base_url: str):
        self.process = process
        self.base_url = base_url
        self.http = requests.Session()
        # Loopback only: a proxy from the environment must never see this traffic.
        self.http.trust_env = False

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_server(
    command: list[str],
    *,
    name: str,
    error: type[Exception],
    env: dict[str, str] | None = None,
    merge_stderr: bool = False,
    keep: int = 200,
    timeout: float = 20.0,
    on_line: Callable[[str], None] = lambda _line: None,
) -> tuple[subprocess.Popen, str, collections.deque[str]]:
    """Start ``command`` in the repository and wait for its ``listening on <url>`` line.

    Each stripped stdout line before that one goes to ``on_line``. Returns the process, the
    URL, and the last ``keep`` lines of its stderr (of all its output with ``merge_stderr``),
    which keep coming for the process's whole life. ``error`` (naming the server ``name``)
    is raised when it exits or is not listening after ``timeout`` seconds.
    """
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        text=True,
        env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str | None] = queue.Queue()
    tail: collections.deque[str] = collections.deque(maxlen=keep)
    # Every pipe is drained for the process's whole life, so it never blocks on a full pipe.
    threading.Thread(
        target=_read_lines,
        args=(process.stdout, lines, tail if merge_stderr else None),
        daemon=True,
    ).start()
    if not merge_stderr:
        threading.Thread(target=tail.extend, args=(process.stderr,), daemon=True).start()

    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            process.kill()
            raise error(f"{name} not listening after {timeout}s") from None
        if line is None:
            process.wait()
            raise error(f"{name} exited with {process.returncode}: {''.join(tail)}")
        line = line.strip()
        if match := LISTENING_LINE.match(line):
            return process, match[1], tail
        on_line(line)


def _read_lines(stream, lines: queue.Queue, tail: collections.deque | None) -> None:
    for line in stream:
        if tail is not None:
            tail.append(line)
        lines.put(line)
    lines.put(None)  # end of output: the process has exited


class Emulator(ServerProcess):
    """A started emulator subprocess; also a context manager that stops it."""

    def __init__(
        self,
        process: subprocess.Popen,
        base_url: str,
        admin_token: str,
        accounts: list[tuple[str, str]],
        stderr_tail: collections.deque,
    ):
        super().__init__(process, base_url)
        self.root_url = base_url[: -len(urlsplit(base_url).path)]
        self.admin_token = admin_token
        self.accounts = accounts
        self._stderr_tail = stderr_tail

    # -- platform API ------------------------------------------------------
    def auth_header(self, account: int = 0) -> dict[str, str]:
        org, user = self.accounts[account]
        return {"Authorization": f"User {user}, Organization {org}"}

    def api(self, method: str, path: str, account: int = 0, **kw: Any) -> requests.Response:
        """A raw call to ``base_url + path`` with the account's auth header."""
        headers = {**self.auth_header(account), **kw.pop("headers", {})}
        kw.setdefault("timeout", 30)
        return self.http.request(method, self.base_url + path, headers=headers, **kw)

    # -- test controls -----------------------------------------------------
    def control(self, method: str, path: str, **kw: Any) -> requests.Response:
        """A call to ``/_emulator<path>`` with the admin token; raises on an error status."""
        kw.setdefault("timeout", 30)
        response = self.http.request(
            method,
            f"{self.root_url}/_emulator{path}",
            headers={"Authorization": f"Bearer {self.admin_token}"},
            **kw,
        )
        if response.status_code >= 400:
            raise EmulatorError(
                f"{method} /_emulator{path}: {response.status_code} {response.text}"
            )
        return response

    def requests(self) -> list[dict]:
        return self.control("GET", "/requests").json()

    def clear_requests(self) -> None:
        self.control("DELETE", "/requests")

    def add_fault(
        self,
        method: str,
        path: str,
        kind: str = "status",
        count: int = 1,
        status: int | None = None,
        retry_after: int | None = None,
        delay_ms: int | None = None,
    ) -> None:
        rule: dict[str, Any] = {"method": method, "path": path, "kind": kind, "count": count}
        optional = {"status": status, "retry_after": retry_after, "delay_ms": delay_ms}
        rule.update({key: value for key, value in optional.items() if value is not None})
        self.control("POST", "/faults", json=rule)

    def faults(self) -> list[dict]:
        return self.control("GET", "/faults").json()

    def clear_faults(self) -> None:
        self.control("DELETE", "/faults")

    def reset(self) -> None:
        """Clear fault rules and the request log (instances stay)."""
        self.control("POST", "/reset")

    def send_event(
        self, instance_id: int, object_type: str, event_type: str = "CREATED", object_id="1"
    ) -> str:
        """Deliver one event to the instance's callback URL; returns the delivery id."""
        body = {"objectType": object_type, "eventType": event_type, "objectId": object_id}
        return self.control("POST", f"/instances/{instance_id}/events", json=body).json()[
            "deliveryId"
        ]

    def delivery(self, delivery_id: str) -> dict:
        return self.control("GET", f"/deliveries/{delivery_id}").json()

    # -- OAuth consent -----------------------------------------------------
    def grant(
        self,
        api_key: str,
        api_secret: str,
        callback_url: str,
        realm_id: str = DEFAULT_REALM,
        oauth1: bool = False,
        deny: bool = False,
    ) -> dict:
        """Run the consent flow as a browser would; return the callback's query params.

        OAuth 2.0 gives ``code``, ``realmId``, ``state``; OAuth 1.0a gives
        ``oauth_token``, ``oauth_verifier``, ``realmId``, ``dataSource``,
        ``state`` plus ``secret`` (the request token secret from step 1, which
        1.0a providerData needs). A denial gives ``error`` and ``state``.
        """
        params = {
            "apiKey": api_key,
            "apiSecret": api_secret,
            "callbackUrl": callback_url,
            "state": secrets.token_urlsafe(8),
        }
        token_secret = None
        if oauth1:
            token = self._get_json("/elements/quickbooks/oauth/token", params)
            params["requestToken"] = token["token"]
            token_secret = token["secret"]
        else:
            params.update({"authentication.type": "oauth2", "scope": DEFAULT_SCOPE})
        consent_url = self._get_json("/elements/quickbooks/oauth/url", params)["oauthUrl"]

        page = self.http.get(consent_url, timeout=30)
        if page.status_code != 200:
            raise EmulatorError(f"consent page: {page.status_code} {page.text}")
        form = ConsentForm.parse(page.text)
        fields = {**form.hidden, "realm_id": realm_id, "decision": "deny" if deny else "authorize"}
        answer = self.http.post(
            urljoin(consent_url, form.action), data=fields, allow_redirects=False, timeout=30
        )
        if answer.status_code != 302:
            raise EmulatorError(f"consent form: {answer.status_code} {answer.text}")
        result = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
        if token_secret is not None and not deny:
            result["secret"] = token_secret
        return result

    def _get_json(self, path: str, params: dict[str, str]) -> dict:
        response = self.http.get(self.base_url + path, params=params, timeout=30)
        if response.status_code != 200:
            raise EmulatorError(f"GET {path}: {response.status_code} {response.text}")
        return response.json()

    # -- lifetime ----------------------------------------------------------
    def stderr(self) -> str:
        """The last lines the emulator wrote to stderr (for failure messages)."""
        return "".join(self._stderr_tail)


class ConsentForm(HTMLParser):
    """The consent page's form action and hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.hidden: dict[str, str] = {}

    @classmethod
    def parse(cls, html: str) -> ConsentForm:
        form = cls()
        form.feed(html)
        if not form.action:
            raise EmulatorError("consent page has no form")
        return form

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and values.get("id") == "consent":
            self.action = values.get("action", "")
        elif tag == "input" and values.get("type") == "hidden":
            self.hidden[values.get("name", "")] = values.get("value", "")


def start_emulator(
    *,
    db: str | os.PathLike | None = None,
    accounts: list[tuple[str, str]] | None = None,
    admin_token: str | None = None,
    latency_ms: int = 0,
    fast_retries: bool = True,
    extra_args: tuple[str, ...] | list[str] = (),
    timeout: float = 20.0,
) -> Emulator:
    """Start ``python -m emulator --port 0`` and wait for its ``listening on`` line."""
    command = [sys.executable, "-m", "emulator", "--port", "0"]
    if db is not None:
        command += ["--db", str(db)]
    for org, user in accounts or []:
        command += ["--account", f"{org}:{user}"]
    if admin_token is not None:
        command += ["--admin-token", admin_token]
    if latency_ms:
        command += ["--latency-ms", str(latency_ms)]
    if fast_retries:
        command.append("--fast-retries")
    command += list(extra_args)

    found_accounts: list[tuple[str, str]] = []
    found_token = admin_token

    def identity(line: str) -> None:
        nonlocal found_token
        if match := ACCOUNT_LINE.match(line):
            found_accounts.append((match[1], match[2]))
        elif match := ADMIN_LINE.match(line):
            found_token = match[1]

    process, base_url, stderr_tail = start_server(
        command, name="emulator", error=EmulatorError, timeout=timeout, on_line=identity
    )
    if found_token is None:
        process.kill()
        raise EmulatorError("emulator printed no admin token")
    return Emulator(process, base_url, found_token, list(accounts or found_accounts), stderr_tail)
