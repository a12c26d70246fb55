"""Who owns an instance: the ownership tag `pulumi:<project>:<stack>:<resource>`.

The tag is the only mark an instance carries of the Pulumi resource that manages
it, so every operation that writes or deletes asks it first: an instance whose
tag names another stack or resource is someone else's, and is never adopted,
changed or deleted except by a takeover that names the current owner on purpose
(`adopt_from`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import ProvisioningError
from .catalog import KEY_REALM, element_of, is_quickbooks
from .declaration import SpecBase as InstanceSpec
from .tags import is_ownership_tag, stack_tag_of


def other_owners(tags: Iterable[str], mine: str | None) -> list[str]:
    """The ownership tags on an instance that are not `mine`, in tag order.

    With `mine` unknown (None), every ownership tag counts as another's: the
    safe answer when the provider cannot tell whose the instance is."""
    return [t for t in tags if isinstance(t, str) and is_ownership_tag(t) and t != mine]


def new_owner(tags: list[str], mine: str | None) -> str | None:
    """Who took the instance over, if another owner's tag replaced ours."""
    owners = other_owners(tags, mine)
    return owners[0] if owners and mine not in tags else None


def check_adoptable(instance: dict[str, Any], spec: InstanceSpec) -> None:
    """Bound to the spec's company, and free, ours, or taken over on purpose
    (`adopt_from` names the current owner).

    A takeover needs no write of its own: the owner's tag is none of the spec's
    tags, so the adoption's one PATCH of the tag list replaces it with ours."""
    instance_id, adopt_from = str(instance["id"]), spec.adopt_from
    if not is_quickbooks(instance):
        raise ProvisioningError(
            f"adopt_id {instance_id}: {not_quickbooks(instance_id, element_of(instance))}"
        )
    realm = (instance.get("configuration") or {}).get(KEY_REALM)
    if spec.realm_id and realm and realm != spec.realm_id:
        raise ProvisioningError(
            f"adopt_id {instance_id}: the instance is bound to QuickBooks company {realm}, "
            f"but oauth.realm_id is {spec.realm_id}"
        )
    owners = other_owners(instance.get("tags") or [], spec.ownership_tag)
    if not owners or owners == [adopt_from]:
        return
    owner = owners[0]
    mismatch = f" (adopt_from is {adopt_from})" if adopt_from else ""
    raise ProvisioningError(
        f"adopt_id {instance_id}: instance {instance_id} is managed by {owner}{mismatch}; "
        "nothing was changed. Either release it from that stack (there: set `on_delete: "
        "release` on the resource, `pulumi up`, then remove the resource and `pulumi up` "
        f"again; the instance stays, free to adopt), or take it over on purpose: set "
        f"`adopt_from: {owner}` beside adopt_id (that stack then lets go of it on its next "
        "`pulumi refresh`)."
    )


def check_still_ours(instance_id: str, tags: list[str], mine: str) -> None:
    """No write to an instance another stack has taken over since our last refresh."""
    owner = new_owner(tags, mine)
    if owner:
        raise ProvisioningError(
            f"update instance {instance_id}: the instance is now managed by {owner}; nothing "
            "was changed. Run `pulumi refresh` to let go of it (then remove it from this "
            "stack's config)."
        )


def released_tags(tags: list[str], mine: str | None) -> list[str]:
    """The tag list without this resource's ownership and stack tags."""
    ours = {mine, stack_tag_of(mine)} if mine else set()
    return [t for t in tags if t not in ours]


def let_go(instance_id: str, owner: str, mine: str) -> str:
    return (
        f"instance {instance_id} is now managed by {owner} (it was {mine or 'ours'}): dropped "
        "from this stack's state and left untouched. Remove it from this stack's config, or "
        "the next `pulumi up` creates a new instance in its place."
    )


def spared(instance_id: str, owner: str, mine: str | None) -> str:
    return (
        f"instance {instance_id} is managed by {owner}, not by {mine or 'this stack'}: not "
        "deleted, only removed from this stack's state."
    )


def released(instance_id: str) -> str:
    return (
        f"instance {instance_id} released: it stays, without this stack's ownership tag; "
        f"another stack can take it with adopt_id: {instance_id}."
    )


def not_quickbooks(instance_id: str, element: str | None) -> str:
    return (
        f"instance {instance_id} is an instance of the {element} element, not a QuickBooks "
        "one; nothing was changed. This provider manages QuickBooks instances only and "
        "never touches another element's, whatever its tags."
    )
