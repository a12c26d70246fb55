"""Starting a consent on Cloud Elements, and turning the browser's redirect into a grant.

OAuth 2.0 (what QuickBooks uses today): `GET /elements/quickbooks/oauth/url`
with `authentication.type=oauth2`; the redirect brings `code` and `realmId`.
OAuth 1.0a (retired by Intuit, kept for white-labelled platforms): a request
token from `/oauth/token` first; the redirect brings `oauth_token`,
`oauth_verifier`, `realmId`, `dataSource`, and the grant also needs the request
token's secret from the first step.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import ValidationError

from ..api.client import OAUTH_PATH, CloudElementsClient
from ..api.settings import ProviderSettings
from ..core.catalog import OAUTH2_SCOPE
from ..core.grants import OAuth1Grant, OAuth2Grant
from ..errors import CloudElementsError, TransportError
from .errors import OnboardError, untrusted


@dataclass(frozen=True)
class Consent:
    """One consent this run started: where the person goes, and what must come back."""

    url: str
    flow: Literal["oauth2", "oauth1"]
    state: str = field(repr=False)
    request_token: str | None = field(default=None, repr=False)
    request_token_secret: str | None = field(default=None, repr=False)


def start_consent(
    client: CloudElementsClient, settings: ProviderSettings, *, oauth1: bool = False
) -> Consent:
    """Asks Cloud Elements, through the one client, for the consent URL (and a request
    token for OAuth 1.0a)."""
    assert settings.oauth_api_key and settings.oauth_api_secret and settings.oauth_callback_url
    # Random per run: a redirect that does not carry it back was not started here (CSRF).
    state = secrets.token_urlsafe(24)
    client.redact.add(settings.oauth_api_secret, state)
    app = {
        "apiKey": settings.oauth_api_key,
        "apiSecret": settings.oauth_api_secret,
        "callbackUrl": settings.oauth_callback_url,
    }
    if oauth1:
        token = _ask(client, client.oauth_request_token, app)
        request_token, token_secret = token.get("token"), token.get("secret")
        if not isinstance(request_token, str) or not isinstance(token_secret, str):
            raise OnboardError(f"GET {OAUTH_PATH}/token answered without token and secret")
        client.redact.add(request_token, token_secret)
        params = {**app, "requestToken": request_token, "state": state}
    else:
        request_token = token_secret = None
        params = {**app, "state": state, "authentication.type": "oauth2", "scope": OAUTH2_SCOPE}
    url = _ask(client, client.oauth_url, params).get("oauthUrl")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise OnboardError(f"GET {OAUTH_PATH}/url answered without an http(s) oauthUrl")
    return Consent(
        url=url,
        flow="oauth1" if oauth1 else "oauth2",
        state=state,
        request_token=request_token,
        request_token_secret=token_secret,
    )


def _ask(
    client: CloudElementsClient,
    call: Callable[[dict[str, str]], dict[str, Any]],
    params: dict[str, str],
) -> dict[str, Any]:
    """One consent call; a failure becomes the one line onboarding prints (redacted by
    the client, made printable here: the platform's message is not ours)."""
    try:
        return call(params)
    except TransportError as exc:
        raise OnboardError(
            f"{exc.operation}: cannot reach quickbooks:baseUrl {client.base_url} ({exc.cause})"
        ) from None
    except CloudElementsError as exc:
        status = f"HTTP {exc.status}: " if exc.status is not None else ""
        raise OnboardError(
            f"{exc.operation} failed: {status}{untrusted(exc.message, 300)} "
            "(check quickbooks:baseUrl, quickbooks:oauthApiKey and quickbooks:oauthApiSecret)"
        ) from None


def grant_from_redirect(
    params: list[tuple[str, str]], consent: Consent
) -> OAuth2Grant | OAuth1Grant:
    """Checks the redirect's query against this run's consent and returns the grant.

    Every failure is an OnboardError whose message quotes no grant value."""
    values: dict[str, str] = {}
    for name, value in params:
        if name in values:
            raise OnboardError(
                f"the browser's redirect repeats the parameter {untrusted(name, 40)!r}: refused",
                page_reason="The redirect was malformed.",
            )
        values[name] = value

    if not secrets.compare_digest(values.get("state", "").encode(), consent.state.encode()):
        raise OnboardError(
            "the browser's redirect carried a state that does not match this run (a forged "
            "request, or a consent tab from an earlier run): nothing was stored; run the "
            "command again",
            page_reason="This answer does not belong to the sign-in the terminal started.",
        )
    if "error" in values:
        error = untrusted(values["error"], 60)
        description = values.get("error_description")
        more = f" ({untrusted(description)})" if description else ""
        if values["error"] == "access_denied":
            raise OnboardError(
                f"consent was denied in the browser (error=access_denied){more}: "
                "nothing was stored",
                page_reason="Access was denied.",
            )
        raise OnboardError(
            f"the authorization server answered error={error}{more}: nothing was stored",
            page_reason=f"The authorization server answered error={error}.",
        )

    try:
        if consent.flow == "oauth2":
            return OAuth2Grant(code=values.get("code", ""), realm_id=values.get("realmId", ""))
        if not secrets.compare_digest(
            values.get("oauth_token", "").encode(), (consent.request_token or "").encode()
        ):
            raise OnboardError(
                "the browser's redirect carried another oauth_token than the request token of "
                "this run: nothing was stored; run the command again",
                page_reason="This answer does not belong to the sign-in the terminal started.",
            )
        return OAuth1Grant(
            oauth_token=values["oauth_token"],
            oauth_verifier=values.get("oauth_verifier", ""),
            secret=consent.request_token_secret or "",
            realm_id=values.get("realmId", ""),
            data_source=values.get("dataSource") or "QBO",
            state=values["state"],
        )
    except ValidationError as exc:
        # The locations only: a ValidationError's text quotes the offending values.
        names = {"realm_id": "realmId", "data_source": "dataSource"}
        fields = sorted({names.get(str(e["loc"][0]), str(e["loc"][0])) for e in exc.errors()})
        raise OnboardError(
            f"the browser's redirect has a missing or malformed {', '.join(fields)}: "
            "nothing was stored",
            page_reason="The redirect did not carry a usable grant.",
        ) from None
