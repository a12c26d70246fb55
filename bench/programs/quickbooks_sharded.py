"""The QuickBooks program with its instances spread over `bench:providers` provider processes.

The engine starts one dynamic-provider host (`python -m pulumi.dynamic`, 4 gRPC
worker threads) per provider *resource*; the default provider is one process.
Declaring K explicit `pulumi-python` providers gives K processes, so up to 4K
resource operations run at once (the engine's `--parallel` permitting). An
explicit provider is configured from its own inputs, not from the stack config,
so each one gets the `quickbooks:*` settings as inputs (secrets stay secret:
the engine keeps them encrypted in state).
"""

import pulumi

from provider import QuickBooksInstance
from provider.api import settings as s

SHARDS = pulumi.Config("bench").get_int("providers") or 1
config = pulumi.Config("quickbooks")


def provider_inputs() -> dict:
    inputs = {}
    for setting in s.ALL_SETTINGS:
        value = (
            config.get_secret(setting.config_key)
            if setting.secret
            else config.get(setting.config_key)
        )
        if value is not None:
            inputs[f"{s.NAMESPACE}:{setting.config_key}"] = value
    return inputs


providers = [
    pulumi.ProviderResource("pulumi-python", f"quickbooks-{k}", provider_inputs())
    for k in range(SHARDS)
]
instances = config.get_object("instances") or {}
for index, (key, settings) in enumerate(sorted(instances.items())):
    instance = QuickBooksInstance(
        key,
        **{"name": key, **settings},
        opts=pulumi.ResourceOptions(provider=providers[index % SHARDS]),
    )
    pulumi.export(key, {"instance_id": instance.instance_id})
