"""The organization's QuickBooks instances, listed once per provider process and shared
by every step.

The engine starts one provider process per command and runs it under the stack
lock, so a list taken at the first step that needs it stays true for the rest of
the run, but for what this process itself changes (it records that here). One paged
list (`client.list_instances`: every page of the QuickBooks element's instances, never
a partial one) then answers what would cost a GET per instance: refresh, the
ownership check before an update or delete, the lost-create lookup (this stack's
instances, found by their tags), and which company every other QuickBooks instance of
the organization is bound to (the one-company rule, `core.health.bound_to`).
Instances of the organization's other elements are not in it: the provider never
reads, counts or touches them.

An entry without `configuration` (a list shape the sources do not promise) still
answers ownership; a read of it falls back to a GET by id, and its company is unknown.

Every access to the shared entries holds the one lock (steps run in parallel threads).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..core.catalog import KEY_REALM
from ..core.health import bound_to, unknown_company

Lister = Callable[[], list[dict[str, Any]]]


class Inventory:
    def __init__(self, lister: Lister) -> None:
        self._lister = lister
        self._lock = threading.Lock()
        self._by_id: dict[str, dict[str, Any]] | None = None
        self._stale: set[str] = set()  # changed by this process: read by id from now on
        self._created: dict[str, str] = {}  # created by this process -> its company
        self._recorded: set[str] = set()  # created by this process

    def _entries(self) -> dict[str, dict[str, Any]]:
        """The listed entries; the caller holds the lock. The first step lists, the
        others wait for it on the lock."""
        if self._by_id is None:
            self._by_id = {str(i["id"]): i for i in self._lister() if "id" in i}
        return self._by_id

    def tags_of(self, instance_id: str) -> list[str] | None:
        """The instance's tags as listed; None when the list does not show it."""
        entry = self._fresh(instance_id)
        return None if entry is None else list(entry.get("tags") or [])

    def instance(self, instance_id: str) -> dict[str, Any] | None:
        """The instance as a GET by id would show it, if the list carries all of that."""
        entry = self._fresh(instance_id)
        if entry is None or not isinstance(entry.get("configuration"), dict):
            return None
        with self._lock:
            # What this process created is read back by id: its answer predates the
            # calls that followed it (an enable or disable call, a PATCH).
            return None if instance_id in self._recorded else entry

    def _fresh(self, instance_id: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries().get(instance_id)
            return None if instance_id in self._stale else entry

    def tagged(self, tag: str) -> list[dict[str, Any]]:
        """Listed instances carrying `tag` (the list is whole: "not there" is certain)."""
        with self._lock:
            return [
                i
                for key, i in self._entries().items()
                if key not in self._stale and tag in (i.get("tags") or [])
            ]

    def bound_to(
        self, realm_id: str, besides: str | None
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The authorized instance other than `besides` bound to `realm_id`, if any; and
        the authorized instances whose company cannot be read (unknown, never free)."""
        with self._lock:
            entries = [
                {**entry, "configuration": {KEY_REALM: self._created[key]}}
                if key in self._created
                else entry
                for key, entry in self._entries().items()
            ]
        return bound_to(entries, realm_id, besides=besides), unknown_company(entries, besides)

    def record(self, instance: dict[str, Any], realm_id: str | None) -> None:
        """An instance this process just created for `realm_id`: a later lookup in the run
        finds it, bound to that company whatever its answer showed."""
        with self._lock:
            if self._by_id is not None:
                self._by_id[str(instance["id"])] = instance
                self._recorded.add(str(instance["id"]))
                if realm_id is not None:
                    self._created[str(instance["id"])] = realm_id

    def forget(self, instance_id: str, *, gone: bool = False) -> None:
        """After this process changed the instance, the listed entry is no longer the
        truth: a later step (rare in one run) reads it by id. Its company still counts
        for the one-company rule until it is `gone` (deleted)."""
        with self._lock:
            if self._by_id is not None and gone:
                self._by_id.pop(instance_id, None)
            else:
                self._stale.add(instance_id)
