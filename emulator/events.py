"""Event delivery to an instance's callback URL: signed, in the background, with retries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from .catalog import ELEMENT_KEY, POLLER_RESOURCES
from .store import Store

MAX_RETRIES = 9
MAX_EVENTS_PER_NOTIFICATION = 10
# The reference receiver (receiver/app.py) answers with this header; any receiver
# may. It is how the dashboard tells "verified" from "accepted without checking".
VERIFIED_HEADER = "X-Signature-Verified"
OPERATIONS = {"CREATED": "Create", "UPDATED": "Update", "DELETED": "Delete", "UNKNOWN": "Unknown"}


def signature(key: str, body: bytes) -> str:
    """The Elements-Webhook-Signature value for ``body``."""
    digest = hmac.new(key.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Change:
    """One change of one QuickBooks object, as the poller found it."""

    object_type: str
    event_type: str
    object_id: str
    date: str | None = None  # when it changed; defaults to the poll time


def timestamp(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def notification(
    instance_id: int, realm_id: str, object_type: str, event_type: str, object_id: str
) -> dict[str, Any]:
    """One notification with one event; "raw" mimics QuickBooks' own webhook."""
    return batch_notification(instance_id, realm_id, [Change(object_type, event_type, object_id)])


def batch_notification(
    instance_id: int, realm_id: str, changes: list[Change], poll_date: str | None = None
) -> dict[str, Any]:
    """One notification carrying ``changes`` (at most 10, as the platform sends them)."""
    if not 1 <= len(changes) <= MAX_EVENTS_PER_NOTIFICATION:
        raise ValueError(f"a notification carries 1 to {MAX_EVENTS_PER_NOTIFICATION} events")
    polled = poll_date or timestamp()
    events = [
        {
            "objectType": change.object_type,
            "objectId": change.object_id,
            "date": change.date or polled,
            "pollDate": polled,
            "eventType": change.event_type,
            "elementKey": ELEMENT_KEY,
            "hubKey": "finance",
        }
        for change in changes
    ]
    entities = [
        {
            "name": POLLER_RESOURCES[change.object_type],
            "id": change.object_id,
            "operation": OPERATIONS[change.event_type],
            "lastUpdated": change.date or polled,
        }
        for change in changes
    ]
    raw = {"eventNotifications": [{"realmId": realm_id, "dataChangeEvent": {"entities": entities}}]}
    return {
        "message": {
            "events": events,
            "instanceId": instance_id,
            "instance_id": instance_id,
            "raw": raw,
        }
    }


@dataclass(frozen=True)
class Attempt:
    delivered: bool
    response_code: int | None  # None: no answer (connection refused, timeout)
    verified: bool | None  # the receiver's X-Signature-Verified, if it sent one


class EventDispatcher:
    def __init__(self, store: Store, fast_retries: bool):
        self.store = store
        # Back-off after the n-th failed attempt is 2**(n-1) units: seconds as
        # on the platform, or milliseconds so tests can watch all 9 retries.
        self.unit = 0.001 if fast_retries else 1.0
        self.timeout = 2.0 if fast_retries else 10.0
        self._stopping = threading.Event()
        # Callbacks are local test servers or the user's own endpoint: never
        # route them through a proxy picked up from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def deliver(
        self,
        instance_id: int,
        url: str,
        signature_key: str | None,
        body: dict,
        source: str = "manual",
    ) -> str:
        delivery_id = str(uuid.uuid4())
        self.store.add_delivery(
            delivery_id,
            instance_id,
            url=url,
            source=source,
            event_count=len(body["message"]["events"]),
            created_at=time.time(),
        )
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Elements-Webhook-Id": delivery_id}
        if signature_key:
            headers["Elements-Webhook-Signature"] = signature(signature_key, raw)
        worker = threading.Thread(
            target=self._run,
            args=(delivery_id, url, raw, headers),
            name=f"delivery-{delivery_id}",
            daemon=True,
        )
        worker.start()
        return delivery_id

    def status(self, delivery_id: str) -> dict[str, Any] | None:
        found = self.store.get_delivery(delivery_id)
        if found is None:
            return None
        status, attempts = found
        return {"deliveryId": delivery_id, "status": status, "attempts": attempts}

    def listing(self, limit: int = 100, instance_id: int | None = None) -> list[dict[str, Any]]:
        """The latest deliveries with their details, newest first."""
        return [
            {
                "deliveryId": record.id,
                "instanceId": record.instance_id,
                "status": record.status,
                "attempts": record.attempts,
                "url": record.url,
                "source": record.source,
                "events": record.event_count,
                "createdAt": record.created_at,
                "finishedAt": record.finished_at,
                "responseCode": record.response_code,
                "verified": record.verified,
            }
            for record in self.store.list_deliveries(limit, instance_id)
        ]

    def stop(self) -> None:
        self._stopping.set()

    def _run(self, delivery_id: str, url: str, raw: bytes, headers: dict[str, str]) -> None:
        for attempt in range(1, MAX_RETRIES + 2):
            result = self._attempt(url, raw, headers)
            details = asdict(result)
            del details["delivered"]
            if result.delivered or attempt > MAX_RETRIES:
                status = "delivered" if result.delivered else "failed"
                self.store.update_delivery(
                    delivery_id, status=status, attempts=attempt, finished_at=time.time(), **details
                )
                return
            self.store.update_delivery(delivery_id, status="pending", attempts=attempt, **details)
            if self._stopping.wait(self.unit * 2 ** (attempt - 1)):
                return

    def _attempt(self, url: str, raw: bytes, headers: dict[str, str]) -> Attempt:
        request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return Attempt(
                    200 <= response.status < 300, response.status, _verified(response.headers)
                )
        except urllib.error.HTTPError as error:
            return Attempt(False, error.code, _verified(error.headers))
        except (urllib.error.URLError, OSError, ValueError):
            return Attempt(False, None, None)


def _verified(headers) -> bool | None:
    value = (headers.get(VERIFIED_HEADER) or "").strip().lower() if headers else ""
    return {"true": True, "false": False}.get(value)
