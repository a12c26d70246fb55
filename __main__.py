"""Declares one QuickBooks Online instance per entry of the stack's `quickbooks:instances` map.

Each entry's keys are the resource's inputs (docs/reference.md, "Resource inputs");
`oauth` and `signature_key` should be set with `pulumi config set --secret`.
Provider settings (`quickbooks:baseUrl`, secrets, app credentials, allowed
callback hosts) are read by the provider itself, never passed as inputs.
"""

import pulumi

from provider import QuickBooksInstance
from provider.errors import InputError

config = pulumi.Config("quickbooks")
instances = config.get_object("instances") or {}
if not isinstance(instances, dict) or not instances:
    raise pulumi.RunError(
        "quickbooks:instances must be a map of instance key -> settings "
        "(see stacks/Pulumi.local.yaml for an example)"
    )

# `quickbooks:protect: true` (the prod stack sets it): Pulumi refuses to delete or
# replace any instance until someone unprotects it on purpose (docs/operations.md).
protect = config.get_bool("protect") or False

for key, settings in sorted(instances.items()):
    if not isinstance(settings, dict):
        raise pulumi.RunError(f"quickbooks:instances.{key} must be a map of inputs")
    try:
        instance = QuickBooksInstance(
            key, **{"name": key, **settings}, opts=pulumi.ResourceOptions(protect=protect)
        )
    except InputError as exc:  # a mistyped key in the stack config: its message, no traceback
        raise pulumi.RunError(f"quickbooks:instances.{key}: {exc}") from None
    pulumi.export(
        key,
        {
            "instance_id": instance.instance_id,
            "health": instance.health,  # ok | disabled | authorization lost
            "valid": instance.valid,
            "disabled": instance.disabled,
            "events_enabled": instance.events_enabled,
            "realm_id": instance.realm_id,
            "callback_url": instance.callback_url,
        },
    )
