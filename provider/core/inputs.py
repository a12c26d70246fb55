"""The resource's inputs, one entry each: the single declaration everything else is
derived from (see `declaration.py`). To add an input that is one configuration
key, add one `Input` with `api=Config(key, codec)` here, and its test; nothing
else changes (docs/architecture.md, "Adding an input").

Below the inputs: the outputs no input declares.
"""

from __future__ import annotations

from pydantic import StrictBool

from .catalog import (
    EXTRA_CONFIGURATION_KEYS,
    KEY_EVENT_CALLBACK,
    KEY_EVENTS_ENABLED,
    KEY_POLL_INTERVAL,
    KEY_POLLER_URLS,
    KEY_SIGNATURE,
    KEY_VENDOR_TYPE,
    POLLER_RESOURCES,
)
from .codecs import BOOL, INT, TEXT, pipe_list
from .declaration import REQUIRED, Config, Explicit, Input, Output, ProviderOnly, Schema, TopLevel
from .grants import Grant
from .health import HEALTH_DOC
from .values import (
    AdoptFrom,
    AdoptId,
    CallbackUrl,
    EventVendorType,
    ExtraConfiguration,
    Name,
    OnDelete,
    OwnershipTag,
    PollerResources,
    PollIntervalMinutes,
    SignatureKey,
    Tags,
)

