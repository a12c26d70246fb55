"""What can go wrong talking to Cloud Elements, as narrow exception types.

Every error carries the operation ("create instance", "read instance 42"), the
HTTP status and the platform's requestId, and its message has had every secret
value redacted before it was built, so printing it anywhere is safe.
"""

from __future__ import annotations


class CloudElementsError(Exception):
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


class InstanceNotFound(CloudElementsError):
    """404: the instance does not exist in this organization (or never did)."""


class AuthenticationFailed(CloudElementsError):
    """401: the user/organization secrets were refused."""


class RateLimited(CloudElementsError):
    """429 still returned after the bounded retry budget was spent."""


class Conflict(CloudElementsError):
    """409 from the platform."""


class InvalidRequest(CloudElementsError):
    """400/405/406/415: the platform refused the request as malformed."""


class GrantRejected(InvalidRequest):
    """400 about the OAuth grant: unknown, expired or already spent."""


class ApiError(CloudElementsError):
    """Any other HTTP error (5xx after retries, 403, ...)."""


class TransportError(CloudElementsError):
    """No HTTP response at all: connection refused/reset or a timeout.

    `ambiguous` is true when the request may have reached the platform and been
    applied (the response was lost), which is what makes a blind retry of a
    non-idempotent write unsafe.
    """

    def __init__(self, operation: str, message: str, *, ambiguous: bool) -> None:
        super().__init__(operation, message)
        self.ambiguous = ambiguous


class ProvisioningError(Exception):
    """A lifecycle step could not complete; the message says what to do next."""


def spent_grant(resource: str, exc: CloudElementsError) -> ProvisioningError:
    return ProvisioningError(
        f"{exc}. The OAuth grant of resource {resource!r} was refused: a grant can be used "
        "only once (and expires), so creating or re-authorizing needs a new consent. Run "
        "`python -m provider.onboard --stack <stack> --instance <key>` and then `pulumi up`."
    )


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
    leaves a POST's outcome unknown; a 4xx or refused connection does not."""
    if isinstance(exc, TransportError):
        return exc.ambiguous
    return exc.status is not None and exc.status >= 500
