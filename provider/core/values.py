"""The value types of the inputs: each an annotated type carrying its own validation
and normalization.

The declaration table (`inputs.py`) gives every input one of these; the full model
and the field-by-field validation that `check` runs in preview (where some values
are still unknown) use the same types, so preview and apply can never disagree
about what is valid.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, StrictStr

from .catalog import EVENT_VENDOR_TYPES, EXTRA_CONFIGURATION_KEYS, MASK, POLLER_RESOURCES
from .tags import OWNERSHIP_PREFIX, is_ownership_tag

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


def _no_html_tags(value: str) -> str:
    # The platform strips HTML tags from a name on create and update (churros
    # instances.js): a name with tags would differ from the instance's forever.
    if HTML_TAG.search(value):
        raise ValueError(
            "contains HTML tags, which the platform strips from instance names: the "
            "instance would never carry this name"
        )
    return value


HTML_TAG = re.compile(r"<[^>]*>")

Name = Annotated[
    StrictStr,
    AfterValidator(_no_html_tags),
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


AdoptId = Annotated[
    StrictStr,
    BeforeValidator(_id_from_number),
    AfterValidator(_matches(re.compile(r"[0-9]{1,18}"), "must be a numeric instance id")),
]
OwnershipTag = Annotated[StrictStr, Field(min_length=len(OWNERSHIP_PREFIX) + 1, max_length=200)]


def _owner_tag(tag: str) -> str:
    if not is_ownership_tag(tag):
        raise ValueError(
            "must be the current owner's ownership tag, pulumi:<project>:<stack>:<resource> "
            "(the error that refused the adoption shows it)"
        )
    return tag


AdoptFrom = Annotated[StrictStr, Field(max_length=200), AfterValidator(_owner_tag)]
# What `pulumi destroy` (or removing the resource) does to the instance: delete it,
# release it (leave it in place without this stack's ownership tag, free for
# another stack to adopt), or disable it and release it (kept, but silent).
OnDelete = Literal["delete", "release", "disable"]
