"""What an input declaration is, and everything derived from a table of them.

One `Input` holds all the provider knows about one input: its name, value type
(validation and normalization), default, where it lives in the API and how it is
encoded there, how it compares, what a change does, secrecy, and its docs. A
`Schema` over the table derives the rest, so nothing about an input is written
twice: the spec model, the comparable view, the configuration of a create and a
PATCH, the observed outputs, the output list, the replace rules and the docs.

Inputs that are one configuration key (`Config`) or one top-level field
(`TopLevel`) need nothing else. The others say so (`Explicit`, naming the code
that maps them), or steer only the provider and live only in the state
(`ProviderOnly`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, create_model
from pydantic import Field as ModelField
from pydantic_core import PydanticUndefined

from .fingerprint import fingerprint
from .tags import stack_tag_of

REQUIRED: Any = PydanticUndefined

Compare = Literal["exact", "set", "fingerprint", "not compared"]
Effect = Literal["update", "replace", "state"]


@dataclass(frozen=True)
class Codec:
    """How a value travels in the instance's configuration, where every value is a
    string; `decode` gets None when the key is absent."""

    encode: Callable[[Any], str]
    decode: Callable[[str | None], Any]


@dataclass(frozen=True)
class Config:
    """The input is one configuration key of the instance."""

    key: str
    codec: Codec
    # Read when the key is absent: the platform mirrors some keys as top-level fields.
    fallback_field: str | None = None


@dataclass(frozen=True)
class TopLevel:
    """The input is one top-level field of the instance."""

    field: str


@dataclass(frozen=True)
class Explicit:
    """Not one configuration key: the code named here maps it to the API and back."""

    where: str


@dataclass(frozen=True)
class ProviderOnly:
    """Steers the provider itself: never sent, remembered in the state as applied."""


@dataclass(frozen=True)
class Output:
    name: str
    type: str
    doc: str
    secret: bool = False
    # Known only to the provider (the API never shows it): carried over on every read.
    remembered: bool = False
    # Why the output is going and what to read instead; shown in the docs and the
    # plugin's schema (its SDKs warn on use) for a release before it goes.
    deprecated: str = ""


_EFFECT_DOCS = {
    "update": "update in place",
    "replace": "**replace**",
    "state": "update in place (state only, no API call)",
}


@dataclass(frozen=True)
class Input:
    name: str
    value: Any  # the annotated type: validation and normalization
    default: Any
    type_doc: str
    default_doc: str
    api: Config | TopLevel | Explicit | ProviderOnly
    doc: str = ""
    compare: Compare = "exact"
    effect: Effect = "update"
    effect_doc: str = ""  # the docs' "on change" cell, where `effect` alone says too little
    secret: bool = False
    output_type: str = ""  # the type of the output of the same name, where there is one
    # Explicit inputs name their compared fields and outputs; the others derive them.
    fields: tuple[str, ...] | None = None
    outputs: tuple[Output, ...] | None = None
    replaced_by: tuple[str, ...] = ()  # compared fields whose change forces a replace
    # `strategy(hypothesis.strategies)`: valid values, for the property tests.
    strategy: Callable[[Any], Any] | None = None

    @property
    def compared_fields(self) -> tuple[str, ...]:
        if self.fields is not None:
            return self.fields
        if self.compare == "not compared":
            return ()
        if self.compare == "fingerprint":
            return (f"{self.name}_fingerprint",)
        return (self.name,)

    @property
    def replacing_fields(self) -> tuple[str, ...]:
        return self.replaced_by or (self.compared_fields if self.effect == "replace" else ())

    @property
    def derived_outputs(self) -> tuple[Output, ...]:
        if self.outputs is not None:
            return self.outputs
        if self.compare == "fingerprint":
            doc = f"keyed fingerprint of `{self.name}`"
            return (Output(f"{self.name}_fingerprint", "string", doc, remembered=True),)
        if self.compare == "not compared":
            return ()
        if isinstance(self.api, Config):
            return (Output(self.name, self.output_type, f"`{self.api.key}`"),)
        if isinstance(self.api, TopLevel):
            return (Output(self.name, self.output_type, "as the API shows it"),)
        return (Output(self.name, self.output_type, "as last applied", remembered=True),)

    @property
    def on_change_doc(self) -> str:
        return self.effect_doc or _EFFECT_DOCS[self.effect]


class SpecBase(BaseModel):
    """A fully known, valid, normalized desired instance: the resource's inputs."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_: ClassVar[Schema]
    ownership_tag: str

    @property
    def stack_tag(self) -> str:
        return stack_tag_of(self.ownership_tag)

    @property
    def realm_id(self) -> str | None:
        oauth = getattr(self, "oauth", None)
        return oauth.realm_id if oauth else None


