"""Helpers of the events tests."""

from __future__ import annotations

from tests.emulator.emulator_support import create_instance, events_configuration


def events_instance(
    emu, receiver, path: str, resources: str, *, key: str = "", minutes: int = 0, **kw
) -> int:
    """A new instance (its id) whose events for the polled `resources` go to `path` on the
    receiver, signed with `key` and polled every `minutes` when given; `kw` as for
    `create_instance` (a name, say)."""
    extra = {}
    if key:
        extra["event.notification.signature.key"] = key
    if minutes:
        extra["event.poller.refresh_interval"] = str(minutes)
    config = events_configuration(receiver.url(path), resources, extra)
    return create_instance(emu, config=config, **kw)["id"]


def deliveries_of(emu, instance_id: int) -> list[dict]:
    """The emulator's deliveries to one instance."""
    return emu.control("GET", "/deliveries", params={"instanceId": instance_id}).json()
