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
from .commands import onboard_for_resource, up_command
from .tags import is_ownership_tag, parts_of

OK = "ok"
DISABLED = "disabled"
AUTHORIZATION_LOST = "authorization lost"


def health_of(valid: bool, disabled: bool) -> str:
    if not valid:
        return AUTHORIZATION_LOST
    return DISABLED if disabled else OK


def onboard_fix(ownership_tag: str | None) -> str:
    """The exact commands that give this resource a new grant and apply it."""
    return f"run `{onboard_for_resource(ownership_tag)}`, then `{up_command()}`"


def authorization_lost(instance_id: str, ownership_tag: str | None) -> str:
    return (
        f"instance {instance_id}: authorization lost (valid: false): QuickBooks no longer "
        "accepts its tokens, so it delivers no events. The company disconnected the app, "
        "its refresh token expired, or another instance was authorized for the same "
        f"company. Fix: {onboard_fix(ownership_tag)} (it re-authorizes this instance in "
        "place, same instance id, and re-enables it if the platform disabled it)"
    )


def needs_new_grant(instance_id: str, ownership_tag: str | None) -> str:
    """Why an `up` refuses to write to an instance whose authorization is lost."""
    return f"nothing was changed: {authorization_lost(instance_id, ownership_tag)}"


def found_disabled(instance_id: str) -> str:
    return (
        f"instance {instance_id} is disabled: it answers 403 and delivers no events. "
        "`pulumi up` re-enables it (one call); set `enabled: false` to keep it disabled."
    )


def disabled_and_released(instance_id: str) -> str:
    return (
        f"instance {instance_id} disabled and released (on_delete: disable): it stays, "
        "with its configuration, delivers no events, and carries no ownership or stack "
        f"tag of this stack; another stack can take it with adopt_id: {instance_id} "
        "and `enabled: true`."
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


def _described(other: dict[str, Any]) -> str:
    owner = next((t for t in other.get("tags") or [] if is_ownership_tag(str(t))), None)
    held_by = f"managed by {owner}" if owner else "not managed by any Pulumi stack"
    return f"instance {other.get('id')} ({other.get('name')!r}, {held_by})"


def company_taken(realm_id: str, other: dict[str, Any], what: str) -> str:
    return (
        f"{what}: QuickBooks company {realm_id} is already bound to {_described(other)}; "
        "nothing was changed. QuickBooks keeps one authorized instance per company: "
        "binding it here would silently wipe that instance's authorization and stop its "
        f"events. Adopt that instance instead (`adopt_id: {other.get('id')}`), consent "
        "with another company, or set `takeover_company: true` to take the company over "
        "on purpose."
    )


def taking_over_company(realm_id: str, other: dict[str, Any], what: str) -> str:
    return (
        f"{what}: takeover_company: QuickBooks company {realm_id} moves here from "
        f"{_described(other)}, which loses its authorization and stops delivering events."
    )


def same_company_twice(realm_id: str, this: str, other: str) -> str:
    return (
        f"QuickBooks company {realm_id} is declared by two resources, {other} and {this}: "
        "QuickBooks keeps one authorized instance per company, so one of them would "
        "silently lose its authorization. Give each resource a grant for its own company."
    )


def company_unchecked(realm_id: str, what: str) -> str:
    return (
        f"{what}: the organization's instance list came in pages or without "
        "configurations, so whether another instance is bound to QuickBooks company "
        f"{realm_id} was checked only on what it showed"
    )


def resource_of(ownership_tag: str) -> str:
    """The resource's name in the stack, as a user declared it."""
    parts = parts_of(ownership_tag)
    return parts[2] if parts else ownership_tag


# Every message above, with placeholders for its values: the README quotes each one
# (tests/unit/test_health.py holds that true).
SAMPLE_INSTANCE = {"id": "<id>", "name": "<name>", "tags": ["pulumi:<project>:<stack>:<key>"]}
MESSAGES = (
    authorization_lost("<id>", None),
    needs_new_grant("<id>", None),
    found_disabled("<id>"),
    disabled_and_released("<id>"),
    company_taken("<realm>", SAMPLE_INSTANCE, "create instance '<name>'"),
    taking_over_company("<realm>", SAMPLE_INSTANCE, "create instance '<name>'"),
    same_company_twice("<realm>", "<key>", "<other key>"),
    company_unchecked("<realm>", "create instance '<name>'"),
)
