"""Declares `bench:count` null resources, shaped like the QuickBooks program's instances.

`bench:changed` names the one resource whose callback_url differs (the
benchmark's "one changed field" operation); `*` changes them all.
"""

import pulumi

from bench.null_provider import NullResource

config = pulumi.Config("bench")
changed = config.get("changed") or ""
for index in range(config.require_int("count")):
    key = f"i{index:03d}"
    path = "changed" if changed in (key, "*") else "events"
    resource = NullResource(
        key,
        {
            "name": f"Bench {index}",
            "callback_url": f"https://hooks.example.com/quickbooks/{path}",
            "tags": ["env:bench"],
            "poll_interval_minutes": 5,
        },
    )
    pulumi.export(key, {"instance_id": resource.id})
