"""Connection health: whether an instance can deliver events, and what fixes it.

Four things stop a QuickBooks instance's events. The platform says three of them
through the instance's `valid` and `disabled` flags:
- the company disconnected the app, or the refresh token expired: one refresh
  episode (5 attempts 10 s apart) fails, the instance turns `valid: false` and,
  after the fifth attempt, disabled;
- another instance of the organization was authorized for the same company:
  QuickBooks keeps one authorized instance per company and wipes the older one;
- someone disabled it.
The fourth only through the queued deliveries of its webhook subscription: its
callback failed through all 9 retries (about 73 hours), so the subscription was
deactivated and every later event is queued instead of pushed (or the account's
failure policy is `queue`).
Health is part of the desired state: `enabled` is an input, and a lost
authorization is drift whose fix needs a person (a new consent). These functions
say what happened and which commands fix it; they make no call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .catalog import KEY_REALM
from .commands import ONBOARD_COMMAND
from .tags import is_ownership_tag, parts_of

OK = "ok"
DISABLED = "disabled"
AUTHORIZATION_LOST = "authorization lost"
HEALTH_DOC = (
    "`ok` \\| `disabled` \\| `authorization lost` \\| `events deactivated (N queued)` "
    "\\| `events queued (N)`"
)


@dataclass(frozen=True)
class EventFlow:
    """What the platform holds back of an instance's events: how many deliveries are
    queued for it, and whether its subscription is deactivated."""

    queued: int = 0
    deactivated: bool = False

    @property
    def held(self) -> bool:
        return self.deactivated or self.queued > 0


def health_of(valid: bool, disabled: bool, events: EventFlow | None = None) -> str:
    if not valid:
        return AUTHORIZATION_LOST
    if disabled:
        return DISABLED
    if events is not None and events.held:
        return _held_state(events.deactivated, events.queued)
    return OK


def _held_state(deactivated: bool, queued: int) -> str:
    """The `health` of events held back (held_events reads it back)."""
    return f"events deactivated ({queued} queued)" if deactivated else f"events queued ({queued})"


_HELD = re.compile(r"^events (deactivated|queued) \((\d+)(?: queued)?\)$")


def held_events(health: str | None) -> EventFlow | None:
    """The EventFlow a `health` output says, when it says events are held back."""
    match = _HELD.match(health or "")
    if match is None:
        return None
    return EventFlow(int(match[2]), match[1] == "deactivated")


def events_held_back(instance_id: str, callback: str | None, events: EventFlow) -> str:
    """Why the instance's events stopped though it is valid and enabled, and the fix."""
    said = events_deactivated if events.deactivated else events_queued
    return said(instance_id, callback or "its callback URL", events.queued)


def events_deactivated(instance_id: str, callback: str, queued: int) -> str:
    return _held_back(
        instance_id,
        callback,
        _held_state(True, queued),
        f"every push to {callback} failed through the platform's 9 retries (the last "
        "about 73 hours after the first failure), so the platform deactivated the "
        "instance's event subscription and queues every later event instead of pushing it",
    )


def events_queued(instance_id: str, callback: str, queued: int) -> str:
    return _held_back(
        instance_id,
        callback,
        _held_state(False, queued),
        f"the account's failure policy is `queue`: a push to {callback} that failed was "
        "queued, not retried",
    )


def _held_back(instance_id: str, callback: str, state: str, why: str) -> str:
    return (
        f"instance {instance_id}: {state}: {why}. Fix: make {callback} answer 2xx, then "
        "run `pulumi up`: it reactivates the subscription and delivers the queued events "
        "(one call). Each keeps its eventId: a receiver that skips the eventIds it already "
        "processed loses nothing and does nothing twice."
    )


def redelivered(instance_id: str, callback: str, count: int) -> str:
    return (
        f"instance {instance_id}: event subscription reactivated and {count} queued "
        f"events delivered to {callback} (one call)"
    )


def callback_still_fails(instance_id: str, callback: str, delivered: int, queued: int) -> str:
    return (
        f"instance {instance_id}: {callback} still fails: {delivered} queued events "
        f"delivered, {queued} still queued and the subscription deactivated again; "
        f"nothing else was changed. Make {callback} answer 2xx, then run `pulumi up` again."
    )


def _stack_and_key(ownership_tag: str | None) -> tuple[str, str]:
    parts = parts_of(ownership_tag or "")
    return (parts[1], parts[2]) if parts else ("<stack>", "<key>")


def onboard_fix(ownership_tag: str | None) -> str:
    """The exact commands that give this resource a new grant and apply it."""
    stack, key = _stack_and_key(ownership_tag)
    return f"run `{ONBOARD_COMMAND} --stack {stack} --instance {key}`, then `pulumi up`"


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


def unknown_company(
    instances: Iterable[dict[str, Any]], besides: str | None
) -> list[dict[str, Any]]:
    """The authorized instances (other than `besides`) whose company cannot be read:
    their configuration shows no `quickbooks.realm.id`. Unknown is never free."""
    return [
        instance
        for instance in instances
        if str(instance.get("id")) != besides
        and instance.get("valid") is not False
        and realm_of(instance) is None
    ]


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


# How many unknown instances a warning names (an organization may hold hundreds).
NAMED_AT_MOST = 5


def company_unknown(realm_id: str, unknown: list[dict[str, Any]], what: str) -> str:
    named = "; ".join(_described(i) for i in unknown[:NAMED_AT_MOST])
    more = len(unknown) - NAMED_AT_MOST
    if more > 0:
        named += f"; and {more} more"
    return (
        f"{what}: the organization's QuickBooks instances show no company "
        f"(configuration quickbooks.realm.id) for {named}: if one of them is bound to "
        f"QuickBooks company {realm_id}, binding it here wipes that instance's "
        "authorization. Check their companies, or adopt them (adopt_id) so the provider "
        "knows them."
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
    company_unknown("<realm>", [SAMPLE_INSTANCE], "create instance '<name>'"),
    events_deactivated("<id>", "<callback>", "<N>"),  # type: ignore[arg-type]
    events_queued("<id>", "<callback>", "<N>"),  # type: ignore[arg-type]
    redelivered("<id>", "<callback>", "<N>"),  # type: ignore[arg-type]
    callback_still_fails("<id>", "<callback>", "<N>", "<M>"),  # type: ignore[arg-type]
)
