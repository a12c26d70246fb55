"""The rows the store hands out, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DeliveryRecord:
    id: str
    instance_id: int
    status: str
    attempts: int
    url: str | None
    source: str | None
    event_count: int | None
    created_at: float | None
    finished_at: float | None
    response_code: int | None
    verified: bool | None
    number: int = 0  # the platform's numeric notificationId (the row's number)
    event_id: str | None = None
    subscription_id: int | None = None
    body: str | None = None
    updated_at: float | None = None


@dataclass
class InstanceRecord:
    id: int
    account_id: int
    name: str
    token: str
    tags: list[str]
    disabled: bool
    created_date: str
    configuration: dict[str, str]
    # Connection health (health.py): whether the platform holds working OAuth
    # tokens, why its refreshes fail (None while the authorization holds) and
    # how many refreshes in a row have failed.
    valid: bool = True
    auth_lost: str | None = None
    refresh_failures: int = 0
    element_key: str = "quickbooks"
    realm_id: str | None = None  # the QuickBooks company; None for other elements


@dataclass
class ConsentSession:
    id: str
    flow: str  # "oauth2" or "oauth1"
    api_key: str
    api_secret: str
    callback_url: str
    state: str
    scope: str
    request_token: str | None
    token_secret: str | None
    expires_at: float
    used: bool


@dataclass
class Grant:
    """What a consent produced: an OAuth 2.0 code or an authorized 1.0a token."""

    code: str  # the OAuth 2.0 code, or the 1.0a oauth_token
    flow: str
    api_key: str
    api_secret: str
    callback_url: str
    realm_id: str
    verifier: str | None
    token_secret: str | None
    expires_at: float
    spent: bool


@dataclass
class RequestToken:
    token: str
    secret: str
    api_key: str
    api_secret: str
    callback_url: str
    expires_at: float
