"""`QuickBooksInstance`: the resource a Pulumi program declares.

Its inputs and outputs are the declaration's (`core/inputs.py`): nothing is listed
here a second time.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from .core.inputs import SCHEMA
from .core.tags import ownership_tag_of
from .errors import InputError
from .lifecycle import QuickBooksInstanceProvider

__all__ = ["SECRET_OUTPUTS", "QuickBooksInstance", "ownership_tag"]

# Encrypted in state: secret outputs, and outputs named like a secret input.
SECRET_OUTPUTS = SCHEMA.secret_outputs


def ownership_tag(resource_name: str) -> str:
    """Identifies the instance as this stack's resource, so a lost create response
    can be recovered by lookup instead of creating a second instance."""
    return ownership_tag_of(pulumi.get_project(), pulumi.get_stack(), resource_name)


class QuickBooksInstance(Resource, module="quickbooks", name="Instance"):
    """A Cloud Elements QuickBooks Online element instance.

    Keyword arguments are the inputs of the README's input table (`name` is
    required); every output of the output table is an attribute.
    """

    def __init__(
        self,
        resource_name: str,
        *,
        opts: ResourceOptions | None = None,
        **inputs: Input[Any],
    ) -> None:
        unknown = sorted(set(inputs) - set(SCHEMA.user_inputs))
        if unknown:
            raise InputError(
                f"QuickBooksInstance {resource_name!r}: unknown input(s) {', '.join(unknown)}; "
                f"inputs are: {', '.join(SCHEMA.user_inputs)}"
            )
        props: dict[str, Any] = {name: inputs.get(name) for name in SCHEMA.user_inputs}
        props["ownership_tag"] = ownership_tag(resource_name)
        for name in SCHEMA.secret_inputs:
            if props[name] is not None:
                props[name] = Output.secret(props[name])  # secret even when passed plain
        # Output properties the provider computes start unknown.
        for name in SCHEMA.output_names:
            props.setdefault(name, None)
        opts = ResourceOptions.merge(
            opts, ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        )
        super().__init__(QuickBooksInstanceProvider(), resource_name, props, opts)


# Typed attributes for readers and type checkers, from the same declaration.
QuickBooksInstance.__annotations__ = {name: Output[Any] for name in SCHEMA.output_names}
