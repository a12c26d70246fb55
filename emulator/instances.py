"""The instance resource: create, replace, patch, read, delete, enable, configuration entries.

Takes typed arguments (built by schemas.py from the request) and returns stored
records; the routes render them. Raises the service's errors (exceptions.py).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from . import configuration as config_rules
from .configuration import REALM_KEY
from .exceptions import BadRequest, NotFound
from .health import Health
from .oauth import OAuth
from .records import InstanceRecord
from .schemas import InstanceChanges, NewInstance
from .store import Store


def realm_of(record: InstanceRecord) -> str:
    """The company the instance is bound to, kept as its read-only realmId key."""
    return record.configuration[REALM_KEY]


class Instances:
    def __init__(self, store: Store, oauth: OAuth, health: Health):
        self.store = store
        self.oauth = oauth
        self.health = health

    def create(self, account_id: int, instance: NewInstance) -> InstanceRecord:
        configuration = config_rules.keep_masked_secrets(instance.configuration, {})
        config_rules.validate(configuration)
        if instance.grant is None:
            raise BadRequest(
                "providerData is required: the OAuth grant that the consent flow returned"
            )
        with self.store.transaction():
            # Inside the transaction: a refused realmId rolls the spent grant back.
            realm_id = self.oauth.redeem(instance.grant, configuration)
            configuration = config_rules.strip_realm(configuration, realm_id)
            instance_id = self.store.insert_instance(
                account_id=account_id,
                name=instance.name,
                token=secrets.token_urlsafe(32),
                tags=instance.tags,
                created_date=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                configuration={**configuration, REALM_KEY: realm_id},
            )
            self.health.authorized(self.get(account_id, instance_id))
            return self.get(account_id, instance_id)

    def replace(self, account_id: int, instance_id: int, instance: NewInstance) -> InstanceRecord:
        with self.store.transaction():
            record = self.get(account_id, instance_id)
            configuration = self._incoming(instance.configuration, record)
            config_rules.validate(configuration)
            if instance.grant is not None:
                self.oauth.redeem(instance.grant, configuration, realm_of(record))
                self.health.authorized(record)
            self.store.update_instance(instance_id, name=instance.name, tags=instance.tags)
            self.store.write_configuration(
                instance_id, {**configuration, REALM_KEY: realm_of(record)}
            )
            return self.get(account_id, instance_id)

    def patch(self, account_id: int, instance_id: int, changes: InstanceChanges) -> InstanceRecord:
        with self.store.transaction():
            record = self.get(account_id, instance_id)
            configuration = dict(record.configuration)
            if changes.configuration is not None:
                configuration.update(self._incoming(changes.configuration, record))
                config_rules.validate(configuration)
            if changes.grant is not None:
                self.oauth.redeem(changes.grant, configuration, realm_of(record))
                self.health.authorized(record)
            self.store.update_instance(instance_id, name=changes.name, tags=changes.tags)
            self.store.write_configuration(instance_id, configuration)
            return self.get(account_id, instance_id)

    def _incoming(self, configuration: dict[str, str], record: InstanceRecord) -> dict[str, str]:
        """Configuration sent for an existing instance, masks resolved, realmId checked."""
        configuration = config_rules.keep_masked_secrets(configuration, record.configuration)
        return config_rules.strip_realm(configuration, realm_of(record))

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
            config_rules.validate(configuration)
            self.store.write_configuration(instance_id, configuration)
            return entry_id, key, configuration[key]
