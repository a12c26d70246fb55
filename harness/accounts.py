"""Throwaway accounts, the QuickBooks app, and the provider configured for them.

Every secret made here is registered with the leak scan as it is made.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from provider.lifecycle import QuickBooksInstanceProvider

from .leaks import SECRETS

if TYPE_CHECKING:  # the emulator's client loads `requests`; test_import_cost counts on that
    from .controls import Emulator

APP_CALLBACK = "http://localhost:8400/quickbooks/oauth/callback"
EVENTS_URL = "https://hooks.example.com/quickbooks/events"


@dataclass
class App:
    """A QuickBooks app registered with the emulator (any key/secret is accepted)."""

    api_key: str
    api_secret: str
    callback_url: str = APP_CALLBACK


def random_accounts(count: int = 1) -> list[tuple[str, str]]:
    """Throwaway (organization secret, user secret) pairs for a test emulator: random,
    so a leak scan can tell them apart from any other string."""
    accounts = [
        (f"org-{secrets.token_hex(12)}", f"user-{secrets.token_hex(12)}") for _ in range(count)
    ]
    for org, user in accounts:
        SECRETS.add("organization secret", org)
        SECRETS.add("user secret", user)
    return accounts


def new_app(callback_url: str = APP_CALLBACK) -> App:
    made = App(
        api_key=f"app-{secrets.token_hex(4)}",
        api_secret=secrets.token_hex(16),
        callback_url=callback_url,
    )
    SECRETS.add("app secret", made.api_secret)
    return made


def provider_config(emu: Emulator, app: App, account: int = 0, **extra) -> dict[str, str]:
    org, user = emu.accounts[account]
    return {
        "quickbooks:baseUrl": emu.base_url,
        "quickbooks:userSecret": user,
        "quickbooks:organizationSecret": org,
        "quickbooks:oauthApiKey": app.api_key,
        "quickbooks:oauthApiSecret": app.api_secret,
        "quickbooks:oauthCallbackUrl": app.callback_url,
        "quickbooks:allowedCallbackHosts": '["hooks.example.com", "localhost"]',
        **extra,
    }


def configured_provider(config: dict[str, str]) -> QuickBooksInstanceProvider:
    provider = QuickBooksInstanceProvider()
    provider.configure(ConfigureRequest(Config(config, "quickbooks-instances")))
    return provider


def oauth_grant(emu: Emulator, app: App, realm_id: str | None = None) -> dict[str, str]:
    """A fresh OAuth 2.0 grant from the emulator's consent flow, as the `oauth` input.

    By default for a company no earlier grant of this emulator was for: QuickBooks
    allows one authorized instance per company, so a second instance would wipe the
    first's authorization. Re-authorizing an instance needs its own `realm_id`.
    """
    from .companies import new_company  # loads the emulator client (and `requests`)

    realm_id = realm_id or new_company(emu)
    params = emu.grant(app.api_key, app.api_secret, app.callback_url, realm_id=realm_id)
    SECRETS.add("grant code", params["code"])
    return {"code": params["code"], "realm_id": params["realmId"]}


def made_by_hand(
    emu: Emulator,
    app: App,
    realm_id: str,
    account: int = 0,
    name: str = "Made by hand",
    tags: tuple[str, ...] = (),
) -> dict:
    """An instance for `realm_id` created straight through the API, as someone in the
    console would: tagged by no stack (unless `tags` names one). Returns the API's
    answer (with its id)."""
    grant = oauth_grant(emu, app, realm_id)
    configuration = {
        "oauth.api.key": app.api_key,
        "oauth.api.secret": app.api_secret,
        "oauth.callback.url": app.callback_url,
        "authentication.type": "oauth2",
        "event.notification.enabled": "false",
    }
    grant_data = {"code": grant["code"], "realmId": realm_id}
    return posted(emu, account, "quickbooks", name, tags, configuration, providerData=grant_data)


def posted(
    emu: Emulator,
    account: int,
    element: str,
    name: str,
    tags: tuple[str, ...],
    configuration: dict[str, str],
    **extra: object,
) -> dict:
    """`POST /instances` of an instance of `element`; the API's answer."""
    body = {"element": {"key": element}, "name": name, "tags": list(tags), **extra}
    answer = emu.api(
        "POST", "/instances", account=account, json={**body, "configuration": configuration}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


JIRA_PASSWORD = "jira-password-7c1e0b"


def made_jira(
    emu: Emulator, name: str = "Helpdesk", tags: tuple[str, ...] = (), account: int = 0
) -> dict:
    """An instance of the organization's other connector, Jira (basic authentication:
    username and password in the configuration), as a company using Cloud Elements for
    more than QuickBooks has. Returns the API's answer (with its id)."""
    SECRETS.add("jira password", JIRA_PASSWORD)
    configuration = {
        "username": "helpdesk-bot",
        "password": JIRA_PASSWORD,
        "base.url": "https://example.atlassian.net",
    }
    return posted(emu, account, "jira", name, tags, configuration)
