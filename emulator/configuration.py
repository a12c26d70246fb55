"""The configuration keys the emulator knows (one table), and the rules built on it:
required keys, value checks, masking."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from .catalog import ELEMENT_KEY, JIRA_KEY, POLLER_RESOURCES
from .exceptions import BadRequest

MASK = "********"


class Required(Enum):
    NO = "no"
    ALWAYS = "always"
    WITH_EVENTS = "when event.notification.enabled is 'true'"


class Check(Enum):
    """The kinds of value check, in the order validate() runs them (first failing kind wins)."""

    FLAG = 1  # "true" or "false"
    URL = 2  # an absolute http(s) URL
    RESOURCES = 3  # "|"-separated names from catalog.POLLER_RESOURCES
    VENDOR_TYPE = 4  # one of EVENT_VENDOR_TYPES
    MINUTES = 5  # a positive whole number


@dataclass(frozen=True)
class ConfigKey:
    """One configuration key the emulator knows; unknown keys are stored as they are."""

    name: str
    required: Required = Required.NO
    secret: bool = False
    check: Check | None = None


# Masked like the secret (churros instances.js checks both, in the create answer too).
OAUTH_API_KEY = ConfigKey("oauth.api.key", Required.ALWAYS, secret=True)
OAUTH_API_SECRET = ConfigKey("oauth.api.secret", Required.ALWAYS, secret=True)
OAUTH_CALLBACK_URL = ConfigKey("oauth.callback.url", Required.ALWAYS, check=Check.URL)
AUTHENTICATION_TYPE = ConfigKey("authentication.type")
EVENTS_ENABLED = ConfigKey("event.notification.enabled", Required.ALWAYS, check=Check.FLAG)
EVENT_CALLBACK_URL = ConfigKey(
    "event.notification.callback.url", Required.WITH_EVENTS, check=Check.URL
)
POLLER_URLS = ConfigKey("event.poller.urls", Required.WITH_EVENTS, check=Check.RESOURCES)
SIGNATURE_KEY = ConfigKey("event.notification.signature.key", secret=True)
VENDOR_TYPE = ConfigKey("event.vendor.type", check=Check.VENDOR_TYPE)
REFRESH_INTERVAL = ConfigKey("event.poller.refresh_interval", check=Check.MINUTES)
# The company an instance is bound to, a read-only configuration key (devportal
# quickbooksonline/authenticate.md, "Token Based Authentication").
REALM_ID = ConfigKey("quickbooks.realm.id")
# What an older emulator showed instead; accepted back (read-only) and never shown.
LEGACY_REALM_KEY = "realmId"
# Keys the platform itself keeps in a QuickBooks instance's configuration (ce-go
# ce/elements.go, InstanceConfiguration): the OAuth tokens it holds, when it last
# refreshed them, the vendor's base URL. A client's values for them are ignored; they
# survive a PUT that leaves them out.
PLATFORM_KEYS = (
    "base_url",
    "oauth.user.token",
    "oauth.user.refresh_token",
    "oauth.user.refresh_time",
)

# The one table: validation, masking and the dashboard read their keys from it.
CONFIG_KEYS = (
    OAUTH_API_KEY,
    OAUTH_API_SECRET,
    OAUTH_CALLBACK_URL,
    AUTHENTICATION_TYPE,
    EVENTS_ENABLED,
    EVENT_CALLBACK_URL,
    POLLER_URLS,
    SIGNATURE_KEY,
    VENDOR_TYPE,
    REFRESH_INTERVAL,
    REALM_ID,
)
REALM_KEY = REALM_ID.name
# Set by the platform, read-only: the id of the instance's webhook subscription,
# shown while events are enabled (ce-go lists it among the configuration keys).
SUBSCRIPTION_KEY = "event_notification_subscription_id"
SECRET_KEYS = frozenset(key.name for key in CONFIG_KEYS if key.secret)
# Unknown keys that look like credentials are masked too.
SECRET_WORDS = ("secret", "token", "password")
EVENT_VENDOR_TYPES = ("polling", "webhook")


def is_secret(key: str) -> bool:
    lowered = key.lower()
    return key in SECRET_KEYS or any(word in lowered for word in SECRET_WORDS)


def masked(configuration: dict[str, str]) -> dict[str, str]:
    return {key: MASK if is_secret(key) else value for key, value in configuration.items()}


def require_strings(configuration: Any) -> dict[str, str]:
    """The configuration as a map of strings, or a 400 naming every non-string value."""
    if not isinstance(configuration, dict):
        raise BadRequest("configuration must be an object of string values")
    wrong = [key for key, value in configuration.items() if not isinstance(value, str)]
    if wrong:
        names = ", ".join(repr(key) for key in wrong)
        raise BadRequest(f"configuration values must be strings (booleans too): {names}")
    return dict(configuration)


def keep_masked_secrets(incoming: dict[str, str], stored: dict[str, str]) -> dict[str, str]:
    """Replace values sent back as the mask by the stored value.

    Clients read secrets as ``********``; sending that back unchanged must not
    overwrite the real secret with eight asterisks.
    """
    result = dict(incoming)
    for key, value in incoming.items():
        if value != MASK:
            continue
        if key not in stored:
            raise BadRequest(f"configuration {key!r} holds the mask {MASK!r} but has no value")
        result[key] = stored[key]
    return result


def strip_realm(configuration: dict[str, str], realm_id: str | None) -> dict[str, str]:
    """Remove the read-only company key; it may only repeat the bound realm."""
    result = dict(configuration)
    sent = {result.pop(REALM_KEY, None), result.pop(LEGACY_REALM_KEY, None)} - {None}
    if sent - {realm_id}:
        raise BadRequest(
            f"configuration {REALM_KEY!r} is read-only: it is set by the OAuth grant "
            "(a new company needs a new instance)"
        )
    return result


def poller_resources(configuration: dict[str, str]) -> list[str]:
    value = configuration.get(POLLER_URLS.name, "")
    return value.split("|") if value else []


def events_enabled(configuration: dict[str, str]) -> bool:
    return configuration.get(EVENTS_ENABLED.name) == "true"


def required_keys(configuration: dict[str, str]) -> list[str]:
    wanted = {Required.ALWAYS} | (
        {Required.WITH_EVENTS} if events_enabled(configuration) else set()
    )
    return [key.name for key in CONFIG_KEYS if key.required in wanted]


# The configuration keys a basic-authentication element requires (churros instances.js
# reads a jira instance's username and masked password; devportal
# jira-create-instance.md shows them with base.url, which the emulator keeps optional).
BASIC_AUTH_REQUIRED = {JIRA_KEY: ("username", "password")}


def validate_for(element_key: str, configuration: dict[str, str]) -> None:
    """`validate` for a QuickBooks instance; the required keys of another element."""
    if element_key == ELEMENT_KEY:
        validate(configuration)
        return
    missing = [k for k in BASIC_AUTH_REQUIRED[element_key] if not configuration.get(k)]
    if missing:
        raise BadRequest(f"Missing required configuration: {', '.join(missing)}")


def validate(configuration: dict[str, str]) -> None:
    """Raise a 400 for the first kind of problem, naming every key of that kind."""
    missing = [name for name in required_keys(configuration) if not configuration.get(name)]
    if missing:
        raise BadRequest(f"Missing required configuration: {', '.join(missing)}")
    for check in Check:
        failing = [
            key.name
            for key in CONFIG_KEYS
            if key.check is check
            and key.name in configuration
            and _problem(check, configuration[key.name])
        ]
        if failing:
            raise BadRequest(_message(check, failing, configuration))


def _problem(check: Check, value: str) -> bool:
    if check is Check.FLAG:
        return value not in ("true", "false")
    if check is Check.URL:
        return not _is_http_url(value)
    if check is Check.RESOURCES:
        return bool(_unknown_resources(value))
    if check is Check.VENDOR_TYPE:
        return value not in EVENT_VENDOR_TYPES
    return not (value.isdigit() and int(value) > 0)


def _message(check: Check, failing: list[str], configuration: dict[str, str]) -> str:
    first = failing[0]
    if check is Check.FLAG:
        return f"configuration {first!r} must be 'true' or 'false'"
    if check is Check.URL:
        return f"configuration must be absolute http(s) URLs: {', '.join(failing)}"
    if check is Check.RESOURCES:
        unknown = _unknown_resources(configuration[first])
        return (
            f"Unknown resources in {first!r}: {', '.join(repr(item) for item in unknown)}; "
            f"known: {'|'.join(POLLER_RESOURCES)}"
        )
    if check is Check.VENDOR_TYPE:
        choices = " or ".join(repr(choice) for choice in EVENT_VENDOR_TYPES)
        return f"configuration {first!r} must be {choices}"
    return f"configuration {first!r} must be a positive whole number of minutes"


def _unknown_resources(value: str) -> list[str]:
    items = value.split("|") if value else []
    return [item for item in items if item not in POLLER_RESOURCES]


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def platform_keys(realm_id: str, now_ms: int) -> dict[str, str]:
    """The platform's own keys of a QuickBooks instance just authorized for `realm_id`."""
    return {
        "base_url": f"https://quickbooks.api.intuit.com/v3/company/{realm_id}",
        "oauth.user.token": secrets.token_urlsafe(24),
        "oauth.user.refresh_token": secrets.token_urlsafe(24),
        "oauth.user.refresh_time": str(now_ms),
    }
