"""The OAuth grant a QuickBooks consent produces, in its two shapes."""

from __future__ import annotations

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
