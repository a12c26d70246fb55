"""The OAuth grant a QuickBooks consent produces, in its two shapes, and why the
platform refuses one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictStr
from pydantic import Tag as Choice

from .values import GrantValue, RealmId


class OAuth2Grant(BaseModel):
    """What the OAuth 2.0 consent redirect brings back: `code` and `realmId`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: GrantValue
    realm_id: RealmId

    def provider_data(self) -> dict[str, str]:
        return {"code": self.code, "realmId": self.realm_id}


class OAuth1Grant(BaseModel):
    """The OAuth 1.0a grant (Intuit retired it in 2019; kept for white-labelled platforms)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    oauth_token: GrantValue
    oauth_verifier: GrantValue
    secret: GrantValue
    realm_id: RealmId
    data_source: Literal["QBO", "QBD"] = "QBO"
    state: Annotated[StrictStr, Field(max_length=512)] = ""

    def provider_data(self) -> dict[str, str]:
        return {
            "oauth_token": self.oauth_token,
            "oauth_verifier": self.oauth_verifier,
            "secret": self.secret,
            "realmId": self.realm_id,
            "dataSource": self.data_source,
            "state": self.state,
        }


def _grant_kind(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "oauth1" if isinstance(value, OAuth1Grant) else "oauth2"
    return "oauth1" if isinstance(value, dict) and "oauth_token" in value else "oauth2"


# Which grant a dict is follows from its keys, so an error names the fields of
# the grant the user meant instead of listing failures for both shapes.
Grant = Annotated[
    Annotated[OAuth2Grant, Choice("oauth2")] | Annotated[OAuth1Grant, Choice("oauth1")],
    Discriminator(_grant_kind),
]


# --- why the platform refused a grant -------------------------------------------
#
# The platform answers a refused grant with a 400 whose text is all there is to go
# on; these are the causes it can name, matched on its words (the emulator's, see
# docs/cloud-elements-api.md) and never assumed: an answer that names none of them
# is reported as such, with every cause it could be.
SPENT = "spent"
EXPIRED = "expired"
UNKNOWN = "unknown"
OTHER_COMPANY = "another company"
OTHER_APP = "another app"
MALFORMED = "malformed"
UNSAID = "unsaid"

# Checked in this order: the most specific words first (the emulator prefixes every
# unusable code with "invalid or already used", whatever the cause).
_REFUSAL_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (OTHER_COMPANY, ("is not the company", "another company")),
    (OTHER_APP, ("issued to another app", "used in the consent flow")),
    (EXPIRED, ("expired",)),
    (UNKNOWN, ("is unknown", "not found", "does not exist")),
    (MALFORMED, ("providerdata.", "providerdata must", "does not match", "malformed")),
    (SPENT, ("already exchanged", "already been used", "already used", "was used")),
)
_GRANT_REALM = re.compile(r"grant is for realmId (\d+)")


@dataclass(frozen=True)
class Refusal:
    """Why a grant was refused, as far as the platform's answer says."""

    cause: str
    grant_realm: str | None = None  # the company the grant is for, when the answer says


def refusal_of(message: str) -> Refusal:
    text = message.lower()
    for cause, words in _REFUSAL_WORDS:
        if any(word in text for word in words):
            found = _GRANT_REALM.search(message) if cause == OTHER_COMPANY else None
            return Refusal(cause, found[1] if found else None)
    return Refusal(UNSAID)
