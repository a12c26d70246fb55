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
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from pydantic import ValidationError

from ..core.catalog import OAUTH2_SCOPE
from ..core.grants import OAuth1Grant, OAuth2Grant
from ..core.values import LOCAL_HOSTS
from ..redact import Redactor
from ..settings import ProviderSettings
from .errors import OnboardError, untrusted

ELEMENT_PATH = "/elements/quickbooks/oauth"
HTTP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Consent:
    """One consent this run started: where the person goes, and what must come back."""

    url: str
    flow: Literal["oauth2", "oauth1"]
    state: str = field(repr=False)
    request_token: str | None = field(default=None, repr=False)
    request_token_secret: str | None = field(default=None, repr=False)


def start_consent(settings: ProviderSettings, *, oauth1: bool = False) -> Consent:
    """Asks Cloud Elements for the consent URL (and a request token for OAuth 1.0a)."""
    assert settings.base_url and settings.oauth_api_key and settings.oauth_api_secret
    assert settings.oauth_callback_url
    # Random per run: a redirect that does not carry it back was not started here (CSRF).
    state = secrets.token_urlsafe(24)
    app = {
        "apiKey": settings.oauth_api_key,
        "apiSecret": settings.oauth_api_secret,
        "callbackUrl": settings.oauth_callback_url,
    }
    redact = Redactor([settings.oauth_api_secret])
    with requests.Session() as http:
        # A loopback platform (the emulator) must never go through an environment proxy.
        http.trust_env = (urlsplit(settings.base_url).hostname or "") not in LOCAL_HOSTS
        if oauth1:
            token = _get_json(http, settings.base_url, "/token", app, redact)
            request_token, token_secret = token.get("token"), token.get("secret")
            if not isinstance(request_token, str) or not isinstance(token_secret, str):
                raise OnboardError(f"GET {ELEMENT_PATH}/token answered without token and secret")
            params = {**app, "requestToken": request_token, "state": state}
        else:
            request_token = token_secret = None
            params = {**app, "state": state, "authentication.type": "oauth2", "scope": OAUTH2_SCOPE}
        answer = _get_json(http, settings.base_url, "/url", params, redact)
    url = answer.get("oauthUrl")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise OnboardError(f"GET {ELEMENT_PATH}/url answered without an http(s) oauthUrl")
    return Consent(
        url=url,
        flow="oauth1" if oauth1 else "oauth2",
        state=state,
        request_token=request_token,
        request_token_secret=token_secret,
    )


def _get_json(
    http: requests.Session, base_url: str, step: str, params: dict[str, str], redact: Redactor
) -> dict[str, Any]:
    operation = f"GET {ELEMENT_PATH}{step}"
    try:
        response = http.get(
            base_url + ELEMENT_PATH + step,
            params=params,
            headers={"Accept": "application/json"},
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        # Never str(exc): requests puts the whole URL, apiSecret included, in it.
        raise OnboardError(
            f"{operation}: cannot reach quickbooks:baseUrl {base_url} ({type(exc).__name__})"
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        message = body.get("message") if isinstance(body, dict) else None
        detail = redact(untrusted(str(message or response.reason or "no message"), 300))
        raise OnboardError(
            f"{operation} failed: HTTP {response.status_code}: {detail} "
            "(check quickbooks:baseUrl, quickbooks:oauthApiKey and quickbooks:oauthApiSecret)"
        )
    return body


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
