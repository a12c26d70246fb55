"""`QuickBooksInstance`: the resource a Pulumi program declares."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from .lifecycle import QuickBooksInstanceProvider
from .spec import OWNERSHIP_PREFIX, SECRET_INPUTS

# Outputs that must stay encrypted in state even though no input of that name is
# secret (the instance token exists only in the create response).
SECRET_OUTPUTS = ["token", *SECRET_INPUTS]


def ownership_tag(resource_name: str) -> str:
    """Identifies the instance as this stack's resource, so a lost create response
    can be recovered by lookup instead of creating a second instance."""
    return f"{OWNERSHIP_PREFIX}{pulumi.get_project()}:{pulumi.get_stack()}:{resource_name}"


class QuickBooksInstance(Resource, module="quickbooks", name="Instance"):
    """A Cloud Elements QuickBooks Online element instance.

    See the README's input table for every argument, its default, and whether a
    change updates in place or replaces the instance.
    """

    instance_id: Output[str]
    element_key: Output[str]
    valid: Output[bool]
    disabled: Output[bool]
    events_enabled: Output[bool]
    created_date: Output[str]
    realm_id: Output[str]
    callback_url: Output[str]
    poller_resources: Output[list]
    configuration: Output[dict]
    token: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: Input[str],
        callback_url: Input[str] | None = None,
        oauth: Input[dict] | None = None,
        tags: Input[list] | None = None,
        events_enabled: Input[bool] | None = None,
        poller_resources: Input[list] | None = None,
        poll_interval_minutes: Input[int] | None = None,
        event_vendor_type: Input[str] | None = None,
        signature_key: Input[str] | None = None,
        extra_configuration: Input[dict] | None = None,
        adopt_id: Input[str] | None = None,
        adopt_from: Input[str] | None = None,
        on_delete: Input[str] | None = None,
        opts: ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "ownership_tag": ownership_tag(resource_name),
            "callback_url": callback_url,
            "tags": tags,
            "events_enabled": events_enabled,
            "poller_resources": poller_resources,
            "poll_interval_minutes": poll_interval_minutes,
            "event_vendor_type": event_vendor_type,
            "extra_configuration": extra_configuration,
            "adopt_id": adopt_id,
            "adopt_from": adopt_from,
            "on_delete": on_delete,
            # Secret even when the caller passed a plain value.
            "oauth": Output.secret(oauth) if oauth is not None else None,
            "signature_key": Output.secret(signature_key) if signature_key is not None else None,
        }
        # Output properties the provider computes start unknown.
        for out in (
            "instance_id",
            "element_key",
            "valid",
            "disabled",
            "created_date",
            "realm_id",
            "stack_tag",
            "configuration",
            "token",
            "signature_key_fingerprint",
            "oauth_fingerprint",
        ):
            props.setdefault(out, None)
        opts = ResourceOptions.merge(
            opts, ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        )
        super().__init__(QuickBooksInstanceProvider(), resource_name, props, opts)
