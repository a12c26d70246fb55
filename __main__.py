"""Declares one QuickBooks Online instance per entry of the stack's `quickbooks:instances` map.

Each entry's keys are the resource's inputs (see the README's input table);
`oauth` and `signature_key` should be set with `pulumi config set --secret`.
Provider settings (`quickbooks:baseUrl`, secrets, app credentials, allowed
callback hosts) are read by the provider itself, never passed as inputs.
"""

import pulumi

from provider import QuickBooksInstance

config = pulumi.Config("quickbooks")
instances = config.get_object("instances") or {}
if not isinstance(instances, dict) or not instances:
    raise pulumi.RunError(
        "quickbooks:instances must be a map of instance key -> settings "
        "(see stacks/Pulumi.local.yaml for an example)"
    )

for key, settings in sorted(instances.items()):
    if not isinstance(settings, dict):
        raise pulumi.RunError(f"quickbooks:instances.{key} must be a map of inputs")
    instance = QuickBooksInstance(key, **{"name": key, **settings})
    pulumi.export(
        key,
        {
            "instance_id": instance.instance_id,
            "valid": instance.valid,
            "disabled": instance.disabled,
            "events_enabled": instance.events_enabled,
            "realm_id": instance.realm_id,
            "callback_url": instance.callback_url,
        },
    )
