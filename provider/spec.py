"""The desired state of one QuickBooks instance: typed, validated, normalized inputs.

Every input has one annotated type below; the full model and the field-by-field
validation that `check` runs in preview (where some values are still unknown)
use the same types, so preview and apply can never disagree about what is valid.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)
from pydantic import Tag as Choice
from pydantic_core import PydanticUndefined

from .catalog import EVENT_VENDOR_TYPES, EXTRA_CONFIGURATION_KEYS, MASK, POLLER_RESOURCES

OWNERSHIP_PREFIX = "pulumi:"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

# Names and tags end up in URLs (`searchText`, `tags[]`) and in the Cloud Elements
# console; a conservative alphabet keeps them portable and shuts out markup and
# shell/SQL metacharacters that some consumers of these fields interpolate.
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.:()/@+\-]{0,119}")
_TAG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:=/@+\-]{0,99}")
_REALM_RE = re.compile(r"[0-9]{1,32}")
_TOKENISH_RE = re.compile(r"[\x21-\x7e]{1,2048}")  # printable ASCII, no spaces


def _not_mask(value: str) -> str:
    if value == MASK:
        raise ValueError(
            f"'{MASK}' is how the API masks secrets on read; give the real value, not the mask"
        )
    return value


def _matches(regex: re.Pattern, what: str) -> Any:
    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"{what} (got {len(value)} characters)")
        return value

    return check


def _integral(value: Any) -> Any:
    # Numbers cross the engine's gRPC boundary as doubles: 5 arrives as 5.0.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _id_from_number(value: Any) -> Any:
    value = _integral(value)
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Name = Annotated[
    StrictStr,
    AfterValidator(
        _matches(
            _NAME_RE,
            "must be 1-120 characters of letters, digits, space and _ . : ( ) / @ + -, "
            "starting with a letter or digit",
        )
    ),
]

Tag = Annotated[
    StrictStr,
    AfterValidator(
        _matches(
            _TAG_RE,
            "each tag must be 1-100 characters of letters, digits and _ . : = / @ + -, "
            "starting with a letter or digit",
        )
    ),
]


def _user_tags(tags: list[str]) -> list[str]:
    seen = set()
    for tag in tags:
        if tag in seen:
            raise ValueError(f"duplicate tag {tag!r}")
        if tag.startswith(OWNERSHIP_PREFIX):
            raise ValueError(f"tags starting with {OWNERSHIP_PREFIX!r} are reserved for ownership")
        seen.add(tag)
    # Order-insensitive: the API keeps tags as a set, so a reordering is no change.
    return sorted(tags)


Tags = Annotated[list[Tag], Field(max_length=20), AfterValidator(_user_tags)]


def _callback_url(url: str) -> str:
    if len(url) > 2048:
        raise ValueError("must be at most 2048 characters")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError("must be an absolute https:// URL")
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        raise ValueError("must use https:// (plain http:// is accepted only for localhost)")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials (user:password@); use signature_key")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    if any(c.isspace() for c in url) or not url.isascii():
        raise ValueError("must not contain spaces or non-ASCII characters (percent-encode them)")
    return url


CallbackUrl = Annotated[StrictStr, AfterValidator(_callback_url)]


def _poller_resources(resources: list[str]) -> list[str]:
    unknown = [r for r in resources if r not in POLLER_RESOURCES]
    if unknown:
        raise ValueError(
            f"unknown poller resource(s) {', '.join(map(repr, unknown))}; "
            f"choose from: {', '.join(POLLER_RESOURCES)}"
        )
    duplicates = sorted({r for r in resources if resources.count(r) > 1})
    if duplicates:
        raise ValueError(f"duplicate poller resource(s) {', '.join(map(repr, duplicates))}")
    # Canonical order: a reordered list in stack config is not a change.
    return [r for r in POLLER_RESOURCES if r in resources]


PollerResources = Annotated[list[StrictStr], AfterValidator(_poller_resources)]
PollIntervalMinutes = Annotated[StrictInt, BeforeValidator(_integral), Field(ge=1, le=1440)]
EventVendorType = Literal[*EVENT_VENDOR_TYPES]
SignatureKey = Annotated[
    StrictStr,
    Field(min_length=16, max_length=256),
    AfterValidator(_not_mask),
    AfterValidator(_matches(_TOKENISH_RE, "must be printable ASCII without spaces")),
]


def _extra_configuration(config: dict[str, str]) -> dict[str, str]:
    for key, value in config.items():
        if key not in EXTRA_CONFIGURATION_KEYS:
            raise ValueError(
                f"configuration key {key!r} is not one of {sorted(EXTRA_CONFIGURATION_KEYS)} "
                "(the other keys have typed inputs of their own)"
            )
        if len(value) > 1024:
            raise ValueError(f"value of {key!r} must be at most 1024 characters")
        _not_mask(value)
    return dict(sorted(config.items()))


ExtraConfiguration = Annotated[dict[StrictStr, StrictStr], AfterValidator(_extra_configuration)]

RealmId = Annotated[
    StrictStr,
    BeforeValidator(_id_from_number),
    AfterValidator(_matches(_REALM_RE, "must be the numeric QuickBooks company id (realmId)")),
]
GrantValue = Annotated[
    StrictStr,
    AfterValidator(_not_mask),
    AfterValidator(_matches(_TOKENISH_RE, "must be 1-2048 printable characters without spaces")),
]


class OAuth2Grant(BaseModel):
    """What the OAuth 2.0 consent redirect brings back: `code` and `realmId`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: GrantValue
    realm_id: RealmId

    def provider_data(self) -> dict[str, str]:
        return {"code": self.code, "realmId": self.realm_id}


