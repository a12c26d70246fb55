"""The client of a started emulator: platform API calls with an account's credentials,
the ``/_emulator`` test controls with the admin token, and OAuth consent.

    with start_emulator() as emu:          # harness.emulator
        grant = emu.grant("app-key", "app-secret", "https://app.example/cb")
        emu.api("POST", "/instances", json={...})
        emu.add_fault("GET", "/instances/*", status=429)
"""

from __future__ import annotations

import collections
import subprocess
from typing import Any
from urllib.parse import urlsplit

import requests

from . import consent
from .process import ServerProcess

# Every control endpoint of the emulator: each needs its admin token.
CONTROL_ENDPOINTS = [
    ("GET", "/requests"),
    ("DELETE", "/requests"),
    ("GET", "/faults"),
    ("POST", "/faults"),
    ("DELETE", "/faults"),
    ("POST", "/reset"),
    ("POST", "/instances/1/events"),
    ("GET", "/deliveries/x"),
    ("POST", "/instances/1/revoke"),
    ("POST", "/instances/1/hide-company"),
    ("POST", "/token-refresh"),
    ("GET", "/instance-tokens"),
]


def queued_where(callback_url: str) -> dict[str, str]:
    """The `where` of the queued deliveries of one callback (devportal tips.md)."""
    return {"where": f"channel='webhook' and status='queued' and config.url='{callback_url}'"}


class EmulatorError(RuntimeError):
    """The emulator did not start, or a control call got an error status."""


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

    def grant(
        self,
        api_key: str,
        api_secret: str,
        callback_url: str,
        realm_id: str = consent.DEFAULT_REALM,
        oauth1: bool = False,
        deny: bool = False,
    ) -> dict:
        """The consent flow as a browser runs it (`harness.consent.grant`)."""
        return consent.grant(
            self.http, self.base_url, api_key, api_secret, callback_url, realm_id, oauth1, deny
        )

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

    def revoke(self, instance_id: int | str) -> dict:
        """The company disconnects the app: every later token refresh of it fails."""
        return self.control("POST", f"/instances/{instance_id}/revoke").json()

    def hide_company(self, instance_id: int | str) -> dict:
        """The instance's configuration no longer shows its company (quickbooks.realm.id)."""
        return self.control("POST", f"/instances/{instance_id}/hide-company").json()

    def token_refresh(self, times: int = 1) -> dict[int, dict]:
        """Run `times` token refresh episodes (one of a revoked instance locks and
        disables it); the last run's outcome per instance id."""
        outcomes: dict[int, dict] = {}
        for _ in range(times):
            summary = self.control("POST", "/token-refresh").json()
            outcomes = {entry["id"]: entry for entry in summary["instances"]}
        return outcomes

    def queued(self, callback_url: str, account: int = 0) -> list[dict]:
        """The platform's queued deliveries for `callback_url` (first page)."""
        answer = self.api(
            "GET",
            "/notifications/subscriptions/deliveries",
            account=account,
            params=queued_where(callback_url),
        )
        answer.raise_for_status()
        return answer.json()

    def events_of(self, instance_id: int | str, account: int = 0) -> list[dict]:
        """The instance's event history (first page), oldest first."""
        answer = self.api("GET", f"/instances/{instance_id}/events", account=account)
        answer.raise_for_status()
        return answer.json()

    def set_failure_policy(self, policy: str, account: int = 0) -> None:
        body = {"notification.webhook.failure.policy": policy}
        self.api("PATCH", "/accounts/settings", account=account, json=body).raise_for_status()

    def instance_tokens(self) -> list[str]:
        """Every instance token the emulator issued, deleted instances' included."""
        return self.control("GET", "/instance-tokens").json()["tokens"]

    # -- lifetime ----------------------------------------------------------
    def stderr(self) -> str:
        """The last lines the emulator wrote to stderr (for failure messages)."""
        return "".join(self._stderr_tail)
