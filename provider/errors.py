"""Every exception the provider raises on purpose, as one tree of narrow types.

    QuickBooksError                  the root: catch it to catch anything deliberate
    ├── SettingsError                a provider setting is missing or malformed
    ├── InputError (TypeError)       a program passed QuickBooksInstance an unknown input
    ├── ProvisioningError            a lifecycle step could not complete
    ├── OnboardError                 `python -m provider.onboard` cannot go on
    └── CloudElementsError           a call to Cloud Elements failed
        ├── InvalidRequest           400/405/406/415: refused as malformed
        │   └── GrantRejected        400 about the OAuth grant (spent, expired, another company...)
        ├── AuthenticationFailed     401: the user/organization secrets were refused
        ├── InstanceNotFound         404
        ├── Conflict                 409
        ├── RateLimited              429 still, after the retry budget
        ├── ApiError                 any other status (5xx after retries, 403, ...)
        └── TransportError           no HTTP response: refused, reset, timed out

`STATUS_ERRORS` maps an HTTP status to its type (`error_for_status` adds the
grant rule). Every `CloudElementsError` carries the operation ("create
instance", "read instance 42"), the HTTP status and the platform's requestId.
Every message has had every secret value redacted before it was built, so
printing one anywhere is safe.
"""

from __future__ import annotations

from .core import grants, health


class QuickBooksError(Exception):
    """Root of every exception the provider raises on purpose."""


class SettingsError(QuickBooksError):
    """A provider setting is missing or malformed; the message names the key and env var."""


class InputError(QuickBooksError, TypeError):
    """A program passed QuickBooksInstance an input it does not have (still a TypeError,
    as Python's own unexpected-keyword error is)."""


class ProvisioningError(QuickBooksError):
    """A lifecycle step could not complete; the message says what to do next."""


class OnboardError(QuickBooksError):
    """Onboarding cannot go on. The message is one line that names the cause and
    never quotes a secret or grant value; ``page_reason`` is the shorter text the
    browser tab shows when the failure happens after the redirect."""

    def __init__(self, message: str, *, page_reason: str | None = None) -> None:
        super().__init__(" ".join(message.split()))
        self.page_reason = page_reason or str(self)


