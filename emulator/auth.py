"""Who is calling: the platform's ``User …, Organization …`` header, or the admin token."""

from __future__ import annotations

import hmac
import re
from typing import Annotated

from fastapi import Depends, Request

from .context import Ctx
from .exceptions import Forbidden, Unauthorized

# Order as documented; any amount of space around the parts. The optional
# Element part is what an instance's own calls carry.
PLATFORM_AUTH = re.compile(
    r"^\s*User\s+(?P<user>[^\s,]+)\s*,\s*Organization\s+(?P<org>[^\s,]+)\s*"
    r"(?:,\s*Element\s+(?P<element>[^\s,]+)\s*)?$"
)


def organization(request: Request, ctx: Ctx) -> int:
    """The calling organization's account id; 401 unless the secrets match."""
    match = PLATFORM_AUTH.match(request.headers.get("authorization", ""))
    if match is None:
        raise Unauthorized(
            "Authorization header must be 'User <user secret>, Organization <org secret>'"
        )
    account_id = ctx.store.account_id(match["org"], match["user"])
    if account_id is None:
        raise Unauthorized("Invalid user or organization secret")
    if match["element"] is not None:
        instance = ctx.store.instance_by_token(match["element"])
        # A deleted instance's token stops working; a disabled one refuses calls.
        if instance is None or instance.account_id != account_id:
            raise Unauthorized("Invalid element instance token")
        if instance.disabled:
            raise Forbidden(f"Instance {instance.id} is disabled")
    return account_id


def admin(request: Request, ctx: Ctx) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), ctx.admin_token.encode()
    ):
        raise Unauthorized("The emulator controls need 'Authorization: Bearer <admin token>'")


Organization = Annotated[int, Depends(organization)]