INPUTS: tuple[Input, ...] = (
    Input(
        "name",
        Name,
        REQUIRED,
        type_doc="string, 1–120 of `A-Za-z0-9 _.:()/@+-`",
        default_doc="the instance key",
        api=TopLevel("name"),
        output_type="string",
        strategy=lambda st: st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 _.()-]{0,30}", fullmatch=True),
    ),
    Input(
        "tags",
        Tags,
        [],
        type_doc="list of strings (≤ 20, each 1–100 of `A-Za-z0-9_.:=/@+-`)",
        default_doc="`[]`",
        doc="order-insensitive. `pulumi:*` is reserved: the provider adds the ownership tag "
        "`pulumi:<project>:<stack>:<resource>` and the stack tag `pulumi:<project>:<stack>`",
        api=Explicit(
            "plan.tags_view, plan.all_tags, observe.tag_outputs: the user's tags "
            "and the ownership and stack tags share the instance's one tag list"
        ),
        compare="set",
        fields=("tags", "ownership_tag"),
        outputs=(
            Output("tags", "list of strings", "the user's tags (without the two below)"),
            Output("ownership_tag", "string", "`pulumi:<project>:<stack>:<resource>`, if set"),
            Output("stack_tag", "string", "`pulumi:<project>:<stack>`, if set"),
        ),
        strategy=lambda st: st.lists(
            st.from_regex(r"[a-z0-9][a-z0-9:=-]{0,12}", fullmatch=True), unique=True, max_size=5
        ),
    ),
    Input(
        "callback_url",
        CallbackUrl | None,
        None,
        type_doc="https URL (http only for localhost)",
        default_doc="— (required when events are on)",
        doc="`event.notification.callback.url`. Its host must be in `allowedCallbackHosts`; "
        "no credentials or fragment allowed",
        api=Config(KEY_EVENT_CALLBACK, TEXT),
        output_type="string",
        strategy=lambda st: st.sampled_from(
            ["https://hooks.example.com/events", "http://localhost:8400/qbo"]
        ),
    ),
    Input(
        "events_enabled",
        StrictBool,
        True,
        type_doc="bool",
        default_doc="`true`",
        doc="`event.notification.enabled`",
        api=Config(KEY_EVENTS_ENABLED, BOOL, fallback_field="eventsEnabled"),
        output_type="bool",
        strategy=lambda st: st.booleans(),
    ),
    Input(
        "poller_resources",
        PollerResources,
        list(POLLER_RESOURCES),
        type_doc="subset of the 22 QuickBooks resources",
        default_doc="all 22",
        doc="`event.poller.urls`. Kept in canonical order, so reordering is no change. "
        "Duplicates and unknown names are rejected",
        api=Config(KEY_POLLER_URLS, pipe_list(POLLER_RESOURCES)),
        compare="set",
        output_type="list of strings",
        strategy=lambda st: st.lists(st.sampled_from(POLLER_RESOURCES), unique=True, min_size=1),
    ),
    Input(
        "poll_interval_minutes",
        PollIntervalMinutes | None,
        None,
        type_doc="int 1–1440",
        default_doc="unset (platform default)",
        doc="`event.poller.refresh_interval`",
        api=Config(KEY_POLL_INTERVAL, INT),
        output_type="int",
        strategy=lambda st: st.integers(1, 1440),
    ),
    Input(
        "event_vendor_type",
        EventVendorType,
        "polling",
        type_doc="`polling` \\| `webhook`",
        default_doc="`polling`",
        doc="`event.vendor.type`",
        api=Config(KEY_VENDOR_TYPE, TEXT),
        output_type="string",
        strategy=lambda st: st.sampled_from(["polling", "webhook"]),
    ),
    Input(
        "signature_key",
        SignatureKey | None,
        None,
        type_doc="secret string, 16–256 printable",
        default_doc="unset",
        doc="`event.notification.signature.key`. Write-only: compared by a keyed fingerprint",
        api=Config(KEY_SIGNATURE, TEXT),
        compare="fingerprint",
        secret=True,
        strategy=lambda st: st.from_regex(r"[A-Za-z0-9]{16,40}", fullmatch=True),
    ),
    Input(
        "extra_configuration",
        ExtraConfiguration,
        {},
        type_doc="map of string → string",
        default_doc="`{}`",
        doc="only `event.notification.type`, `filter.response.nulls`, "
        "`quickbooks.minorversion`. Only the keys you declare are compared",
        api=Explicit(
            "plan.extra_view, plan.patch_body, observe.instance_outputs: several "
            "keys, of which only the declared ones are compared"
        ),
        outputs=(
            Output("extra_configuration", "map", "the declared `extra_configuration` keys, as set"),
        ),
        strategy=lambda st: st.sampled_from(
            [{}, {"filter.response.nulls": "true"}, {"quickbooks.minorversion": "65"}]
        ),
    ),
    Input(
        "oauth",
        Grant | None,
        None,
        type_doc="secret grant: OAuth 2.0 `{code, realm_id}` or OAuth 1.0a `{oauth_token, "
        "oauth_verifier, secret, realm_id, data_source, state}`",
        default_doc="— (required unless `adopt_id`)",
        effect_doc="new `realm_id` → **replace**; new code for the same realm → update in "
        "place (re-authorize)",
        doc="single-use: a re-create needs a new consent. `realm_id` (the company id) is no "
        "secret and is an output in plain",
        api=Explicit(
            "plan.grant_view, plan.patch_body (`providerData`), plan.create_body: "
            "the grant travels as providerData, its company comes back as `realmId`"
        ),
        compare="fingerprint",
        secret=True,
        # `valid`: a lost authorization is drift of the grant, and a new grant fixes it.
        fields=("realm_id", "oauth_fingerprint", "valid"),
        replaced_by=("realm_id",),
        outputs=(
            Output("realm_id", "string", "the QuickBooks company id (plain: no credential)"),
            Output("oauth_fingerprint", "string", "keyed fingerprint of `oauth`", remembered=True),
        ),
    ),
    Input(
        "enabled",
        StrictBool,
        True,
        type_doc="bool",
        default_doc="`true`",
        doc="`false` disables the instance on purpose (kept with its configuration, "
        "delivers no events); an instance found disabled while `true` is drift, and "
        "`pulumi up` re-enables it",
        effect_doc="update in place (one enable or disable call)",
        api=Explicit(
            "plan.desired_view, plan.enable_call, observe.instance_outputs: its own call "
            "(`PUT`/`DELETE /instances/{id}/enabled`), observed as not `disabled`"
        ),
        outputs=(Output("enabled", "bool", "not `disabled`, as the platform shows it"),),
        strategy=lambda st: st.booleans(),
    ),
    Input(
        "takeover_company",
        StrictBool,
        False,
        type_doc="bool",
        default_doc="`false`",
        effect_doc="not compared",
        doc="bind the grant's company even though another instance of the organization "
        "is bound to it: that instance then loses its authorization. Without it, such a "
        "create or re-authorization is refused before any write (see "
        "[When events stop](../README.md#when-events-stop))",
        api=ProviderOnly(),
        compare="not compared",
    ),
    Input(
        "adopt_id",
        AdoptId | None,
        None,
        type_doc="numeric instance id",
        default_doc="unset",
        effect="replace",
        effect_doc="a different id → **replace**",
        doc="takes over an existing instance; no grant needed. Only an instance that is "
        "free (no ownership tag) or already this resource's; see "
        "[Operations](operations.md#ownership-takeover-and-protection). `pulumi import` "
        "does not work for dynamic providers",
        api=ProviderOnly(),
        output_type="string",
    ),
    Input(
        "adopt_from",
        AdoptFrom | None,
        None,
        type_doc="ownership tag `pulumi:<project>:<stack>:<resource>`",
        default_doc="unset",
        effect_doc="not compared",
        doc="a deliberate takeover: must equal the current owner's tag of the `adopt_id` "
        "instance. Requires `adopt_id`",
        api=ProviderOnly(),
        compare="not compared",
    ),
    Input(
        "on_delete",
        OnDelete,
        "delete",
        type_doc="`delete` \\| `release` \\| `disable`",
        default_doc="`delete`",
        effect="state",
        doc="what removing the resource does: delete the instance, release it (leave "
        "it, without this stack's ownership and stack tags), or disable it and release it",
        api=ProviderOnly(),
        output_type="string",
        strategy=lambda st: st.sampled_from(["delete", "release", "disable"]),
    ),
)

SCHEMA = Schema(
    INPUTS,
    ownership_tag=OwnershipTag,
    leading=(
        Output("instance_id", "string", "the Cloud Elements instance id"),
        Output(
            "element_key",
            "string",
            "`quickbooks`",
            deprecated="it is always `quickbooks`, which the resource's type already says: "
            "nothing to read. `element_key` goes in a later release",
        ),
    ),
    trailing=(
        Output("valid", "bool", "the platform's verdict on the connection"),
        Output(
            "disabled",
            "bool",
            "disabled instances answer 403",
            deprecated="it repeats `enabled`: `disabled` is always `not enabled`, both as "
            "the platform shows them. Read `enabled`; `disabled` goes in a later release",
        ),
        Output("health", "string", HEALTH_DOC),
        Output("created_date", "string", "when the platform created it"),
        Output(
            "token",
            "string",
            "the instance token (from the create answer, or the instance as read when "
            "it was adopted or the create answer was lost)",
            True,
            True,
        ),
    ),
    open_keys=EXTRA_CONFIGURATION_KEYS,
)

InstanceSpec = SCHEMA.model
USER_INPUTS = SCHEMA.user_inputs
SECRET_INPUTS = SCHEMA.secret_inputs
