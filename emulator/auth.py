"""Who is calling: the platform's ``User …, Organization …`` header, or the admin token."""

from __future__ import annotations

import hmac
import re
from typing import Annotated

from fastapi import Depends, Request

from .context import Ctx
from .exceptions import BadRequest, Forbidden, NotFound, Unauthorized
from .records import InstanceRecord

# Order as documented; any amount of space around the parts. The optional
# Element part is what an instance's own calls carry.
PLATFORM_AUTH = re.compile(
    r"^\s*User\s+(?P<user>[^\s,]+)\s*,\s*Organization\s+(?P<org>[^\s,]+)\s*"
    r"(?:,\s*Element\s+(?P<element>[^\s,]+)\s*)?$"
)


def _platform_caller(request: Request, ctx: Ctx) -> tuple[int, re.Match[str]]:
    """The calling organization's account id and the parsed header; 401 unless the
    secrets match."""
    match = PLATFORM_AUTH.match(request.headers.get("authorization", ""))
    if match is None:
        raise Unauthorized(
            "Authorization header must be 'User <user secret>, Organization <org secret>'"
        )
    account_id = ctx.store.account_id(match["org"], match["user"])
    if account_id is None:
        raise Unauthorized("Invalid user or organization secret")
    return account_id, match


def organization(request: Request, ctx: Ctx) -> int:
    """The calling organization's account id; 401 unless the secrets match."""
    account_id, match = _platform_caller(request, ctx)
    if match["element"] is not None:
        instance = ctx.store.instance_by_token(match["element"])
        # A deleted instance's token stops working; a disabled one refuses calls.
        if instance is None or instance.account_id != account_id:
            raise Unauthorized("Invalid element instance token")
        if instance.disabled:
            raise Forbidden(f"Instance {instance.id} is disabled")
    return account_id


NO_ELEMENT_PART = (
    "Authorization header has no 'Element <instance token>' part: this call acts "
    "on the instance whose token it carries"
)


def element_token(request: Request) -> str | None:
    """The ``Element <instance token>`` part of the header, if any (checked by the
    ``Organization`` dependency)."""
    match = PLATFORM_AUTH.match(request.headers.get("authorization", ""))
    return match["element"] if match else None


def token_instance(request: Request, ctx: Ctx) -> InstanceRecord:
    """The instance whose token the ``Element`` part carries, for the token-scoped forms
    of the instance calls (``GET|PATCH|PUT /instances``, ``/instances/configuration``):
    churros instances.js calls them with the instance's token set. The checks are the
    ``Organization`` ones (a deleted instance's token 401, a disabled one 403); without
    the ``Element`` part, a 400 naming it."""
    organization(request, ctx)
    token = element_token(request)
    if token is None:
        raise BadRequest(NO_ELEMENT_PART)
    instance = ctx.store.instance_by_token(token)
    assert instance is not None  # organization() checked it
    return instance


def named_instance(request: Request, ctx: Ctx) -> InstanceRecord:
    """The instance that the ``Element <instance token>`` part names, for the calls that
    act on "this instance" (``PUT|DELETE /instances/enabled``).

    The token names the target here rather than vouching for the call, so an unknown
    token and another organization's are both "no such instance" (404), and a
    disabled instance is served: enabling it is the point.
    """
    account_id, match = _platform_caller(request, ctx)
    if match["element"] is None:
        raise BadRequest(NO_ELEMENT_PART)
    instance = ctx.store.instance_by_token(match["element"])
    if instance is None or instance.account_id != account_id:
        raise NotFound("No instance found for the Element token")
    return instance


def admin(request: Request, ctx: Ctx) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), ctx.admin_token.encode()
    ):
        raise Unauthorized("The emulator controls need 'Authorization: Bearer <admin token>'")


Organization = Annotated[int, Depends(organization)]
NamedInstance = Annotated[InstanceRecord, Depends(named_instance)]
TokenInstance = Annotated[InstanceRecord, Depends(token_instance)]
