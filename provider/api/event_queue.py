"""The organization's queued event deliveries, listed once per provider process.

A webhook subscription whose callback failed through all 9 retries is deactivated
and its later events are queued, not pushed; with the account's failure policy
`queue`, a failed push is queued at once. Either way the instance still looks
valid and enabled: only `GET /notifications/subscriptions/deliveries` (where
status is `queued`) shows it. One list (all its pages) serves every resource of a
run, as the instance inventory does; it is taken only when an instance with events
on is read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..core.health import EventFlow

Lister = Callable[[], list[dict[str, Any]]]


def _subscription_of(delivery: dict[str, Any]) -> dict[str, Any]:
    found = delivery.get("subscription")
    return found if isinstance(found, dict) else {}


class EventQueue:
    def __init__(self, lister: Lister) -> None:
        self._lister = lister
        self._lock = threading.Lock()
        self._deliveries: list[dict[str, Any]] | None = None

    def _load(self) -> list[dict[str, Any]]:
        with self._lock:
            if self._deliveries is None:
                self._deliveries = self._lister()
            return self._deliveries

    def flow(self, subscription_id: str | None, callback: str | None) -> EventFlow:
        """What is held back for the instance whose subscription is `subscription_id`
        (or, where the instance does not show its subscription, for its callback)."""
        mine = [
            d
            for d in self._load()
            if (
                str(d.get("subscriptionId")) == subscription_id
                if subscription_id
                else (_subscription_of(d).get("config") or {}).get("url") == callback
            )
        ]
        # A subscription that shows no `active` flag and still queues past its retries
        # is taken as deactivated (the default policy, `retry`, queues only then).
        deactivated = any(_subscription_of(d).get("active") is not True for d in mine)
        return EventFlow(len(mine), deactivated)
