"""Rules for an instance's ``configuration`` map: required keys, value checks, masking."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .catalog import POLLER_RESOURCES
from .exceptions import BadRequest

MASK = "********"

# The company an instance is bound to, shown as a read-only configuration key
# so a client can observe it (the real platform keeps it internally).
REALM_KEY = "realmId"

REQUIRED_KEYS = (
    "oauth.api.key",
    "oauth.api.secret",
    "oauth.callback.url",
    "event.notification.enabled",
)
REQUIRED_WHEN_EVENTS_ENABLED = ("event.notification.callback.url", "event.poller.urls")
SECRET_KEYS = {"oauth.api.secret", "event.notification.signature.key"}
SECRET_WORDS = ("secret", "token", "password")
URL_KEYS = ("oauth.callback.url", "event.notification.callback.url")
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
    """Remove the read-only realmId key; it may only repeat the bound realm."""
    result = dict(configuration)
    sent = result.pop(REALM_KEY, None)
    if sent is not None and sent != realm_id:
        raise BadRequest(
            f"configuration {REALM_KEY!r} is read-only: it is set by the OAuth grant "
            "(a new company needs a new instance)"
        )
    return result


def poller_resources(configuration: dict[str, str]) -> list[str]:
    value = configuration.get("event.poller.urls", "")
    return value.split("|") if value else []


def events_enabled(configuration: dict[str, str]) -> bool:
    return configuration.get("event.notification.enabled") == "true"


def validate(configuration: dict[str, str]) -> None:
    """Raise a 400 for the first kind of problem, naming every key of that kind."""
    required = list(REQUIRED_KEYS)
    if events_enabled(configuration):
        required += REQUIRED_WHEN_EVENTS_ENABLED
    missing = [key for key in required if not configuration.get(key)]
    if missing:
        raise BadRequest(f"Missing required configuration: {', '.join(missing)}")

    if configuration["event.notification.enabled"] not in ("true", "false"):
        raise BadRequest("configuration 'event.notification.enabled' must be 'true' or 'false'")

    bad_urls = [
        key for key in URL_KEYS if key in configuration and not _is_http_url(configuration[key])
    ]
    if bad_urls:
        raise BadRequest(f"configuration must be absolute http(s) URLs: {', '.join(bad_urls)}")

    if configuration.get("event.poller.urls"):
        resources = configuration["event.poller.urls"].split("|")
        unknown = [item for item in resources if item not in POLLER_RESOURCES]
        if unknown:
            raise BadRequest(
                "Unknown resources in 'event.poller.urls': "
                f"{', '.join(repr(item) for item in unknown)}; "
                f"known: {'|'.join(POLLER_RESOURCES)}"
            )

    vendor_type = configuration.get("event.vendor.type")
    if vendor_type is not None and vendor_type not in EVENT_VENDOR_TYPES:
        raise BadRequest("configuration 'event.vendor.type' must be 'polling' or 'webhook'")

    interval = configuration.get("event.poller.refresh_interval")
    if interval is not None and not (interval.isdigit() and int(interval) > 0):
        raise BadRequest(
            "configuration 'event.poller.refresh_interval' must be a positive whole number "
            "of minutes"
        )


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
