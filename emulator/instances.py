"""The instance resource: create, replace, patch, read, delete, enable, configuration entries.

Takes typed arguments (built by schemas.py from the request) and returns stored
records; the routes render them. Raises the service's errors (exceptions.py).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from . import configuration as config_rules
from .catalog import ELEMENT_KEY
from .configuration import REALM_KEY
from .exceptions import BadRequest, NotFound
from .health import Health
from .oauth import OAuth
from .records import InstanceRecord
from .schemas import GrantClaim, InstanceChanges, NewInstance
from .store import Store

# What the platform strips from a name on create and update (churros instances.js,
# "should sanitize element instance name on create and update").
HTML_TAG = re.compile(r"<[^>]*>")


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def realm_of(record: InstanceRecord) -> str:
    """The QuickBooks company the instance is bound to."""
    assert record.realm_id is not None, "only QuickBooks instances are bound to a company"
    return record.realm_id


def sanitized(name: str | None) -> str | None:
    """The name without HTML tags; a 400 when nothing is left (the sources are silent)."""
    if name is None:
        return None
    kept = HTML_TAG.sub("", name)
    if not kept.strip():
        raise BadRequest("name is empty once its HTML tags are removed")
    return kept


def is_quickbooks(record: InstanceRecord) -> bool:
    return record.element_key == ELEMENT_KEY


class Instances:
    def __init__(self, store: Store, oauth: OAuth, health: Health):
        self.store = store
        self.oauth = oauth
        self.health = health

    def create(self, account_id: int, instance: NewInstance) -> InstanceRecord:
        name = sanitized(instance.name) or ""
        configuration = config_rules.keep_masked_secrets(instance.configuration, {})
        config_rules.validate_for(instance.element_key, configuration)
        if instance.element_key != ELEMENT_KEY:
            no_grant(instance.element_key, instance.grant)
            return self._insert(account_id, instance, name, configuration, None)
        if instance.grant is None:
            raise BadRequest(
                "providerData is required: the OAuth grant that the consent flow returned"
            )
        with self.store.transaction():
            # Inside the transaction: a refused company rolls the spent grant back.
            realm_id = self.oauth.redeem(instance.grant, configuration)
            configuration = {
                **self._from_client(config_rules.strip_realm(configuration, realm_id)),
                REALM_KEY: realm_id,
                **config_rules.platform_keys(realm_id, now_ms()),
            }
            record = self._insert(account_id, instance, name, configuration, realm_id)
            self.health.authorized(record)
            return self.get(account_id, record.id)

    def _insert(
        self,
        account_id: int,
        instance: NewInstance,
        name: str,
        configuration: dict[str, str],
        realm_id: str | None,
    ) -> InstanceRecord:
        instance_id = self.store.insert_instance(
            account_id=account_id,
            name=name,
            token=secrets.token_urlsafe(32),
            tags=instance.tags,
            created_date=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            configuration=configuration,
            element_key=instance.element_key,
            realm_id=realm_id,
        )
        return self.get(account_id, instance_id)

    def replace(self, account_id: int, instance_id: int, instance: NewInstance) -> InstanceRecord:
        with self.store.transaction():
            record = self.get(account_id, instance_id)
            same_element(record, instance.element_key)
            configuration = self._incoming(instance.configuration, record)
            config_rules.validate_for(record.element_key, configuration)
            self._reauthorize(record, instance.grant, configuration)
            self.store.update_instance(
                instance_id, name=sanitized(instance.name), tags=instance.tags
            )
            self.store.write_configuration(instance_id, self._kept(record, configuration))
            return self.get(account_id, instance_id)

    def patch(self, account_id: int, instance_id: int, changes: InstanceChanges) -> InstanceRecord:
        with self.store.transaction():
            record = self.get(account_id, instance_id)
            same_element(record, changes.element_key)
            configuration = dict(record.configuration)
            if changes.configuration is not None:
                configuration.update(self._incoming(changes.configuration, record))
                config_rules.validate_for(record.element_key, configuration)
            self._reauthorize(record, changes.grant, configuration)
            self.store.update_instance(instance_id, name=sanitized(changes.name), tags=changes.tags)
            self.store.write_configuration(instance_id, configuration)
            return self.get(account_id, instance_id)

    def _reauthorize(
        self, record: InstanceRecord, grant: GrantClaim | None, configuration: dict[str, str]
    ) -> None:
        if grant is None:
            return
        if not is_quickbooks(record):
            no_grant(record.element_key, grant)
        self.oauth.redeem(grant, configuration, realm_of(record))
        self.health.authorized(record)

    def _incoming(self, configuration: dict[str, str], record: InstanceRecord) -> dict[str, str]:
        """Configuration sent for an existing instance, masks resolved, the company checked."""
        configuration = config_rules.keep_masked_secrets(configuration, record.configuration)
        if not is_quickbooks(record):
            return configuration
        return self._from_client(config_rules.strip_realm(configuration, realm_of(record)))

    @staticmethod
    def _from_client(configuration: dict[str, str]) -> dict[str, str]:
        """What a client sent, without the platform's own keys (never the client's)."""
        return {k: v for k, v in configuration.items() if k not in config_rules.PLATFORM_KEYS}

    @staticmethod
    def _kept(record: InstanceRecord, configuration: dict[str, str]) -> dict[str, str]:
        """A replaced configuration, keeping the platform's own keys and showing the
        company where it showed it."""
        owned = (REALM_KEY, *config_rules.PLATFORM_KEYS)
        kept = {k: v for k, v in record.configuration.items() if k in owned}
        return {**configuration, **kept}

    def hide_company(self, instance_id: int) -> InstanceRecord:
        """A test control: the instance stays bound to its company, but its configuration
        no longer shows it (whether every platform instance shows quickbooks.realm.id is
        in no source: a client must cope with one that does not)."""
        with self.store.transaction():
            record = self.store.get_instance(instance_id)
            if record is None:
                raise NotFound(f"No instance found with id {instance_id}")
            if not is_quickbooks(record):
                raise BadRequest(f"Instance {instance_id} is a {record.element_key} instance")
            configuration = dict(record.configuration)
            configuration.pop(REALM_KEY, None)
            self.store.write_configuration(instance_id, configuration)
            return self.store.get_instance(instance_id) or record

    def get(self, account_id: int, instance_id: int) -> InstanceRecord:
        # Another organization's instance is reported exactly like a missing one.
        record = self.store.get_instance(instance_id, account_id)
        if record is None:
            raise NotFound(f"No instance found with id {instance_id}")
        return record

    def search(
        self, account_id: int, tags: list[str], search_text: str | None
    ) -> list[InstanceRecord]:
        found = [
            record
            for record in self.store.list_instances(account_id)
            if set(tags) <= set(record.tags)
            and (not search_text or search_text.lower() in record.name.lower())
        ]
        return found

    def delete(self, account_id: int, instance_id: int) -> None:
        with self.store.transaction():
            self.get(account_id, instance_id)
            self.store.delete_instance(instance_id)

    def set_disabled(self, account_id: int, instance_id: int, disabled: bool) -> InstanceRecord:
        with self.store.transaction():
            self.get(account_id, instance_id)
            self.store.update_instance(instance_id, disabled=disabled)
            return self.get(account_id, instance_id)

    def configuration_entries(
        self, account_id: int, instance_id: int
    ) -> list[tuple[int, str, str]]:
        """``(entry id, key, value)`` of every configuration key, in entry-id order."""
        with self.store.transaction():
            self.get(account_id, instance_id)
            return self.store.configuration_entries(instance_id)

    def configuration_key(self, account_id: int, instance_id: int, entry_id: int) -> str:
        """The key of configuration entry ``entry_id``; 404 when the instance has none."""
        entries = self.configuration_entries(account_id, instance_id)
        keys = {eid: key for eid, key, _ in entries}
        if entry_id not in keys:
            raise NotFound(f"No configuration entry {entry_id} on instance {instance_id}")
        return keys[entry_id]

    def set_configuration_value(
        self, account_id: int, instance_id: int, entry_id: int, value: str
    ) -> tuple[int, str, str]:
        with self.store.transaction():
            record = self.get(account_id, instance_id)
            key = self.configuration_key(account_id, instance_id, entry_id)
            changed = self._incoming({key: value}, record)
            configuration = {**record.configuration, **changed}
            config_rules.validate_for(record.element_key, configuration)
            self.store.write_configuration(instance_id, configuration)
            return entry_id, key, configuration[key]


def same_element(record: InstanceRecord, element_key: str | None) -> None:
    """An instance keeps its element (the platform's clone switch has no clone here)."""
    if element_key is not None and element_key != record.element_key:
        raise BadRequest(
            f"element: instance {record.id} is a {record.element_key} instance; "
            f"it cannot become a {element_key} one"
        )


def no_grant(element_key: str, grant: GrantClaim | None) -> None:
    if grant is not None:
        raise BadRequest(
            f"providerData: a {element_key} instance authenticates with its configuration "
            "(basic authentication), not with an OAuth grant"
        )
