"""A reference receiver for QuickBooks events (FastAPI), the one the `local` stack points at.

Every POST, on any path, is checked with ``receiver.signature``:

- signed with a key in force: 200, and the delivery is kept;
- unsigned or badly signed: 401, kept too (marked not verified) so you can see it;
- signed, but not the documented shape: 400;
- a body over ``max_body_bytes`` (1 MiB by default): 413, answered on the
  Content-Length alone or as soon as a chunked body passes the limit. An unsigned
  delivery gets its 401 without its body being read at all.

Every answer carries ``X-Signature-Verified: true|false``, which is how the
emulator's dashboard learns whether the receiver accepted the signature.
``GET /deliveries`` lists the last ``keep`` deliveries, oldest first;
``DELETE /deliveries`` forgets them.

The platform delivers at least once: a retry, or a redelivery of queued events,
sends the same ``message.eventId`` again. A verified notification is processed
once per ``eventId`` (``Processed``); a repeat is answered 200 (so the platform
stops sending it) with ``"duplicate": true`` and not processed again.
``GET /processed`` lists what was processed, oldest first. A team's own receiver
follows the same order: verify, skip a seen eventId, process, then answer 2xx; and
keeps its seen ids where its processing commits (this one keeps them in memory).
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .limits import DEFAULT_MAX_BODY_BYTES, BodyTooLarge, check_declared_length, read_capped
from .signature import (
    ID_HEADER,
    SIGNATURE_HEADER,
    NotificationError,
    SignatureError,
    check_header,
    parse_notification,
    verify,
)

VERIFIED_HEADER = "X-Signature-Verified"


@dataclass
class Delivery:
    """What the receiver saw of one POST (a retry is a new entry with the same id)."""

    delivery_id: str | None
    path: str
    received_at: float  # seconds since the epoch
    status: int  # what the receiver answered
    verified: bool
    key_index: int | None  # which key in force verified it (0 = the first given)
    error: str | None
    instance_id: int | None = None
    events: list[dict[str, str]] = field(default_factory=list)
    event_id: str | None = None  # message.eventId
    duplicate: bool = False  # an eventId already processed: acknowledged, not processed


@dataclass
class ProcessedEvent:
    """One notification processed: the first delivery of its eventId."""

    event_id: str | None
    instance_id: int
    delivery_id: str | None
    processed_at: float
    events: list[dict[str, str]]


class Processed:
    """Each eventId processed once: the check and the record are one step, so two
    concurrent deliveries of the same event cannot both be processed."""

    def __init__(self, remember: int = 100_000):
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._entries: collections.deque[ProcessedEvent] = collections.deque(maxlen=remember)
        self._remember = remember
        self._lock = threading.Lock()

    def first_time(self, entry: ProcessedEvent) -> bool:
        """Records `entry` unless its eventId was processed already; whether it was new."""
        with self._lock:
            if entry.event_id is not None:
                if entry.event_id in self._seen:
                    return False
                self._seen[entry.event_id] = None
                if len(self._seen) > self._remember:
                    self._seen.popitem(last=False)
            self._entries.append(entry)
            return True

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(entry) for entry in self._entries]


class DeliveryLog:
    def __init__(self, keep: int):
        self._entries: collections.deque[Delivery] = collections.deque(maxlen=keep)
        self._lock = threading.Lock()

    def add(self, delivery: Delivery) -> None:
        with self._lock:
            self._entries.append(delivery)

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(entry) for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def create_app(
    keys: Sequence[str],
    keep: int = 100,
    on_delivery: Callable[[Delivery], None] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    if not keys:
        raise ValueError("the receiver needs at least one signature key")
    keys = list(keys)
    log = DeliveryLog(keep)
    processed = Processed()
    app = FastAPI(title="QuickBooks events receiver (reference)")
    app.state.deliveries = log
    app.state.processed = processed

    @app.get("/processed")
    def processed_events() -> list[dict[str, Any]]:
        return processed.listing()

    @app.get("/deliveries")
    def deliveries() -> list[dict[str, Any]]:
        return log.listing()

    @app.delete("/deliveries")
    def forget() -> dict[str, Any]:
        log.clear()
        return {}

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"ok": True, "keys": len(keys)}

    @app.post("/{path:path}")
    async def receive(path: str, request: Request) -> JSONResponse:
        delivery = Delivery(
            delivery_id=request.headers.get(ID_HEADER),
            path="/" + path,
            received_at=time.time(),
            status=200,
            verified=False,
            key_index=None,
            error=None,
        )
        signature = request.headers.get(SIGNATURE_HEADER)
        try:
            # What needs no body first: a refused delivery is never read into memory.
            check_declared_length(request, max_body_bytes)
            check_header(signature)
            raw = await read_capped(request, max_body_bytes)
            delivery.key_index = verify(raw, signature, keys)
            delivery.verified = True
            notification = parse_notification(raw, delivery.delivery_id)
        except BodyTooLarge as exc:
            delivery.status, delivery.error = 413, str(exc)
        except SignatureError as exc:
            delivery.status, delivery.error = 401, str(exc)
        except NotificationError as exc:
            delivery.status, delivery.error = 400, str(exc)
        else:
            delivery.instance_id = notification.instance_id
            delivery.event_id = notification.event_id
            delivery.events = [
                {
                    "objectType": event.object_type,
                    "objectId": event.object_id,
                    "eventType": event.event_type,
                }
                for event in notification.events
            ]
            entry = ProcessedEvent(
                notification.event_id,
                notification.instance_id,
                delivery.delivery_id,
                time.time(),
                delivery.events,
            )
            delivery.duplicate = not processed.first_time(entry)
        log.add(delivery)
        if on_delivery is not None:
            on_delivery(delivery)
        body: dict[str, Any] = {"verified": delivery.verified}
        if delivery.error:
            body["error"] = delivery.error
        else:
            body["events"] = len(delivery.events)
            body["duplicate"] = delivery.duplicate
        return JSONResponse(
            body,
            status_code=delivery.status,
            headers={VERIFIED_HEADER: "true" if delivery.verified else "false"},
        )

    return app


def describe(delivery: Delivery, key_count: int) -> str:
    """One line for the receiver's terminal; never a key or a body."""
    what = f"delivery {delivery.delivery_id or '-'} POST {delivery.path} -> {delivery.status}"
    if not delivery.verified:
        return f"{what} REJECTED: {delivery.error}"
    key = f"key {delivery.key_index + 1}/{key_count}" if delivery.key_index is not None else ""
    if delivery.error:
        return f"{what} signature verified ({key}) but {delivery.error}"
    events = ", ".join(
        f"{e['objectType']} {e['eventType']} {e['objectId']}" for e in delivery.events
    )
    count = len(delivery.events)
    if delivery.duplicate:
        return f"{what} signature verified ({key}), event {delivery.event_id} already processed"
    return (
        f"{what} signature verified ({key}), instance {delivery.instance_id}, "
        f"event {delivery.event_id or '-'}, {count} event{'s' if count != 1 else ''}: {events}"
    )