class OAuth1Grant(BaseModel):
    """The OAuth 1.0a grant (Intuit retired it in 2019; kept for white-labelled platforms)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    oauth_token: GrantValue
    oauth_verifier: GrantValue
    secret: GrantValue
    realm_id: RealmId
    data_source: Literal["QBO", "QBD"] = "QBO"
    state: Annotated[StrictStr, Field(max_length=512)] = ""

    def provider_data(self) -> dict[str, str]:
        return {
            "oauth_token": self.oauth_token,
            "oauth_verifier": self.oauth_verifier,
            "secret": self.secret,
            "realmId": self.realm_id,
            "dataSource": self.data_source,
            "state": self.state,
        }


def _grant_kind(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "oauth1" if isinstance(value, OAuth1Grant) else "oauth2"
    return "oauth1" if isinstance(value, dict) and "oauth_token" in value else "oauth2"


# Which grant a dict is follows from its keys, so an error names the fields of
# the grant the user meant instead of listing failures for both shapes.
Grant = Annotated[
    Annotated[OAuth2Grant, Choice("oauth2")] | Annotated[OAuth1Grant, Choice("oauth1")],
    Discriminator(_grant_kind),
]

AdoptId = Annotated[
    StrictStr,
    BeforeValidator(_id_from_number),
    AfterValidator(_matches(re.compile(r"[0-9]{1,18}"), "must be a numeric instance id")),
]
OwnershipTag = Annotated[StrictStr, Field(min_length=len(OWNERSHIP_PREFIX) + 1, max_length=200)]


def stack_tag_of(ownership_tag: str) -> str:
    """`pulumi:<project>:<stack>` of `pulumi:<project>:<stack>:<resource>`: every
    instance of a stack carries it, so one filtered list finds them all."""
    project, stack, *_ = ownership_tag.removeprefix(OWNERSHIP_PREFIX).split(":", 2) + ["", ""]
    return f"{OWNERSHIP_PREFIX}{project}:{stack}"


def is_ownership_tag(tag: str) -> bool:
    """`pulumi:<project>:<stack>:<resource>` (the resource name may hold colons)."""
    parts = tag.removeprefix(OWNERSHIP_PREFIX).split(":", 2)
    return tag.startswith(OWNERSHIP_PREFIX) and len(parts) == 3 and all(parts)


def _owner_tag(tag: str) -> str:
    if not is_ownership_tag(tag):
        raise ValueError(
            "must be the current owner's ownership tag, pulumi:<project>:<stack>:<resource> "
            "(the error that refused the adoption shows it)"
        )
    return tag


AdoptFrom = Annotated[StrictStr, Field(max_length=200), AfterValidator(_owner_tag)]
# What `pulumi destroy` (or removing the resource) does to the instance: delete it,
# or release it (leave it in place without this stack's ownership tag, free for
# another stack to adopt).
OnDelete = Literal["delete", "release"]


def declared(
    default: Any = PydanticUndefined,
    *,
    type: str,
    shown_default: str,
    on_change: str = "update in place",
    doc: str = "",
    secret: bool = False,
) -> Any:
    """One input's declaration: the model validates it; the README's input table,
    the secret handling and the resource class read the rest from here."""
    extra = {"type": type, "default": shown_default, "on_change": on_change, "secret": secret}
    return Field(default, description=doc, json_schema_extra=extra)


class InstanceSpec(BaseModel):
    """A fully known, valid, normalized desired instance: the resource's inputs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = declared(
        type="string, 1–120 of `A-Za-z0-9 _.:()/@+-`", shown_default="the instance key"
    )
    # Set by the resource class, never by a user: `pulumi:<project>:<stack>:<resource>`.
    ownership_tag: OwnershipTag
    tags: Tags = declared(
        [],
        type="list of strings (≤ 20, each 1–100 of `A-Za-z0-9_.:=/@+-`)",
        shown_default="`[]`",
        doc="order-insensitive. `pulumi:*` is reserved: the provider adds the ownership tag "
        "`pulumi:<project>:<stack>:<resource>` and the stack tag `pulumi:<project>:<stack>`",
    )
    callback_url: CallbackUrl | None = declared(
        None,
        type="https URL (http only for localhost)",
        shown_default="— (required when events are on)",
        doc="`event.notification.callback.url`. Its host must be in `allowedCallbackHosts`; "
        "no credentials or fragment allowed",
    )
    events_enabled: StrictBool = declared(
        True, type="bool", shown_default="`true`", doc="`event.notification.enabled`"
    )
    poller_resources: PollerResources = declared(
        list(POLLER_RESOURCES),
        type="subset of the 22 QuickBooks resources",
        shown_default="all 22",
        doc="`event.poller.urls`. Kept in canonical order, so reordering is no change. "
        "Duplicates and unknown names are rejected",
    )
    poll_interval_minutes: PollIntervalMinutes | None = declared(
        None,
        type="int 1–1440",
        shown_default="unset (platform default)",
        doc="`event.poller.refresh_interval`",
    )
    event_vendor_type: EventVendorType = declared(
        "polling",
        type="`polling` \\| `webhook`",
        shown_default="`polling`",
        doc="`event.vendor.type`",
    )
    signature_key: SignatureKey | None = declared(
        None,
        type="secret string, 16–256 printable",
        shown_default="unset",
        doc="`event.notification.signature.key`. Write-only: compared by a keyed fingerprint",
        secret=True,
    )
    extra_configuration: ExtraConfiguration = declared(
        {},
        type="map of string → string",
        shown_default="`{}`",
        doc="only `event.notification.type`, `filter.response.nulls`, "
        "`quickbooks.minorversion`. Only the keys you declare are compared",
    )
    oauth: Grant | None = declared(
        None,
        type="secret grant: OAuth 2.0 `{code, realm_id}` or OAuth 1.0a `{oauth_token, "
        "oauth_verifier, secret, realm_id, data_source, state}`",
        shown_default="— (required unless `adopt_id`)",
        on_change="new `realm_id` → **replace**; new code for the same realm → update in "
        "place (re-authorize)",
        doc="single-use: a re-create needs a new consent. `realm_id` (the company id) is no "
        "secret and is an output in plain",
        secret=True,
    )
    adopt_id: AdoptId | None = declared(
        None,
        type="numeric instance id",
        shown_default="unset",
        on_change="a different id → **replace**",
        doc="takes over an existing instance; no grant needed. Only an instance that is "
        "free (no ownership tag) or already this resource's; see "
        "[Ownership](#ownership-takeover-and-protection). `pulumi import` does not work "
        "for dynamic providers",
    )
    adopt_from: AdoptFrom | None = declared(
        None,
        type="ownership tag `pulumi:<project>:<stack>:<resource>`",
        shown_default="unset",
        on_change="not compared",
        doc="a deliberate takeover: must equal the current owner's tag of the `adopt_id` "
        "instance. Requires `adopt_id`",
    )
    on_delete: OnDelete = declared(
        "delete",
        type="`delete` \\| `release`",
        shown_default="`delete`",
        on_change="update in place (state only, no API call)",
        doc="what removing the resource does: delete the instance, or release it (leave "
        "it, without this stack's ownership tag)",
    )

    @property
    def realm_id(self) -> str | None:
        return self.oauth.realm_id if self.oauth else None

    @property
    def stack_tag(self) -> str:
        return stack_tag_of(self.ownership_tag)

    def outputs_view(self) -> dict[str, Any]:
        """The non-secret, comparable part of the spec, keyed like the resource's outputs."""
        return {
            "name": self.name,
            "tags": list(self.tags),
            "callback_url": self.callback_url,
            "events_enabled": self.events_enabled,
            "poller_resources": list(self.poller_resources),
            "poll_interval_minutes": self.poll_interval_minutes,
            "event_vendor_type": self.event_vendor_type,
            "extra_configuration": dict(self.extra_configuration),
            "on_delete": self.on_delete,
        }


# The inputs, in the order check reports them (ownership_tag comes from the resource).
INPUT_FIELDS = tuple(InstanceSpec.model_fields)
USER_INPUTS = tuple(n for n in INPUT_FIELDS if n != "ownership_tag")
SECRET_INPUTS = tuple(
    n
    for n, f in InstanceSpec.model_fields.items()
    if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("secret")
)
