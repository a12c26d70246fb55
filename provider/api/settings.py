"""Provider settings: where the API is and who we are. Never resource inputs, never state.

They come from the stack configuration (namespace ``quickbooks``) through the
dynamic provider's ``configure()``, with environment variables as fallback, so
`pulumi destroy` and `pulumi refresh` use the credentials of *today's* config
rather than anything recorded in state.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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
    # What a value must be (`RULES` below): "api url", "url", "hosts", "text",
    # "int" or "number" within [minimum, maximum].
    form: str = "text"
    minimum: float | None = None
    maximum: float | None = None

    @property
    def key(self) -> str:
        """`quickbooks:baseUrl`: the name a person sets, in every message."""
        return f"{NAMESPACE}:{self.config_key}"

    @property
    def rule_doc(self) -> str:
        """What `problem` accepts, in words (the reference table and the schema)."""
        if self.form in ("int", "number"):
            low = 0 if self.minimum is None else self.minimum
            kind = "integer" if self.form == "int" else "number"
            return f"{kind} {low:g}–{self.maximum:g}"
        return {
            "api url": "https:// URL (http:// only for a loopback host), without "
            "credentials, query or fragment",
            "url": "http(s):// URL without credentials or fragment",
            "hosts": "host names or `*.domain` wildcards, a list or comma-separated",
        }.get(self.form, "non-empty text")


BASE_URL = Setting("baseUrl", "QUICKBOOKS_BASE_URL", "base_url", form="api url")
USER_SECRET = Setting("userSecret", "QUICKBOOKS_USER_SECRET", "user_secret", secret=True)
ORGANIZATION_SECRET = Setting(
    "organizationSecret", "QUICKBOOKS_ORGANIZATION_SECRET", "organization_secret", secret=True
)
OAUTH_API_KEY = Setting("oauthApiKey", "QUICKBOOKS_OAUTH_API_KEY", "oauth_api_key")
OAUTH_API_SECRET = Setting(
    "oauthApiSecret", "QUICKBOOKS_OAUTH_API_SECRET", "oauth_api_secret", secret=True
)
OAUTH_CALLBACK_URL = Setting(
    "oauthCallbackUrl", "QUICKBOOKS_OAUTH_CALLBACK_URL", "oauth_callback_url", form="url"
)
ALLOWED_CALLBACK_HOSTS = Setting(
    "allowedCallbackHosts",
    "QUICKBOOKS_ALLOWED_CALLBACK_HOSTS",
    "allowed_callback_hosts",
    form="hosts",
)
# Seconds to open a connection; the read timeout is `requestTimeoutSeconds`.
CONNECT_TIMEOUT_SECONDS = 5.0
REQUEST_TIMEOUT = Setting(
    "requestTimeoutSeconds",
    "QUICKBOOKS_REQUEST_TIMEOUT_SECONDS",
    "request_timeout_seconds",
    default=30.0,
    form="number",
    minimum=0.1,
    maximum=600,
)
MAX_RETRIES = Setting(
    "maxRetries", "QUICKBOOKS_MAX_RETRIES", "max_retries", default=4, form="int", maximum=20
)
MAX_RETRY_WAIT = Setting(
    "maxRetryWaitSeconds",
    "QUICKBOOKS_MAX_RETRY_WAIT_SECONDS",
    "max_retry_wait_seconds",
    default=60.0,
    form="number",
    minimum=0,
    maximum=3600,
)

# How many engine steps the native plugin runs at once (the engine's `--parallel`
# bounds it too); the dynamic provider's host runs at most 4, whatever this says.
# 0: no bound of the provider's own; the engine's `--parallel` is the bound.
MAX_CONCURRENCY = Setting(
    "maxConcurrency",
    "QUICKBOOKS_MAX_CONCURRENCY",
    "max_concurrency",
    default=0,
    form="int",
    minimum=0,
    maximum=100,
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


# A host of `allowedCallbackHosts`: a DNS name, optionally `*.`-prefixed, or an IP.
_HOST_RE = re.compile(
    r"(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)
_LOOPBACK_NAMES = frozenset({"localhost"})


def _host_items(raw: Any) -> list[str]:
    """The hosts of a list, a JSON list text or a comma-separated text."""
    if isinstance(raw, str):
        text = raw.strip()
        if not text.startswith("["):
            return [h for h in text.split(",") if h.strip()]
        try:
            raw = json.loads(text)
        except ValueError:
            raise SettingsError(
                "must be a JSON list or comma-separated hosts, got malformed JSON"
            ) from None
    if not isinstance(raw, list) or not all(isinstance(h, str) for h in raw):
        raise SettingsError("must be a list of host names (or one comma-separated text)")
    return [h for h in raw if h.strip()]


def _hosts(raw: Any) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    return tuple(sorted({h.strip().lower() for h in _host_items(raw)}))


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(value: Any, *, api: bool) -> str | None:
    if not isinstance(value, str):
        return "must be a URL text"
    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return f"must be an absolute https:// URL, got {value!r}"
    if api and parts.scheme == "http" and not _is_loopback(host):
        # The user and organization secrets travel in every request's header.
        return f"must use https:// (plain http:// only for a loopback host), got {value!r}"
    if parts.username or parts.password or parts.fragment or (api and parts.query):
        what = "credentials, a query or a #fragment" if api else "credentials or a #fragment"
        return f"must not carry {what}, got {value!r}"
    return None


def _host_list(value: Any) -> str | None:
    try:
        hosts = _hosts(value)
    except SettingsError as exc:
        return str(exc)
    bad = [h for h in hosts if not (_HOST_RE.fullmatch(h) or _is_loopback(h))]
    if bad:
        return (
            f"{', '.join(map(repr, bad))}: not a host name (write `hooks.example.com` or "
            "`*.example.com`, no scheme, port or path)"
        )
    return None


def _number(s: Setting, value: Any) -> str | None:
    kind = int if s.form == "int" else float
    try:
        parsed = kind(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or (kind is int and isinstance(value, float) and not value.is_integer()):
        return f"must be {'an integer' if kind is int else 'a number'}, got {value!r}"
    low = 0 if s.minimum is None else s.minimum
    if not low <= parsed <= s.maximum:
        return f"must be between {low:g} and {s.maximum:g}, got {value!r}"
    return None


def _text(s: Setting, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        shown = "a secret" if s.secret else repr(value)
        return f"must be a non-empty text without surrounding spaces, got {shown}"
    return None


def problem(s: Setting, value: Any) -> str | None:
    """What is wrong with `value` for `s` (never quoting a secret), or None."""
    if s.form in ("int", "number"):
        return _number(s, value)
    if s.form == "hosts":
        return _host_list(value)
    if s.form in ("url", "api url"):
        return _url(value, api=s.form == "api url")
    return _text(s, value)


def problems(
    lookup: Callable[[str], Any] | None = None,
    unknown: Iterable[str] = (),
    required: Iterable[Setting] = (),
) -> list[tuple[Setting, str]]:
    """Every malformed setting (stack config through `lookup('quickbooks:key')`, else
    the environment) and every `required` one that is missing; no call. The keys in
    `unknown` (a preview's values not known yet) are not judged."""
    skipped = set(unknown)
    found = []
    for s in ALL_SETTINGS:
        if s.key in skipped:
            continue
        value = raw_value(s, lookup)
        if value is None:
            if s in required:
                found.append((s, f"is required (or env {s.env_var})"))
            continue
        reason = problem(s, value)
        if reason:
            found.append((s, reason))
    return found


def describe(found: list[tuple[Setting, str]]) -> str:
    """One message naming each key of `problems`."""
    lines = "; ".join(f"{s.key} {reason}" for s, reason in found)
    return (
        f"invalid provider settings: {lines}. "
        "Set them with `pulumi config set [--secret] <key> <value>`."
    )


def validate(lookup: Callable[[str], Any] | None = None, required: Iterable[Setting] = ()) -> None:
    """`problems`, raised as one SettingsError."""
    found = problems(lookup, required=required)
    if found:
        raise SettingsError(describe(found))


def raw_value(s: Setting, lookup: Callable[[str], Any] | None) -> Any:
    value = lookup(s.key) if lookup else None
    if value is None or value == "":
        value = os.environ.get(s.env_var) or None
    return value


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
        """Reads each setting from stack config (``lookup('quickbooks:key')``), else the env;
        a malformed one fails naming its key (`validate`)."""

        validate(lookup)

        def raw(s: Setting) -> Any:
            return raw_value(s, lookup)

        def number(s: Setting, kind: type) -> Any:
            value = raw(s)
            return s.default if value is None else kind(value)

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
