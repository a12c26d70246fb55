"""Event delivery to an instance's callback URL: signed, in the background, retried on
the platform's schedule, then queued."""

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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .catalog import ELEMENT_KEY, POLLER_RESOURCES
from .configuration import SIGNATURE_KEY
from .delivery_rows import DELIVERED, PENDING, QUEUED
from .records import DeliveryRecord
from .schedule import RETRIES, retry_at, scale_of
from .store import Store
from .subscription_rows import QUEUE, RETRY, Subscription

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


def with_event_ids(body: dict) -> tuple[str, dict]:
    """The notification with its unique `message.eventId` and an id per event inside
    (`<eventId>-<n>`); a redelivery sends the same ids again (at least once)."""
    event_id = str(uuid.uuid4())
    message = {**body["message"], "eventId": event_id}
    message["events"] = [
        {**event, "id": f"{event_id}-{n}"} for n, event in enumerate(message["events"], 1)
    ]
    return event_id, {**body, "message": message}


class EventDispatcher:
    """Pushes notifications to subscriptions as the platform does (schedule.py): a
    failed push is retried 9 times, the x-th 4^x seconds after the first failure;
    then the subscription is deactivated and the delivery, like every later one,
    queued until a PUT of the queued deliveries. With the account's failure policy
    `queue`, a failed push is queued at once."""

    def __init__(self, store: Store, fast_retries: bool):
        self.store = store
        self.scale = scale_of(fast_retries)  # real seconds per platform second
        self.timeout = 2.0 if fast_retries else 10.0
        self._stopping = threading.Event()
        # Callbacks are local test servers or the user's own endpoint: never
        # route them through a proxy picked up from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def deliver(self, instance_id: int, url: str, body: dict, source: str = "manual") -> str:
        delivery_id = str(uuid.uuid4())
        event_id, body = with_event_ids(body)
        with self.store.transaction():
            subscription = self.store.subscription(self.store.subscribe(instance_id, url))
            assert subscription is not None
            # A deactivated subscription pushes nothing: the event waits, queued.
            status = PENDING if subscription.active else QUEUED
            self.store.add_delivery(
                delivery_id,
                instance_id,
                url=url,
                source=source,
                event_count=len(body["message"]["events"]),
                created_at=time.time(),
                event_id=event_id,
                subscription_id=subscription.id,
                body=json.dumps(body),
                status=status,
            )
        if status == PENDING:
            worker = threading.Thread(
                target=self._run,
                args=(delivery_id, instance_id, subscription.id, url, json.dumps(body).encode()),
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
                "eventId": record.event_id,
                "instanceId": record.instance_id,
                "subscriptionId": record.subscription_id,
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

    def redeliver(self, subscriptions: list[Subscription]) -> list[DeliveryRecord]:
        """The PUT of the queued deliveries: reactivates `subscriptions` and pushes each of
        their queued deliveries once, oldest first, to the subscription's URL. When a
        callback still fails, its remaining deliveries stay queued and (policy `retry`)
        its subscription deactivated: it is past its retry window already."""
        for subscription in subscriptions:
            self.store.set_subscription_active(subscription.id, True)
        queued = self.store.queued_deliveries([s.id for s in subscriptions])
        urls = {s.id: s.url for s in subscriptions}
        still_failing: set[int] = set()
        for record in queued:
            sub = record.subscription_id or 0
            if sub in still_failing:
                continue
            raw = (record.body or "{}").encode()
            headers = self._headers(record.id, record.instance_id, raw)
            result = self._attempt(urls[sub], raw, headers)
            attempts = record.attempts + 1
            if result.delivered:
                self._finish(record.id, DELIVERED, attempts, result)
                continue
            still_failing.add(sub)
            self._finish(record.id, QUEUED, attempts, result)
            if self._policy(record.instance_id) == RETRY:
                self.store.set_subscription_active(sub, False)
        return [self.store.delivery_record(record.id) or record for record in queued]

    def stop(self) -> None:
        self._stopping.set()

    def _run(
        self, delivery_id: str, instance_id: int, subscription_id: int, url: str, raw: bytes
    ) -> None:
        first_failure = 0.0
        for attempt in range(1, RETRIES + 2):
            result = self._attempt(url, raw, self._headers(delivery_id, instance_id, raw))
            if result.delivered:
                self._finish(delivery_id, DELIVERED, attempt, result)
                return
            retry = attempt  # the number of the retry that would come next
            if retry == 1:
                first_failure = time.monotonic()
            if retry > RETRIES:
                # All 9 retries failed: the subscription is deactivated, this delivery
                # and every later one queued (tips.md, "Retry Logic").
                self.store.set_subscription_active(subscription_id, False)
                self._finish(delivery_id, QUEUED, attempt, result)
                return
            if self._policy(instance_id) == QUEUE:
                self._finish(delivery_id, QUEUED, attempt, result)
                return
            self._record_attempt(delivery_id, PENDING, attempt, result)
            wait = first_failure + retry_at(retry) * self.scale - time.monotonic()
            if self._stopping.wait(max(0.0, wait)):
                return
            subscription = self.store.subscription(subscription_id)
            if subscription is None or not subscription.active:
                # Another delivery spent its retries meanwhile: no more pushes.
                self._finish(delivery_id, QUEUED, attempt, result)
                return

    def _policy(self, instance_id: int) -> str:
        record = self.store.get_instance(instance_id)
        return self.store.failure_policy(record.account_id) if record else QUEUE

    def _headers(self, delivery_id: str, instance_id: int, raw: bytes) -> dict[str, str]:
        """Signed with the instance's key as it is now (a redelivery after a key change
        is signed with the new one)."""
        headers = {"Content-Type": "application/json", "Elements-Webhook-Id": delivery_id}
        record = self.store.get_instance(instance_id)
        key = record.configuration.get(SIGNATURE_KEY.name) if record else None
        if key:
            headers["Elements-Webhook-Signature"] = signature(key, raw)
        return headers

    def _record_attempt(
        self, delivery_id: str, status: str, attempts: int, result: Attempt, finished=False
    ) -> None:
        self.store.update_delivery(
            delivery_id,
            status=status,
            attempts=attempts,
            response_code=result.response_code,
            verified=result.verified,
            finished_at=time.time() if finished else None,
        )

    def _finish(self, delivery_id: str, status: str, attempts: int, result: Attempt) -> None:
        self._record_attempt(delivery_id, status, attempts, result, finished=True)

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
