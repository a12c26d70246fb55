"""The emulator's OAuth consent, driven over HTTP exactly as a browser submits it.

``grant`` asks for the consent URL (OAuth 2.0, or 1.0a with its request token first),
reads the consent page's form, submits it and returns the callback's query parameters.
``ConsentForm`` is the page's form alone, for tests that drive the steps themselves.
"""

from __future__ import annotations

import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

DEFAULT_REALM = "9130350000000001"
DEFAULT_SCOPE = "com.intuit.quickbooks.accounting"


class ConsentError(RuntimeError):
    """A consent step got an answer a browser could not go on from."""


def grant(
    http: requests.Session,
    base_url: str,
    api_key: str,
    api_secret: str,
    callback_url: str,
    realm_id: str = DEFAULT_REALM,
    oauth1: bool = False,
    deny: bool = False,
) -> dict:
    """Run the consent flow against the platform API at ``base_url``; return the
    callback's query params.

    OAuth 2.0 gives ``code``, ``realmId``, ``state``; OAuth 1.0a gives ``oauth_token``,
    ``oauth_verifier``, ``realmId``, ``dataSource``, ``state`` plus ``secret`` (the
    request token secret from step 1, which 1.0a providerData needs). A denial gives
    ``error`` and ``state``.
    """
    params = {
        "apiKey": api_key,
        "apiSecret": api_secret,
        "callbackUrl": callback_url,
        "state": secrets.token_urlsafe(8),
    }
    token_secret = None
    if oauth1:
        token = _get_json(http, base_url + "/elements/quickbooks/oauth/token", params)
        params["requestToken"] = token["token"]
        token_secret = token["secret"]
    else:
        params.update({"authentication.type": "oauth2", "scope": DEFAULT_SCOPE})
    consent_url = _get_json(http, base_url + "/elements/quickbooks/oauth/url", params)["oauthUrl"]

    page = http.get(consent_url, timeout=30)
    if page.status_code != 200:
        raise ConsentError(f"consent page: {page.status_code} {page.text}")
    form = ConsentForm.parse(page.text)
    fields = {**form.hidden, "realm_id": realm_id, "decision": "deny" if deny else "authorize"}
    answer = http.post(
        urljoin(consent_url, form.action), data=fields, allow_redirects=False, timeout=30
    )
    if answer.status_code != 302:
        raise ConsentError(f"consent form: {answer.status_code} {answer.text}")
    result = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    if token_secret is not None and not deny:
        result["secret"] = token_secret
    return result


def _get_json(http: requests.Session, url: str, params: dict[str, str]) -> dict:
    response = http.get(url, params=params, timeout=30)
    if response.status_code != 200:
        path = urlsplit(url).path
        raise ConsentError(f"GET {path}: {response.status_code} {response.text}")
    return response.json()


class ConsentForm(HTMLParser):
    """The consent page's form action and hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.hidden: dict[str, str] = {}

    @classmethod
    def parse(cls, html: str) -> ConsentForm:
        form = cls()
        form.feed(html)
        if not form.action:
            raise ConsentError("consent page has no form")
        return form

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and values.get("id") == "consent":
            self.action = values.get("action", "")
        elif tag == "input" and values.get("type") == "hidden":
            self.hidden[values.get("name", "")] = values.get("value", "")
