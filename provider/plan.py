"""Desired spec vs observed outputs -> what changes, what forces a replace, what to send.

Pure functions, no I/O: `diff`, `create` and `update` all plan through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .catalog import (
    ELEMENT_KEY,
    KEY_API_KEY,
    KEY_API_SECRET,
    KEY_APP_CALLBACK,
    KEY_AUTH_TYPE,
    KEY_EVENT_CALLBACK,
    KEY_EVENTS_ENABLED,
    KEY_POLL_INTERVAL,
    KEY_POLLER_URLS,
    KEY_REALM,
    KEY_SCOPE,
    KEY_SIGNATURE,
    KEY_VENDOR_TYPE,
    OAUTH2_SCOPE,
)
from .fingerprint import fingerprint
from .spec import InstanceSpec, OAuth2Grant

# Compared field -> the input property a user sees in the preview.
INPUT_OF = {
    "name": "name",
    "tags": "tags",
    "ownership_tag": "tags",
    "callback_url": "callback_url",
    "events_enabled": "events_enabled",
    "poller_resources": "poller_resources",
    "poll_interval_minutes": "poll_interval_minutes",
    "event_vendor_type": "event_vendor_type",
    "extra_configuration": "extra_configuration",
    "signature_key_fingerprint": "signature_key",
    "oauth_fingerprint": "oauth",
    "realm_id": "oauth",
    "adopt_id": "adopt_id",
    "on_delete": "on_delete",
}
# Another QuickBooks company, or another instance to adopt, is another resource.
REPLACING = frozenset({"realm_id", "adopt_id"})


@dataclass(frozen=True)
class Plan:
    changed: tuple[str, ...] = ()  # compared fields that differ
    replaces: tuple[str, ...] = ()  # input properties that force a replace
    patch: dict[str, Any] = field(default_factory=dict)

    @property
    def changes(self) -> tuple[str, ...]:
        return tuple(sorted({INPUT_OF[f] for f in self.changed}))

    @property
    def has_changes(self) -> bool:
        return bool(self.changed)


def desired_view(spec: InstanceSpec, fingerprint_key: str) -> dict[str, Any]:
    """The comparable desired state, keyed like outputs. None means "not managed":
    an input left unset never fights a value set elsewhere."""
    view = spec.outputs_view()
    view.update(
        ownership_tag=spec.ownership_tag,
        realm_id=spec.realm_id,
        signature_key_fingerprint=fingerprint(fingerprint_key, spec.signature_key),
        oauth_fingerprint=oauth_fingerprint(spec, fingerprint_key),
        adopt_id=spec.adopt_id,
    )
    if not spec.events_enabled and spec.callback_url is None:
        view["callback_url"] = None
    return view


def _observed_view(desired: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    observed = {k: old.get(k) for k in desired}
    # Only the extra keys the spec manages are compared (removing one from the
    # spec stops managing it; the platform's own keys are not drift).
    extra = old.get("extra_configuration") or {}
    observed["extra_configuration"] = {
        k: extra[k] for k in desired.get("extra_configuration", {}) if k in extra
    }
    # States written before `on_delete` existed meant "delete".
    if "on_delete" in observed and observed["on_delete"] is None:
        observed["on_delete"] = "delete"
    # Adopting the instance that is already this resource's is no change.
    adopt_id = desired.get("adopt_id")
    if adopt_id is not None and adopt_id in (old.get("instance_id"), old.get("adopt_id")):
        observed["adopt_id"] = desired["adopt_id"]
    return observed


def _identical(a: Any, b: Any) -> bool:
    """Equal value for value, in the same order; numbers equal across int and float
    (gRPC turns 5 into 5.0), but never a bool and a number (DeepDiff tells those
    apart inside lists). Where this holds, DeepDiff below reports no change."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_identical(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_identical, a, b))
    return a == b


def changed_fields(observed: dict[str, Any], desired: dict[str, Any]) -> tuple[str, ...]:
    """The keys of `desired` whose value differs in `observed`, as DeepDiff (ignoring
    order and int/float) judges them.

    Nothing differs in almost every diff (each preview and up diffs every resource,
    one at a time, and DeepDiff costs ~2 ms a call over the whole view). So DeepDiff
    is asked only about the keys that are not identical: it still decides every
    difference, on a fraction of the document."""
    suspects = [k for k, v in desired.items() if not _identical(observed.get(k), v)]
    if not suspects:
        return ()
    # Imported here: only a diff needs it, and check-only runs of the provider host
    # (and the program) then never pay its import time.
    from deepdiff import DeepDiff

    # Numbers come back from the engine's gRPC as doubles: 5.0 is no change from 5.
    difference = DeepDiff(
        {k: observed.get(k) for k in suspects},
        {k: desired[k] for k in suspects},
        ignore_order=True,
        ignore_numeric_type_changes=True,
    )
    changed = {str(k) for k in difference.affected_root_keys}
    return tuple(sorted(changed))


def plan(spec: InstanceSpec, old: dict[str, Any], fingerprint_key: str) -> Plan:
    desired = {k: v for k, v in desired_view(spec, fingerprint_key).items() if v is not None}
    observed = _observed_view(desired, old) if desired else {}
    changed = changed_fields(observed, desired)
    # A grant for a company the instance is not bound to cannot re-authorize it.
    replaces = tuple(
        sorted({INPUT_OF[f] for f in changed if f in REPLACING and old.get(f) is not None})
    )
    return Plan(changed=changed, replaces=replaces, patch=patch_body(spec, changed, old))


