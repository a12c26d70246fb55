"""What one provider process shares across the engine's steps: its settings, one HTTP
client, the inventory of the organization's instances, and which resource declared
which QuickBooks company.

The engine runs steps in parallel threads of one process (one process per command,
under the stack lock), so everything here is built lazily, once, under a lock: one
client means one redactor that learns every resource's secrets and one call counter.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.catalog import (
    KEY_EVENT_CALLBACK,
    KEY_EVENTS_ENABLED,
    KEY_REALM,
    KEY_SUBSCRIPTION,
    element_of,
    is_quickbooks,
)
from ..core.declaration import SpecBase as InstanceSpec
from ..core.health import EventFlow
from ..core.ownership import not_quickbooks
from ..errors import InstanceNotFound, ProvisioningError
from . import settings as s
from .event_queue import EventQueue
from .inventory import Inventory
from .settings import ProviderSettings

if TYPE_CHECKING:
    from .client import CloudElementsClient


def print_warning(message: str) -> None:
    """A warning the user sees in the CLI output.

    The dynamic-provider host has no engine connection for diagnostics, but the
    engine prints every line a provider plugin writes to stderr; `pulumi.log`
    would write the same line there, at a cost of importing the runtime."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


class Session:
    def __init__(
        self, settings: ProviderSettings, warn: Callable[[str], None] = print_warning
    ) -> None:
        self.settings = settings
        self._show = warn  # how the front-end shows a warning (ownership, release, health)
        self._said: set[str] = set()
        self._client: CloudElementsClient | None = None
        self._inventory: Inventory | None = None
        self._event_queue: EventQueue | None = None
        self._claims: dict[str, str] = {}  # QuickBooks company -> the resource declaring it
        self._foreign: set[str] = set()  # ids a read found to be another element's
        self._lock = threading.Lock()

    def warn(self, message: str) -> None:
        """Shows `message` once per process: a refresh that runs the program both reads
        and diffs a resource, and each would say the same."""
        with self._lock:
            if message in self._said:
                return
            self._said.add(message)
        self._show(message)

    @property
    def fingerprint_key(self) -> str:
        """Fingerprints of write-only secrets are keyed by the organization secret."""
        self.settings.require(s.ORGANIZATION_SECRET)
        return self.settings.organization_secret or ""

    def client(self) -> CloudElementsClient:
        with self._lock:
            if self._client is None:
                self._client = self._new_client()
            return self._client

    def _new_client(self) -> CloudElementsClient:
        # Imported on first use: `requests` takes ~0.1 s to import, and neither the
        # program (which only declares resources) nor check/diff ever needs it.
        from .client import CloudElementsClient

        self.settings.require(*s.API_SETTINGS)
        return CloudElementsClient.from_settings(self.settings)

    def inventory(self) -> Inventory:
        """The organization's instances, listed once."""
        client = self.client()
        with self._lock:
            if self._inventory is None:
                self._inventory = Inventory(client.list_instances)
            return self._inventory

    def event_flow(self, instance: dict[str, Any]) -> EventFlow | None:
        """What the platform holds back of the instance's events (None: events off), from
        the one list of queued deliveries per process."""
        config = instance.get("configuration") or {}
        if str(config.get(KEY_EVENTS_ENABLED, instance.get("eventsEnabled"))).lower() != "true":
            return None
        client = self.client()
        with self._lock:
            if self._event_queue is None:
                self._event_queue = EventQueue(client.queued_deliveries)
            queue = self._event_queue
        return queue.flow(config.get(KEY_SUBSCRIPTION), config.get(KEY_EVENT_CALLBACK))

    def forget(self, instance_id: str, *, gone: bool = False) -> None:
        self.inventory().forget(instance_id, gone=gone)

    def claim_company(self, realm_id: str, ownership_tag: str) -> str | None:
        """Remembers that the resource `ownership_tag` declares `realm_id`; returns the
        other resource of the run that declared it first, if any. The engine checks
        every resource of a run in this one process; a repeated check, or the check of
        a replacement, comes with the same ownership tag and claims nothing new."""
        with self._lock:
            first = self._claims.setdefault(realm_id, ownership_tag)
        return None if first == ownership_tag else first

    def instance_now(self, instance_id: str) -> dict[str, Any] | None:
        """The instance as a GET shows it, from the inventory where it can. None: gone,
        or (said once) an instance of another element, which is never this provider's."""
        listed = self.inventory().instance(instance_id)
        if listed is not None:
            return listed
        try:
            instance = self.client().get_instance(instance_id)
        except InstanceNotFound:
            return None
        if not is_quickbooks(instance):
            with self._lock:
                self._foreign.add(instance_id)
            self.warn(f"left untouched: {not_quickbooks(instance_id, element_of(instance))}")
            return None
        return instance

    def is_foreign(self, instance_id: str) -> bool:
        """Whether a read found `instance_id` to be another element's instance."""
        with self._lock:
            return instance_id in self._foreign

    def tags_now(self, instance_id: str) -> list[str] | None:
        """The instance's tags (None: gone), from the inventory where it can."""
        tags = self.inventory().tags_of(instance_id)
        if tags is None:
            instance = self.instance_now(instance_id)
            if instance is None:
                return None
            tags = instance.get("tags") or []
        return [t for t in tags if isinstance(t, str)]

    def find_owned(self, spec: InstanceSpec, fresh: bool = False) -> dict[str, Any] | None:
        """This resource's instance from an earlier attempt whose answer was lost, if one
        exists: from the inventory, or (`fresh`: after a failed POST, when the inventory
        is older than it) a lookup by the ownership tag, every page of it.

        An owned instance bound to another QuickBooks company is the one being
        replaced (a replace creates first, then deletes): not a twin to adopt.
        """
        client = self.client()
        if fresh:
            listed = client.find_instances(spec.ownership_tag)
        else:
            listed = self.inventory().tagged(spec.ownership_tag)
        twins = []
        for found in listed:
            instance = found
            if not isinstance(found.get("configuration"), dict):
                instance = client.get_instance(str(found["id"]))
            realm = (instance.get("configuration") or {}).get(KEY_REALM)
            if spec.realm_id is None or realm in (None, spec.realm_id):
                twins.append(instance)
        if len(twins) > 1:
            ids = ", ".join(str(i["id"]) for i in twins)
            raise ProvisioningError(
                f"instances {ids} all carry the ownership tag {spec.ownership_tag!r}; "
                "delete the extra ones (or set adopt_id to the one to keep) and run again"
            )
        return twins[0] if twins else None

    def record_created(self, spec: InstanceSpec, created: dict[str, Any]) -> None:
        self.inventory().record({k: v for k, v in created.items() if k != "token"}, spec.realm_id)
