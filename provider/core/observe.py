"""Observed instance (API JSON) -> the resource's outputs.

This is the one normalization shared by create, read and update, and the shape
`diff` compares desired inputs against: refresh and preview can never disagree
because they look at the same fields produced the same way.
"""

from __future__ import annotations

from typing import Any

from .catalog import ELEMENT_KEY, KEY_REALM, MASK, SECRET_KEYS, is_platform_key
from .declaration import Schema
from .declaration import SpecBase as InstanceSpec
from .health import EventFlow, health_of
from .inputs import SCHEMA
from .plan import event_configuration
from .tags import stack_tag_of


def instance_outputs(
    instance: dict[str, Any],
    *,
    ownership_tag: str,
    extra_keys: list[str],
    prior: dict[str, Any],
    schema: Schema = SCHEMA,
    events: EventFlow | None = None,
) -> dict[str, Any]:
    """Maps an instance as the API shows it to outputs.

    `extra_keys` are the `extra_configuration` keys this resource manages (only
    they are observed, so platform-set keys are not mistaken for drift); `prior`
    supplies what the API cannot show (token, fingerprints) and values the API
    withheld (a configuration missing from a PATCH response); `events` what the
    platform holds back of its events (the queued deliveries), when that was read.
    """
    stack_tag = stack_tag_of(ownership_tag) if ownership_tag else None
    config = {
        k: v
        for k, v in (instance.get("configuration") or {}).items()
        if v != MASK and k not in SECRET_KEYS and not is_platform_key(k)
    }
    tags = [t for t in instance.get("tags") or [] if isinstance(t, str)]
    element = instance.get("element") or {}
    valid, disabled = instance.get("valid") is not False, bool(instance.get("disabled", False))
    outputs = {
        "instance_id": str(instance["id"]),
        "element_key": element.get("key", ELEMENT_KEY),
        **schema.observe(instance, config),
        # The explicit inputs (see inputs.py). The ownership and stack tags are
        # reported on their own; `tags` are the user's.
        "tags": sorted(t for t in tags if t not in (ownership_tag, stack_tag)),
        "ownership_tag": ownership_tag if ownership_tag in tags else None,
        "stack_tag": stack_tag if stack_tag in tags else None,
        "extra_configuration": {k: config[k] for k in sorted(extra_keys) if k in config},
        "realm_id": config.get(KEY_REALM) or prior.get("realm_id"),
        "valid": valid,
        "disabled": disabled,
        "enabled": not disabled,
        "health": health_of(valid, disabled, events),
        "created_date": instance.get("createdDate") or prior.get("created_date"),
    }
    outputs.update((key, prior.get(key)) for key in schema.remembered)
    # In the declared order: what the state shows and the docs list.
    return {name: outputs[name] for name in schema.output_names}


def instance_from_outputs(
    instance_id: str, olds: dict[str, Any], schema: Schema = SCHEMA
) -> dict[str, Any]:
    """The instance as the API showed it when `olds` were observed: what an update
    starts from (a PATCH answer may leave fields out)."""
    tags = [*(olds.get("tags") or []), olds.get("ownership_tag"), olds.get("stack_tag")]
    return {
        "id": instance_id,
        "name": olds.get("name"),
        "tags": [t for t in tags if t],
        "valid": olds.get("valid", True),
        "disabled": olds.get("disabled", False),
        "createdDate": olds.get("created_date"),
        "element": {"key": olds.get("element_key")},
        # The configuration the typed outputs observed. (A state written while the
        # `configuration` output existed holds it whole too: the same keys, not read.)
        "configuration": {
            **schema.configuration_of(olds),
            **(olds.get("extra_configuration") or {}),
            **({KEY_REALM: olds["realm_id"]} if olds.get("realm_id") else {}),
        },
    }


def after_patch(
    instance: dict[str, Any], patched: dict[str, Any] | None, sent: dict[str, Any]
) -> dict[str, Any]:
    """The instance after a PATCH, by the API's merge rules: the answer may omit
    configuration and tags; configuration merges key by key, tags are replaced whole,
    and a new grant binds the company of its `realmId` (`quickbooks.realm.id`)."""
    merged = {**instance, **(patched or {})}
    config = dict(instance.get("configuration") or {})
    config.update((patched or {}).get("configuration") or {})
    config.update(sent.get("configuration") or {})
    if "providerData" in sent:
        config[KEY_REALM] = sent["providerData"]["realmId"]
        if "valid" not in (patched or {}):
            merged["valid"] = True  # a grant the platform accepted authorizes it again
    merged["configuration"] = config
    if "tags" in sent and not (patched or {}).get("tags"):
        merged["tags"] = sent["tags"]
    return merged


def spec_outputs(spec: InstanceSpec, instance: dict[str, Any], prior: dict[str, Any]) -> dict:
    """`instance_outputs` for the resource `spec` declares. A create answer carries no
    configuration: what was sent is what is set."""
    if not instance.get("configuration"):
        instance = {**instance, "configuration": event_configuration(spec)}
    return instance_outputs(
        instance,
        ownership_tag=spec.ownership_tag,
        extra_keys=list(spec.extra_configuration),
        prior=prior,
        schema=spec.schema_,
    )
