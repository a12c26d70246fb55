"""Verify an ``Elements-Webhook-Signature`` and parse the notification into typed events.

Standard library only, so an application can vendor this one file::

    from receiver.signature import verify_notification

    raw = request.body()                                   # the bytes as received
    header = request.headers.get("Elements-Webhook-Signature")
    notification = verify_notification(raw, header, [new_key, old_key])  # raises on failure
    for event in notification.events:
        print(event.object_type, event.event_type, event.object_id)

The signature is ``sha256=<base64 of HMAC-SHA256(key, raw body)>``. Verify the raw
bytes before parsing them: re-serialized JSON does not verify. Several keys may
be given while a key is being rotated; any one of them verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SIGNATURE_HEADER = "Elements-Webhook-Signature"
ID_HEADER = "Elements-Webhook-Id"
PREFIX = "sha256="
EVENT_TYPES = ("CREATED", "UPDATED", "DELETED", "UNKNOWN")

Key = str | bytes


class SignatureError(Exception):
    """The notification is not proven to come from the platform. Answer 401.

    Messages never contain a key, the expected signature or the body.
    """


class MissingSignature(SignatureError):
    """No ``Elements-Webhook-Signature`` header (the instance has no signature key?)."""


class MalformedSignature(SignatureError):
    """The header is not ``sha256=<base64>``."""


class BadSignature(SignatureError):
    """Well-formed, but no key in force produced it: wrong key, or a changed body."""


class NotificationError(ValueError):
    """The (verified) body is not the documented notification shape. Answer 400."""


@dataclass(frozen=True)
class Event:
    """One change of one QuickBooks object."""

    object_type: str  # the poller resource, e.g. "invoices"
    object_id: str
    event_type: str  # CREATED | UPDATED | DELETED | UNKNOWN
    date: datetime | None  # when the object changed
    poll_date: datetime | None  # when the platform noticed
    element_key: str
    hub_key: str | None = None


@dataclass(frozen=True)
class Notification:
    """One delivery: up to 10 events of one instance."""

    instance_id: int
    events: tuple[Event, ...]
    raw: dict[str, Any] = field(default_factory=dict)  # the vendor's own payload, as sent
    delivery_id: str | None = None  # the Elements-Webhook-Id header; the same on retries
    # message.eventId: unique per notification, the same on every retry and redelivery
    # (the platform delivers at least once): what a receiver deduplicates by.
    event_id: str | None = None


def sign(key: Key, raw_body: bytes) -> str:
    """The header value the platform sends for ``raw_body`` signed with ``key``."""
    digest = hmac.new(_as_bytes(key), raw_body, hashlib.sha256).digest()
    return PREFIX + base64.b64encode(digest).decode("ascii")


def check_header(header_value: str | None) -> bytes:
    """The signature header's text, once it has the ``sha256=<base64>`` form; raises
    MissingSignature or MalformedSignature. Needs no body, so a receiver can refuse
    an unsigned delivery before reading it."""
    if header_value is None or header_value == "":
        raise MissingSignature(f"no {SIGNATURE_HEADER} header: the notification is unsigned")
    if not isinstance(header_value, str) or not header_value.startswith(PREFIX):
        raise MalformedSignature(f"{SIGNATURE_HEADER} must look like 'sha256=<base64>'")
    try:
        received = header_value.encode("ascii")
        base64.b64decode(received[len(PREFIX) :], validate=True)
    except (UnicodeEncodeError, ValueError):
        raise MalformedSignature(f"{SIGNATURE_HEADER} must look like 'sha256=<base64>'") from None
    return received


def verify(raw_body: bytes, header_value: str | None, keys: Key | Iterable[Key]) -> int:
    """Check the signature against every key; return the index of the key that matched.

    ``keys`` is one key or several (during a rotation: the new key and the old
    one). Each comparison is constant-time (``hmac.compare_digest``) and every key
    is tried, so the time taken does not tell which key, if any, matched.
    Raises MissingSignature, MalformedSignature or BadSignature; ValueError when
    no key is given at all (a configuration mistake, not a bad request).
    """
    candidates = _key_list(keys)
    received = check_header(header_value)
    matched = -1
    for index, key in enumerate(candidates):
        # The exact header text is compared, not the decoded digest: base64 has
        # several spellings of the same bytes, and only the canonical one is valid.
        expected = sign(key, raw_body).encode("ascii")
        if hmac.compare_digest(expected, received) and matched < 0:
            matched = index
    if matched < 0:
        raise BadSignature(
            f"{SIGNATURE_HEADER} does not match the body under any of the "
            f"{len(candidates)} key(s) in force"
        )
    return matched


def parse_notification(raw_body: bytes, delivery_id: str | None = None) -> Notification:
    """The documented ``{"message": {"events": [...], "instanceId", "raw"}}`` shape, typed."""
    try:
        document = json.loads(raw_body)
    except (UnicodeDecodeError, ValueError):
        raise NotificationError("the body is not JSON") from None
    message = document.get("message") if isinstance(document, dict) else None
    if not isinstance(message, dict):
        raise NotificationError("the body has no 'message' object")
    instance_id = message.get("instanceId", message.get("instance_id"))
    if isinstance(instance_id, str) and instance_id.isdigit():
        instance_id = int(instance_id)
    if not isinstance(instance_id, int) or isinstance(instance_id, bool):
        raise NotificationError("message.instanceId must be an integer")
    events = message.get("events")
    if not isinstance(events, list):
        raise NotificationError("message.events must be a list")
    raw = message.get("raw")
    event_id = message.get("eventId")
    if event_id is not None and (not isinstance(event_id, str | int) or event_id == ""):
        raise NotificationError("message.eventId must be a non-empty string")
    return Notification(
        instance_id=instance_id,
        events=tuple(_event(item, index) for index, item in enumerate(events)),
        raw=raw if isinstance(raw, dict) else {},
        delivery_id=delivery_id,
        event_id=None if event_id is None else str(event_id),
    )


def verify_notification(
    raw_body: bytes,
    header_value: str | None,
    keys: Key | Iterable[Key],
    delivery_id: str | None = None,
) -> Notification:
    """``verify`` then ``parse_notification``: the one call a receiver needs."""
    verify(raw_body, header_value, keys)
    return parse_notification(raw_body, delivery_id)


def _event(item: Any, index: int) -> Event:
    where = f"message.events[{index}]"
    if not isinstance(item, dict):
        raise NotificationError(f"{where} must be an object")
    for name in ("objectType", "eventType", "elementKey"):
        if not isinstance(item.get(name), str) or not item[name]:
            raise NotificationError(f"{where}.{name} must be a non-empty string")
    if item["eventType"] not in EVENT_TYPES:
        raise NotificationError(f"{where}.eventType must be one of {', '.join(EVENT_TYPES)}")
    object_id = item.get("objectId")
    if isinstance(object_id, bool) or not isinstance(object_id, str | int):
        raise NotificationError(f"{where}.objectId must be a string or an integer")
    hub_key = item.get("hubKey")
    return Event(
        object_type=item["objectType"],
        object_id=str(object_id),
        event_type=item["eventType"],
        date=_timestamp(item.get("date"), f"{where}.date"),
        poll_date=_timestamp(item.get("pollDate"), f"{where}.pollDate"),
        element_key=item["elementKey"],
        hub_key=hub_key if isinstance(hub_key, str) else None,
    )


def _timestamp(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    raise NotificationError(f"{where} must be an ISO-8601 timestamp")


def _as_bytes(key: Key) -> bytes:
    if isinstance(key, bytes):
        return key
    if isinstance(key, str):
        return key.encode("utf-8")
    raise TypeError("a signature key must be str or bytes")


def _key_list(keys: Key | Iterable[Key]) -> Sequence[Key]:
    found = [keys] if isinstance(keys, str | bytes) else list(keys)
    if not found or any(not _as_bytes(key) for key in found):
        raise ValueError("no signature key given: pass the key(s) the instance is configured with")
    return found
