"""Events from the outside world: a manual trigger, and a simulated company that the poller watches.

The platform polls each events-enabled instance every
``event.poller.refresh_interval`` minutes and delivers the changes it finds in
the *polled* resources (``event.poller.urls``), at most 10 events per
notification. With ``--simulate-activity`` the emulator does the same against a
simulated QuickBooks company in which something changes in every resource
(polled or not) between two polls; ``--poll-seconds-per-minute`` says how long
one minute of the refresh interval lasts (60 = real time; tests use a fraction).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import configuration as config_rules
from .catalog import ELEMENT_KEY, POLLER_RESOURCES
from .events import (
    MAX_EVENTS_PER_NOTIFICATION,
    Change,
    EventDispatcher,
    batch_notification,
    timestamp,
)
from .exceptions import BadRequest, NotFound
from .instances import realm_of
from .records import InstanceRecord
from .store import Store

# The docs do not give the platform's default refresh interval; the emulator uses this.
DEFAULT_REFRESH_MINUTES = 15


def deliverable(record: InstanceRecord) -> str | None:
    """Why the instance delivers no events, or None when it does."""
    if record.element_key != ELEMENT_KEY:
        return f"Instance {record.id} is a {record.element_key} instance: events are QuickBooks'"
    if not config_rules.events_enabled(record.configuration):
        return f"Events are not enabled on instance {record.id}"
    if record.disabled:
        return f"Instance {record.id} is disabled: it delivers no events"
    if not record.valid:
        return (
            f"Instance {record.id} lost its authorization ({record.auth_lost}): "
            "it delivers no events until it is re-authorized"
        )
    return None


def trigger_event(
    store: Store,
    events: EventDispatcher,
    instance_id: int,
    object_type: str,
    event_type: str,
    object_id: str,
    source: str = "manual",
) -> str:
    """Deliver one event now, under the same rules as the poller; returns the delivery id."""
    record = store.get_instance(instance_id)
    if record is None:
        raise NotFound(f"No instance found with id {instance_id}")
    reason = deliverable(record)
    if reason:
        raise BadRequest(reason)
    polled = config_rules.poller_resources(record.configuration)
    if object_type not in polled:
        raise BadRequest(
            f"objectType {object_type!r} is not polled by instance {instance_id}; "
            f"polled: {'|'.join(polled)}"
        )
    return _deliver(events, record, [Change(object_type, event_type, object_id)], source)


def refresh_seconds(record: InstanceRecord, seconds_per_minute: float) -> float:
    interval = record.configuration.get(config_rules.REFRESH_INTERVAL.name, "")
    minutes = int(interval) if interval.isdigit() and int(interval) > 0 else DEFAULT_REFRESH_MINUTES
    return minutes * seconds_per_minute


@dataclass
class SimulatedCompany:
    """The QuickBooks company behind one instance: objects that get created and changed."""

    next_id: Callable[[], int] = field(default_factory=lambda: itertools.count(1001).__next__)
    existing: dict[str, list[str]] = field(default_factory=dict)
    turn: int = 0

    def activity(self, changes_per_resource: int) -> list[Change]:
        """What happened in every resource since the last poll, polled or not."""
        changes = []
        for resource in POLLER_RESOURCES:
            for _ in range(changes_per_resource):
                changes.append(self._change(resource))
        self.turn += 1
        return changes

    def _change(self, resource: str) -> Change:
        objects = self.existing.setdefault(resource, [])
        step = (self.turn + len(objects)) % 4
        if not objects or step == 0:
            object_id = str(self.next_id())
            objects.append(object_id)
            return Change(resource, "CREATED", object_id)
        if step == 3 and len(objects) > 1:
            return Change(resource, "DELETED", objects.pop(0))
        return Change(resource, "UPDATED", objects[-1])


class ActivitySimulator:
    """A background poller over simulated companies; started only with --simulate-activity."""

    def __init__(
        self,
        store: Store,
        events: EventDispatcher,
        seconds_per_minute: float = 60.0,
        changes_per_resource: int = 1,
    ):
        self.store = store
        self.events = events
        self.seconds_per_minute = seconds_per_minute
        self.changes_per_resource = changes_per_resource
        self._companies: dict[int, SimulatedCompany] = {}
        self._last_poll: dict[int, float] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # Often enough to honour a sped-up interval, rarely enough to cost nothing.
        self.tick = min(1.0, max(0.02, seconds_per_minute / 20))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="activity", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stopping.wait(self.tick):
            try:
                self.poll_due(time.monotonic())
            except Exception:  # noqa: BLE001 - e.g. the store closing at shutdown
                if self._stopping.is_set():
                    return
                raise

    def poll_due(self, now: float) -> list[str]:
        """Poll every instance whose refresh interval has passed; returns the delivery ids."""
        delivered: list[str] = []
        seen = set()
        for record in self.store.all_instances():
            if deliverable(record) is not None:
                continue  # off or disabled: no polling, and nothing saved up for later
            seen.add(record.id)
            last = self._last_poll.setdefault(record.id, now)
            if now - last < refresh_seconds(record, self.seconds_per_minute):
                continue
            self._last_poll[record.id] = now
            company = self._companies.setdefault(record.id, SimulatedCompany())
            polled = set(config_rules.poller_resources(record.configuration))
            found = [
                c for c in company.activity(self.changes_per_resource) if c.object_type in polled
            ]
            # One poll, one pollDate: every notification a poll splits into carries the
            # same one, even when the batches go out across a millisecond boundary.
            polled_at = timestamp()
            for start in range(0, len(found), MAX_EVENTS_PER_NOTIFICATION):
                batch = found[start : start + MAX_EVENTS_PER_NOTIFICATION]
                delivered.append(_deliver(self.events, record, batch, "activity", polled_at))
        for gone in set(self._last_poll) - seen:
            del self._last_poll[gone]  # polling restarts from scratch when events come back
        return delivered


def _deliver(
    events: EventDispatcher,
    record: InstanceRecord,
    changes: list[Change],
    source: str,
    polled_at: str | None = None,
) -> str:
    configuration = record.configuration
    return events.deliver(
        record.id,
        configuration[config_rules.EVENT_CALLBACK_URL.name],
        batch_notification(record.id, realm_of(record), changes, polled_at or timestamp()),
        source=source,
    )
