"""Reading instances this resource does not manage yet, on plain data: `pulumi import`
(and `Instance.get`) of an instance by id, and the `getInstance` lookup.

An import takes the instance over as `adopt_id` does, by the same ownership rules
and with the same refusal: the imported resource's inputs name it as `adopt_id`,
so the next `pulumi up` adds this stack's ownership and stack tags with the one
PATCH an adoption makes. A lookup reads only.
"""

from __future__ import annotations

from typing import Any

from .api.session import Session
from .core import ownership
from .core.catalog import element_of, is_quickbooks
from .core.declaration import ProviderOnly
from .core.inputs import SCHEMA, InstanceSpec
from .core.observe import instance_outputs
from .errors import InputError, InstanceNotFound, ProvisioningError
from .operations import Applied

# The engine asks the same Read of `Instance.get` as of `pulumi import` (no inputs,
# no state: nothing tells them apart), so a get of someone else's instance is refused
# as its import is; the lookup function reads any instance.
READ_ONLY = (
    "(`Instance.get` is refused alike: the engine asks the provider the same for both. "
    "To read an instance without taking it over, use the getInstance function.)"
)


def imported(
    session: Session, instance_id: str, mine: str
) -> tuple[Applied, dict[str, Any]] | None:
    """The instance as this resource's (outputs) and the inputs that declare it as it
    is; None if there is no such instance. Refused if another stack or resource owns it."""
    try:
        instance = session.client().get_instance(instance_id)
    except InstanceNotFound:
        return None
    # What an `adopt_id` spec of this resource would say about ownership: no grant
    # (the company stays), no takeover.
    try:
        ownership.check_adoptable(
            instance, InstanceSpec.model_construct(ownership_tag=mine, adopt_id=instance_id)
        )
    except ProvisioningError as refused:
        raise ProvisioningError(f"{refused} {READ_ONLY}") from None
    prior = {"adopt_id": instance_id}
    outputs = instance_outputs(instance, ownership_tag=mine, extra_keys=[], prior=prior)
    # The inputs the instance itself answers (what the provider alone decides, such as
    # on_delete, stays at its default), and the adoption that makes it this resource's.
    observed = {
        name: outputs[name]
        for name, i in SCHEMA.inputs.items()
        if not i.secret
        and not isinstance(i.api, ProviderOnly)
        and outputs.get(name) not in (None, [], {})
    }
    inputs = {**observed, "adopt_id": instance_id}
    return Applied(instance_id, outputs), inputs


def look_up(session: Session, instance_id: str | None, name: str | None) -> dict[str, Any]:
    """The outputs of the instance with this id, or of the one instance with this name."""
    if (instance_id is None) == (name is None):
        raise InputError("getInstance: give exactly one of id and name")
    client = session.client()
    if instance_id is not None:
        try:
            instance = client.get_instance(instance_id)
        except InstanceNotFound:
            raise ProvisioningError(f"getInstance: no instance {instance_id}") from None
    else:
        found = client.find_named(name or "")
        if len(found) != 1:
            ids = ", ".join(str(i["id"]) for i in found) or "none"
            raise ProvisioningError(
                f"getInstance: {len(found)} instances are named {name!r} ({ids}); "
                "exactly one must be: look it up by id"
            )
        instance = found[0]
        if not isinstance(instance.get("configuration"), dict):
            instance = client.get_instance(str(instance["id"]))
    if not is_quickbooks(instance):
        refused = ownership.not_quickbooks(str(instance["id"]), element_of(instance))
        raise ProvisioningError(f"getInstance: {refused}")
    owner = next(iter(ownership.other_owners(instance.get("tags") or [], None)), "")
    return instance_outputs(instance, ownership_tag=owner, extra_keys=[], prior={})
