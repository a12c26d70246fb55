"""The resource's schema, declared once: inputs (in `spec.InstanceSpec`, whose fields
carry their docs) and outputs (below). The resource class, `check`, the observed
outputs and the README's two tables are all derived from here.

`python -m provider.docs` rewrites the README's tables from the declaration; a
test fails when they are stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec import SECRET_INPUTS


@dataclass(frozen=True)
class OutputProperty:
    name: str
    type: str
    doc: str
    secret: bool = False
    # Known only to the provider (the API never shows it): carried over on every read.
    remembered: bool = False


OUTPUTS: tuple[OutputProperty, ...] = (
    OutputProperty("instance_id", "string", "the Cloud Elements instance id"),
    OutputProperty("element_key", "string", "`quickbooks`"),
    OutputProperty("name", "string", "as the API shows it"),
    OutputProperty("tags", "list of strings", "the user's tags (without the two below)"),
    OutputProperty("ownership_tag", "string", "`pulumi:<project>:<stack>:<resource>`, if set"),
    OutputProperty("stack_tag", "string", "`pulumi:<project>:<stack>`, if set"),
    OutputProperty("callback_url", "string", "`event.notification.callback.url`"),
    OutputProperty("events_enabled", "bool", "`event.notification.enabled`"),
    OutputProperty("poller_resources", "list of strings", "`event.poller.urls`"),
    OutputProperty("poll_interval_minutes", "int", "`event.poller.refresh_interval`"),
    OutputProperty("event_vendor_type", "string", "`event.vendor.type`"),
    OutputProperty("extra_configuration", "map", "the declared `extra_configuration` keys, as set"),
    OutputProperty("realm_id", "string", "the QuickBooks company id (plain: no credential)"),
    OutputProperty("valid", "bool", "the platform's verdict on the connection"),
    OutputProperty("disabled", "bool", "disabled instances answer 403"),
    OutputProperty("created_date", "string", "when the platform created it"),
    OutputProperty("configuration", "map", "every non-secret configuration value"),
    OutputProperty(
        "token", "string", "the instance token, known only from the create answer", True, True
    ),
    OutputProperty(
        "signature_key_fingerprint", "string", "keyed fingerprint of `signature_key`", False, True
    ),
    OutputProperty("oauth_fingerprint", "string", "keyed fingerprint of `oauth`", False, True),
    OutputProperty("adopt_id", "string", "as last applied", False, True),
    OutputProperty("on_delete", "string", "as last applied", False, True),
)

OUTPUT_NAMES = tuple(o.name for o in OUTPUTS)
REMEMBERED = tuple(o.name for o in OUTPUTS if o.remembered)
# Encrypted in state: secret outputs, and outputs named like a secret input.
SECRET_OUTPUTS = [*(o.name for o in OUTPUTS if o.secret), *SECRET_INPUTS]
