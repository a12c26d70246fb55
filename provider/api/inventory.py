"""The organization's instances, listed once per provider process and shared by every step.

The engine starts one provider process per command and runs it under the stack
lock, so a list taken at the first step that needs it stays true for the rest of
the run, but for what this process itself changes (it records that here). One
`GET /instances` then answers what would cost a GET per instance: refresh, the
ownership check before an update or delete, the lost-create lookup (this stack's
instances, found by their tags), and which company every other instance of the
organization is bound to (the one-company rule, `core.health.bound_to`).

What the list cannot answer falls back to a GET by id: an entry without
`configuration` (the platform's list shape is not documented to carry it), or a
list that pages.

Concurrency: the engine runs a command's steps in parallel threads of this one
process, so creates `record` and deletes `forget` while other steps read. One
discipline: every read and every write of the inventory's state (`_by_id`,
`_stale`, `_created`, `complete`) happens under `self._lock`, and a read hands back
only what it built under the lock (a new list, a copy of the tags). Listed entries
are never changed in place: `record` stores a new one. The first step to need the
list lists under the same lock, so the others wait for it rather than list again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..core.catalog import KEY_REALM
from ..core.health import bound_to

Lister = Callable[[], tuple[list[dict[str, Any]], bool]]


class Inventory:
    def __init__(self, lister: Lister) -> None:
        self._lister = lister
        self._lock = threading.Lock()
        self._by_id: dict[str, dict[str, Any]] | None = None
        self._stale: set[str] = set()  # changed by this process: read by id from now on
        self._created: dict[str, str] = {}  # created by this process -> its company
        self.complete = False

    def _load(self) -> dict[str, dict[str, Any]]:
        """The listed entries by id; only with `self._lock` held."""
        if self._by_id is None:
            found, self.complete = self._lister()
            self._by_id = {str(i["id"]): i for i in found if "id" in i}
        return self._by_id

    def _fresh(self, instance_id: str) -> dict[str, Any] | None:
        """The listed entry, unless this process changed it since; only with the lock."""
        entry = self._load().get(instance_id)
        return None if instance_id in self._stale else entry

    def tags_of(self, instance_id: str) -> list[str] | None:
        """The instance's tags as listed; None when the list does not show it."""
        with self._lock:
            entry = self._fresh(instance_id)
            return None if entry is None else list(entry.get("tags") or [])

    def instance(self, instance_id: str) -> dict[str, Any] | None:
        """The instance as a GET by id would show it, if the list carries all of that."""
        with self._lock:
            entry = self._fresh(instance_id)
        if entry is None or not isinstance(entry.get("configuration"), dict):
            return None
        return entry

    def tagged(self, tag: str) -> list[dict[str, Any]] | None:
        """Listed instances carrying `tag`; None when the list may be partial (pages),
        since "not there" must be certain before a create POSTs."""
        with self._lock:
            entries = self._load()
            if not self.complete:
                return None
            return [
                i
                for key, i in entries.items()
                if key not in self._stale and tag in (i.get("tags") or [])
            ]

    def bound_to(self, realm_id: str, besides: str | None) -> tuple[dict[str, Any] | None, bool]:
        """The authorized instance other than `besides` bound to `realm_id`, if the list
        shows one; and whether the list showed every instance's company."""
        with self._lock:
            entries = [
                {**entry, "configuration": {KEY_REALM: self._created[key]}}
                if key in self._created
                else entry
                for key, entry in self._load().items()
            ]
            complete = self.complete
        certain = complete and all(isinstance(i.get("configuration"), dict) for i in entries)
        return bound_to(entries, realm_id, besides=besides), certain

    def record(self, instance: dict[str, Any], realm_id: str | None) -> None:
        """An instance this process just created for `realm_id`: a later lookup in the run
        finds it (a create answer carries no configuration: reads still GET it)."""
        with self._lock:
            if self._by_id is not None:
                self._by_id[str(instance["id"])] = instance
                if realm_id is not None:
                    self._created[str(instance["id"])] = realm_id

    def forget(self, instance_id: str, *, gone: bool = False) -> None:
        """After this process changed the instance, the listed entry is no longer the
        truth: a later step (rare in one run) reads it by id. Its company still counts
        for the one-company rule until it is `gone` (deleted)."""
        with self._lock:
            if self._by_id is not None and gone:
                self._by_id.pop(instance_id, None)
                self._created.pop(instance_id, None)
            else:
                self._stale.add(instance_id)
