"""Connection health: whether an instance can deliver events, and what fixes it.

Three things stop a QuickBooks instance's events, and the platform says so only
through the instance's `valid` and `disabled` flags:
- the company disconnected the app, or the refresh token expired: refreshes fail,
  the instance turns `valid: false`; after five failures it is also disabled;
- another instance of the organization was authorized for the same company:
  QuickBooks keeps one authorized instance per company and wipes the older one;
- someone disabled it.
Health is part of the desired state: `enabled` is an input, and a lost
authorization is drift whose fix needs a person (a new consent). These functions
say what happened and which commands fix it; they make no call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .catalog import KEY_REALM
from .commands import ONBOARD_COMMAND
from .tags import OWNERSHIP_PREFIX, is_ownership_tag

OK = "ok"
DISABLED = "disabled"
AUTHORIZATION_LOST = "authorization lost"


def health_of(valid: bool, disabled: bool) -> str:
    if not valid:
        return AUTHORIZATION_LOST
    return DISABLED if disabled else OK


def onboard_fix(ownership_tag: str | None) -> str:
    """The exact commands that give this resource a new grant and apply it."""
    stack, key = "<stack>", "<key>"
    if ownership_tag and is_ownership_tag(ownership_tag):
        _project, stack, key = ownership_tag.removeprefix(OWNERSHIP_PREFIX).split(":", 2)
    return f"run `{ONBOARD_COMMAND} --stack {stack} --instance {key}`, then `pulumi up`"


def authorization_lost(instance_id: str, ownership_tag: str | None) -> str:
    return (
        f"instance {instance_id}: authorization lost (valid: false): QuickBooks no longer "
        "accepts its tokens, so it delivers no events. The company disconnected the app, "
        "its refresh token expired, or another instance was authorized for the same "
        f"company. Fix: {onboard_fix(ownership_tag)} (it re-authorizes this instance in "
        "place, same instance id, and re-enables it if the platform disabled it)"
    )


def realm_of(instance: dict[str, Any]) -> str | None:
    """The QuickBooks company an instance is bound to, as its configuration shows it."""
    return (instance.get("configuration") or {}).get(KEY_REALM)


def bound_to(
    instances: Iterable[dict[str, Any]], realm_id: str, *, besides: str | None
) -> dict[str, Any] | None:
    """The authorized instance (other than `besides`) bound to `realm_id`, if any. An
    instance that already lost its authorization has nothing more to lose."""
    for instance in instances:
        if str(instance.get("id")) == besides or instance.get("valid") is False:
            continue
        if realm_of(instance) == realm_id:
            return instance
    return None


def company_taken(realm_id: str, other: dict[str, Any], what: str) -> str:
    owner = next((t for t in other.get("tags") or [] if is_ownership_tag(str(t))), None)
    held_by = f", managed by {owner}" if owner else ", not managed by any Pulumi stack"
    return (
        f"{what}: QuickBooks company {realm_id} is already bound to instance {other.get('id')} "
        f"({other.get('name')!r}{held_by}); nothing was changed. QuickBooks keeps one "
        "authorized instance per company: binding it here would silently wipe that "
        "instance's authorization and stop its events. Adopt that instance instead "
        f"(`adopt_id: {other.get('id')}`), consent with another company, or set "
        "`takeover_company: true` to take the company over on purpose."
    )


def same_company_twice(realm_id: str, this: str, other: str) -> str:
    return (
        f"QuickBooks company {realm_id} is declared by two resources, {other} and {this}: "
        "QuickBooks keeps one authorized instance per company, so one of them would "
        "silently lose its authorization. Give each resource a grant for its own company."
    )


def found_disabled(instance_id: str) -> str:
    return (
        f"instance {instance_id} is disabled: it answers 403 and delivers no events. "
        "`pulumi up` re-enables it (one call); set `enabled: false` to keep it disabled."
    )


def partial_company_check(realm_id: str, what: str) -> str:
    return (
        f"{what}: the organization's instance list came in pages, so whether another "
        f"instance is bound to QuickBooks company {realm_id} was checked only on the "
        "first page"
    )
