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
    KEY_REALM,
    KEY_SCOPE,
    OAUTH2_SCOPE,
)
from .declaration import SpecBase as InstanceSpec
from .grants import OAuth2Grant
from .health import held_events


@dataclass(frozen=True)
class Plan:
    changed: tuple[str, ...] = ()  # compared fields that differ
    replaces: tuple[str, ...] = ()  # input properties that force a replace
    patch: dict[str, Any] = field(default_factory=dict)
    # The instance's own enable (True) or disable (False) call, after the PATCH; None: none.
    enable: bool | None = None
    # The platform holds back this instance's events (health `events deactivated (N
    # queued)`): one PUT of the queued deliveries reactivates and delivers them.
    redeliver: bool = False

    @property
    def has_changes(self) -> bool:
        return bool(self.changed) or self.redeliver

    @property
    def authorization_lost(self) -> bool:
        """The instance lost its authorization and the spec brings no new grant for it."""
        return "valid" in self.changed and "oauth_fingerprint" not in self.changed

    @property
    def writes(self) -> bool:
        return bool(self.patch) or self.enable is not None or self.redeliver


def desired_view(spec: InstanceSpec, fingerprint_key: str) -> dict[str, Any]:
    """The comparable desired state, keyed like outputs. None means "not managed":
    an input left unset never fights a value set elsewhere."""
    return {
        **spec.schema_.comparable(spec, fingerprint_key),
        # The explicit inputs (see inputs.py): tags share one list with the ownership
        # tag; the grant's company; only the declared extra keys.
        "tags": list(spec.tags),
        "ownership_tag": spec.ownership_tag,
        "realm_id": spec.realm_id,
        "extra_configuration": dict(spec.extra_configuration),
        "enabled": spec.enabled,
        # A working connection is always wanted; only a new grant restores a lost one.
        "valid": True,
    }


def _observed_view(
    spec: InstanceSpec, desired: dict[str, Any], old: dict[str, Any]
) -> dict[str, Any]:
    observed = {k: old.get(k) for k in desired}
    # Health is what the platform's flags say; a state written before `enabled` and
    # `health` existed holds them too (`disabled`, `valid`).
    observed["enabled"] = not old.get("disabled", False)
    observed["valid"] = old.get("valid") is not False
    observed.update((k, v) for k, v in spec.schema_.observed_state(old).items() if k in desired)
    # Only the extra keys the spec manages are compared (removing one from the
    # spec stops managing it; the platform's own keys are not drift).
    extra = old.get("extra_configuration") or {}
    observed["extra_configuration"] = {
        k: extra[k] for k in desired.get("extra_configuration", {}) if k in extra
    }
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
    schema = spec.schema_
    desired = {k: v for k, v in desired_view(spec, fingerprint_key).items() if v is not None}
    observed = _observed_view(spec, desired, old) if desired else {}
    changed = changed_fields(observed, desired)
    # A grant for a company the instance is not bound to cannot re-authorize it.
    replaces = tuple(
        sorted(
            {
                schema.input_of(f)
                for f in changed
                if f in schema.replacing and old.get(f) is not None
            }
        )
    )
    return Plan(
        changed=changed,
        replaces=replaces,
        patch=patch_body(spec, changed, old),
        enable=enable_call(spec, changed),
        redeliver=redelivery(spec, old),
    )


def redelivery(spec: InstanceSpec, old: dict[str, Any]) -> bool:
    """Events held back are drift of a spec that wants them delivered: events on, to a
    callback (the redelivery goes to the declared one)."""
    wanted = bool(getattr(spec, "events_enabled", False) and getattr(spec, "callback_url", None))
    return wanted and held_events(old.get("health")) is not None


def enable_call(spec: InstanceSpec, changed: tuple[str, ...]) -> bool | None:
    """Enabling and disabling are calls of their own, never part of a PATCH."""
    return spec.enabled if "enabled" in changed else None


def patch_body(spec: InstanceSpec, changed: tuple[str, ...], old: dict[str, Any]) -> dict:
    body: dict[str, Any] = spec.schema_.fields(spec, changed)
    if "tags" in changed or "ownership_tag" in changed:
        body["tags"] = all_tags(spec)  # PATCH replaces the whole list
    config = spec.schema_.configuration(spec, secrets=True, changed=changed)
    if "extra_configuration" in changed:
        old_extra = old.get("extra_configuration") or {}
        config.update({k: v for k, v in spec.extra_configuration.items() if old_extra.get(k) != v})
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


def event_configuration(spec: InstanceSpec) -> dict[str, str]:
    """The non-secret configuration the spec determines (also what outputs observe)."""
    config = {**spec.schema_.configuration(spec, secrets=False), **spec.extra_configuration}
    if spec.realm_id is not None:
        config[KEY_REALM] = spec.realm_id
    return config


def create_body(spec: InstanceSpec, api_key: str, api_secret: str, app_callback: str) -> dict:
    assert spec.oauth is not None, "check() requires a grant unless adopt_id is set"
    config = {
        KEY_API_KEY: api_key,
        KEY_API_SECRET: api_secret,
        KEY_APP_CALLBACK: app_callback,
        **spec.schema_.configuration(spec, secrets=True),
        **spec.extra_configuration,
    }
    if isinstance(spec.oauth, OAuth2Grant):
        config[KEY_AUTH_TYPE] = "oauth2"
        config[KEY_SCOPE] = OAUTH2_SCOPE
    return {
        "element": {"key": ELEMENT_KEY},
        **spec.schema_.fields(spec),
        "tags": all_tags(spec),
        "providerData": spec.oauth.provider_data(),  # the realm travels in here
        "configuration": config,
    }


def known_to_provider(
    spec: InstanceSpec, base: dict[str, Any], fingerprint_key: str
) -> dict[str, Any]:
    """What only the provider knows after applying `spec` (the API never shows it): the
    fingerprints of the write-only secrets it just sent, the grant's company, and the
    inputs that steer the provider itself."""
    known = spec.schema_.known_to_provider(spec, base, fingerprint_key)
    known["realm_id"] = spec.realm_id or base.get("realm_id")
    return known


def adoption_plan(spec: InstanceSpec, observed: dict[str, Any], fingerprint_key: str) -> Plan:
    """What brings an adopted instance to the spec. Adopting needs no grant: an instance
    that works is not re-authorized, and keeps the company it is bound to."""
    observed = {
        **observed,
        "oauth_fingerprint": desired_view(spec, fingerprint_key)["oauth_fingerprint"],
        "realm_id": observed.get("realm_id") or spec.realm_id,
        # Adopting takes no grant, so it cannot mend a lost authorization: the adopted
        # instance's health shows in its outputs and the next preview.
        "valid": True,
    }
    return plan(spec, observed, fingerprint_key)
