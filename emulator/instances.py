"""The instance resource: create, replace, patch, read, delete, enable, and its JSON shape."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from . import configuration as config_rules
from .catalog import ELEMENT, ELEMENT_KEY
from .configuration import REALM_KEY
from .errors import bad_request, not_found
from .oauth import OAuth
from .schemas import ConfigurationValue, InstanceBody, InstancePatch, parse
from .store import InstanceRecord, Store


def render(record: InstanceRecord, *, with_token: bool = False, with_configuration: bool = True):
    """The instance as the API shows it; secrets masked, the token only on create."""
    body: dict[str, Any] = {"id": record.id, "name": record.name}
    if with_token:
        body["token"] = record.token
    body.update(
        {
            "element": dict(ELEMENT),
            "provisionInteractions": [],
            "valid": True,
            "disabled": record.disabled,
            "maxCacheSize": 0,
            "cacheTimeToLive": 0,
            "cachingEnabled": False,
            "eventsEnabled": config_rules.events_enabled(record.configuration),
            "traceLoggingEnabled": False,
            "createdDate": record.created_date,
            "tags": list(record.tags),
        }
    )
    if with_configuration:
        body["configuration"] = config_rules.masked(record.configuration)
    return body


def realm_of(record: InstanceRecord) -> str:
    """The company the instance is bound to, kept as its read-only realmId key."""
    return record.configuration[REALM_KEY]


def check_element(key: str) -> None:
    if key != ELEMENT_KEY:
        raise bad_request(f"Unknown element key {key!r}: this platform serves only {ELEMENT_KEY!r}")


class Instances:
    def __init__(self, store: Store, oauth: OAuth):
        self.store = store
        self.oauth = oauth

    def create(self, account_id: int, data: Any) -> dict[str, Any]:
        body = parse(InstanceBody, data)
        check_element(body.element.key)
        configuration = config_rules.require_strings(body.configuration)
        configuration = config_rules.keep_masked_secrets(configuration, {})
        config_rules.validate(configuration)
        if body.providerData is None:
            raise bad_request(
                "providerData is required: the OAuth grant that the consent flow returned"
            )
        with self.store.transaction():
            # Inside the transaction: a refused realmId rolls the spent grant back.
            realm_id = self.oauth.redeem(body.providerData, configuration)
            configuration = config_rules.strip_realm(configuration, realm_id)
            instance_id = self.store.insert_instance(
                account_id=account_id,
                name=body.name,
                token=secrets.token_urlsafe(32),
                tags=body.tags,
                created_date=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                configuration={**configuration, REALM_KEY: realm_id},
            )
            record = self.store.get_instance(instance_id)
        assert record is not None
        return render(record, with_token=True, with_configuration=False)

    def replace(self, account_id: int, instance_id: int, data: Any) -> dict[str, Any]:
        with self.store.transaction():
            record = self.get(account_id, instance_id)
            body = parse(InstanceBody, data)
            check_element(body.element.key)
            configuration = self._incoming(body.configuration, record)
            config_rules.validate(configuration)
            if body.providerData is not None:
                self.oauth.redeem(body.providerData, configuration, realm_of(record))
            self.store.update_instance(instance_id, name=body.name, tags=body.tags)
            self.store.write_configuration(
                instance_id, {**configuration, REALM_KEY: realm_of(record)}
            )
            return self.read(account_id, instance_id)

    def patch(self, account_id: int, instance_id: int, data: Any) -> dict[str, Any]:
        with self.store.transaction():
            record = self.get(account_id, instance_id)
            body = parse(InstancePatch, data)
            configuration = dict(record.configuration)
            if body.configuration is not None:
                configuration.update(self._incoming(body.configuration, record))
                config_rules.validate(configuration)
            if body.providerData is not None:
                self.oauth.redeem(body.providerData, configuration, realm_of(record))
            self.store.update_instance(instance_id, name=body.name, tags=body.tags)
            self.store.write_configuration(instance_id, configuration)
            return self.read(account_id, instance_id)

    def _incoming(self, raw: Any, record: InstanceRecord) -> dict[str, str]:
        """Configuration sent for an existing instance, masks resolved, realmId checked."""
        configuration = config_rules.require_strings(raw)
        configuration = config_rules.keep_masked_secrets(configuration, record.configuration)
        return config_rules.strip_realm(configuration, realm_of(record))

    def get(self, account_id: int, instance_id: int) -> InstanceRecord:
        # Another organization's instance is reported exactly like a missing one.
        record = self.store.get_instance(instance_id, account_id)
        if record is None:
            raise not_found(f"No instance found with id {instance_id}")
        return record

    def read(self, account_id: int, instance_id: int) -> dict[str, Any]:
        return render(self.get(account_id, instance_id))

    def search(self, account_id: int, tags: list[str], search_text: str | None) -> list[dict]:
        found = [
            render(record)
            for record in self.store.list_instances(account_id)
            if set(tags) <= set(record.tags)
            and (not search_text or search_text.lower() in record.name.lower())
        ]
        if not found:
            raise not_found("No instances found")
        return found

    def delete(self, account_id: int, instance_id: int) -> None:
        with self.store.transaction():
            self.get(account_id, instance_id)
            self.store.delete_instance(instance_id)

    def set_disabled(self, account_id: int, instance_id: int, disabled: bool) -> dict[str, Any]:
        with self.store.transaction():
            self.get(account_id, instance_id)
            self.store.update_instance(instance_id, disabled=disabled)
            return self.read(account_id, instance_id)

    def configuration_entries(self, account_id: int, instance_id: int) -> list[dict[str, Any]]:
        with self.store.transaction():
            self.get(account_id, instance_id)
            return [
                _entry(entry_id, key, value)
                for entry_id, key, value in self.store.configuration_entries(instance_id)
            ]

    def set_configuration_value(
        self, account_id: int, instance_id: int, entry_id: int, data: Any
    ) -> dict[str, Any]:
        with self.store.transaction():
            record = self.get(account_id, instance_id)
            keys = {eid: key for eid, key, _ in self.store.configuration_entries(instance_id)}
            if entry_id not in keys:
                raise not_found(f"No configuration entry {entry_id} on instance {instance_id}")
            key = keys[entry_id]
            entry = parse(ConfigurationValue, data)
            if entry.id is not None and entry.id != entry_id:
                raise bad_request(
                    f"id {entry.id} in the body contradicts configuration entry {entry_id} "
                    "in the path"
                )
            if entry.key is not None and entry.key != key:
                raise bad_request(
                    f"key {entry.key!r} in the body contradicts configuration entry {entry_id}, "
                    f"which is {key!r}"
                )
            value = entry.propertyValue
            changed = self._incoming({key: value}, record)
            configuration = {**record.configuration, **changed}
            config_rules.validate(configuration)
            self.store.write_configuration(instance_id, configuration)
            return _entry(entry_id, key, configuration[key])


def _entry(entry_id: int, key: str, value: str) -> dict[str, Any]:
    return {
        "id": entry_id,
        "key": key,
        "propertyValue": config_rules.MASK if config_rules.is_secret(key) else value,
    }