class CloudElementsError(QuickBooksError):
    """Base of every error raised by the client."""

    # Set by the client: an earlier attempt of the same call was retried after an
    # outcome-unknown failure (lost response, 5xx), so it may have been applied.
    after_ambiguous_attempt: bool = False

    def __init__(
        self,
        operation: str,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.operation = operation
        self.status = status
        self.request_id = request_id
        self.message = message
        parts = [f"{operation} failed"]
        if status is not None:
            parts.append(f"HTTP {status}")
        text = ": ".join([*parts, message])
        if request_id:
            text += f" (requestId {request_id})"
        super().__init__(text)


class InvalidRequest(CloudElementsError):
    """400/405/406/415: the platform refused the request as malformed."""


class GrantRejected(InvalidRequest):
    """400 about the OAuth grant: spent, expired, unknown, for another company or app
    (`grant_refused` says which, from the platform's answer)."""


class AuthenticationFailed(CloudElementsError):
    """401: the user/organization secrets were refused."""


class InstanceNotFound(CloudElementsError):
    """404: the instance does not exist in this organization (or never did)."""


class Conflict(CloudElementsError):
    """409 from the platform."""


class RateLimited(CloudElementsError):
    """429 still returned after the bounded retry budget was spent."""


class ApiError(CloudElementsError):
    """Any other HTTP error (5xx after retries, 403, ...)."""


class TransportError(CloudElementsError):
    """No HTTP response at all: connection refused/reset or a timeout.

    `ambiguous` is true when the request may have reached the platform and been
    applied (the response was lost), which is what makes a blind retry of a
    non-idempotent write unsafe. `cause` names the transport's own exception type
    (e.g. ``ConnectTimeout``), never its text, which may quote the URL.
    """

    def __init__(self, operation: str, message: str, *, ambiguous: bool, cause: str = "") -> None:
        super().__init__(operation, message)
        self.ambiguous = ambiguous
        self.cause = cause


# The type of an HTTP error status; any status not listed is an ApiError.
STATUS_ERRORS: dict[int, type[CloudElementsError]] = {
    400: InvalidRequest,
    401: AuthenticationFailed,
    404: InstanceNotFound,
    405: InvalidRequest,
    406: InvalidRequest,
    409: Conflict,
    415: InvalidRequest,
    429: RateLimited,
}
# A 400 whose message mentions one of these is about the OAuth grant.
GRANT_WORDS = ("grant", "providerdata", "authorization code")


def error_for_status(status: int, message: str) -> type[CloudElementsError]:
    """The exception type of an HTTP error answer: the table, and the grant rule."""
    if status == 400 and any(word in message.lower() for word in GRANT_WORDS):
        return GrantRejected
    return STATUS_ERRORS.get(status, ApiError)


def grant_refused(
    resource: str, exc: CloudElementsError, realm_sent: str, ownership_tag: str | None
) -> ProvisioningError:
    """What a refused grant means, from the platform's answer and what was sent, and
    the exact command that gets this resource a new one."""
    refusal = grants.refusal_of(exc.message)
    fix = health.onboard_fix(ownership_tag)
    grant = f"The OAuth grant of resource {resource!r}"
    if refusal.cause == grants.OTHER_COMPANY:
        company = (
            f"company {refusal.grant_realm}"
            if refusal.grant_realm
            else "a company the platform did not name"
        )
        return ProvisioningError(
            f"{exc}. {grant} is for another company than the one declared: company "
            f"{realm_sent} was declared and sent, the grant is for {company}. Declare the "
            "company the consent was given for (in YAML, quote it: "
            f'"{refusal.grant_realm or realm_sent}"); the same grant then works. Or, for '
            f"company {realm_sent}, {fix}."
        )
    reason = {
        grants.SPENT: "was already used: a grant works once, so creating or re-authorizing "
        "needs a new consent",
        grants.EXPIRED: "expired before it was used: a grant lasts minutes after the consent",
        grants.UNKNOWN: "is not one this platform issued: mistyped, or from another account "
        "or platform",
        grants.MALFORMED: "could not be read by the platform: give it exactly as the "
        "consent returned it (the code and the company id; for OAuth 1.0a also "
        "oauth_verifier and secret), or consent again",
        grants.OTHER_APP: "was issued to another app: the consent used other OAuth app "
        "settings (quickbooks:oauthApiKey, quickbooks:oauthApiSecret, "
        "quickbooks:oauthCallbackUrl) than this stack's",
    }.get(
        refusal.cause,
        "was refused, and the platform's answer does not say why: it may have been used "
        "already (a grant works once), have expired, or be for another company than the "
        f"declared {realm_sent}",
    )
    return ProvisioningError(f"{exc}. {grant} {reason}. Fix: {fix}.")


def outcome_unknown(create: CloudElementsError, lookup: CloudElementsError) -> ProvisioningError:
    return ProvisioningError(
        f"{create}; then {lookup}. The instance may exist all the same: run `pulumi up` "
        "again, it finds the instance by its ownership tag and adopts it (it never creates "
        "a second one)"
    )


def deleted_outside(exc: CloudElementsError) -> ProvisioningError:
    # Keep the platform's status and requestId: a 404 here may be a fluke.
    return ProvisioningError(
        f"{exc}. The instance seems deleted outside Pulumi; run `pulumi refresh` (it drops "
        "the instance from the state if it is gone, so the next `pulumi up` re-creates it)"
    )


def may_have_committed(exc: CloudElementsError) -> bool:
    """A lost response, or a 5xx (a gateway may time out while the platform commits),
    leaves a POST's outcome unknown, and a 2xx whose body could not be read means it
    was applied; a 4xx or refused connection does not."""
    if isinstance(exc, TransportError):
        return exc.ambiguous
    return exc.status is not None and (exc.status >= 500 or exc.status < 300)
