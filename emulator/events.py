"""Event delivery to an instance's callback URL: signed, in the background, with retries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

from .catalog import ELEMENT_KEY, POLLER_RESOURCES
from .store import Store

MAX_RETRIES = 9
OPERATIONS = {"CREATED": "Create", "UPDATED": "Update", "DELETED": "Delete", "UNKNOWN": "Unknown"}


def signature(key: str, body: bytes) -> str:
    """The Elements-Webhook-Signature value for ``body``."""
    digest = hmac.new(key.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def notification(
    instance_id: int, realm_id: str, object_type: str, event_type: str, object_id: str
) -> dict[str, Any]:
    """One notification as the platform posts it; "raw" mimics QuickBooks' own webhook."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    event = {
        "objectType": object_type,
        "objectId": object_id,
        "date": now,
        "pollDate": now,
        "eventType": event_type,
        "elementKey": ELEMENT_KEY,
        "hubKey": "finance",
    }
    raw = {
        "eventNotifications": [
            {
                "realmId": realm_id,
                "dataChangeEvent": {
                    "entities": [
                        {
                            "name": POLLER_RESOURCES[object_type],
                            "id": object_id,
                            "operation": OPERATIONS[event_type],
                            "lastUpdated": now,
                        }
                    ]
                },
            }
        ]
    }
    return {
        "message": {
            "events": [event],
            "instanceId": instance_id,
            "instance_id": instance_id,
            "raw": raw,
        }
    }


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

    def deliver(self, instance_id: int, url: str, signature_key: str | None, body: dict) -> str:
        delivery_id = str(uuid.uuid4())
        self.store.add_delivery(delivery_id, instance_id)
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

    def stop(self) -> None:
        self._stopping.set()

    def _run(self, delivery_id: str, url: str, raw: bytes, headers: dict[str, str]) -> None:
        for attempt in range(1, MAX_RETRIES + 2):
            delivered = self._attempt(url, raw, headers)
            if delivered or attempt > MAX_RETRIES:
                status = "delivered" if delivered else "failed"
                self.store.update_delivery(delivery_id, status=status, attempts=attempt)
                return
            self.store.update_delivery(delivery_id, status="pending", attempts=attempt)
            if self._stopping.wait(self.unit * 2 ** (attempt - 1)):
                return

    def _attempt(self, url: str, raw: bytes, headers: dict[str, str]) -> bool:
        request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return 200 <= response.status < 300
        except (urllib.error.URLError, OSError, ValueError):
            return False
