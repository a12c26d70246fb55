"""This stack's instances, listed once per provider process and shared by every step.

The engine starts one provider process per command and runs it under the stack
lock, so a list taken at the first step that needs it stays true for the rest of
the run, but for what this process itself changes (it records that here). One
`GET /instances?tags[]=pulumi:<project>:<stack>` then answers what would cost a
GET per instance: refresh, the ownership check before an update or delete, and
the lost-create lookup.

What the list cannot answer falls back to a GET by id: an instance created before
the stack tag existed (not in the list), an entry without `configuration` (the
platform's list shape is not documented to carry it), or a list that pages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Lister = Callable[[str], tuple[list[dict[str, Any]], bool]]


class Inventory:
    def __init__(self, stack_tag: str, lister: Lister) -> None:
        self.stack_tag = stack_tag
        self._lister = lister
        self._lock = threading.Lock()
        self._by_id: dict[str, dict[str, Any]] | None = None
        self.complete = False

    def _load(self) -> dict[str, dict[str, Any]]:
        # Steps run in parallel threads: the first one lists, the others wait for it.
        with self._lock:
            if self._by_id is None:
                found, self.complete = self._lister(self.stack_tag)
                self._by_id = {str(i["id"]): i for i in found if "id" in i}
            return self._by_id

    def tags_of(self, instance_id: str) -> list[str] | None:
        """The instance's tags as listed; None when the list does not show it."""
        entry = self._load().get(instance_id)
        return None if entry is None else list(entry.get("tags") or [])

    def instance(self, instance_id: str) -> dict[str, Any] | None:
        """The instance as a GET by id would show it, if the list carries all of that."""
        entry = self._load().get(instance_id)
        if entry is None or not isinstance(entry.get("configuration"), dict):
            return None
        return entry

    def tagged(self, tag: str) -> list[dict[str, Any]] | None:
        """Listed instances carrying `tag`; None when the list may be partial (pages),
        since "not there" must be certain before a create POSTs."""
        entries = self._load()
        if not self.complete:
            return None
        return [i for i in entries.values() if tag in (i.get("tags") or [])]

    def record(self, instance: dict[str, Any]) -> None:
        """An instance this process just created: a later lookup in the run finds it."""
        with self._lock:
            if self._by_id is not None:
                self._by_id[str(instance["id"])] = instance

    def forget(self, instance_id: str) -> None:
        """After this process changed or deleted the instance, the listed entry is no
        longer the truth: a later step (rare in one run) reads it by id."""
        with self._lock:
            if self._by_id is not None:
                self._by_id.pop(instance_id, None)
