"""Provider settings: where the API is and who we are. Never resource inputs, never state.

They come from the stack configuration (namespace ``quickbooks``) through the
dynamic provider's ``configure()``, with environment variables as fallback, so
`pulumi destroy` and `pulumi refresh` use the credentials of *today's* config
rather than anything recorded in state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import SettingsError as SettingsError  # re-exported: callers catch it here

NAMESPACE = "quickbooks"


@dataclass(frozen=True)
class Setting:
    config_key: str  # under the `quickbooks:` namespace
    env_var: str
    field: str  # of ProviderSettings
    secret: bool = False
    # Of a number setting: the one place its default is written (the client's
    # RetryPolicy and timeout take theirs from here).
    default: Any = None


BASE_URL = Setting("baseUrl", "QUICKBOOKS_BASE_URL", "base_url")
USER_SECRET = Setting("userSecret", "QUICKBOOKS_USER_SECRET", "user_secret", secret=True)
ORGANIZATION_SECRET = Setting(
    "organizationSecret", "QUICKBOOKS_ORGANIZATION_SECRET", "organization_secret", secret=True
)
OAUTH_API_KEY = Setting("oauthApiKey", "QUICKBOOKS_OAUTH_API_KEY", "oauth_api_key")
OAUTH_API_SECRET = Setting(
    "oauthApiSecret", "QUICKBOOKS_OAUTH_API_SECRET", "oauth_api_secret", secret=True
)
OAUTH_CALLBACK_URL = Setting(
    "oauthCallbackUrl", "QUICKBOOKS_OAUTH_CALLBACK_URL", "oauth_callback_url"
)
ALLOWED_CALLBACK_HOSTS = Setting(
    "allowedCallbackHosts", "QUICKBOOKS_ALLOWED_CALLBACK_HOSTS", "allowed_callback_hosts"
)
# Seconds to open a connection; the read timeout is `requestTimeoutSeconds`.
CONNECT_TIMEOUT_SECONDS = 5.0
REQUEST_TIMEOUT = Setting(
    "requestTimeoutSeconds",
    "QUICKBOOKS_REQUEST_TIMEOUT_SECONDS",
    "request_timeout_seconds",
    default=30.0,
)
MAX_RETRIES = Setting("maxRetries", "QUICKBOOKS_MAX_RETRIES", "max_retries", default=4)
MAX_RETRY_WAIT = Setting(
    "maxRetryWaitSeconds",
    "QUICKBOOKS_MAX_RETRY_WAIT_SECONDS",
    "max_retry_wait_seconds",
    default=60.0,
)

# How many engine steps the native plugin runs at once (the engine's `--parallel`
# bounds it too); the dynamic provider's host runs at most 4, whatever this says.
# 0: no bound of the provider's own; the engine's `--parallel` is the bound.
MAX_CONCURRENCY = Setting(
    "maxConcurrency", "QUICKBOOKS_MAX_CONCURRENCY", "max_concurrency", default=0
)

ALL_SETTINGS = (
    BASE_URL,
    USER_SECRET,
    ORGANIZATION_SECRET,
    OAUTH_API_KEY,
    OAUTH_API_SECRET,
    OAUTH_CALLBACK_URL,
    ALLOWED_CALLBACK_HOSTS,
    REQUEST_TIMEOUT,
    MAX_RETRIES,
    MAX_RETRY_WAIT,
    MAX_CONCURRENCY,
)


def _hosts(raw: str | list | None) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        text = raw.strip()
        items = json.loads(text) if text.startswith("[") else text.split(",")
    else:
        items = raw
    return tuple(sorted({str(h).strip().lower() for h in items if str(h).strip()}))


@dataclass(frozen=True)
class ProviderSettings:
    base_url: str | None = None
    user_secret: str | None = None
    organization_secret: str | None = None
    oauth_api_key: str | None = None
    oauth_api_secret: str | None = None
    oauth_callback_url: str | None = None
    allowed_callback_hosts: tuple[str, ...] = ()
    request_timeout_seconds: float = REQUEST_TIMEOUT.default
    max_retries: int = MAX_RETRIES.default
    max_retry_wait_seconds: float = MAX_RETRY_WAIT.default
    max_concurrency: int = MAX_CONCURRENCY.default

    def __repr__(self) -> str:  # secrets must not reach logs through a repr
        hosts = self.allowed_callback_hosts
        return f"ProviderSettings(base_url={self.base_url!r}, allowed_callback_hosts={hosts!r})"

    @classmethod
    def load(cls, lookup: Callable[[str], Any] | None = None) -> ProviderSettings:
        """Reads each setting from stack config (``lookup('quickbooks:key')``), else the env."""

        def raw(s: Setting) -> Any:
            value = lookup(f"{NAMESPACE}:{s.config_key}") if lookup else None
            if value is None or value == "":
                value = os.environ.get(s.env_var) or None
            return value

        def number(s: Setting, kind: type) -> Any:
            value = raw(s)
            if value is None:
                return s.default
            try:
                parsed = kind(value)
            except (TypeError, ValueError):
                raise SettingsError(
                    f"provider setting {NAMESPACE}:{s.config_key} ({s.env_var}) must be a number, "
                    f"got {value!r}"
                ) from None
            if parsed < 0:
                raise SettingsError(f"provider setting {NAMESPACE}:{s.config_key} must be >= 0")
            return parsed

        base = raw(BASE_URL)
        return cls(
            base_url=str(base).rstrip("/") if base else None,
            user_secret=raw(USER_SECRET),
            organization_secret=raw(ORGANIZATION_SECRET),
            oauth_api_key=raw(OAUTH_API_KEY),
            oauth_api_secret=raw(OAUTH_API_SECRET),
            oauth_callback_url=raw(OAUTH_CALLBACK_URL),
            allowed_callback_hosts=_hosts(raw(ALLOWED_CALLBACK_HOSTS)),
            request_timeout_seconds=number(REQUEST_TIMEOUT, float),
            max_retries=number(MAX_RETRIES, int),
            max_retry_wait_seconds=number(MAX_RETRY_WAIT, float),
            max_concurrency=number(MAX_CONCURRENCY, int),
        )

    def require(self, *settings: Setting) -> None:
        """Fails naming every missing setting, before any API call."""
        missing = [
            f"{NAMESPACE}:{s.config_key} (or env {s.env_var})"
            for s in settings
            if not getattr(self, s.field)
        ]
        if missing:
            raise SettingsError(
                "missing provider settings: "
                + ", ".join(missing)
                + ". Set them with `pulumi config set [--secret] <key> <value>`."
            )

    def secret_values(self) -> list[str]:
        return [v for v in (self.user_secret, self.organization_secret, self.oauth_api_secret) if v]


API_SETTINGS = (BASE_URL, USER_SECRET, ORGANIZATION_SECRET)
APP_SETTINGS = (OAUTH_API_KEY, OAUTH_API_SECRET, OAUTH_CALLBACK_URL)