def patch_body(spec: InstanceSpec, changed: tuple[str, ...], old: dict[str, Any]) -> dict:
    body: dict[str, Any] = {}
    if "name" in changed:
        body["name"] = spec.name
    if "tags" in changed or "ownership_tag" in changed:
        body["tags"] = all_tags(spec)  # PATCH replaces the whole list
    config: dict[str, str] = {}
    if "callback_url" in changed and spec.callback_url is not None:
        config[KEY_EVENT_CALLBACK] = spec.callback_url
    if "events_enabled" in changed:
        config[KEY_EVENTS_ENABLED] = _bool(spec.events_enabled)
    if "poller_resources" in changed:
        config[KEY_POLLER_URLS] = "|".join(spec.poller_resources)
    if "poll_interval_minutes" in changed and spec.poll_interval_minutes is not None:
        config[KEY_POLL_INTERVAL] = str(spec.poll_interval_minutes)
    if "event_vendor_type" in changed:
        config[KEY_VENDOR_TYPE] = spec.event_vendor_type
    if "extra_configuration" in changed:
        old_extra = old.get("extra_configuration") or {}
        config.update({k: v for k, v in spec.extra_configuration.items() if old_extra.get(k) != v})
    if "signature_key_fingerprint" in changed and spec.signature_key is not None:
        config[KEY_SIGNATURE] = spec.signature_key
    if config:
        body["configuration"] = config
    if "oauth_fingerprint" in changed and "realm_id" not in changed and spec.oauth is not None:
        body["providerData"] = spec.oauth.provider_data()  # re-authorize, same company
    if body and not old.get("stack_tag"):
        # An instance from before the stack tag existed gets it with the next PATCH
        # that goes anyway; never with a PATCH of its own.
        body["tags"] = all_tags(spec)
    return body


def all_tags(spec: InstanceSpec) -> list[str]:
    return [*spec.tags, spec.ownership_tag, spec.stack_tag]


def _bool(value: bool) -> str:
    return "true" if value else "false"  # the API wants every configuration value as a string


def event_configuration(spec: InstanceSpec) -> dict[str, str]:
    """The non-secret configuration the spec determines (also what outputs observe)."""
    config = {
        KEY_EVENTS_ENABLED: _bool(spec.events_enabled),
        KEY_POLLER_URLS: "|".join(spec.poller_resources),
        KEY_VENDOR_TYPE: spec.event_vendor_type,
        **spec.extra_configuration,
    }
    if spec.callback_url is not None:
        config[KEY_EVENT_CALLBACK] = spec.callback_url
    if spec.poll_interval_minutes is not None:
        config[KEY_POLL_INTERVAL] = str(spec.poll_interval_minutes)
    if spec.realm_id is not None:
        config[KEY_REALM] = spec.realm_id
    return config


def create_body(spec: InstanceSpec, api_key: str, api_secret: str, app_callback: str) -> dict:
    assert spec.oauth is not None, "check() requires a grant unless adopt_id is set"
    config = {
        KEY_API_KEY: api_key,
        KEY_API_SECRET: api_secret,
        KEY_APP_CALLBACK: app_callback,
        **event_configuration(spec),
    }
    config.pop(KEY_REALM, None)  # the realm travels in providerData
    if isinstance(spec.oauth, OAuth2Grant):
        config[KEY_AUTH_TYPE] = "oauth2"
        config[KEY_SCOPE] = OAUTH2_SCOPE
    if spec.signature_key is not None:
        config[KEY_SIGNATURE] = spec.signature_key
    return {
        "element": {"key": ELEMENT_KEY},
        "name": spec.name,
        "tags": all_tags(spec),
        "providerData": spec.oauth.provider_data(),
        "configuration": config,
    }


def oauth_fingerprint(spec: InstanceSpec, fingerprint_key: str) -> str | None:
    return fingerprint(fingerprint_key, spec.oauth.model_dump() if spec.oauth else None)


def known_to_provider(
    spec: InstanceSpec, base: dict[str, Any], fingerprint_key: str
) -> dict[str, Any]:
    """What only the provider knows after applying `spec` (the API never shows it): the
    fingerprints of the write-only secrets it just sent, the grant's company, and the
    inputs that steer the provider itself."""
    return {
        **base,
        "signature_key_fingerprint": fingerprint(fingerprint_key, spec.signature_key)
        or base.get("signature_key_fingerprint"),
        "oauth_fingerprint": oauth_fingerprint(spec, fingerprint_key)
        or base.get("oauth_fingerprint"),
        "adopt_id": spec.adopt_id,
        "on_delete": spec.on_delete,
        "realm_id": spec.realm_id or base.get("realm_id"),
    }


def adoption_plan(spec: InstanceSpec, observed: dict[str, Any], fingerprint_key: str) -> Plan:
    """What brings an adopted instance to the spec. Adopting needs no grant: an instance
    that works is not re-authorized, and keeps the company it is bound to."""
    observed = {
        **observed,
        "oauth_fingerprint": oauth_fingerprint(spec, fingerprint_key),
        "realm_id": observed.get("realm_id") or spec.realm_id,
    }
    return plan(spec, observed, fingerprint_key)
