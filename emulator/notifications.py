"""What the platform shows of events and deliveries: the event history (churros
platform/events), the subscription deliveries (churros platform/notifications,
devportal tips.md) and the account's failure policy.

One delivery row (delivery_rows.py) is one notification: its event in the history
and its delivery to the instance's subscription.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from .delivery_rows import DELIVERED, PENDING
from .exceptions import BadRequest, NotFound
from .records import DeliveryRecord
from .store import Store
from .subscription_rows import FAILURE_POLICIES, Subscription

POLICY_KEY = "notification.webhook.failure.policy"
CHANNEL = "webhook"

# The history's statuses (churros event.schema.json: NEW, RECEIVED, DISPATCHED,
# CONSUMED, NOTIFIED). The emulator shows NEW before the first push, DISPATCHED
# while it is retried or queued, NOTIFIED once delivered.
NEW, DISPATCHED, NOTIFIED = "NEW", "DISPATCHED", "NOTIFIED"


def event_status(record: DeliveryRecord) -> str:
    if record.status == DELIVERED:
        return NOTIFIED
    return NEW if record.status == PENDING and not record.attempts else DISPATCHED


def delivery_status(record: DeliveryRecord) -> str:
    """The delivery's status as the platform names it (churros delivery.schema.json:
    created, delivered, notified, retry, queued)."""
    if record.status == PENDING:
        return "retry" if record.attempts else "created"
    return record.status


def _date(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _body(record: DeliveryRecord) -> dict[str, Any]:
    return json.loads(record.body or "{}")


def render_event(record: DeliveryRecord) -> dict[str, Any]:
    message = _body(record).get("message") or {}
    return {
        "id": record.event_id,
        "elementInstanceId": record.instance_id,
        "eventDate": _date(record.created_at),
        "status": event_status(record),
        "providerData": json.dumps(message.get("raw") or {}),
        "notifiedData": [message] if record.status == DELIVERED else [],
    }


def render_subscription(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "channel": CHANNEL,
        "topics": [f"instance-{subscription.instance_id}-events"],
        "config": {"url": subscription.url},
        "elementInstanceId": subscription.instance_id,
        "active": subscription.active,
    }


def render_delivery(record: DeliveryRecord, subscription: Subscription | None) -> dict[str, Any]:
    return {
        "notificationId": record.number,
        "subscriptionId": record.subscription_id,
        "eventId": record.event_id,
        "status": delivery_status(record),
        "createdDate": _date(record.created_at),
        "updatedDate": _date(record.updated_at),
        "notification": _body(record),
        "subscription": render_subscription(subscription) if subscription else None,
    }


class Notifications:
    def __init__(self, store: Store):
        self.store = store

    def history(self, account_id: int, instance_id: int | None = None) -> list[DeliveryRecord]:
        """Every event of the account's instances (or of one), oldest first."""
        ids = [record.id for record in self.store.list_instances(account_id)]
        if instance_id is not None:
            if instance_id not in ids:
                raise NotFound(f"No instance found with id {instance_id}")
            ids = [instance_id]
        return self.store.events_of(ids)

    def event(self, account_id: int, event_id: str, instance_id: int | None = None):
        for record in self.history(account_id, instance_id):
            if record.event_id == event_id:
                return record
        raise NotFound(f"No event found with id {event_id}")

    def subscriptions(self, account_id: int, where: dict[str, str]) -> list[Subscription]:
        """The account's webhook subscriptions the `where` clauses select."""
        if where.get("channel", CHANNEL) != CHANNEL:
            return []
        found = []
        for record in self.store.list_instances(account_id):
            subscription = self.store.subscription_of(record.id)
            if subscription is None:
                continue
            if "config.url" in where and subscription.url != where["config.url"]:
                continue
            if "subscriptionId" in where and str(subscription.id) != where["subscriptionId"]:
                continue
            found.append(subscription)
        return found

    def deliveries(
        self, account_id: int, where: dict[str, str]
    ) -> list[tuple[DeliveryRecord, Subscription]]:
        """The deliveries of the selected subscriptions, oldest first."""
        subscriptions = {s.id: s for s in self.subscriptions(account_id, where)}
        records = self.store.events_of([s.instance_id for s in subscriptions.values()])
        wanted = where.get("status")
        return [
            (record, subscriptions[record.subscription_id])
            for record in records
            if record.subscription_id in subscriptions
            and (wanted is None or delivery_status(record) == wanted)
        ]

    def subscription_notes(self) -> dict[int, str]:
        """Per instance of every organization: its subscription's state in a few words
        (the dashboard's): `active`, `deactivated (N queued)` or `active (N queued)`."""
        notes = {}
        for record in self.store.all_instances():
            subscription = self.store.subscription_of(record.id)
            if subscription is None:
                continue
            queued = len(self.store.queued_deliveries([subscription.id]))
            state = "active" if subscription.active else "deactivated"
            notes[record.id] = f"{state} ({queued} queued)" if queued else state
        return notes

    def settings(self, account_id: int) -> dict[str, str]:
        return {POLICY_KEY: self.store.failure_policy(account_id)}

    def change_settings(self, account_id: int, body: dict[str, Any]) -> dict[str, str]:
        policy = body.get(POLICY_KEY)
        unknown = sorted(set(body) - {POLICY_KEY})
        if unknown:
            raise BadRequest(f"Unknown account setting {unknown[0]!r}; known: {POLICY_KEY}")
        if policy not in FAILURE_POLICIES:
            raise BadRequest(f"{POLICY_KEY} must be one of {', '.join(FAILURE_POLICIES)}")
        self.store.set_failure_policy(account_id, policy)
        return self.settings(account_id)
