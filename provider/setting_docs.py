"""What each provider setting means, in words: the one place, read by the reference
table (`docs.py`) and the plugin's schema."""

from __future__ import annotations

from .api.settings import CONNECT_TIMEOUT_SECONDS

# What each provider setting means; keyed by `Setting.config_key`. The key, the env
# var, the secrecy and the default come from `settings.py` itself.
SETTING_DOCS = {
    "baseUrl": "the API, e.g. `https://api.cloud-elements.com/elements/api-v2` "
    "(EU, staging and white-label hosts work too)",
    "userSecret": "Cloud Elements user secret",
    "organizationSecret": "organization secret; also keys the fingerprints of write-only secrets",
    "oauthApiKey": "the QuickBooks app's key (`oauth.api.key`)",
    "oauthApiSecret": "the app's secret (`oauth.api.secret`)",
    "oauthCallbackUrl": "the app's OAuth redirect (`oauth.callback.url`)",
    "allowedCallbackHosts": "list (or comma-separated) of hosts the event callback may use; "
    "`*.example.com` wildcards; empty = any",
    "requestTimeoutSeconds": "read timeout per request "
    f"(the connect timeout is {CONNECT_TIMEOUT_SECONDS:g} s)",
    "maxRetries": "retries of a retryable failure",
    "maxRetryWaitSeconds": "bound on the total back-off of one call",
    "maxConcurrency": "a bound of its own on the operations the native plugin runs at "
    "once; `0`: none, the engine's `--parallel` is the bound (the dynamic provider's "
    "host runs at most 4)",
}
