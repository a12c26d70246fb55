"""The OAuth consent flow (1.0a and 2.0) and the single-use grants it issues.

A grant is what the browser brings back to the callback URL: an OAuth 2.0
``code`` or an authorized 1.0a ``oauth_token`` + ``oauth_verifier``. The
platform exchanges it while creating (or re-authorizing) an instance, so it
works once, only for the app and company it was issued to, and only for
``code_ttl`` seconds.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .catalog import Company
from .configuration import (
    AUTHENTICATION_TYPE,
    OAUTH_API_KEY,
    OAUTH_API_SECRET,
    OAUTH_CALLBACK_URL,
)
from .exceptions import BadRequest
from .records import ConsentSession, Grant, RequestToken
from .schemas import GrantClaim, OAuth1ProviderData, OAuth2ProviderData, UnreadableGrant
from .store import Store

DEFAULT_SCOPE = "com.intuit.quickbooks.accounting"
# Long enough for a person to click through; codes have their own, shorter life.
SESSION_TTL = 3600.0
INVALID_GRANT = "OAuth grant is invalid or already used"
RETRY_HINT = "complete the consent flow again to get a new grant"
# What a grant is when it comes to be exchanged, and how a refusal says so (an
# emulator choice: the platform's sources show no wording, see docs/cloud-elements-api.md).
USABLE, UNKNOWN, SPENT, EXPIRED = "usable", "unknown", "spent", "expired"
REFUSALS = {
    UNKNOWN: "the code is unknown",
    SPENT: "the code was already exchanged",
    EXPIRED: "the code has expired",
}


class ConsentError(Exception):
    """A consent page request that cannot go on (shown as an HTML error page)."""


class OAuth:
    def __init__(
        self,
        store: Store,
        code_ttl: float,
        companies: dict[str, Company],
        clock: Callable[[], float] = time.time,
    ):
        self.store = store
        self.code_ttl = code_ttl
        self.companies = companies  # what the consent page offers, by realm id
        self.clock = clock

    # -- steps driven by the app (API calls) -------------------------------
    def issue_request_token(self, api_key: str, api_secret: str, callback_url: str) -> RequestToken:
        token = RequestToken(
            token="qyprd" + secrets.token_urlsafe(24),
            secret=secrets.token_urlsafe(30),
            api_key=api_key,
            api_secret=api_secret,
            callback_url=callback_url,
            expires_at=self.clock() + SESSION_TTL,
        )
        self.store.add_request_token(token)
        return token

    def start_consent(
        self,
        *,
        api_key: str,
        api_secret: str,
        callback_url: str,
        state: str,
        scope: str | None = None,
        request_token: str | None = None,
    ) -> str:
        """Open a consent session; OAuth 1.0a when ``request_token`` is given."""
        token_secret = None
        if request_token is not None:
            issued = self.store.get_request_token(request_token)
            if issued is None or issued.expires_at <= self.clock() or issued.api_key != api_key:
                raise BadRequest("requestToken is unknown, expired or was issued to another app")
            token_secret = issued.secret
        session = ConsentSession(
            id=secrets.token_urlsafe(24),
            flow="oauth1" if request_token is not None else "oauth2",
            api_key=api_key,
            api_secret=api_secret,
            callback_url=callback_url,
            state=state,
            scope=scope or DEFAULT_SCOPE,
            request_token=request_token,
            token_secret=token_secret,
            expires_at=self.clock() + SESSION_TTL,
            used=False,
        )
        self.store.add_consent_session(session)
        return session.id

    # -- steps driven by the person (consent page) -------------------------
    def open_session(self, session_id: str) -> ConsentSession:
        session = self.store.get_consent_session(session_id)
        if session is None or session.expires_at <= self.clock():
            raise ConsentError("This consent link is unknown or has expired.")
        if session.used:
            raise ConsentError("This consent link was already used.")
        return session

    def decide(self, session_id: str, realm_id: str | None, authorize: bool) -> str:
        """Record the person's answer; return the callback URL to redirect to."""
        with self.store.transaction():
            session = self.open_session(session_id)
            if not authorize:
                self.store.mark_consent_used(session_id)
                return with_query(
                    session.callback_url, {"error": "access_denied", "state": session.state}
                )
            if realm_id not in self.companies:
                raise ConsentError("Choose one of the listed companies.")
            self.store.mark_consent_used(session_id)
            if session.flow == "oauth2":
                return self._grant_oauth2(session, realm_id)
            return self._grant_oauth1(session, realm_id)

    def _grant_oauth2(self, session: ConsentSession, realm_id: str) -> str:
        code = "AB11" + secrets.token_urlsafe(32)
        self.store.add_grant(self._grant(session, code, realm_id, verifier=None))
        return with_query(
            session.callback_url, {"code": code, "realmId": realm_id, "state": session.state}
        )

    def _grant_oauth1(self, session: ConsentSession, realm_id: str) -> str:
        assert session.request_token is not None
        if self.store.get_grant(session.request_token) is not None:
            raise ConsentError("This request token was already authorized.")
        verifier = secrets.token_urlsafe(12)
        self.store.add_grant(self._grant(session, session.request_token, realm_id, verifier))
        return with_query(
            session.callback_url,
            {
                "oauth_token": session.request_token,
                "oauth_verifier": verifier,
                "realmId": realm_id,
                "dataSource": "QBO",
                "state": session.state,
            },
        )

    def _grant(
        self, session: ConsentSession, code: str, realm_id: str, verifier: str | None
    ) -> Grant:
        return Grant(
            code=code,
            flow=session.flow,
            api_key=session.api_key,
            api_secret=session.api_secret,
            callback_url=session.callback_url,
            realm_id=realm_id,
            verifier=verifier,
            token_secret=session.token_secret,
            expires_at=self.clock() + self.code_ttl,
            spent=False,
        )

    # -- the exchange during POST/PUT/PATCH /instances ---------------------
    def redeem(
        self,
        claim: GrantClaim,
        configuration: dict[str, str],
        bound_realm: str | None = None,
    ) -> str:
        """Check the ``providerData`` grant, spend it, return the realm id.

        Call inside the transaction that writes the instance, so a failed write
        leaves the grant unspent. ``bound_realm`` is the realm of an instance
        being re-authorized: a grant for another company is refused.
        Messages never quote a secret or a code.
        """
        if isinstance(claim, UnreadableGrant):
            raise BadRequest(claim.problem)
        if isinstance(claim, OAuth2ProviderData):
            code, flow = claim.code, "oauth2"
        else:
            code, flow = claim.oauth_token, "oauth1"

        grant = self.store.get_grant(code)
        state = self.grant_state(grant, flow)
        if state != USABLE:
            raise BadRequest(f"{INVALID_GRANT}: {REFUSALS[state]}; {RETRY_HINT}")
        assert grant is not None
        if isinstance(claim, OAuth1ProviderData):
            self._check_oauth1(claim, grant)
        if claim.realmId != grant.realm_id:
            # The company ids are no secret (the consent page shows them); naming both
            # lets the caller tell a mistyped or rounded realmId from a spent grant.
            raise BadRequest(
                f"providerData realmId {claim.realmId} is not the company that was "
                f"authorized: the grant is for realmId {grant.realm_id}"
            )
        self._check_app(grant, configuration)
        if bound_realm is not None and grant.realm_id != bound_realm:
            raise BadRequest(
                "providerData authorizes another company (realmId) than the one this instance "
                "is bound to; a new company needs a new instance"
            )
        self.store.spend_grant(code)
        return grant.realm_id

    def grant_state(self, grant: Grant | None, flow: str | None = None) -> str:
        """Whether a grant can still be exchanged: `usable`, or why not."""
        if grant is None or (flow is not None and grant.flow != flow):
            return UNKNOWN
        if grant.spent:
            return SPENT
        if grant.expires_at <= self.clock():
            return EXPIRED
        return USABLE

    @staticmethod
    def _check_oauth1(data: OAuth1ProviderData, grant: Grant) -> None:
        if data.oauth_verifier != grant.verifier or data.secret != grant.token_secret:
            raise BadRequest(
                f"{INVALID_GRANT}: oauth_verifier or secret does not match; {RETRY_HINT}"
            )
        if data.dataSource != "QBO":
            raise BadRequest("providerData dataSource must be 'QBO'")

    @staticmethod
    def _check_app(grant: Grant, configuration: dict[str, str]) -> None:
        if (
            configuration.get(OAUTH_API_KEY.name) != grant.api_key
            or configuration.get(OAUTH_API_SECRET.name) != grant.api_secret
        ):
            raise BadRequest(
                "The OAuth grant was issued to another app: oauth.api.key / oauth.api.secret "
                "differ from the apiKey / apiSecret used in the consent flow"
            )
        if configuration.get(OAUTH_CALLBACK_URL.name) != grant.callback_url:
            raise BadRequest(
                "oauth.callback.url differs from the callbackUrl used in the consent flow"
            )
        authentication_type = configuration.get(AUTHENTICATION_TYPE.name)
        if grant.flow == "oauth2" and authentication_type != "oauth2":
            raise BadRequest(
                "An OAuth 2.0 grant (providerData.code) needs configuration "
                "'authentication.type': 'oauth2'"
            )
        if grant.flow == "oauth1" and authentication_type not in (None, "oauth1"):
            raise BadRequest(
                "An OAuth 1.0a grant (providerData.oauth_token) needs configuration "
                "'authentication.type' absent or 'oauth1'"
            )


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to whatever query it already has."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