class Schema:
    """Everything derived from one table of inputs (and the outputs no input has)."""

    def __init__(
        self,
        inputs: tuple[Input, ...],
        *,
        ownership_tag: Any,
        leading: tuple[Output, ...],
        trailing: tuple[Output, ...],
        open_keys: frozenset[str] = frozenset(),
    ) -> None:
        # `open_keys`: configuration keys a map input (extra_configuration) sets as
        # given. An input declared as one of them would be written twice, by two
        # inputs that disagree, and compared against each other's value.
        for i in inputs:
            if isinstance(i.api, Config) and i.api.key in open_keys:
                raise ValueError(
                    f"input {i.name!r}: configuration key {i.api.key!r} is also one of the "
                    "keys extra_configuration sets; declare it in one place only"
                )
        self.inputs = {i.name: i for i in inputs}
        fields = {i.name: (i.value, ModelField(i.default, description=i.doc)) for i in inputs}
        self.model: type[SpecBase] = create_model(
            "InstanceSpec",
            __base__=SpecBase,
            __module__=__name__,
            ownership_tag=(ownership_tag, ...),
            **fields,
        )
        self.model.schema_ = self
        self.user_inputs = tuple(self.inputs)
        # In the order check reports them (ownership_tag comes from the resource).
        self.input_fields = ("ownership_tag", *self.user_inputs)
        self.secret_inputs = tuple(i.name for i in inputs if i.secret)
        self.outputs = (*leading, *(o for i in inputs for o in i.derived_outputs), *trailing)
        self.output_names = tuple(o.name for o in self.outputs)
        self.remembered = tuple(o.name for o in self.outputs if o.remembered)
        # Encrypted in state: secret outputs, and outputs named like a secret input.
        self.secret_outputs = [*(o.name for o in self.outputs if o.secret), *self.secret_inputs]
        self._input_of = {f: i.name for i in inputs for f in i.compared_fields}
        self.replacing = frozenset(f for i in inputs for f in i.replacing_fields)
        self.configured = tuple(i for i in inputs if isinstance(i.api, Config))
        self.top_level = tuple(i for i in inputs if isinstance(i.api, TopLevel))
        self.provider_only = tuple(i for i in inputs if isinstance(i.api, ProviderOnly))

    def input_of(self, field: str) -> str:
        """The input a user sees in the preview for a compared field."""
        return self._input_of[field]

    # --- the comparable view ------------------------------------------------------

    def comparable(self, spec: SpecBase, fingerprint_key: str) -> dict[str, Any]:
        """The comparable desired state, keyed like outputs, of every input but the
        explicit ones (write-only secrets by their keyed fingerprint, explicit or not)."""
        view: dict[str, Any] = {}
        for i in self.inputs.values():
            value = getattr(spec, i.name)
            if i.compare == "fingerprint":
                view[f"{i.name}_fingerprint"] = fingerprint(fingerprint_key, fingerprintable(value))
            elif not isinstance(i.api, Explicit) and i.compare != "not compared":
                view[i.name] = _plain(value)
        return view

    def observed_state(self, old: dict[str, Any]) -> dict[str, Any]:
        """What the state says of the provider-only inputs: a state written before one
        of them existed meant its default."""
        return {
            i.name: i.default if old.get(i.name) is None else old[i.name]
            for i in self.provider_only
            if i.compare != "not compared"
        }

    # --- the API side -------------------------------------------------------------

    def configuration(
        self, spec: SpecBase, *, secrets: bool, changed: tuple[str, ...] | None = None
    ) -> dict[str, str]:
        """The configuration keys of the `Config` inputs that are set (with `changed`:
        only those whose compared field changed), as the API wants them."""
        config = {}
        for i in self.configured:
            value = getattr(spec, i.name)
            if value is None or (i.secret and not secrets):
                continue
            if changed is None or any(f in changed for f in i.compared_fields):
                config[i.api.key] = i.api.codec.encode(value)
        return config

    def fields(self, spec: SpecBase, changed: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The top-level fields of the `TopLevel` inputs (with `changed`: those that changed)."""
        return {
            i.api.field: getattr(spec, i.name)
            for i in self.top_level
            if changed is None or i.name in changed
        }

    def observe(self, instance: dict[str, Any], config: dict[str, str]) -> dict[str, Any]:
        """The outputs of the `Config` and `TopLevel` inputs, from the instance as shown."""
        outputs = {i.name: instance.get(i.api.field) for i in self.top_level}
        for i in self.configured:
            if i.secret:
                continue
            text = config.get(i.api.key)
            if text is None and i.api.fallback_field is not None:
                outputs[i.name] = bool(instance.get(i.api.fallback_field))
            else:
                outputs[i.name] = i.api.codec.decode(text)
        return outputs

    def configuration_of(self, outputs: dict[str, Any]) -> dict[str, str]:
        """The configuration keys of the `Config` inputs, as their outputs observed them
        (the inverse of `observe`): the instance an update starts from."""
        return {
            i.api.key: i.api.codec.encode(outputs[i.name])
            for i in self.configured
            if not i.secret and outputs.get(i.name) is not None
        }

    def known_to_provider(
        self, spec: SpecBase, base: dict[str, Any], fingerprint_key: str
    ) -> dict[str, Any]:
        """What only the provider knows after applying `spec`: the fingerprints of the
        write-only secrets it sent (else those it had) and the provider-only inputs."""
        known = dict(base)
        for i in self.inputs.values():
            if i.compare == "fingerprint":
                name = f"{i.name}_fingerprint"
                value = fingerprint(fingerprint_key, fingerprintable(getattr(spec, i.name)))
                known[name] = value or base.get(name)
        for i in self.provider_only:
            if i.compare != "not compared":
                known[i.name] = getattr(spec, i.name)
        return known


def fingerprintable(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else value


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value
