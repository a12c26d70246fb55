"""Helpers shared by the test suites (not a conftest: imported explicitly)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from emulator.harness import Emulator
from provider.lifecycle import QuickBooksInstanceProvider

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
    return [(f"org-{secrets.token_hex(12)}", f"user-{secrets.token_hex(12)}") for _ in range(count)]


def new_app() -> App:
    return App(api_key=f"app-{secrets.token_hex(4)}", api_secret=secrets.token_hex(16))


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


def oauth_grant(emu: Emulator, app: App, realm_id: str = "9130350000000001") -> dict[str, str]:
    """A fresh OAuth 2.0 grant from the emulator's consent flow, as the `oauth` input."""
    params = emu.grant(app.api_key, app.api_secret, app.callback_url, realm_id=realm_id)
    return {"code": params["code"], "realm_id": params["realmId"]}


def calls(emu: Emulator) -> list[tuple[str, str]]:
    """(method, path) of every API call since the log was last cleared."""
    return [(r["method"], r["path"].split("/elements/api-v2", 1)[-1]) for r in emu.requests()]


def writes(emu: Emulator) -> list[tuple[str, str]]:
    return [c for c in calls(emu) if c[0] != "GET"]
